//! The one HTTP agent (ureq with rustls): TLS roots and CA bundle, proxies, timeouts.
//!
//! [`HttpConfig`] is plain data (build it by hand, or take the proxy and CA-bundle settings from
//! an injected [`Environment`] with [`HttpConfig::from_env`]); [`Http::new`] turns it into ureq
//! agents, and [`Http::send`] sends one request exactly as given:
//!
//! - the path and query string reach the server byte for byte (`%2B`, `%20`, `~`, `!'()*`, `%3D`
//!   are not re-encoded or decoded: ureq writes `http::Uri::path_and_query()` verbatim, and the
//!   `http` crate only validates it), so a signature computed over that string stays valid;
//! - no header we sign is added or changed: ureq adds `Host` (from the URL) only when the request
//!   has none, `Content-Length` only when the body has a known length and the request sets none,
//!   and `User-Agent` (configurable); no `Accept` and no `Accept-Encoding` are sent;
//! - 4xx/5xx answers are responses, not errors; redirects are never followed (S3 answers a
//!   wrong-region request with a 301 that the client must handle itself).
//!
//! Proxies: ureq 3 has one proxy per agent, always spoken to with `CONNECT` (also for `http://`
//! targets), and its own `NO_PROXY` matching differs from curl's (`example.com` there does not
//! cover `sub.example.com`, entries are not trimmed). So [`Http`] holds up to three agents
//! (direct, through the `http://`-target proxy, through the `https://`-target proxy) and picks one
//! per request with [`NoProxy`], which follows curl's rules.

use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ureq::http::{self as h, Uri};
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use ureq::{Agent, Proxy};

use crate::config::env::Environment;

/// Settings for the HTTP agent. Every field has a sensible default ([`HttpConfig::default`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpConfig {
    /// Time allowed to open the TCP connection (including the proxy `CONNECT` and the TLS
    /// handshake). Default 10 s.
    pub connect_timeout: Option<Duration>,
    /// Longest time a single socket read or write may wait for progress, like botocore's
    /// `read_timeout` (a stalled upload is the same failure as a stalled download). Default 60 s.
    pub read_timeout: Option<Duration>,
    /// Time allowed for a whole call, from connecting to the end of the response body. Default:
    /// none (large objects take as long as they take).
    pub global_timeout: Option<Duration>,
    /// How many idle connections are kept for reuse, in total and per host (S3 is usually one
    /// host, and parallel transfers want several). Default 16.
    pub max_idle_connections: usize,
    /// A PEM file whose certificates replace the built-in (Mozilla/webpki) trust roots, like
    /// `AWS_CA_BUNDLE` / `ca_bundle` for the AWS CLI.
    pub ca_bundle: Option<PathBuf>,
    /// Proxies and the hosts that bypass them.
    pub proxy: ProxyConfig,
    /// The `User-Agent` header sent when a request sets none.
    pub user_agent: String,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Some(Duration::from_secs(10)),
            read_timeout: Some(Duration::from_secs(60)),
            global_timeout: None,
            max_idle_connections: 16,
            ca_bundle: None,
            proxy: ProxyConfig::default(),
            user_agent: concat!("minis3/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

impl HttpConfig {
    /// The defaults, with proxies ([`ProxyConfig::from_env`]) and `AWS_CA_BUNDLE` taken from
    /// `env`. A `ca_bundle` from the AWS config file is the caller's to set afterwards
    /// (`AWS_CA_BUNDLE` wins over it, as in the AWS CLI).
    pub fn from_env(env: &Environment) -> Self {
        Self {
            ca_bundle: env.non_empty("AWS_CA_BUNDLE").map(PathBuf::from),
            proxy: ProxyConfig::from_env(env),
            ..Self::default()
        }
    }
}

/// Proxy settings: one proxy URL for `http://` targets, one for `https://` targets, and the
/// `NO_PROXY` list. Proxy URLs may carry `user:password@`; [`fmt::Debug`] hides it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    /// Proxy for `http://` URLs (`http_proxy` / `HTTP_PROXY`).
    pub http: Option<String>,
    /// Proxy for `https://` URLs (`https_proxy` / `HTTPS_PROXY`).
    pub https: Option<String>,
    /// Hosts that are reached directly.
    pub no_proxy: NoProxy,
}

impl fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyConfig")
            .field("http", &self.http.as_deref().map(redact_userinfo))
            .field("https", &self.https.as_deref().map(redact_userinfo))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

