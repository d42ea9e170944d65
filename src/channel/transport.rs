//! The reader's transport: one trait that fetches a file of a channel by its path relative to
//! the channel root, with conditional validators and an optional byte range, whatever the
//! channel's scheme. [`S3Transport`](super::s3_transport::S3Transport) and
//! [`HttpTransport`](super::http_transport::HttpTransport) implement it; the cache and the
//! fetch order are written against the trait only.

use std::fmt;
use std::io::Read;

use super::fetch_error::FetchError;
pub use crate::s3::ByteRange;

/// Validators from an earlier answer, sent as `If-None-Match` / `If-Modified-Since`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The ETag, as the server sent it (with its quotes).
    pub etag: Option<String>,
    /// `Last-Modified`, as the server sent it.
    pub last_modified: Option<String>,
}

impl Validators {
    /// Whether there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// How one file is fetched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchOptions {
    /// Conditional validators (an answer 304 becomes [`Fetched::NotModified`]).
    pub validators: Validators,
    /// Only these bytes (the body then starts at the range's first byte; see
    /// [`BodyMeta::content_range`]: a server may ignore the range and send everything).
    pub range: Option<ByteRange>,
    /// Count `501 Not Implemented` as [`Fetched::NotFound`]: rattler does so for the shard index
    /// `repodata_shards.msgpack.zst`, which Artifactory answers with 501.
    pub not_implemented_is_missing: bool,
}

/// What the server said about a file (headers of a GET, HEAD or 304 answer).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BodyMeta {
    /// `ETag`, with its quotes.
    pub etag: Option<String>,
    /// `Last-Modified`, as sent.
    pub last_modified: Option<String>,
    /// `Content-Length` (of this answer's body: the range's length for a ranged GET).
    pub content_length: Option<u64>,
    /// `Cache-Control`, as sent.
    pub cache_control: Option<String>,
    /// `Content-Range` as `(first, last, total)`, for a ranged answer (206).
    pub content_range: Option<(u64, u64, u64)>,
}

/// A body being received: what the server said, and a reader over the bytes.
pub struct Body {
    /// The answer's headers.
    pub meta: BodyMeta,
    /// The bytes (streamed from the connection).
    pub reader: Box<dyn Read + Send>,
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Body").field("meta", &self.meta).finish_non_exhaustive()
    }
}

/// The outcome of [`Transport::fetch`].
#[derive(Debug)]
pub enum Fetched {
    /// `304`: the validators still match; the headers that came with it (S3 sends none the
    /// client keeps).
    NotModified(BodyMeta),
    /// `404` (and `501` when [`FetchOptions::not_implemented_is_missing`]).
    NotFound,
    /// `200` or `206`.
    Body(Body),
}

/// Fetches the files of one channel. `path` is relative to the channel root
/// (`noarch/repodata.json`); implementations check it with [`check_path`].
pub trait Transport: Send + Sync + fmt::Debug {
    /// GET `path` with `opts`.
    fn fetch(&self, path: &str, opts: &FetchOptions) -> Result<Fetched, FetchError>;

    /// HEAD `path`: its metadata, or `None` when it does not exist (404).
    fn head(&self, path: &str) -> Result<Option<BodyMeta>, FetchError>;

    /// The URL of `path` for people and for the cache metadata (`s3://b/ch/noarch/x`,
    /// `https://h/ch/noarch/x`).
    fn url(&self, path: &str) -> String;

    /// What, beyond [`Transport::url`], decides which server answers (an `s3://` channel's
    /// endpoint and addressing style): the cache key hashes both, so the same bucket name on
    /// two endpoints gets two entries. Empty for `http(s)://`.
    fn cache_identity(&self) -> String {
        String::new()
    }
}

/// Checks that `path` is a plain relative path inside the channel: not empty, no leading `/`,
/// no empty, `.` or `..` segment, no `?`, `#` or control characters.
pub fn check_path(path: &str) -> Result<(), FetchError> {
    let bad = |reason: &str| Err(FetchError::InvalidPath { path: path.to_owned(), reason: reason.to_owned() });
    if path.is_empty() {
        return bad("it is empty");
    }
    if path.starts_with('/') {
        return bad("it must be relative to the channel (no leading '/')");
    }
    if path.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
        return bad("it has an empty, '.' or '..' segment");
    }
    if path.chars().any(|c| c.is_control() || matches!(c, '?' | '#' | '\\')) {
        return bad("it has a '?', '#', '\\' or a control character");
    }
    Ok(())
}

/// `max-age` and friends from a `Cache-Control` value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheControl {
    /// `max-age=N` (seconds), if given and valid.
    pub max_age: Option<u64>,
    /// `no-cache` (revalidate every time) or `must-revalidate` without a `max-age`.
    pub no_cache: bool,
    /// `no-store` (do not keep the body).
    pub no_store: bool,
    /// `immutable`.
    pub immutable: bool,
}

impl CacheControl {
    /// Parses a `Cache-Control` value (directives are case-insensitive; unknown ones, and
    /// `s-maxage`, which is for shared caches, are ignored).
    pub fn parse(value: &str) -> Self {
        let mut out = Self::default();
        let mut must_revalidate = false;
        for d in value.split(',') {
            let d = d.trim();
            let (name, arg) = match d.split_once('=') {
                Some((n, a)) => (n.trim(), Some(a.trim().trim_matches('"'))),
                None => (d, None),
            };
            match name.to_ascii_lowercase().as_str() {
                "max-age" => out.max_age = arg.and_then(|a| a.parse().ok()),
                "no-cache" => out.no_cache = true,
                "no-store" => out.no_store = true,
                "immutable" => out.immutable = true,
                "must-revalidate" => must_revalidate = true,
                _ => {}
            }
        }
        if must_revalidate && out.max_age.is_none() {
            out.no_cache = true;
        }
        out
    }

    /// How long an answer stays fresh without asking the server again: `max-age`, unless
    /// `no-cache` or `no-store`; zero when no `max-age` is given (see the cache's
    /// documentation for why there is no heuristic freshness).
    pub fn fresh_for(&self) -> u64 {
        if self.no_cache || self.no_store {
            0
        } else {
            self.max_age.unwrap_or(0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_secrets::CleanErr;

    #[test]
    fn paths() {
        for ok in ["noarch/repodata.json", "linux-64/shards/ab.msgpack.zst", "x"] {
            check_path(ok).unwrap();
        }
        for bad in ["", "/noarch/x", "noarch//x", "a/../b", "./a", "a/", "a?b", "a#b", "a\nb", "a\\b"] {
            let e = check_path(bad).clean_err();
            assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
        }
    }

    #[test]
    fn cache_control() {
        let c = CacheControl::parse("public, max-age=300");
        assert_eq!((c.max_age, c.fresh_for()), (Some(300), 300));
        let c = CacheControl::parse("Public, MAX-AGE=\"31536000\", immutable");
        assert_eq!((c.fresh_for(), c.immutable), (31_536_000, true));
        assert_eq!(CacheControl::parse("no-cache, max-age=300").fresh_for(), 0);
        assert_eq!(CacheControl::parse("no-store").fresh_for(), 0);
        assert!(CacheControl::parse("no-store").no_store);
        assert_eq!(CacheControl::parse("must-revalidate").fresh_for(), 0);
        assert_eq!(CacheControl::parse("must-revalidate, max-age=5").fresh_for(), 5);
        assert_eq!(CacheControl::parse("s-maxage=60").fresh_for(), 0);
        assert_eq!(CacheControl::parse("max-age=abc").fresh_for(), 0);
        assert_eq!(CacheControl::parse("").fresh_for(), 0);
    }
}
