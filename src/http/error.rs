//! [`HttpError`]: what can go wrong building the agent or sending a request, one line each.

use std::fmt;
use std::io;
use std::path::PathBuf;

use super::config::redact_userinfo;

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
    pub(super) fn from_ureq(err: ureq::Error, target: &str, proxy: Option<&str>) -> Self {
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
    pub(super) fn from_io(err: io::Error, target: &str) -> Self {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
