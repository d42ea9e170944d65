//! [`FetchError`]: everything reading a channel's files can fail with, one actionable line each.

use std::fmt;
use std::io;
use std::path::PathBuf;

use super::url::ChannelUrlError;
use crate::http::HttpError;
use crate::s3::S3Error;

/// An error from the channel reader's transports, cache or fetch order.
///
/// Every variant names the URL (or cache file) it is about. Secrets never appear: URLs are
/// channel URLs (no presigned query strings), and authorization headers are never shown.
#[derive(Debug)]
#[non_exhaustive]
pub enum FetchError {
    /// The channel URL cannot be used.
    Url(ChannelUrlError),
    /// A path inside the channel is not a plain relative path.
    InvalidPath {
        /// The path as given.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The settings for an `s3://` channel's bucket could not be resolved.
    Settings {
        /// The channel.
        url: String,
        /// The settings layer's one-line reason.
        reason: String,
    },
    /// An S3 request failed (its message names `s3://BUCKET/KEY`).
    S3(S3Error),
    /// An HTTP request could not be sent or its answer not read.
    Http {
        /// The URL.
        url: String,
        /// Why.
        source: HttpError,
    },
    /// The server answered with a status the reader cannot use.
    Status {
        /// The URL.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// A redirect could not be followed.
    Redirect {
        /// The URL that redirected.
        url: String,
        /// Why it was not followed.
        reason: String,
    },
    /// The authorization provider (e.g. the `gcs://` token source) failed.
    Authorization {
        /// The URL the header was for.
        url: String,
        /// The provider's one-line reason.
        reason: String,
    },
    /// Reading a response body failed, or it ended before its announced length.
    Read {
        /// The URL.
        url: String,
        /// Why.
        source: io::Error,
    },
    /// A content-addressed file (a shard) does not have the digest it is named by.
    DigestMismatch {
        /// The URL.
        url: String,
        /// The expected SHA-256, hex.
        expected: String,
        /// What was received, hex.
        actual: String,
    },
    /// The channel has no `noarch` subdir (no repodata of any form under it).
    MissingNoarch {
        /// The subdir's URL (`CHANNEL/noarch/`).
        url: String,
    },
    /// The cache directory or one of its files could not be used.
    Cache {
        /// What we were doing ("create the cache directory", ...).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The system's error.
        source: io::Error,
    },
}

impl FetchError {
    /// The HTTP status, when the server answered one.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            FetchError::S3(e) => e.status(),
            _ => None,
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Url(e) => e.fmt(f),
            FetchError::InvalidPath { path, reason } => write!(f, "invalid channel file path {path:?}: {reason}"),
            FetchError::Settings { url, reason } => write!(f, "cannot resolve the settings for {url}: {reason}"),
            FetchError::S3(e) => e.fmt(f),
            FetchError::Http { url, source } => write!(f, "GET {url}: {source}"),
            FetchError::Status { url, status } => {
                let hint = match status {
                    401 | 403 => "; the channel needs credentials, or they are not allowed to read it",
                    429 | 500..=599 => "; the server is busy or failed: try again later",
                    _ => "",
                };
                write!(f, "GET {url}: the server answered {status}{hint}")
            }
            FetchError::Redirect { url, reason } => write!(f, "GET {url}: cannot follow the redirect: {reason}"),
            FetchError::Authorization { url, reason } => {
                write!(f, "GET {url}: no authorization for the request: {reason}")
            }
            FetchError::Read { url, source } => write!(f, "GET {url}: reading the body failed: {source}"),
            FetchError::DigestMismatch { url, expected, actual } => {
                write!(f, "{url} has SHA-256 {actual}, but it is named by {expected}; the channel is corrupt")
            }
            FetchError::MissingNoarch { url } => write!(
                f,
                "{url} holds no repodata (repodata_shards.msgpack.zst, repodata.json.zst, repodata.json): \
                 every channel has a noarch subdir; check the channel URL"
            ),
            FetchError::Cache { action, path, source } => write!(
                f,
                "cannot {action} {}: {source}; check the cache directory (XDG_CACHE_HOME) or bypass the cache",
                path.display()
            ),
        }
    }
}

impl std::error::Error for FetchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FetchError::Url(e) => Some(e),
            FetchError::S3(e) => Some(e),
            FetchError::Http { source, .. } => Some(source),
            FetchError::Read { source, .. } | FetchError::Cache { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<ChannelUrlError> for FetchError {
    fn from(e: ChannelUrlError) -> Self {
        FetchError::Url(e)
    }
}