impl ProxyConfig {
    /// Reads `https_proxy`, `HTTPS_PROXY`, `http_proxy`, `HTTP_PROXY`, `no_proxy`, `NO_PROXY`.
    ///
    /// When both spellings are set the lower-case one wins, as in curl and Python's `urllib`
    /// (which the AWS CLI uses). Empty values count as unset. `ALL_PROXY` is not read (the AWS
    /// CLI does not read it either).
    pub fn from_env(env: &Environment) -> Self {
        let pick = |lower: &str, upper: &str| env.non_empty(lower).or_else(|| env.non_empty(upper)).map(str::to_string);
        Self {
            http: pick("http_proxy", "HTTP_PROXY"),
            https: pick("https_proxy", "HTTPS_PROXY"),
            no_proxy: NoProxy::parse(env.non_empty("no_proxy").or_else(|| env.non_empty("NO_PROXY")).unwrap_or("")),
        }
    }

    /// The proxy URL for a target of this scheme (`"http"` or `"https"`), ignoring `NO_PROXY`.
    pub fn for_scheme(&self, scheme: &str) -> Option<&str> {
        if scheme.eq_ignore_ascii_case("https") {
            self.https.as_deref()
        } else if scheme.eq_ignore_ascii_case("http") {
            self.http.as_deref()
        } else {
            None
        }
    }
}

/// A `NO_PROXY` list, matched the way curl does.
///
/// Entries are separated by commas (and white space), trimmed and compared case-insensitively:
/// - `*` alone: every host bypasses the proxy;
/// - `example.com`, `.example.com` and `*.example.com`: `example.com` itself and every name
///   under it (a leading `.` or `*.` is ignored, as curl does);
/// - `127.0.0.1`, `::1`, `[::1]`, `localhost`: that host exactly (IP addresses are compared as
///   text; CIDR ranges are not supported);
/// - an entry with `:PORT` matches only that port.
///
/// Nothing bypasses the proxy implicitly: `localhost` and `127.0.0.1` do only when listed.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub struct NoProxy {
    all: bool,
    entries: Vec<(String, Option<u16>)>,
}

impl NoProxy {
    /// Parses a `NO_PROXY` value. Never fails: an entry that means nothing matches nothing.
    pub fn parse(list: &str) -> Self {
        let mut out = Self::default();
        for raw in list.split(|c: char| c == ',' || c.is_whitespace()) {
            let entry = raw.trim();
            if entry.is_empty() {
                continue;
            }
            if entry == "*" {
                out.all = true;
                continue;
            }
            let (host, port) = split_host_port(entry);
            let host = host.trim_start_matches("*.").trim_start_matches('.').trim_end_matches('.').to_ascii_lowercase();
            if !host.is_empty() {
                out.entries.push((host, port));
            }
        }
        out
    }

    /// Whether a request to `host`:`port` goes direct. `host` is as in a URL (an IPv6 address
    /// with or without brackets).
    pub fn bypasses(&self, host: &str, port: u16) -> bool {
        if self.all {
            return true;
        }
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.entries.iter().any(|(entry, entry_port)| {
            if entry_port.is_some_and(|p| p != port) {
                return false;
            }
            host == *entry
                || (host.len() > entry.len()
                    && host.ends_with(entry.as_str())
                    && host.as_bytes()[host.len() - entry.len() - 1] == b'.')
        })
    }

    /// Whether the list is empty (nothing bypasses the proxy).
    pub fn is_empty(&self) -> bool {
        !self.all && self.entries.is_empty()
    }
}

/// Splits `host:port`, `[v6]:port`, `[v6]`, a bare IPv6 address or a plain host.
fn split_host_port(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[') {
        if let Some((host, after)) = rest.split_once(']') {
            let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
            return (host, port);
        }
        return (rest, None);
    }
    match entry.rsplit_once(':') {
        // More than one ':' and no brackets: a bare IPv6 address.
        Some((host, _)) if host.contains(':') => (entry, None),
        Some((host, port)) => match port.parse() {
            Ok(p) => (host, Some(p)),
            Err(_) => (entry, None),
        },
        None => (entry, None),
    }
}

