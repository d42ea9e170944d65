//! [`HttpTransport`]: a channel over plain `http(s)://` (a static file server, a public
//! bucket), and the base of `gcs://` (`https://storage.googleapis.com/BUCKET/PATH` with a
//! bearer token from an [`AuthorizationProvider`]). Never signed.
//!
//! - Conditional requests: `If-None-Match` (ETag) and `If-Modified-Since` (Last-Modified);
//!   a `304` is [`Fetched::NotModified`]. `Range` for partial reads.
//! - Redirects (`301`, `302`, `303`, `307`, `308`) are followed here, up to 5, because the one
//!   agent never follows them (S3 needs to see its own). An `Authorization` header is not
//!   sent to another origin than the one it was made for.
//! - Retries: timeouts and connections lost before the answer, `429` and `5xx` except `501`
//!   (which means the server will never do it), with the crate's exponential backoff and full
//!   jitter, 3 attempts in all by default. A body that breaks while the caller reads it is not
//!   retried here: the cache drops the partial entry and the caller sees the error.

use std::fmt;
use std::sync::Arc;

use super::fetch_error::FetchError;
use super::transport::{check_path, Body, BodyMeta, FetchOptions, Fetched, Transport};
use super::url::ChannelUrl;
use crate::http::{Body as ReqBody, Http, Response, Traffic};
use crate::s3::{Backoff, Sleeper, ThreadSleeper};

/// The most redirects followed for one request.
pub const MAX_REDIRECTS: u32 = 5;

/// Supplies the `Authorization` header of each request (the extension point for `gcs://`:
/// a provider of OAuth bearer tokens from Google's application default credentials).
pub trait AuthorizationProvider: Send + Sync + fmt::Debug {
    /// The header value (`Bearer ya29...`) for a request to `url`. The error is one line
    /// that says what to do, without any secret.
    fn authorization(&self, url: &str) -> Result<String, String>;
}

/// A channel read over `http://` or `https://`.
#[derive(Clone)]
pub struct HttpTransport {
    http: Http,
    /// `scheme://host[:port]/path`, no trailing `/`.
    base: String,
    auth: Option<Arc<dyn AuthorizationProvider>>,
    max_attempts: u32,
    backoff: Backoff,
    sleeper: Arc<dyn Sleeper>,
}

impl fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpTransport")
            .field("base", &self.base)
            .field("authorization", &self.auth.is_some())
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

impl HttpTransport {
    /// A transport for the files under `base` (`https://host/channel`; a trailing `/` is
    /// dropped), sending through `http`; 3 attempts, the default backoff, real sleeps.
    pub fn new(http: Http, base: impl Into<String>) -> Self {
        let base = base.into().trim_end_matches('/').to_owned();
        Self { http, base, auth: None, max_attempts: 3, backoff: Backoff::default(), sleeper: Arc::new(ThreadSleeper) }
    }

    /// The transport of an `http(s)://` or `gcs://` channel (`None` for `s3://`). A `gcs://`
    /// channel also needs [`HttpTransport::with_authorization`] unless its bucket is public.
    pub fn for_channel(http: Http, channel: &ChannelUrl) -> Option<Self> {
        channel.http_base().map(|base| Self::new(http, base))
    }

    /// Sends `Authorization: <provider's value>` with every request (to the channel's origin).
    pub fn with_authorization(mut self, provider: Arc<dyn AuthorizationProvider>) -> Self {
        self.auth = Some(provider);
        self
    }

    /// How many attempts in all (at least 1), the backoff between them and how it is slept.
    pub fn with_retries(mut self, max_attempts: u32, backoff: Backoff, sleeper: Arc<dyn Sleeper>) -> Self {
        self.max_attempts = max_attempts.max(1);
        self.backoff = backoff;
        self.sleeper = sleeper;
        self
    }

    /// The base URL (no trailing `/`).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Sends one request with retries and redirects; returns the final answer (any status
    /// that is not a redirect or a retried failure) and the URL that gave it.
    fn send(&self, method: &str, path: &str, extra: &[(&str, String)]) -> Result<(Response, String), FetchError> {
        check_path(path)?;
        self.send_to(method, format!("{}/{path}", self.base), extra)
    }

