//! Conda channels on S3, GCS and plain https: versions and match specs, repodata records,
//! sharded repodata (CEP-16), package metadata, the reader's fetch order and cache, search,
//! download, upload and index.
//!
//! The layer imports `settings`, `s3`, `http` and below, never the CLI.

pub mod cache;
mod cache_fill;
pub mod connect;
pub mod fetch_error;
pub mod fetch_order;
pub mod http_transport;
pub mod s3_transport;
pub mod transport;
pub mod url;