/// `scheme://user:pass@host:port/...` → `scheme://***@host:port/...` (for messages).
fn redact_userinfo(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => (&url[..i + 3], &url[i + 3..]),
        None => ("", url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}***@{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

/// Which of the configured timeouts fired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Resolving the host name or opening the connection ([`HttpConfig::connect_timeout`]).
    Connect,
    /// A single read or write made no progress ([`HttpConfig::read_timeout`]).
    Read,
    /// The whole call ([`HttpConfig::global_timeout`]).
    Global,
}

/// An error from the HTTP layer: building the agent, or sending a request and reading its
/// answer. An HTTP error status (4xx/5xx) is not an error here; it is a [`Response`].
#[derive(Debug)]
#[non_exhaustive]
pub enum HttpError {
    /// The CA bundle file could not be read.
    CaBundleRead {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The CA bundle file is not PEM, or holds no certificate.
    CaBundleInvalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A proxy URL is not usable.
    InvalidProxy {
        /// The proxy URL, with any `user:password@` hidden.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The request itself is malformed (bad URL, method or header).
    InvalidRequest {
        /// What is wrong.
        reason: String,
    },
    /// The host name did not resolve.
    HostNotFound {
        /// The host.
        host: String,
    },
    /// The server (or proxy) refused the TCP connection: nothing listens there.
    ConnectionRefused {
        /// `host:port` that refused.
        target: String,
    },
    /// The connection could not be opened for another reason (unreachable network...).
    ConnectFailed {
        /// `host:port`.
        target: String,
        /// The system's reason.
        reason: String,
    },
    /// The connection was reset or closed while a request was in flight.
    ConnectionLost {
        /// `host:port`.
        target: String,
        /// The system's reason.
        reason: String,
    },
    /// A timeout fired.
    Timeout {
        /// `host:port`.
        target: String,
        /// Which one.
        kind: TimeoutKind,
    },
    /// TLS failed (certificate not trusted, name mismatch, handshake).
    Tls {
        /// `host:port`.
        target: String,
        /// The TLS library's reason.
        reason: String,
    },
    /// The proxy refused or failed the `CONNECT`.
    Proxy {
        /// The proxy, with any `user:password@` hidden.
        proxy: String,
        /// What it answered.
        reason: String,
    },
    /// The server broke the HTTP protocol.
    Protocol {
        /// `host:port`.
        target: String,
        /// What was wrong.
        reason: String,
    },
    /// A response body was larger than the caller's limit.
    BodyTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// Anything else.
    Other {
        /// `host:port`, when known.
        target: String,
        /// Description.
        reason: String,
    },
}

impl HttpError {
    /// Whether retrying the same request may succeed: timeouts and connections lost mid-way
    /// (reset, aborted, closed early). A refused connection, a TLS or proxy failure, an unknown
    /// host or a bad request is not retryable: retrying only delays the same error.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Timeout { .. } | Self::ConnectionLost { .. })
    }

    /// Maps a ureq error for a request to `target` (`host:port`).
    fn from_ureq(err: ureq::Error, target: &str, proxy: Option<&str>) -> Self {
        let target = target.to_string();
        match err {
            ureq::Error::Io(e) => Self::from_io_plain(e, target),
            ureq::Error::Timeout(t) => {
                use ureq::Timeout as T;
                let kind = match t {
                    T::Resolve | T::Connect => TimeoutKind::Connect,
                    T::Global | T::PerCall => TimeoutKind::Global,
                    _ => TimeoutKind::Read,
                };
                Self::Timeout { target, kind }
            }
            ureq::Error::HostNotFound => {
                Self::HostNotFound { host: target.rsplit_once(':').map(|(h, _)| h.to_string()).unwrap_or(target) }
            }
            ureq::Error::ConnectionFailed => {
                Self::ConnectFailed { target, reason: "no address could be connected".into() }
            }
            ureq::Error::ConnectProxyFailed(reason) => {
                Self::Proxy { proxy: proxy.map(redact_userinfo).unwrap_or_default(), reason }
            }
            ureq::Error::InvalidProxyUrl => Self::InvalidProxy {
                url: proxy.map(redact_userinfo).unwrap_or_default(),
                reason: "not a valid proxy URL".into(),
            },
            ureq::Error::Tls(reason) => Self::Tls { target, reason: reason.into() },
            ureq::Error::Pem(e) => Self::Tls { target, reason: e.to_string() },
            ureq::Error::Rustls(e) => Self::Tls { target, reason: e.to_string() },
            ureq::Error::TlsRequired => Self::Tls { target, reason: "TLS required".into() },
            ureq::Error::BadUri(reason) => Self::InvalidRequest { reason },
            ureq::Error::Http(e) => Self::InvalidRequest { reason: e.to_string() },
            ureq::Error::Protocol(e) => Self::Protocol { target, reason: e.to_string() },
            ureq::Error::LargeResponseHeader(got, max) => {
                Self::Protocol { target, reason: format!("response header of {got} bytes exceeds {max}") }
            }
            ureq::Error::BodyExceedsLimit(limit) => Self::BodyTooLarge { limit },
            other => Self::Other { target, reason: other.to_string() },
        }
    }

    /// Maps an I/O error that may wrap a ureq error (as body readers return them).
    fn from_io(err: io::Error, target: &str) -> Self {
        if err.get_ref().is_some_and(|inner| inner.is::<ureq::Error>()) {
            if let Some(inner) = err.into_inner() {
                if let Ok(u) = inner.downcast::<ureq::Error>() {
                    return Self::from_ureq(*u, target, None);
                }
            }
            // Unreachable in practice (checked above); keep a sensible answer anyway.
            return Self::Other { target: target.to_string(), reason: "I/O error".into() };
        }
        Self::from_io_plain(err, target.to_string())
    }

    fn from_io_plain(e: io::Error, target: String) -> Self {
        use io::ErrorKind as K;
        match e.kind() {
            K::ConnectionRefused => Self::ConnectionRefused { target },
            K::TimedOut | K::WouldBlock => Self::Timeout { target, kind: TimeoutKind::Read },
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof | K::NotConnected => {
                Self::ConnectionLost { target, reason: e.to_string() }
            }
            // rustls reports certificate and handshake failures as InvalidData I/O errors.
            K::InvalidData => Self::Tls { target, reason: e.to_string() },
            K::AddrNotAvailable | K::PermissionDenied => Self::ConnectFailed { target, reason: e.to_string() },
            _ => Self::Other { target, reason: e.to_string() },
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CaBundleRead { path, source } => {
                write!(f, "cannot read the CA bundle {} ({source}); check AWS_CA_BUNDLE / ca_bundle", path.display())
            }
            Self::CaBundleInvalid { path, reason } => write!(
                f,
                "the CA bundle {} is not usable: {reason}; it must be a PEM file of certificates",
                path.display()
            ),
            Self::InvalidProxy { url, reason } => {
                write!(f, "invalid proxy {url:?}: {reason}; check HTTPS_PROXY / HTTP_PROXY")
            }
            Self::InvalidRequest { reason } => write!(f, "invalid HTTP request: {reason}"),
            Self::HostNotFound { host } => {
                write!(f, "cannot resolve host {host:?}; check the endpoint URL and the network")
            }
            Self::ConnectionRefused { target } => {
                write!(f, "connection to {target} refused: is the endpoint URL right and the server running?")
            }
            Self::ConnectFailed { target, reason } => {
                write!(f, "cannot connect to {target}: {reason}")
            }
            Self::ConnectionLost { target, reason } => {
                write!(f, "connection to {target} lost: {reason}")
            }
            Self::Timeout { target, kind } => match kind {
                TimeoutKind::Connect => write!(
                    f,
                    "timed out connecting to {target}; check the endpoint, proxy and network \
                     (connect timeout)"
                ),
                TimeoutKind::Read => write!(f, "{target} stopped sending or receiving data (read timeout)"),
                TimeoutKind::Global => {
                    write!(f, "request to {target} took too long (global timeout)")
                }
            },
            Self::Tls { target, reason } => {
                write!(f, "TLS with {target} failed: {reason}; for a private CA set AWS_CA_BUNDLE")
            }
            Self::Proxy { proxy, reason } => {
                write!(f, "proxy {proxy} failed: {reason}; check HTTPS_PROXY / HTTP_PROXY / NO_PROXY")
            }
            Self::Protocol { target, reason } => {
                write!(f, "{target} sent an invalid HTTP response: {reason}")
            }
            Self::BodyTooLarge { limit } => {
                write!(f, "response body larger than the limit of {limit} bytes")
            }
            Self::Other { target, reason } if target.is_empty() => {
                write!(f, "HTTP error: {reason}")
            }
            Self::Other { target, reason } => write!(f, "HTTP error with {target}: {reason}"),
        }
    }
}

impl std::error::Error for HttpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::CaBundleRead { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Reads a PEM file of one or more certificates (the CA bundle).
pub fn load_ca_bundle(path: &Path) -> Result<Vec<Certificate<'static>>, HttpError> {
    let pem = std::fs::read(path).map_err(|source| HttpError::CaBundleRead { path: path.to_path_buf(), source })?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {} // private keys and the like are skipped
            Err(e) => return Err(HttpError::CaBundleInvalid { path: path.to_path_buf(), reason: e.to_string() }),
        }
    }
    if certs.is_empty() {
        return Err(HttpError::CaBundleInvalid {
            path: path.to_path_buf(),
            reason: "no \"BEGIN CERTIFICATE\" section found".into(),
        });
    }
    Ok(certs)
}

