//! The [`Client`]: configuration, signing and the one request loop every operation goes
//! through (retries, clock-skew correction, wrong-region redirects).

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Read};
use std::sync::{Arc, Mutex};

use super::credentials::Auth;
use super::error::{code_for_status, S3Error, ServiceError};
use super::progress::CountingReader;
use super::retry::{is_retryable_status, Backoff, Sleeper, ThreadSleeper};
use super::skew::{parse_http_date, parse_iso8601, ClockSkew, SKEW_LIMIT_SECS};
use super::xml;
use crate::address::{AddressingStyle, Endpoint, RequestUrl, DEFAULT_REGION};
use crate::clock::{Clock, SystemClock};
use crate::http::{Body, Http, HttpConfig, HttpError, Response, Traffic};
use crate::sigv4::{
    self, encode, AmzDate, ChunkedMode, ChunkedParams, ChunkedSigner, Payload, SignableRequest, SigningParams,
    SigningSettings, DEFAULT_CHUNK_SIZE,
};

/// The smallest multipart part S3 accepts (except the last one).
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// The most parts one multipart upload may have.
pub const MAX_PARTS: u64 = 10_000;
/// A request URL for a `--debug` line: as sent, but without the query of a presigned URL
/// (its signature is a bearer credential; header-signed requests carry none in the query).
fn url_for_debug(url: &str) -> &str {
    if url.contains("X-Amz-Signature=") || url.contains("X-Amz-Credential=") {
        url.split('?').next().unwrap_or(url)
    } else {
        url
    }
}

/// Upload bodies from files and streams at least this large go over bulk connections.
pub(crate) const BULK_BODY: u64 = 1024 * 1024;
/// Error documents larger than this are not read.
const ERROR_BODY_LIMIT: u64 = 256 * 1024;

/// Receives the client's notices: things worth telling the user that are not errors (a
/// request retried in another region, a clock offset learnt, a retry after a failure).
pub trait Notices: Send + Sync + fmt::Debug {
    /// One notice, one line.
    fn notice(&self, message: &str);
}

/// Drops every notice.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoNotices;

impl Notices for NoNotices {
    fn notice(&self, _message: &str) {}
}

/// Keeps every notice in memory (for tests and for callers that print them later).
#[derive(Debug, Default)]
pub struct CollectedNotices(Mutex<Vec<String>>);

