//! [`Channel`]: one conda channel opened for reading, with everything it needs passed in a
//! [`ChannelContext`] (environment, current directory, settings overrides, cache mode, clock),
//! so that nothing here reads the process environment or the wall clock by itself.
//!
//! ```no_run
//! use minis3::channel::{Channel, ChannelContext};
//! use minis3::channel::MatchSpec;
//! let ctx = ChannelContext::from_process();
//! let channel = Channel::open("s3://my-bucket/conda", &ctx).unwrap();
//! let spec = MatchSpec::parse("numpy >=1.26,<2").unwrap();
//! let found = channel.query(&spec, &["linux-64", "noarch"]).unwrap();
//! if let Some(newest) = found.first() {
//!     channel.download(newest, std::path::Path::new("pkgs")).unwrap();
//! }
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::api_error::ChannelError;
use super::cache::{Cache, CacheMode};
use super::connect::{open_transport, ConnectInputs};
use super::fetch_error::FetchError;
use super::fetch_order::ChannelFiles;
use super::http_transport::AuthorizationProvider;
use super::record::PackageRecord;
use super::transport::Transport;
use super::url::ChannelUrl;
use crate::clock::{Clock, SystemClock};
use crate::config::env::Environment;
use crate::http::Http;
use crate::settings::Overrides;

/// What opening a channel needs; every machine-specific input is a field.
#[derive(Clone, Debug)]
pub struct ChannelContext {
    /// The environment (AWS_*, XDG_CACHE_HOME, HOME, proxies...).
    pub env: Environment,
    /// Where the pixi workspace (and its `s3-options`) is searched from.
    pub cwd: PathBuf,
    /// The caller's settings overrides (`endpoint_url`, `region`, `unsigned`,
    /// `manifest_path`...), as the settings layer takes them.
    pub flags: Overrides,
    /// How the cache is used.
    pub cache_mode: CacheMode,
    /// The cache directory; `None`: the user cache (`$XDG_CACHE_HOME/minis3/channel`).
    pub cache_dir: Option<PathBuf>,
    /// The clock for cache freshness.
    pub clock: Arc<dyn Clock>,
    /// The HTTP agent for `http(s)://` and `gcs://` channels (`None`: one built from `env`).
    pub http: Option<Http>,
    /// The bearer-token source for `gcs://` channels (`None`: a public bucket).
    pub gcs_authorization: Option<Arc<dyn AuthorizationProvider>>,
    /// The Cloud Storage endpoint `gcs://` channels are read from (`None`:
    /// `https://storage.googleapis.com`; tests give a local server).
    pub gcs_endpoint: Option<String>,
    /// Look for sharded repodata first (on, as in rattler).
    pub shards: bool,
}

impl ChannelContext {
    /// A context for `env` and `cwd`, with no overrides, the user cache and the system clock.
    pub fn new(env: Environment, cwd: impl Into<PathBuf>) -> Self {
        ChannelContext {
            env,
            cwd: cwd.into(),
            flags: Overrides::default(),
            cache_mode: CacheMode::Normal,
            cache_dir: None,
            clock: Arc::new(SystemClock),
            http: None,
            gcs_authorization: None,
            gcs_endpoint: None,
            shards: true,
        }
    }

    /// The process's environment and current directory (for programs, not tests).
    pub fn from_process() -> Self {
        Self::new(Environment::from_process(), std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")))
    }

    /// The cache this context describes.
    pub fn cache(&self) -> Cache {
        let cache = match &self.cache_dir {
            Some(dir) => Cache::new(dir.clone(), self.clock.clone()),
            None => Cache::from_env(&self.env, self.clock.clone()),
        };
        cache.with_mode(self.cache_mode)
    }
}

/// The conda platform of the machine minis3 runs on (`linux-64`, `osx-arm64`, `win-64`...),
/// `None` on a platform conda has no name for.
pub fn machine_platform() -> Option<&'static str> {
    let os = std::env::consts::OS;
    let arch = std::env::consts::ARCH;
    Some(match (os, arch) {
        ("linux", "x86_64") => "linux-64",
        ("linux", "x86") => "linux-32",
        ("linux", "aarch64") => "linux-aarch64",
        ("linux", "arm") => "linux-armv7l",
        ("linux", "powerpc64") => "linux-ppc64",
        ("linux", "powerpc64le") => "linux-ppc64le",
        ("linux", "s390x") => "linux-s390x",
        ("linux", "riscv64") => "linux-riscv64",
        ("macos", "x86_64") => "osx-64",
        ("macos", "aarch64") => "osx-arm64",
        ("windows", "x86_64") => "win-64",
        ("windows", "x86") => "win-32",
        ("windows", "aarch64") => "win-arm64",
        ("freebsd", "x86_64") => "freebsd-64",
        _ => return None,
    })
}