/// A request body.
pub enum Body<'a> {
    /// No body.
    Empty,
    /// These bytes; `Content-Length` is set from their length unless the request sets it.
    Bytes(&'a [u8]),
    /// A stream of exactly `length` bytes; `Content-Length: length` is sent unless the request
    /// sets it (S3 refuses `Transfer-Encoding: chunked` uploads, so a length is always given).
    Reader {
        /// The data.
        reader: &'a mut dyn Read,
        /// How many bytes it yields.
        length: u64,
    },
}

impl fmt::Debug for Body<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("Empty"),
            Self::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Self::Reader { length, .. } => write!(f, "Reader({length} bytes)"),
        }
    }
}

/// An HTTP response: status, headers and the body still to be read.
pub struct Response {
    status: u16,
    headers: h::HeaderMap,
    body: ureq::Body,
    target: String,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response").field("status", &self.status).field("target", &self.target).finish_non_exhaustive()
    }
}

impl Response {
    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The first value of a header (names are case-insensitive), if it is valid text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// All headers (names lower-case), in the order received; values that are not valid text
    /// are left out.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)))
    }

    /// Reads the whole body, failing with [`HttpError::BodyTooLarge`] beyond `limit` bytes.
    pub fn read_to_vec(mut self, limit: u64) -> Result<Vec<u8>, HttpError> {
        let target = std::mem::take(&mut self.target);
        self.body.with_config().limit(limit).read_to_vec().map_err(|e| HttpError::from_ureq(e, &target, None))
    }

    /// The body as a reader (no size limit). Its I/O errors can be turned into [`HttpError`]s
    /// with [`Response::map_read_error`].
    pub fn into_reader(self) -> impl Read + Send + 'static {
        self.body.into_with_config().limit(u64::MAX).reader()
    }

    /// Classifies an I/O error from [`Response::into_reader`] for a request to `target`.
    pub fn map_read_error(err: io::Error, target: &str) -> HttpError {
        HttpError::from_io(err, target)
    }

    /// `host:port` this response came from (for messages).
    pub fn target(&self) -> &str {
        &self.target
    }
}

