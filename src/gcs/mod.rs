//! Cloud Storage objects the way rattler reads `gcs://BUCKET/PATH`: a plain `GET` (or
//! `HEAD`) of `https://storage.googleapis.com/BUCKET/PATH` (the XML API's path style, no JSON
//! API) with `Authorization: Bearer TOKEN` from [`crate::credentials::gcs::GcsAuth`], and
//! `Range`, `If-None-Match` and `If-Modified-Since` when asked for; listings, uploads and
//! deletes with the same token (in `list`).
//!
//! The base URL is [`DEFAULT_ENDPOINT`] unless the caller injects another
//! ([`GcsClient::with_endpoint`]); nothing here reads the environment. A `401` drops the cached
//! token and tries once more with a new one; `5xx`, `429` and connection failures are retried
//! (three attempts in all). Redirects are not followed.
//!
//! ```no_run
//! use minis3::config::env::Environment;
//! use minis3::credentials::ProviderContext;
//! use minis3::credentials::gcs::{GcsAuth, GcsOptions};
//! use minis3::gcs::{GcsClient, GetOptions, GetOutcome};
//! let ctx = ProviderContext::new(Environment::from_process(), &Default::default()).unwrap();
//! let auth = GcsAuth::from_adc(&ctx, &GcsOptions::default()).unwrap();
//! let client = GcsClient::new(ctx.http.clone(), Some(auth));
//! match client.get("my-channel", "noarch/repodata.json", &GetOptions::default()).unwrap() {
//!     GetOutcome::Body { meta, body } => println!("{:?} bytes, etag {:?}", meta.content_length, meta.etag),
//!     GetOutcome::NotModified { .. } => println!("unchanged"),
//! }
//! ```

mod error;
mod list;

use std::time::Duration;

use crate::credentials::gcs::GcsAuth;
use crate::http::{Body, Http, Response, Traffic};
use crate::sigv4::encode::encode_path;

pub use error::GcsError;
pub use list::{GcsListPage, GcsObject};

/// Cloud Storage's XML API endpoint, where rattler sends `gcs://` requests.
pub const DEFAULT_ENDPOINT: &str = "https://storage.googleapis.com";

/// Conditions and a byte range for a `GET` or `HEAD`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GetOptions {
    /// `Range: bytes=START-END` (`END` inclusive; `None`: to the end).
    pub range: Option<(u64, Option<u64>)>,
    /// `If-None-Match: ETAG` (a cached copy's ETag): a match answers [`GetOutcome::NotModified`].
    pub if_none_match: Option<String>,
    /// `If-Modified-Since: HTTP-DATE` (a cached copy's `Last-Modified`).
    pub if_modified_since: Option<String>,
}