/// The platforms searched by default: the machine's and `noarch`.
pub fn default_platforms() -> Vec<String> {
    machine_platform().into_iter().chain(["noarch"]).map(str::to_owned).collect()
}

/// One package found in a channel.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelRecord {
    /// The record, as the repodata (or shard) holds it.
    pub record: PackageRecord,
    /// The package's file name (`numpy-1.26.4-py312_0.conda`).
    pub filename: String,
    /// The subdir it was found in.
    pub subdir: String,
    /// The channel URL (canonical form).
    pub channel: String,
    /// The package's URL (in the channel's scheme: `s3://b/ch/linux-64/numpy-...conda`).
    pub url: String,
    /// The package's path relative to the channel root (`linux-64/numpy-...conda`), what the
    /// transport fetches.
    pub path: String,
}

/// A conda channel opened for reading (cheap to clone; safe to share between threads).
#[derive(Debug, Clone)]
pub struct Channel {
    pub(crate) files: ChannelFiles,
}

impl Channel {
    /// Opens the channel at `url` (`s3://BUCKET/PATH`, `gcs://BUCKET/PATH`,
    /// `http(s)://HOST/PATH`): settings for an `s3://` bucket are resolved here (once), no
    /// request is sent yet.
    pub fn open(url: &str, ctx: &ChannelContext) -> Result<Channel, ChannelError> {
        let url = ChannelUrl::parse(url).map_err(FetchError::from)?;
        let inputs = ConnectInputs {
            flags: &ctx.flags,
            env: &ctx.env,
            cwd: &ctx.cwd,
            http: ctx.http.as_ref(),
            gcs_authorization: ctx.gcs_authorization.as_ref(),
        };
        let is_gcs = url.scheme() == super::url::ChannelScheme::Gcs;
        let via_s3 = is_gcs && ctx.gcs_endpoint.is_some() && super::connect::gcs_via_s3(&url, &inputs)?;
        let transport = match (&ctx.gcs_endpoint, url.bucket()) {
            (Some(endpoint), Some(bucket)) if is_gcs && !via_s3 => {
                let http = match &ctx.http {
                    Some(h) => h.clone(),
                    None => Http::new(&crate::http::HttpConfig::from_env(&ctx.env))
                        .map_err(|source| FetchError::Http { url: url.to_string(), source })?,
                };
                let base = format!("{}/{bucket}/{}", endpoint.trim_end_matches('/'), url.path());
                let t = super::http_transport::HttpTransport::new(http, base.trim_end_matches('/').to_owned());
                let t = match &ctx.gcs_authorization {
                    Some(p) => t.with_authorization(p.clone()),
                    None => t,
                };
                Arc::new(t) as Arc<dyn Transport>
            }
            _ => open_transport(&url, &inputs)?,
        };
        Ok(Self::with_transport(url, transport, ctx.cache()).with_shards(ctx.shards))
    }

    /// A channel read through a transport the caller built (tests, embedders with their own
    /// client).
    pub fn with_transport(url: ChannelUrl, transport: Arc<dyn Transport>, cache: Cache) -> Channel {
        Channel { files: ChannelFiles::new(url, transport, cache) }
    }

    /// Whether to look for sharded repodata first (default on).
    pub fn with_shards(mut self, shards: bool) -> Channel {
        self.files = self.files.with_shards(shards);
        self
    }

