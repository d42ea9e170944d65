//! The per-subdir fetch order, as rattler's gateway has it, and content-addressed shards.
//!
//! For `SUBDIR`: the sharded index `SUBDIR/repodata_shards.msgpack.zst` (CEP-16; a `404` or a
//! `501`, which Artifactory answers, falls back), else `SUBDIR/repodata.json.zst`, else
//! `SUBDIR/repodata.json`. rattler probes the two fallbacks with HEAD requests first; here each
//! is a (conditional) GET at once, which answers the same question in one round trip. A
//! platform subdir where all three are missing is empty ([`SubdirRepodata::Missing`]); a
//! missing `noarch` is [`FetchError::MissingNoarch`], naming its URL. Every file goes through
//! the [`Cache`]; parsing is the caller's.
//!
//! Shards `SHARDS_BASE/<hex sha256>.msgpack.zst` are content-addressed: once a stored shard's
//! SHA-256 matches the digest the index gives, it is used without any request.

use std::sync::Arc;

use super::cache::{Cache, CachedBody};
use super::fetch_error::FetchError;
use super::transport::{check_path, Transport};
use super::url::ChannelUrl;

/// The sharded index of a subdir.
pub const SHARD_INDEX: &str = "repodata_shards.msgpack.zst";
/// The zstd-compressed repodata of a subdir.
pub const REPODATA_ZST: &str = "repodata.json.zst";
/// The plain repodata of a subdir.
pub const REPODATA_JSON: &str = "repodata.json";

/// Which form of repodata a subdir has, with a reader over its bytes (as stored on the
/// server: the `.zst` forms are still compressed).
#[derive(Debug)]
pub enum SubdirRepodata {
    /// `SUBDIR/repodata_shards.msgpack.zst`: the shard index (zstd-compressed msgpack).
    Sharded(CachedBody),
    /// `SUBDIR/repodata.json.zst`.
    JsonZst(CachedBody),
    /// `SUBDIR/repodata.json`.
    Json(CachedBody),
    /// A platform subdir that has none of the three: no packages.
    Missing,
}

impl SubdirRepodata {
    /// The body, unless the subdir is missing.
    pub fn body(&mut self) -> Option<&mut CachedBody> {
        match self {
            SubdirRepodata::Sharded(b) | SubdirRepodata::JsonZst(b) | SubdirRepodata::Json(b) => Some(b),
            SubdirRepodata::Missing => None,
        }
    }

    /// The file name of the form found (`None` when missing).
    pub fn file_name(&self) -> Option<&'static str> {
        match self {
            SubdirRepodata::Sharded(_) => Some(SHARD_INDEX),
            SubdirRepodata::JsonZst(_) => Some(REPODATA_ZST),
            SubdirRepodata::Json(_) => Some(REPODATA_JSON),
            SubdirRepodata::Missing => None,
        }
    }
}

/// The files of one channel, fetched through one transport and one cache.
#[derive(Debug, Clone)]
pub struct ChannelFiles {
    channel: ChannelUrl,
    transport: Arc<dyn Transport>,
    cache: Cache,
    sharded: bool,
}

impl ChannelFiles {
    /// The files of `channel`, read through `transport` and `cache`; sharded repodata is
    /// looked for first.
    pub fn new(channel: ChannelUrl, transport: Arc<dyn Transport>, cache: Cache) -> Self {
        Self { channel, transport, cache, sharded: true }
    }

    /// Whether to look for the sharded index first (on by default, as in rattler).
    pub fn with_shards(mut self, sharded: bool) -> Self {
        self.sharded = sharded;
        self
    }

    /// The channel.
    pub fn channel(&self) -> &ChannelUrl {
        &self.channel
    }

    /// The transport.
    pub fn transport(&self) -> &Arc<dyn Transport> {
        &self.transport
    }

    /// The cache.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// The repodata of `subdir` (`noarch`, `linux-64`, ...) in the first form the channel has.
    pub fn subdir(&self, subdir: &str) -> Result<SubdirRepodata, FetchError> {
        self.subdir_with(subdir, false)
    }

    /// [`ChannelFiles::subdir`], with the per-name index of a cached `repodata.json(.zst)`
    /// when `indexed` and it has a valid one (see [`Cache::get_indexed`]).
    pub(crate) fn subdir_with(&self, subdir: &str, indexed: bool) -> Result<SubdirRepodata, FetchError> {
        if subdir.contains('/') {
            return Err(FetchError::InvalidPath {
                path: subdir.to_owned(),
                reason: "a subdir is one path segment".into(),
            });
        }
        check_path(subdir)?;
        let t = self.transport.as_ref();
        if self.sharded {
            if let Some(b) = self.cache.get(t, &format!("{subdir}/{SHARD_INDEX}"), true)? {
                return Ok(SubdirRepodata::Sharded(b));
            }
        }
        let get =
            |path: String| if indexed { self.cache.get_indexed(t, &path) } else { self.cache.get(t, &path, false) };
        if let Some(b) = get(format!("{subdir}/{REPODATA_ZST}"))? {
            return Ok(SubdirRepodata::JsonZst(b));
        }
        if let Some(b) = get(format!("{subdir}/{REPODATA_JSON}"))? {
            return Ok(SubdirRepodata::Json(b));
        }
        if subdir == "noarch" {
            return Err(FetchError::MissingNoarch { url: format!("{}/", self.channel.join(subdir)) });
        }
        Ok(SubdirRepodata::Missing)
    }