    /// `method` (`GET`, `HEAD`) of the absolute URL `url` as given (its query too: a presigned
    /// URL, say), with this transport's retries, redirects and authorization (sent to the
    /// URL's own origin only); the final answer whatever its status, and the URL that gave it.
    /// For callers fetching single files by URL (the `minis3 cp https://...` command).
    pub fn request_url(&self, method: &str, url: &str) -> Result<(Response, String), FetchError> {
        self.send_to(method, url.to_owned(), &[])
    }

    fn send_to(&self, method: &str, first: String, extra: &[(&str, String)]) -> Result<(Response, String), FetchError> {
        let origin = origin_of(&first).to_owned();
        let mut url = first.clone();
        let mut attempt = 0u32;
        let mut redirects = 0u32;
        loop {
            attempt += 1;
            let mut headers: Vec<(&str, String)> = extra.to_vec();
            if let Some(p) = &self.auth {
                if origin_of(&url) == origin {
                    let value = p
                        .authorization(&url)
                        .map_err(|reason| FetchError::Authorization { url: first.clone(), reason })?;
                    headers.push(("authorization", value));
                }
            }
            let refs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let traffic = if method == "GET" { Traffic::Bulk } else { Traffic::Small };
            let resp = match self.http.send_with(method, &url, &refs, ReqBody::Empty, traffic) {
                Ok(r) => r,
                Err(e) if e.is_retryable() && attempt < self.max_attempts => {
                    self.sleeper.sleep(self.backoff.delay(attempt));
                    continue;
                }
                Err(source) => return Err(FetchError::Http { url, source }),
            };
            let status = resp.status();
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                redirects += 1;
                let Some(location) = resp.header("location").map(str::to_owned) else {
                    return Err(FetchError::Redirect { url, reason: format!("{status} without a Location header") });
                };
                if redirects > MAX_REDIRECTS {
                    return Err(FetchError::Redirect { url, reason: format!("more than {MAX_REDIRECTS} redirects") });
                }
                url = resolve_location(&url, &location).ok_or_else(|| FetchError::Redirect {
                    url: url.clone(),
                    reason: format!("unusable Location {location:?}"),
                })?;
                attempt -= 1;
                continue;
            }
            if (status == 429 || (status >= 500 && status != 501)) && attempt < self.max_attempts {
                self.sleeper.sleep(self.backoff.delay(attempt));
                continue;
            }
            return Ok((resp, url));
        }
    }
}

impl Transport for HttpTransport {
    fn fetch(&self, path: &str, opts: &FetchOptions) -> Result<Fetched, FetchError> {
        let mut headers: Vec<(&str, String)> = Vec::new();
        if let Some(e) = &opts.validators.etag {
            headers.push(("if-none-match", e.clone()));
        }
        if let Some(lm) = &opts.validators.last_modified {
            headers.push(("if-modified-since", lm.clone()));
        }
        if let Some(r) = &opts.range {
            headers.push(("range", r.header()));
        }
        let (resp, url) = self.send("GET", path, &headers)?;
        match resp.status() {
            200 | 206 => {
                let meta = meta_of(&resp, &url)?;
                Ok(Fetched::Body(Body { meta, reader: Box::new(resp.into_reader()) }))
            }
            304 => Ok(Fetched::NotModified(meta_of(&resp, &url)?)),
            404 | 410 => Ok(Fetched::NotFound),
            501 if opts.not_implemented_is_missing => Ok(Fetched::NotFound),
            status => Err(FetchError::Status { url, status }),
        }
    }