impl CollectedNotices {
    /// A new, shareable collector.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The notices so far.
    pub fn all(&self) -> Vec<String> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl Notices for CollectedNotices {
    fn notice(&self, message: &str) {
        if let Ok(mut v) = self.0.lock() {
            v.push(message.to_owned());
        }
    }
}

/// Everything a [`Client`] is built from. Start from [`ClientConfig::new`] and change fields.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// A custom endpoint URL (`http://127.0.0.1:9000`, `https://s3.example.com`); `None` for
    /// AWS (the endpoint of [`region`](Self::region)).
    pub endpoint_url: Option<String>,
    /// The signing region (and, for AWS, the endpoint's region).
    pub region: String,
    /// Path or virtual-host style.
    pub addressing_style: AddressingStyle,
    /// Signed with credentials, or anonymous.
    pub auth: Auth,
    /// The HTTP agent settings.
    pub http: HttpConfig,
    /// An agent built already (from `http`, or one shared with other users such as the
    /// credential providers); `None` (the default): the client builds one from `http`.
    pub agent: Option<Http>,
    /// The clock requests are signed with.
    pub clock: Arc<dyn Clock>,
    /// How many times a request is tried in all (at least 1; default 3, like `AWS_MAX_ATTEMPTS`).
    pub max_attempts: u32,
    /// Backoff between attempts.
    pub backoff: Backoff,
    /// How backoff waits are slept.
    pub sleeper: Arc<dyn Sleeper>,
    /// Multipart part size and download range size (at least 5 MiB; default 8 MiB).
    pub part_size: u64,
    /// Uploads and downloads at least this large use multipart / parallel ranges (default 16 MiB).
    pub multipart_threshold: u64,
    /// On a loopback endpoint (`127.0.0.1`, `localhost`), upload files of up to 5 GiB as one
    /// PUT whatever `multipart_threshold` says: there is no network latency for parallel parts
    /// to hide, and a multipart upload costs the server a second pass over the object.
    /// Default `true`; set `false` when the threshold was chosen on purpose.
    pub loopback_single_put: bool,
    /// `fsync` a downloaded file before renaming it into place (durable across a power loss).
    /// Default `false`.
    pub sync_downloads: bool,
    /// Parallel part uploads / range downloads (default 8; a stream that cannot be re-read keeps
    /// at most 3 parts in memory whatever this says).
    pub concurrency: usize,
    /// The rate (bytes per second) a parallel download aims at. The first range's rate decides
    /// how many of the `concurrency` streams the rest of the object gets: a server that sends
    /// one stream at 800 MiB/s gets 2, one that sends 100 MiB/s gets 8. Default 1.25 GB/s
    /// (10 Gb/s, the AWS CLI's CRT default `target_bandwidth`); 0 always uses `concurrency`.
    pub target_throughput: u64,
    /// Learn the clock offset from `RequestTimeTooSkewed` and re-sign (default on).
    pub correct_clock_skew: bool,
    /// Retry once in the bucket's region when S3 says it is elsewhere (default on).
    pub follow_region_redirects: bool,
    /// Ask listings for `encoding-type=url` and decode the answer (default on). Turn off for
    /// servers that announce the encoding but send raw keys (s3s-fs 0.17).
    pub list_url_encoding: bool,
    /// Keep the canonical request of each signature, to show it when the server says the
    /// signature does not match (`--debug`).
    pub debug: bool,
    /// Where notices go.
    pub notices: Arc<dyn Notices>,
    /// Like curl's `--connect-to`: `(host[:port] as in the Host header, address:port to
    /// connect to)`. The `Host` header and the signature keep the original name. Plain HTTP
    /// only in practice (TLS would check the certificate against the address).
    pub connect_to: Vec<(String, String)>,
    /// Told how many bytes each transfer moved (downloads to files, upload bodies), e.g. to
    /// draw a progress line. `None` (the default): nothing is reported.
    pub progress: Option<Arc<dyn super::Progress>>,
}

impl ClientConfig {
    /// Defaults for `region` with `auth`: AWS endpoint, auto addressing, 3 attempts, 8 MiB
    /// parts, 8 threads.
    ///
    /// ```
    /// use minis3::s3::{Auth, Client, ClientConfig};
    /// let mut cfg = ClientConfig::new("us-east-1", Auth::keys("AKID", "SECRET"));
    /// cfg.endpoint_url = Some("http://127.0.0.1:9000".into());
    /// let client = Client::new(cfg).unwrap();
    /// # let _ = client;
    /// ```
    pub fn new(region: impl Into<String>, auth: Auth) -> Self {
        Self {
            endpoint_url: None,
            region: region.into(),
            addressing_style: AddressingStyle::Auto,
            auth,
            http: HttpConfig::default(),
            agent: None,
            clock: Arc::new(SystemClock),
            max_attempts: 3,
            backoff: Backoff::default(),
            sleeper: Arc::new(ThreadSleeper),
            part_size: 8 * 1024 * 1024,
            multipart_threshold: 16 * 1024 * 1024,
            loopback_single_put: true,
            sync_downloads: false,
            concurrency: 8,
            target_throughput: 1_250_000_000,
            correct_clock_skew: true,
            follow_region_redirects: true,
            list_url_encoding: true,
            debug: false,
            notices: Arc::new(NoNotices),
            connect_to: Vec::new(),
            progress: None,
        }
    }
}

/// An S3 client: `Send + Sync`, one per process is enough (it shares one HTTP agent and one
/// signing-key cache between threads).
///
/// Every operation is a method; see the module documentation for the list.
pub struct Client {
    pub(crate) cfg: ClientConfig,
    pub(crate) endpoint: Endpoint,
    http: Http,
    keys: sigv4::SigningKeyCache,
    skew: ClockSkew,
    regions: Mutex<HashMap<String, String>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("endpoint", &self.endpoint.to_string()).field("cfg", &self.cfg).finish()
    }
}

