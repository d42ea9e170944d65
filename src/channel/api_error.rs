//! [`ChannelError`]: what opening, querying and downloading from a channel can fail with, one
//! actionable line each, in the words of the library (no command-line flags).

use std::fmt;
use std::io;
use std::path::PathBuf;

use super::error::FormatError;
use super::fetch_error::FetchError;

/// An error of the channel API ([`Channel`](super::channel::Channel)).
#[derive(Debug)]
#[non_exhaustive]
pub enum ChannelError {
    /// Fetching a channel file failed (transport, settings, cache, missing `noarch`).
    Fetch(FetchError),
    /// A repodata file, shard index or shard is malformed (names the file).
    Format(FormatError),
    /// A downloaded package does not have the SHA-256 (or MD5) its record gives; the
    /// temporary file was deleted.
    ChecksumMismatch {
        /// The package URL.
        url: String,
        /// `sha256` or `md5`.
        algorithm: &'static str,
        /// The digest from the repodata record, hex.
        expected: String,
        /// The digest of the bytes received, hex.
        actual: String,
    },
    /// A downloaded package does not have the size its record gives; the temporary file was
    /// deleted.
    SizeMismatch {
        /// The package URL.
        url: String,
        /// The size from the record.
        expected: u64,
        /// The bytes received.
        actual: u64,
    },
    /// The record gives neither a SHA-256 nor an MD5, so the download cannot be verified.
    NoChecksum {
        /// The package URL.
        url: String,
    },
    /// The package file does not exist on the server.
    PackageNotFound {
        /// The package URL.
        url: String,
    },
    /// The package's URL lies outside the channel (an absolute `base_url` to another
    /// server), which this reader does not follow.
    OutsideChannel {
        /// The URL.
        url: String,
        /// The channel.
        channel: String,
    },
    /// A local file could not be written.
    Io {
        /// What we were doing.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The system's error.
        source: io::Error,
    },
}

impl fmt::Display for ChannelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChannelError::Fetch(e) => e.fmt(f),
            ChannelError::Format(e) => e.fmt(f),
            ChannelError::ChecksumMismatch { url, algorithm, expected, actual } => write!(
                f,
                "{url}: {algorithm} {actual} does not match {expected} from the repodata; nothing was kept (the \
                 package or the repodata is corrupt: re-index the channel)"
            ),
            ChannelError::SizeMismatch { url, expected, actual } => write!(
                f,
                "{url}: received {actual} bytes, the repodata says {expected}; nothing was kept (the package or \
                 the repodata is corrupt: re-index the channel)"
            ),
            ChannelError::NoChecksum { url } => {
                write!(f, "{url}: its record has no sha256 or md5, so the download cannot be verified")
            }
            ChannelError::PackageNotFound { url } => {
                write!(f, "{url}: the package is in the repodata but not on the server (404): re-index the channel")
            }
            ChannelError::OutsideChannel { url, channel } => {
                write!(f, "{url}: the package lies outside the channel {channel}, which is not supported")
            }
            ChannelError::Io { action, path, source } => write!(f, "cannot {action} {}: {source}", path.display()),
        }
    }
}

impl std::error::Error for ChannelError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ChannelError::Fetch(e) => Some(e),
            ChannelError::Format(e) => Some(e),
            ChannelError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<FetchError> for ChannelError {
    fn from(e: FetchError) -> Self {
        ChannelError::Fetch(e)
    }
}

impl From<FormatError> for ChannelError {
    fn from(e: FormatError) -> Self {
        ChannelError::Format(e)
    }
}