    fn head(&self, path: &str) -> Result<Option<BodyMeta>, FetchError> {
        let (resp, url) = self.send("HEAD", path, &[])?;
        match resp.status() {
            200..=299 => Ok(Some(meta_of(&resp, &url)?)),
            404 | 410 => Ok(None),
            status => Err(FetchError::Status { url, status }),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }
}

/// The headers the reader keeps.
fn meta_of(resp: &Response, url: &str) -> Result<BodyMeta, FetchError> {
    let h = |n: &str| resp.header(n).map(str::to_owned);
    let content_length = match resp.header("content-length") {
        Some(v) => Some(v.trim().parse().map_err(|_| FetchError::Read {
            url: url.to_owned(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("Content-Length {v:?} is not a number"),
            ),
        })?),
        None => None,
    };
    Ok(BodyMeta {
        etag: h("etag"),
        last_modified: h("last-modified"),
        content_length,
        cache_control: h("cache-control"),
        content_range: resp.header("content-range").and_then(parse_content_range),
    })
}

/// `bytes A-B/N` → `(A, B, N)`.
fn parse_content_range(v: &str) -> Option<(u64, u64, u64)> {
    let rest = v.trim().strip_prefix("bytes ")?;
    let (span, total) = rest.split_once('/')?;
    let (a, b) = span.split_once('-')?;
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?, total.trim().parse().ok()?))
}

/// `scheme://authority` of an absolute URL.
fn origin_of(url: &str) -> &str {
    let after = url.find("://").map(|i| i + 3).unwrap_or(0);
    let end = url[after..].find(['/', '?', '#']).map(|i| i + after).unwrap_or(url.len());
    &url[..end]
}

/// Resolves a `Location` against the URL that sent it: absolute, scheme-relative (`//h/p`),
/// absolute-path (`/p`) or relative (`p`, against the directory). Only `http(s)` targets.
fn resolve_location(current: &str, location: &str) -> Option<String> {
    let location = location.trim();
    if location.is_empty() || location.chars().any(|c| c.is_control() || c == ' ') {
        return None;
    }
    let lower = location.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Some(location.to_owned());
    }
    if location.contains("://") {
        return None;
    }
    let scheme_end = current.find("://")?;
    if let Some(rest) = location.strip_prefix("//") {
        return Some(format!("{}://{rest}", &current[..scheme_end]));
    }
    let origin = origin_of(current);
    if location.starts_with('/') {
        return Some(format!("{origin}{location}"));
    }
    let path = current[origin.len()..].split(['?', '#']).next().unwrap_or("");
    let dir = &path[..path.rfind('/').map(|i| i + 1).unwrap_or(0)];
    let dir = if dir.is_empty() { "/" } else { dir };
    Some(format!("{origin}{dir}{location}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_resolve() {
        let cur = "http://127.0.0.1:8/ch/noarch/repodata.json";
        assert_eq!(resolve_location(cur, "https://cdn/x").unwrap(), "https://cdn/x");
        assert_eq!(resolve_location(cur, "//cdn/x").unwrap(), "http://cdn/x");
        assert_eq!(resolve_location(cur, "/other/y").unwrap(), "http://127.0.0.1:8/other/y");
        assert_eq!(resolve_location(cur, "z.json").unwrap(), "http://127.0.0.1:8/ch/noarch/z.json");
        assert_eq!(resolve_location("http://h", "z").unwrap(), "http://h/z");
        assert_eq!(resolve_location(cur, "ftp://h/x"), None);
        assert_eq!(resolve_location(cur, ""), None);
        assert_eq!(origin_of(cur), "http://127.0.0.1:8");
        assert_eq!(origin_of("https://h?q"), "https://h");
    }

    #[test]
    fn content_range() {
        assert_eq!(parse_content_range("bytes 0-9/100"), Some((0, 9, 100)));
        assert_eq!(parse_content_range("bytes */100"), None);
    }

    #[test]
    fn debug_hides_the_provider() {
        #[derive(Debug)]
        struct P;
        impl AuthorizationProvider for P {
            fn authorization(&self, _: &str) -> Result<String, String> {
                Ok("Bearer s3cret".into())
            }
        }
        let t = HttpTransport::new(Http::new(&Default::default()).unwrap(), "https://h/ch/")
            .with_authorization(Arc::new(P));
        assert_eq!(t.base(), "https://h/ch");
        assert_eq!(t.url("noarch/x"), "https://h/ch/noarch/x");
        assert!(!format!("{t:?}").contains("s3cret"));
    }
}