/// The HTTP agents built from an [`HttpConfig`]: one pair direct, and one pair per configured
/// proxy. Cloning is cheap (the connection pools are shared).
#[derive(Clone)]
pub struct Http {
    direct: Agents,
    via_http_proxy: Option<(Agents, String)>,
    via_https_proxy: Option<(Agents, String)>,
    no_proxy: NoProxy,
}

/// Two agents for one route, each with its own pool: ureq sets a connection's buffer sizes and
/// `TCP_NODELAY` from its agent's configuration and reuses only connections made with the
/// agent's settings, so bulk transfers get an agent (and connections) of their own.
#[derive(Clone)]
struct Agents {
    small: Agent,
    bulk: Agent,
}

impl Agents {
    fn pick(&self, traffic: Traffic) -> &Agent {
        match traffic {
            Traffic::Small => &self.small,
            Traffic::Bulk => &self.bulk,
        }
    }
}

impl fmt::Debug for Http {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Http")
            .field("http_proxy", &self.via_http_proxy.as_ref().map(|p| redact_userinfo(&p.1)))
            .field("https_proxy", &self.via_https_proxy.as_ref().map(|p| redact_userinfo(&p.1)))
            .field("no_proxy", &self.no_proxy)
            .finish_non_exhaustive()
    }
}