    /// The channel's URL.
    pub fn url(&self) -> &ChannelUrl {
        self.files.channel()
    }

    /// The channel's files (fetch order, cache, transport).
    pub fn files(&self) -> &ChannelFiles {
        &self.files
    }

    /// The record of `filename` found in `subdir` whose packages live under `base_url` (the
    /// repodata's `info.base_url` or the shard index's, relative to `CHANNEL/SUBDIR/`).
    pub(crate) fn record_at(
        &self,
        subdir: &str,
        base_url: Option<&str>,
        filename: String,
        record: PackageRecord,
    ) -> Result<ChannelRecord, ChannelError> {
        let path = package_path(self.url(), subdir, base_url.unwrap_or(""), &filename)?;
        let url = self.files.transport().url(&path);
        Ok(ChannelRecord { record, filename, subdir: subdir.to_owned(), channel: self.url().to_string(), url, path })
    }
}

/// The channel path of a package: `base_url` (absent or empty: the subdir itself) resolved
/// against `CHANNEL/SUBDIR/`, then the file name; a base outside the channel is refused.
pub fn package_path(
    channel: &ChannelUrl,
    subdir: &str,
    base_url: &str,
    filename: &str,
) -> Result<String, ChannelError> {
    let outside = |url: String| ChannelError::OutsideChannel { url, channel: channel.to_string() };
    let base = base_url.trim();
    if base.is_empty() || base == "." || base == "./" {
        return Ok(format!("{subdir}/{filename}"));
    }
    let root = format!("{}/", channel.join(""));
    let root = root.trim_end_matches('/').to_owned() + "/";
    let subdir_url = super::shards::subdir_url(&root, subdir).map_err(|_| outside(format!("{base}{filename}")))?;
    let resolved = super::shards::resolve_base(&subdir_url, base)
        .and_then(|b| b.join(filename))
        .map_err(|_| outside(format!("{base}{filename}")))?;
    let text = resolved.to_string();
    let relative = text.strip_prefix(root.as_str()).ok_or_else(|| outside(text.clone()))?;
    super::transport::check_path(relative).map_err(|_| outside(text.clone()))?;
    Ok(relative.to_owned())
}

/// The directory packages are downloaded into must exist; this creates it.
pub(crate) fn ensure_dir(dir: &Path) -> Result<(), ChannelError> {
    std::fs::create_dir_all(dir).map_err(|source| ChannelError::Io {
        action: "create the directory",
        path: dir.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_paths() {
        let c = ChannelUrl::parse("s3://bkt/ch").unwrap();
        assert_eq!(package_path(&c, "linux-64", "", "a-1-0.conda").unwrap(), "linux-64/a-1-0.conda");
        assert_eq!(package_path(&c, "linux-64", "./", "a-1-0.conda").unwrap(), "linux-64/a-1-0.conda");
        assert_eq!(package_path(&c, "linux-64", "../pkgs/", "a-1-0.conda").unwrap(), "pkgs/a-1-0.conda");
        assert_eq!(
            package_path(&c, "linux-64", "s3://bkt/ch/linux-64/", "a-1-0.conda").unwrap(),
            "linux-64/a-1-0.conda"
        );
        assert!(package_path(&c, "linux-64", "https://elsewhere/x/", "a-1-0.conda").is_err());
        assert!(package_path(&c, "linux-64", "../../", "a-1-0.conda").is_err());
        let h = ChannelUrl::parse("http://127.0.0.1:9/b/ch").unwrap();
        assert_eq!(package_path(&h, "noarch", "", "a-1-0.tar.bz2").unwrap(), "noarch/a-1-0.tar.bz2");
        assert_eq!(package_path(&h, "noarch", "../linux-64", "x-1-0.conda").unwrap(), "linux-64/x-1-0.conda");
    }

    #[test]
    fn default_platforms_end_with_noarch() {
        let p = default_platforms();
        assert_eq!(p.last().map(String::as_str), Some("noarch"));
    }
}
