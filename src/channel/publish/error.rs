//! [`PublishError`]: why an upload or an index run failed, one actionable line each.

use std::fmt;

use crate::channel::package::PackageError;
use crate::s3::S3Error;

/// What went wrong publishing a channel.
#[derive(Debug)]
#[non_exhaustive]
pub enum PublishError {
    /// The S3 settings given are incomplete or contradictory (an endpoint without a region, a
    /// key without a secret...).
    Settings(String),
    /// The channel URL is not `s3://BUCKET[/PATH]`.
    Channel(String),
    /// A file is not a conda package (refused before anything was uploaded).
    NotAPackage(PackageError),
    /// A local file could not be read.
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The package is already in the channel and `--force` was not given.
    Exists {
        /// `s3://BUCKET/KEY` of the object.
        url: String,
    },
    /// An S3 request failed.
    S3(S3Error),
    /// The subdir kept changing under us (another indexer or an upload) after every retry.
    Conflict {
        /// `s3://BUCKET/CHANNEL/SUBDIR`.
        subdir: String,
        /// How many attempts were made.
        attempts: u32,
    },
    /// A repodata document in the channel could not be read or written.
    Format(String),
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PublishError::Settings(m) => write!(f, "{m}"),
            PublishError::Channel(m) => write!(f, "{m}: give the channel as s3://BUCKET/CHANNEL"),
            PublishError::NotAPackage(e) => write!(f, "{e}: only .conda and .tar.bz2 packages can be uploaded"),
            PublishError::Io { path, source } => write!(f, "cannot read {path}: {source}"),
            PublishError::Exists { url } => {
                write!(f, "package {url} already exists: use --force to overwrite it")
            }
            PublishError::S3(e) => e.fmt(f),
            PublishError::Conflict { subdir, attempts } => write!(
                f,
                "{subdir} kept changing while it was indexed ({attempts} attempts; another indexer or an upload \
                 is writing it): run the index again"
            ),
            PublishError::Format(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for PublishError {}

impl From<S3Error> for PublishError {
    fn from(e: S3Error) -> Self {
        PublishError::S3(e)
    }
}