    /// The shard of `subdir` whose SHA-256 is `sha256`, under the index's `shards_base_url`
    /// (see [`shard_path`]). A missing shard is an error naming its URL.
    pub fn shard(&self, subdir: &str, shards_base_url: &str, sha256: &[u8; 32]) -> Result<CachedBody, FetchError> {
        let path = shard_path(&self.channel, subdir, shards_base_url, sha256)?;
        self.cache
            .get_content_addressed(self.transport.as_ref(), &path, sha256)?
            .ok_or_else(|| FetchError::Status { url: self.transport.url(&path), status: 404 })
    }

    /// Any file of the channel (`SUBDIR/FILE`) through the cache; `None` when missing.
    pub fn file(&self, path: &str) -> Result<Option<CachedBody>, FetchError> {
        self.cache.get(self.transport.as_ref(), path, false)
    }
}

/// The channel path of a shard: `shards_base_url` (from the shard index's `info`) resolved
/// against `CHANNEL/SUBDIR/`, then `<hex sha256>.msgpack.zst`.
///
/// rattler writes `"./shards/"`, conda-index writes `""` (the shards sit in the subdir
/// itself); a missing trailing `/` is added (conda-libmamba-solver #748). An absolute URL is
/// accepted when it lies inside the channel; anything that leaves it (`..`, another host) is
/// refused.
pub fn shard_path(
    channel: &ChannelUrl,
    subdir: &str,
    shards_base_url: &str,
    sha256: &[u8; 32],
) -> Result<String, FetchError> {
    let bad = |reason: &str| FetchError::InvalidPath { path: shards_base_url.to_owned(), reason: reason.to_owned() };
    let mut base = shards_base_url.trim();
    let subdir_url = format!("{}/", channel.join(subdir));
    let absolute;
    if base.contains("://") {
        let root = format!("{}/", channel.join(""));
        let root = root.trim_end_matches('/').to_owned() + "/";
        absolute = base
            .strip_prefix(root.as_str())
            .ok_or_else(|| bad(&format!("shards outside the channel {subdir_url} are not supported")))?
            .to_owned();
        base = absolute.as_str();
        let file = format!("{}.msgpack.zst", crate::channel::hex(sha256));
        let path =
            if base.is_empty() || base.ends_with('/') { format!("{base}{file}") } else { format!("{base}/{file}") };
        check_path(&path).map_err(|_| bad("not a plain path inside the channel"))?;
        return Ok(path);
    }
    if base.starts_with('/') {
        return Err(bad("an absolute path is not supported; give it relative to the subdir"));
    }
    while let Some(rest) = base.strip_prefix("./") {
        base = rest;
    }
    if base == "." {
        base = "";
    }
    let mut path = format!("{subdir}/{base}");
    if !path.ends_with('/') {
        path.push('/');
    }
    path.push_str(&crate::channel::hex(sha256));
    path.push_str(".msgpack.zst");
    check_path(&path).map_err(|_| bad("it leaves the subdir (use a path like \"./shards/\")"))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_secrets::CleanErr;

    #[test]
    fn shard_paths() {
        let c = ChannelUrl::parse("s3://bkt/ch").unwrap();
        let d = [0xabu8; 32];
        let hex = "ab".repeat(32);
        for (base, want) in [
            ("./shards/", format!("linux-64/shards/{hex}.msgpack.zst")),
            ("shards/", format!("linux-64/shards/{hex}.msgpack.zst")),
            ("shards", format!("linux-64/shards/{hex}.msgpack.zst")),
            ("", format!("linux-64/{hex}.msgpack.zst")),
            ("./", format!("linux-64/{hex}.msgpack.zst")),
            ("s3://bkt/ch/linux-64/shards/", format!("linux-64/shards/{hex}.msgpack.zst")),
        ] {
            assert_eq!(shard_path(&c, "linux-64", base, &d).unwrap(), want, "{base:?}");
        }
        for base in ["../x/", "/abs/", "https://other/shards/", "s3://bkt/other/", "a//b"] {
            let e = shard_path(&c, "linux-64", base, &d).clean_err();
            assert!(e.to_string().contains(base), "{e}");
        }
    }
}
