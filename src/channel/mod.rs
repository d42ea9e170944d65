//! Conda channels on S3, GCS and plain https: versions and match specs, repodata records,
//! sharded repodata (CEP-16), package metadata, the reader's fetch order and cache, search,
//! download, upload and index.
//!
//! The layer imports `settings`, `s3`, `http` and below, never the CLI.

pub mod package;
