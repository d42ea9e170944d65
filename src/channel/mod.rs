//! Conda channels on S3, GCS and plain https: versions and match specs, repodata records,
//! sharded repodata (CEP-16), package metadata, the reader's fetch order and cache, search,
//! download, upload and index.
//!
//! The layer imports `settings`, `s3`, `http` and below, never the CLI.

pub mod cache;
pub mod connect;
pub mod error;
pub mod fetch_error;
pub mod fetch_order;
pub mod http_transport;
pub mod match_spec;
pub mod msgpack;
pub mod package;
pub mod record;
pub mod repodata;
pub mod s3_transport;
pub mod shards;
pub mod transport;
pub mod url;
pub mod version;
pub mod version_spec;

pub use match_spec::{compare_newest, newest, Candidate, MatchSpec, MatchSpecError};
pub use version::{Version, VersionError};
pub use version_spec::{VersionSpec, VersionSpecError};

/// An input quoted in an error message, cut to 200 characters so that a huge input never
/// floods a terminal.
pub(crate) fn shorten(input: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 200;
    match input.char_indices().nth(MAX) {
        None => input.into(),
        Some((i, _)) => format!("{}...", &input[..i]).into(),
    }
}