impl Http {
    /// Builds the agents. Fails when the CA bundle cannot be read or parsed, or a proxy URL is
    /// invalid (including `socks5://` proxies, which this build does not support).
    pub fn new(config: &HttpConfig) -> Result<Self, HttpError> {
        let tls = match &config.ca_bundle {
            Some(path) => {
                let certs = load_ca_bundle(path)?;
                TlsConfig::builder().root_certs(RootCerts::new_with_certs(&certs)).build()
            }
            None => TlsConfig::builder().build(),
        };
        let build_one = |proxy: Option<Proxy>, traffic: Traffic| -> Agent {
            Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .max_redirects_will_error(false)
                .timeout_connect(config.connect_timeout)
                .timeout_per_read(config.read_timeout)
                .timeout_per_write(config.read_timeout)
                .timeout_global(config.global_timeout)
                .max_idle_connections(config.max_idle_connections)
                .max_idle_connections_per_host(config.max_idle_connections)
                .user_agent(config.user_agent.as_str())
                .accept(ureq::config::AutoHeaderValue::None)
                .accept_encoding(ureq::config::AutoHeaderValue::None)
                .tls_config(tls.clone())
                .proxy(proxy)
                .input_buffer_size(match traffic {
                    Traffic::Small => DEFAULT_INPUT_BUFFER,
                    Traffic::Bulk => BULK_INPUT_BUFFER,
                })
                .no_delay(traffic == Traffic::Small)
                .build()
                .new_agent()
        };
        let build = |proxy: Option<Proxy>| Agents {
            small: build_one(proxy.clone(), Traffic::Small),
            bulk: build_one(proxy, Traffic::Bulk),
        };
        let proxied = |url: &Option<String>| -> Result<Option<(Agents, String)>, HttpError> {
            let Some(url) = url else { return Ok(None) };
            let proxy = parse_proxy(url)?;
            Ok(Some((build(Some(proxy)), url.clone())))
        };
        let via_https_proxy = proxied(&config.proxy.https)?;
        // The same URL for both: share one agent (and its pool).
        let via_http_proxy = match (&config.proxy.http, &via_https_proxy) {
            (Some(h), Some((agent, u))) if h == u => Some((agent.clone(), u.clone())),
            _ => proxied(&config.proxy.http)?,
        };
        Ok(Self { direct: build(None), via_http_proxy, via_https_proxy, no_proxy: config.proxy.no_proxy.clone() })
    }

    /// The agents a request to `url` goes through, and the proxy URL it uses (if any).
    fn route(&self, uri: &Uri) -> (&Agents, Option<&str>) {
        let scheme = uri.scheme_str().unwrap_or("http");
        let host = uri.host().unwrap_or("");
        let port = uri.port_u16().unwrap_or(if scheme.eq_ignore_ascii_case("https") { 443 } else { 80 });
        let proxied = if scheme.eq_ignore_ascii_case("https") {
            self.via_https_proxy.as_ref()
        } else {
            self.via_http_proxy.as_ref()
        };
        match proxied {
            Some((agent, url)) if !self.no_proxy.bypasses(host, port) => (agent, Some(url.as_str())),
            _ => (&self.direct, None),
        }
    }

    /// The ureq agent a request to `url` should use (direct or through a proxy), for callers
    /// that build ureq requests themselves. `None` if `url` does not parse.
    pub fn agent_for(&self, url: &str) -> Option<&Agent> {
        let uri: Uri = url.parse().ok()?;
        Some(&self.route(&uri).0.small)
    }

    /// Whether a request to `url` would go through a proxy.
    pub fn uses_proxy(&self, url: &str) -> bool {
        url.parse::<Uri>().is_ok_and(|uri| self.route(&uri).1.is_some())
    }

    /// Sends one request and returns the response, whatever its status.
    ///
    /// `url` is absolute (`http[s]://host[:port]/path?query`) and already encoded: its path and
    /// query are sent exactly as given. `headers` are sent as given (a `Host` header here
    /// replaces the one ureq would derive from the URL, which is `host` plus `:port` when the
    /// port is not the scheme's default).
    pub fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Body<'_>,
    ) -> Result<Response, HttpError> {
        self.send_with(method, url, headers, body, Traffic::Small)
    }

    /// [`Http::send`] for the given kind of [`Traffic`] (such connections have a pool of
    /// their own).
    pub fn send_with(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Body<'_>,
        traffic: Traffic,
    ) -> Result<Response, HttpError> {
        let uri: Uri = url.parse().map_err(|e: h::uri::InvalidUri| HttpError::InvalidRequest {
            reason: format!("bad URL {:?}: {e}", url_for_message(url)),
        })?;
        if uri.host().is_none() || uri.scheme().is_none() {
            return Err(HttpError::InvalidRequest {
                reason: format!("URL {:?} is not absolute", url_for_message(url)),
            });
        }
        let target = target_of(&uri);
        let (agents, proxy) = self.route(&uri);
        let agent = agents.pick(traffic);
        let method = h::Method::from_bytes(method.as_bytes())
            .map_err(|e| HttpError::InvalidRequest { reason: format!("bad method {method:?}: {e}") })?;
        let mut builder = h::Request::builder().method(method).uri(uri);
        let mut has_length = false;
        for (name, value) in headers {
            has_length |= name.eq_ignore_ascii_case("content-length");
            builder = builder.header(*name, *value);
        }
        let result = match body {
            Body::Empty => builder.body(()).map(|r| agent.run(r)),
            Body::Bytes(bytes) => builder.body(bytes).map(|r| agent.run(r)),
            Body::Reader { reader, length } => {
                if !has_length {
                    builder = builder.header("content-length", length);
                }
                builder.body(ureq::SendBody::from_reader(reader)).map(|r| agent.run(r))
            }
        };
        let response = result
            .map_err(|e| HttpError::InvalidRequest { reason: e.to_string() })?
            .map_err(|e| HttpError::from_ureq(e, &target, proxy))?;
        let (parts, body) = response.into_parts();
        Ok(Response { status: parts.status.as_u16(), headers: parts.headers, body, target })
    }
}