/// How a request may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryMode {
    /// Idempotent: retried on transient statuses and on lost connections.
    Idempotent,
    /// Retried on transient statuses only (the server said it failed), never after a lost
    /// connection (it may have taken effect).
    StatusOnly,
}

/// How the body of a request is covered by the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyHash {
    /// This SHA-256 (hex).
    Sha256(String),
    /// `UNSIGNED-PAYLOAD`.
    Unsigned,
    /// `aws-chunked`, each chunk signed.
    Chunked(ChunkedMode),
}

/// Opens a fresh reader over a replayable body.
pub(crate) type Opener<'a> = &'a (dyn Fn() -> io::Result<Box<dyn Read + Send + 'a>> + Sync);

pub(crate) enum ReqBody<'a> {
    Empty,
    /// In memory; `unsigned` sends `UNSIGNED-PAYLOAD` instead of the hash.
    Bytes {
        data: &'a [u8],
        unsigned: bool,
    },
    /// Can be opened again for each attempt.
    Source {
        open: Opener<'a>,
        length: u64,
        hash: BodyHash,
    },
    /// Read once: never retried.
    Stream {
        reader: Option<&'a mut (dyn Read + Send)>,
        length: u64,
        hash: BodyHash,
    },
}

impl ReqBody<'_> {
    fn replayable(&self) -> bool {
        !matches!(self, ReqBody::Stream { .. })
    }
}

pub(crate) struct Request<'a> {
    pub method: &'static str,
    pub bucket: &'a str,
    pub key: &'a str,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: ReqBody<'a>,
    pub retry: RetryMode,
    /// What the connection carries; bodies from files and streams of at least
    /// [`BULK_BODY`] bytes count as bulk whatever this says.
    pub traffic: Traffic,
}

impl<'a> Request<'a> {
    pub fn new(method: &'static str, bucket: &'a str, key: &'a str) -> Self {
        Self {
            method,
            bucket,
            key,
            query: Vec::new(),
            headers: Vec::new(),
            body: ReqBody::Empty,
            retry: RetryMode::Idempotent,
            traffic: Traffic::Small,
        }
    }

    pub fn query(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.to_owned(), value.into()));
        self
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    pub fn body(mut self, body: ReqBody<'a>) -> Self {
        self.body = body;
        self
    }
}

/// One signed, ready-to-send attempt.
struct Prepared {
    url: String,
    headers: Vec<(String, String)>,
    /// For aws-chunked bodies: the key, time, region and seed signature.
    chunked: Option<ChunkSeed>,
    canonical_request: Option<String>,
    signed_at: AmzDate,
}

fn encode_query(query: &[(String, String)]) -> String {
    let mut pairs: Vec<(String, String)> =
        query.iter().map(|(k, v)| (encode::encode_component(k), encode::encode_component(v))).collect();
    pairs.sort();
    let mut out = String::new();
    for (k, v) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&k);
        out.push('=');
        out.push_str(&v);
    }
    out
}

/// The canonical request with a session token's value hidden (it is a credential).
fn redact_token(canonical: &str) -> String {
    canonical
        .split('\n')
        .map(|l| if l.starts_with("x-amz-security-token:") { "x-amz-security-token:<redacted>" } else { l })
        .collect::<Vec<_>>()
        .join("\n")
}

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Client>();
};

type ChunkSeed = (sigv4::SigningKey, AmzDate, String, String, ChunkedMode);

/// Wraps a body in the aws-chunked signer when the request is chunked.
fn wrap_chunked<'r>(
    chunked: &Option<ChunkSeed>,
    reader: Box<dyn Read + Send + 'r>,
    length: u64,
) -> Result<(Box<dyn Read + Send + 'r>, u64), S3Error> {
    match chunked {
        None => Ok((reader, length)),
        Some((key, time, region, seed, mode)) => {
            let signer = ChunkedSigner::new(
                reader,
                ChunkedParams {
                    key: key.clone(),
                    time: *time,
                    region,
                    service: "s3",
                    seed_signature: seed,
                    decoded_len: length,
                    chunk_size: DEFAULT_CHUNK_SIZE,
                    mode: *mode,
                },
            )?;
            Ok((Box::new(signer), sigv4::chunked_encoded_length(length, DEFAULT_CHUNK_SIZE, *mode)))
        }
    }
}