/// What a response said about the object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectMeta {
    /// The status (`200`, `206`, `304`).
    pub status: u16,
    /// `Content-Length` (of the range, for a `206`).
    pub content_length: Option<u64>,
    /// `ETag`, as sent (quoted).
    pub etag: Option<String>,
    /// `Last-Modified`.
    pub last_modified: Option<String>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Content-Range` of a `206`.
    pub content_range: Option<String>,
}

impl ObjectMeta {
    fn from(resp: &Response) -> Self {
        let h = |n: &str| resp.header(n).map(str::to_string);
        Self {
            status: resp.status(),
            content_length: resp.header("content-length").and_then(|v| v.trim().parse().ok()),
            etag: h("etag"),
            last_modified: h("last-modified"),
            content_type: h("content-type"),
            content_range: h("content-range"),
        }
    }
}

/// The answer to a `GET` or `HEAD`.
#[derive(Debug)]
pub enum GetOutcome {
    /// `200` or `206`: the object (or range) follows in `body` (empty for `HEAD`).
    Body {
        /// Its headers.
        meta: ObjectMeta,
        /// The body still to be read.
        body: Response,
    },
    /// `304`: the cached copy is current.
    NotModified {
        /// Its headers.
        meta: ObjectMeta,
    },
}

/// Authenticated `GET`/`HEAD` of Cloud Storage objects. Cloning is cheap.
#[derive(Clone, Debug)]
pub struct GcsClient {
    http: Http,
    auth: Option<GcsAuth>,
    endpoint: String,
}

impl GcsClient {
    /// A client sending through `http`, with tokens from `auth` (`None`: unauthenticated, for
    /// public buckets), to [`DEFAULT_ENDPOINT`].
    pub fn new(http: Http, auth: Option<GcsAuth>) -> Self {
        Self { http, auth, endpoint: DEFAULT_ENDPOINT.to_string() }
    }

    /// The same with another base URL (`scheme://host[:port]`, e.g. a local test server).
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = endpoint.into().trim_end_matches('/').to_string();
        self
    }

    /// `ENDPOINT/BUCKET/KEY`, the key percent-encoded except `/` (as an S3 path-style key).
    pub fn object_url(&self, bucket: &str, key: &str) -> Result<String, GcsError> {
        if bucket.is_empty() || bucket.contains(['/', '?', '#']) || bucket.bytes().any(|b| b <= b' ') {
            return Err(GcsError::InvalidName { what: "bucket", name: bucket.chars().take(100).collect() });
        }
        let key = key.trim_start_matches('/');
        if key.is_empty() {
            return Err(GcsError::InvalidName { what: "object", name: String::new() });
        }
        Ok(format!("{}/{}/{}", self.endpoint, encode_path(bucket), encode_path(key)))
    }

    /// `GET gs://BUCKET/KEY` (or a range of it).
    pub fn get(&self, bucket: &str, key: &str, opts: &GetOptions) -> Result<GetOutcome, GcsError> {
        self.request("GET", bucket, key, opts)
    }

    /// `HEAD gs://BUCKET/KEY`: its size, ETag and dates without the body.
    pub fn head(&self, bucket: &str, key: &str, opts: &GetOptions) -> Result<GetOutcome, GcsError> {
        self.request("HEAD", bucket, key, opts)
    }

    fn request(&self, method: &str, bucket: &str, key: &str, opts: &GetOptions) -> Result<GetOutcome, GcsError> {
        let url = self.object_url(bucket, key)?;
        let mut extra: Vec<(&'static str, String)> = Vec::new();
        if let Some((start, end)) = opts.range {
            if end.is_some_and(|e| e < start) {
                return Err(GcsError::InvalidRange { start, end: end.unwrap_or(0) });
            }
            extra.push(("range", format!("bytes={start}-{}", end.map(|e| e.to_string()).unwrap_or_default())));
        }
        if let Some(e) = &opts.if_none_match {
            extra.push(("if-none-match", e.clone()));
        }
        if let Some(d) = &opts.if_modified_since {
            extra.push(("if-modified-since", d.clone()));
        }
        let traffic = if method == "GET" { Traffic::Bulk } else { Traffic::Small };
        let mut attempt = 0;
        let mut reauthenticated = false;
        loop {
            attempt += 1;
            let mut headers = extra.clone();
            if let Some(auth) = &self.auth {
                headers.extend(auth.headers()?);
            }
            let pairs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let resp = match self.http.send_with(method, &url, &pairs, Body::Empty, traffic) {
                Ok(r) => r,
                Err(e) if e.is_retryable() && attempt < 3 => {
                    backoff(attempt);
                    continue;
                }
                Err(source) => return Err(GcsError::Http { url, source }),
            };
            let status = resp.status();
            match status {
                200 | 206 => return Ok(GetOutcome::Body { meta: ObjectMeta::from(&resp), body: resp }),
                304 => return Ok(GetOutcome::NotModified { meta: ObjectMeta::from(&resp) }),
                401 if !reauthenticated && self.auth.is_some() => {
                    reauthenticated = true;
                    if let Some(a) = &self.auth {
                        a.invalidate();
                    }
                    continue;
                }
                s if (s >= 500 || s == 429) && attempt < 3 => {
                    backoff(attempt);
                    continue;
                }
                _ => {
                    let body =
                        if method == "HEAD" { Vec::new() } else { resp.read_to_vec(64 << 10).unwrap_or_default() };
                    return Err(GcsError::from_answer(&url, status, &body, self.auth.is_some()));
                }
            }
        }
    }
}

fn backoff(attempt: u32) {
    std::thread::sleep(Duration::from_millis(100 << attempt));
}