/// ureq's default receive buffer, kept for responses read in small pieces (XML, metadata).
const DEFAULT_INPUT_BUFFER: usize = 128 * 1024;
/// The receive buffer for [`Traffic::Bulk`]: measured on loopback downloads of 1 GiB,
/// 256 KiB took as little CPU as 1 MiB, with less memory per connection.
const BULK_INPUT_BUFFER: usize = 256 * 1024;

/// What a request's connection will carry, which decides how it is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Traffic {
    /// Small requests and answers (the default): a 128 KiB receive buffer, and `TCP_NODELAY`,
    /// so that a small body written after the headers is not held back by Nagle's algorithm
    /// while the server delays its acknowledgement.
    #[default]
    Small,
    /// A large body one way, an object downloaded (read in large pieces) or uploaded: a
    /// 256 KiB receive buffer, and Nagle's algorithm on, so the kernel sends full segments
    /// instead of a short one after every write (a 1 GiB upload on loopback took about a
    /// quarter less CPU).
    Bulk,
}

/// `host:port` of a URL, with the scheme's default port filled in.
fn target_of(uri: &Uri) -> String {
    let https = uri.scheme_str().is_some_and(|s| s.eq_ignore_ascii_case("https"));
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    format!("{}:{port}", uri.host().unwrap_or(""))
}