impl Client {
    /// Builds a client. Fails on an unusable endpoint URL, HTTP settings (CA bundle, proxy),
    /// a part size below 5 MiB or zero concurrency.
    pub fn new(mut cfg: ClientConfig) -> Result<Self, S3Error> {
        if cfg.region.trim().is_empty() {
            cfg.region = DEFAULT_REGION.to_owned();
        }
        if cfg.part_size < MIN_PART_SIZE {
            return Err(S3Error::InvalidInput(format!(
                "part size {} is below S3's minimum of 5 MiB ({MIN_PART_SIZE} bytes)",
                cfg.part_size
            )));
        }
        if cfg.concurrency == 0 {
            return Err(S3Error::InvalidInput("concurrency must be at least 1".into()));
        }
        cfg.max_attempts = cfg.max_attempts.max(1);
        let endpoint = Endpoint::resolve(cfg.endpoint_url.as_deref(), &cfg.region)?;
        let http = match &cfg.agent {
            Some(agent) => agent.clone(),
            None => Http::new(&cfg.http)?,
        };
        Ok(Self {
            cfg,
            endpoint,
            http,
            keys: sigv4::SigningKeyCache::new(),
            skew: ClockSkew::default(),
            regions: Mutex::new(HashMap::new()),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.cfg
    }

    /// The clock offset learnt from the server, in seconds (0 when none).
    pub fn clock_offset_secs(&self) -> i64 {
        self.skew.offset_secs()
    }

    /// The region requests for `bucket` are signed for (the configured one, or the one the
    /// server redirected us to).
    pub fn region_for(&self, bucket: &str) -> String {
        self.regions.lock().ok().and_then(|m| m.get(bucket).cloned()).unwrap_or_else(|| self.cfg.region.clone())
    }

    fn target_for(&self, bucket: &str) -> Result<(String, Endpoint), S3Error> {
        let learnt = self.regions.lock().ok().and_then(|m| m.get(bucket).cloned());
        match learnt {
            Some(r) if self.cfg.endpoint_url.is_none() => Ok((r.clone(), Endpoint::aws(&r)?)),
            Some(r) => Ok((r, self.endpoint.clone())),
            None => Ok((self.cfg.region.clone(), self.endpoint.clone())),
        }
    }

    pub(crate) fn notice(&self, message: &str) {
        self.cfg.notices.notice(message);
    }

    /// The current signing time (our clock corrected by the learnt offset).
    pub(crate) fn now(&self) -> AmzDate {
        AmzDate::from_system_time(self.skew.corrected(self.cfg.clock.now()))
    }

    pub(crate) fn request_url(&self, endpoint: &Endpoint, bucket: &str, key: &str) -> Result<RequestUrl, S3Error> {
        if bucket.is_empty() {
            Ok(endpoint.service_url())
        } else {
            Ok(endpoint.request_url(self.cfg.addressing_style, bucket, key)?)
        }
    }

    /// `scheme://authority/path?query`, with a `connect_to` override applied to the authority.
    pub(crate) fn wire_url(&self, url: &RequestUrl, query: &str) -> String {
        let authority =
            self.cfg.connect_to.iter().find(|(h, _)| h.eq_ignore_ascii_case(url.host())).map(|(_, a)| a.as_str());
        let mut s = format!("{}://{}{}", url.scheme().as_str(), authority.unwrap_or(url.host()), url.path());
        if !query.is_empty() {
            s.push('?');
            s.push_str(query);
        }
        s
    }

    fn prepare(&self, req: &Request<'_>, region: &str, endpoint: &Endpoint) -> Result<Prepared, S3Error> {
        let url = self.request_url(endpoint, req.bucket, req.key)?;
        let time = self.now();
        let mut headers: Vec<(String, String)> = Vec::with_capacity(req.headers.len() + 8);
        headers.push(("host".into(), url.host().to_owned()));
        headers.extend(req.headers.iter().cloned());
        let (payload_hash, chunked_mode, decoded_len) = match &req.body {
            ReqBody::Empty => (None, None, 0),
            ReqBody::Bytes { unsigned, .. } => (unsigned.then(|| "UNSIGNED-PAYLOAD".to_owned()), None, 0),
            ReqBody::Source { length, hash, .. } | ReqBody::Stream { length, hash, .. } => match hash {
                BodyHash::Sha256(h) => (Some(h.clone()), None, *length),
                BodyHash::Unsigned => (Some("UNSIGNED-PAYLOAD".to_owned()), None, *length),
                BodyHash::Chunked(mode) => (None, Some(*mode), *length),
            },
        };
        if let Some(mode) = chunked_mode {
            headers.push(("content-encoding".into(), "aws-chunked".into()));
            headers.push(("x-amz-decoded-content-length".into(), decoded_len.to_string()));
            headers.push((
                "content-length".into(),
                sigv4::chunked_encoded_length(decoded_len, DEFAULT_CHUNK_SIZE, mode).to_string(),
            ));
            if let Some(t) = mode.trailer_header() {
                headers.push(("x-amz-trailer".into(), t.into()));
            }
        }
        let creds = match &self.cfg.auth {
            Auth::Anonymous => {
                let query = encode_query(&req.query);
                return Ok(Prepared {
                    url: self.wire_url(&url, &query),
                    headers,
                    chunked: None,
                    canonical_request: None,
                    signed_at: time,
                });
            }
            Auth::Signed(p) => p.credentials()?.creds,
        };
        let query: Vec<(&str, &str)> = req.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let header_refs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let payload = match (&req.body, &payload_hash, chunked_mode) {
            (_, _, Some(mode)) => mode.payload(),
            (_, Some(h), _) => Payload::Sha256Hex(h),
            (ReqBody::Bytes { data, .. }, None, _) => Payload::Bytes(data),
            _ => Payload::Empty,
        };
        let signable =
            SignableRequest { method: req.method, path: url.path(), query: &query, headers: &header_refs, payload };
        let params =
            SigningParams { credentials: &creds, region, service: "s3", time, settings: SigningSettings::s3() };
        let (sig, canonical) = if self.cfg.debug {
            let (sig, ex) = sigv4::explain_headers(&signable, &params)?;
            (sig, Some(redact_token(&ex.canonical_request)))
        } else {
            let key = self.keys.get(&creds, time.date(), region, "s3");
            (sigv4::sign_headers_with_key(&signable, &params, &key)?, None)
        };
        let chunked = chunked_mode.map(|mode| {
            let key = self.keys.get(&creds, time.date(), region, "s3");
            (key, time, region.to_owned(), sig.signature().to_owned(), mode)
        });
        let wire = self.wire_url(&url, sig.canonical_query());
        headers.extend(sig.headers().map(|(k, v)| (k.to_owned(), v.to_owned())));
        Ok(Prepared { url: wire, headers, chunked, canonical_request: canonical, signed_at: time })
    }

    fn send_prepared(&self, req: &mut Request<'_>, p: &Prepared) -> Result<Result<Response, HttpError>, S3Error> {
        let headers: Vec<(&str, &str)> = p.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let wrap = |reader, length| wrap_chunked(&p.chunked, reader, length);
        let method = req.method;
        let traffic = match &req.body {
            ReqBody::Source { length, .. } | ReqBody::Stream { length, .. } if *length >= BULK_BODY => Traffic::Bulk,
            _ => req.traffic,
        };
        Ok(match &mut req.body {
            // PUT and POST always carry a length (S3 answers 411 without one).
            ReqBody::Empty if matches!(method, "PUT" | "POST") => {
                self.http.send_with(method, &p.url, &headers, Body::Bytes(&[]), traffic)
            }
            ReqBody::Empty => self.http.send_with(method, &p.url, &headers, Body::Empty, traffic),
            ReqBody::Bytes { data, .. } => {
                let sent = self.http.send_with(method, &p.url, &headers, Body::Bytes(data), traffic);
                // Upload bodies (whole objects, parts) count; XML request bodies do not.
                if let (Some(progress), Ok(_), "PUT") = (&self.cfg.progress, &sent, method) {
                    progress.advance(data.len() as u64);
                }
                sent
            }
            ReqBody::Source { open, length, .. } => {
                let reader = open().map_err(|e| S3Error::io("read the upload source", None, e))?;
                let reader = CountingReader::wrap(reader, &self.cfg.progress);
                let (mut reader, length) = wrap(reader, *length)?;
                self.http.send_with(method, &p.url, &headers, Body::Reader { reader: &mut reader, length }, traffic)
            }
            ReqBody::Stream { reader, length, .. } => {
                let length = *length;
                let Some(r) = reader.take() else {
                    return Err(S3Error::InvalidInput("a streamed body cannot be sent twice".into()));
                };
                let (mut r, length) = wrap(CountingReader::wrap(Box::new(r), &self.cfg.progress), length)?;
                self.http.send_with(method, &p.url, &headers, Body::Reader { reader: &mut r, length }, traffic)
            }
        })
    }

    /// Sends `req`, with retries, clock-skew correction and region redirects. Returns the
    /// successful (2xx) response.
    pub(crate) fn execute(&self, req: &mut Request<'_>) -> Result<Response, S3Error> {
        let mut attempt = 0u32;
        let mut skew_retried = false;
        let mut region_retried = false;
        loop {
            attempt += 1;
            let (region, endpoint) = self.target_for(req.bucket)?;
            let prepared = self.prepare(req, &region, &endpoint)?;
            let can_replay = req.body.replayable();
            let started = self.cfg.debug.then(std::time::Instant::now);
            let resp = match self.send_prepared(req, &prepared)? {
                Ok(r) => r,
                Err(e) => {
                    if e.is_retryable()
                        && can_replay
                        && req.retry == RetryMode::Idempotent
                        && attempt < self.cfg.max_attempts
                    {
                        self.notice(&format!("{} failed ({e}); retrying (attempt {})", req.method, attempt + 1));
                        self.cfg.sleeper.sleep(self.cfg.backoff.delay(attempt));
                        continue;
                    }
                    return Err(S3Error::Transport(e));
                }
            };
            let status = resp.status();
            if let Some(started) = started {
                self.notice(&format!(
                    "{} {} -> {status} ({} ms{})",
                    req.method,
                    url_for_debug(&prepared.url),
                    started.elapsed().as_millis(),
                    resp.header("x-amz-request-id").map(|id| format!(", request id {id}")).unwrap_or_default()
                ));
            }
            if (200..300).contains(&status) {
                return Ok(resp);
            }
            let err = self.service_error(req, resp, &region, prepared.canonical_request)?;
            let can_replay = can_replay && req.body.replayable();

            // Clock skew: learn the server's time and re-sign once.
            if self.cfg.correct_clock_skew && !skew_retried && can_replay {
                if let Some(server) = err.1 {
                    let ours = prepared.signed_at.unix();
                    let server_unix = AmzDate::from_system_time(server).unix();
                    let far = (server_unix - ours).abs() > SKEW_LIMIT_SECS;
                    if err.0.code == "RequestTimeTooSkewed" || (err.0.status == 403 && far) {
                        let off = self.skew.learn(self.cfg.clock.now(), server);
                        self.notice(&format!(
                            "the server's clock differs from ours by {off} s; signing with the server's time"
                        ));
                        skew_retried = true;
                        attempt -= 1;
                        continue;
                    }
                }
            }
            // Wrong region: retry once in the bucket's region.
            if self.cfg.follow_region_redirects && !region_retried && can_replay && !req.bucket.is_empty() {
                if let Some(r) = err.0.bucket_region.clone().filter(|r| *r != region && !r.is_empty()) {
                    if matches!(err.0.status, 301 | 307 | 400) {
                        if let Ok(mut m) = self.regions.lock() {
                            m.insert(req.bucket.to_owned(), r.clone());
                        }
                        self.notice(&format!(
                            "bucket {} is in region {r}, not {region}; retrying there (set the region to avoid this)",
                            req.bucket
                        ));
                        region_retried = true;
                        attempt -= 1;
                        continue;
                    }
                }
            }
            if is_retryable_status(err.0.status, &err.0.code) && can_replay && attempt < self.cfg.max_attempts {
                self.notice(&format!(
                    "{} answered {} {}; retrying (attempt {})",
                    req.method,
                    err.0.status,
                    err.0.code,
                    attempt + 1
                ));
                self.cfg.sleeper.sleep(self.cfg.backoff.delay(attempt));
                continue;
            }
            return Err(S3Error::Service(Box::new(err.0)));
        }
    }

    /// Reads an error answer: the error, and the server's time when it tells it.
    fn service_error(
        &self,
        req: &Request<'_>,
        resp: Response,
        region: &str,
        canonical: Option<String>,
    ) -> Result<(ServiceError, Option<std::time::SystemTime>), S3Error> {
        let status = resp.status();
        let date = resp.header("date").and_then(parse_http_date);
        let request_id = resp.header("x-amz-request-id").map(str::to_owned);
        let region_header = resp.header("x-amz-bucket-region").map(str::to_owned);
        let body =
            if req.method == "HEAD" { Vec::new() } else { resp.read_to_vec(ERROR_BODY_LIMIT).unwrap_or_default() };
        let parsed = if body.is_empty() { None } else { xml::parse_error(&body).ok() };
        let mut err = ServiceError {
            status,
            code: code_for_status(status, !req.key.is_empty()).to_owned(),
            message: String::new(),
            request_id,
            method: req.method.to_owned(),
            bucket: req.bucket.to_owned(),
            key: req.key.to_owned(),
            bucket_region: region_header.filter(|r| r != region),
            canonical_request: None,
        };
        let mut server_time = date;
        if let Some(p) = parsed {
            err.code = p.code;
            err.message = p.message;
            if err.request_id.is_none() {
                err.request_id = p.request_id;
            }
            if err.bucket_region.is_none() {
                err.bucket_region = p.region.filter(|r| r != region);
            }
            if let Some(t) = p.other.iter().find(|(k, _)| k == "ServerTime").and_then(|(_, v)| parse_iso8601(v)) {
                server_time = Some(t);
            }
        }
        if err.code == "SignatureDoesNotMatch" {
            err.canonical_request = canonical;
        }
        Ok((err, server_time))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_encoded_and_sorted() {
        let q = vec![("prefix".to_owned(), "a b/+".to_owned()), ("list-type".to_owned(), "2".to_owned())];
        assert_eq!(encode_query(&q), "list-type=2&prefix=a%20b%2F%2B");
    }

    #[test]
    fn session_token_is_hidden_in_the_canonical_request() {
        let c = "GET\n/b/k\n\nhost:h\nx-amz-security-token:TOKEN123\n\nhost;x-amz-security-token\nUNSIGNED-PAYLOAD";
        let r = redact_token(c);
        assert!(!r.contains("TOKEN123") && r.contains("x-amz-security-token:<redacted>"), "{r}");
    }

    #[test]
    fn debug_shows_no_secret() {
        let mut cfg = ClientConfig::new("eu-west-1", Auth::keys("AKIDEXAMPLE", "SECRETSECRETSECRET"));
        cfg.endpoint_url = Some("http://127.0.0.1:9".into());
        let c = Client::new(cfg).unwrap();
        let d = format!("{c:?}");
        assert!(d.contains("AKIDEXAMPLE") && !d.contains("SECRETSECRETSECRET"), "{d}");
    }

    #[test]
    fn connect_to_rewrites_only_the_authority() {
        let mut cfg = ClientConfig::new("us-east-1", Auth::Anonymous);
        cfg.endpoint_url = Some("http://localhost:9000".into());
        cfg.addressing_style = AddressingStyle::Virtual;
        cfg.connect_to = vec![("bkt.localhost:9000".into(), "127.0.0.1:9000".into())];
        let c = Client::new(cfg).unwrap();
        let url = c.request_url(&c.endpoint, "bkt", "k 1").unwrap();
        assert_eq!(url.host(), "bkt.localhost:9000");
        assert_eq!(c.wire_url(&url, "x=1"), "http://127.0.0.1:9000/k%201?x=1");
    }
}