/// A URL without its query string (a presigned URL's query is a bearer credential).
fn url_for_message(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

fn parse_proxy(url: &str) -> Result<Proxy, HttpError> {
    let invalid = |reason: &str| HttpError::InvalidProxy { url: redact_userinfo(url), reason: reason.to_string() };
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        None | Some("http") | Some("https") => {}
        Some(other) => {
            return Err(invalid(&format!("scheme {other:?} is not supported (only http:// and https:// proxies)")))
        }
    }
    Proxy::new(url).map_err(|_| invalid("not a valid proxy URL"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_env_lower_case_wins_and_empty_is_unset() {
        let env = Environment::from_pairs([
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", "http://lower:2"),
            ("HTTP_PROXY", "http://plain:3"),
            ("http_proxy", "  "),
            ("NO_PROXY", "a.example, .b.example"),
        ]);
        let p = ProxyConfig::from_env(&env);
        assert_eq!(p.https.as_deref(), Some("http://lower:2"));
        assert_eq!(p.http.as_deref(), Some("http://plain:3"));
        assert!(p.no_proxy.bypasses("a.example", 443));
        assert!(p.no_proxy.bypasses("x.b.example", 443));
        assert_eq!(p.for_scheme("HTTPS"), Some("http://lower:2"));
        assert_eq!(p.for_scheme("ftp"), None);
    }

    #[test]
    fn no_proxy_rules() {
        let n = NoProxy::parse(" example.com ,.dot.test,*.star.test, localhost\t127.0.0.1 [::1] only.port:8080,,");
        for (host, port, want) in [
            ("example.com", 443, true),
            ("EXAMPLE.com", 443, true),
            ("example.com.", 443, true),
            ("sub.example.com", 443, true),
            ("badexample.com", 443, false),
            ("example.com.evil", 443, false),
            ("dot.test", 80, true),
            ("a.dot.test", 80, true),
            ("star.test", 80, true),
            ("a.b.star.test", 80, true),
            ("localhost", 9000, true),
            ("127.0.0.1", 9000, true),
            ("127.0.0.2", 9000, false),
            ("[::1]", 9000, true),
            ("::1", 9000, true),
            ("only.port", 8080, true),
            ("only.port", 8081, false),
            ("s3.amazonaws.com", 443, false),
        ] {
            assert_eq!(n.bypasses(host, port), want, "{host}:{port}");
        }
        assert!(NoProxy::parse("*").bypasses("anything", 1));
        assert!(NoProxy::parse("").is_empty());
        assert!(!NoProxy::parse("").bypasses("localhost", 80));
        assert!(NoProxy::parse("::1").bypasses("[::1]", 1));
    }

    #[test]
    fn redaction() {
        assert_eq!(redact_userinfo("http://user:pa:ss@proxy:3128/"), "http://***@proxy:3128/");
        assert_eq!(redact_userinfo("proxy:3128"), "proxy:3128");
        assert_eq!(redact_userinfo("u:p@proxy:3128"), "***@proxy:3128");
        let cfg = ProxyConfig { https: Some("http://me:s3cret@proxy:1".into()), ..Default::default() };
        assert!(!format!("{cfg:?}").contains("s3cret"));
        let http = Http::new(&HttpConfig { proxy: cfg, ..Default::default() }).unwrap();
        assert!(!format!("{http:?}").contains("s3cret"));
    }

    #[test]
    fn bad_proxies_are_errors_without_secrets() {
        for url in ["socks5://u:s3cret@h:1080", "ftp://h:1", "http://u:s3cret@[bad"] {
            let err = Http::new(&HttpConfig {
                proxy: ProxyConfig { https: Some(url.into()), ..Default::default() },
                ..Default::default()
            })
            .unwrap_err();
            let msg = err.to_string();
            assert!(matches!(err, HttpError::InvalidProxy { .. }), "{msg}");
            assert!(!msg.contains("s3cret"), "{msg}");
        }
    }

    #[test]
    fn routing_follows_scheme_and_no_proxy() {
        let http = Http::new(&HttpConfig {
            proxy: ProxyConfig {
                https: Some("http://127.0.0.1:9".into()),
                http: None,
                no_proxy: NoProxy::parse("internal.test"),
            },
            ..Default::default()
        })
        .unwrap();
        assert!(http.uses_proxy("https://s3.amazonaws.com/b/k"));
        assert!(!http.uses_proxy("http://s3.amazonaws.com/b/k"));
        assert!(!http.uses_proxy("https://bucket.internal.test/k"));
        assert!(http.agent_for("https://x/").is_some());
        assert!(http.agent_for("not a url").is_none());
    }

    #[test]
    fn retryable_classification() {
        let t = |kind| HttpError::from_io_plain(io::Error::from(kind), "h:1".into());
        assert!(t(io::ErrorKind::ConnectionReset).is_retryable());
        assert!(t(io::ErrorKind::TimedOut).is_retryable());
        assert!(t(io::ErrorKind::UnexpectedEof).is_retryable());
        assert!(!t(io::ErrorKind::ConnectionRefused).is_retryable());
        assert!(matches!(t(io::ErrorKind::ConnectionRefused), HttpError::ConnectionRefused { .. }));
        let wrapped = io::Error::other(ureq::Error::Timeout(ureq::Timeout::Global));
        assert!(matches!(HttpError::from_io(wrapped, "h:1"), HttpError::Timeout { kind: TimeoutKind::Global, .. }));
    }

    #[test]
    fn displays_are_one_line() {
        let errs = [
            HttpError::ConnectionRefused { target: "127.0.0.1:1".into() },
            HttpError::Timeout { target: "h:1".into(), kind: TimeoutKind::Connect },
            HttpError::CaBundleInvalid { path: "/x.pem".into(), reason: "r".into() },
        ];
        for e in errs {
            let s = e.to_string();
            assert!(!s.contains('\n') && !s.is_empty(), "{s}");
        }
    }

    #[test]
    fn ca_bundle_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let err = load_ca_bundle(&missing).unwrap_err();
        assert!(matches!(err, HttpError::CaBundleRead { .. }));
        assert!(err.to_string().contains("missing.pem"), "{err}");

        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "just text\n").unwrap();
        let err = load_ca_bundle(&empty).unwrap_err();
        assert!(matches!(err, HttpError::CaBundleInvalid { .. }));
        assert!(err.to_string().contains("empty.pem"), "{err}");

        let bad = dir.path().join("bad.pem");
        std::fs::write(&bad, "-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n").unwrap();
        let err = load_ca_bundle(&bad).unwrap_err();
        assert!(matches!(err, HttpError::CaBundleInvalid { .. }), "{err}");
        assert!(err.to_string().contains("bad.pem"), "{err}");
    }

    #[test]
    fn url_messages_drop_the_query() {
        assert_eq!(url_for_message("https://h/k?X-Amz-Signature=abc"), "https://h/k");
        let err = Http::new(&HttpConfig::default())
            .unwrap()
            .send("GET", "/relative?X-Amz-Signature=abc", &[], Body::Empty)
            .unwrap_err();
        assert!(!err.to_string().contains("abc"), "{err}");
    }
}
