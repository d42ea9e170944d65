//! Publishing conda channels on S3: `upload` (packages into `CHANNEL/SUBDIR/`, with the
//! stored checksums rattler-build writes) and `index` (repodata, zstd and CEP-16 shards
//! written as rattler's indexer writes them, reading only new or changed packages, and only
//! their metadata when checksums are stored).
//!
//! - [`connect`], the client from rattler-style S3 settings ([`S3ToolOptions`]);
//! - [`index`], [`index_channel`];
//! - [`upload`], [`upload_packages`];
//! - [`s3_source`], package metadata by ranged GETs ([`ranged`]: a `.tar.bz2` front to back);
//! - [`state`], the index's sidecar (ETag and size per file);
//! - `write`, a subdir's index files written (new shards only, the zstd beside the rest).

pub mod connect;
pub mod error;
pub mod index;
mod parallel;
pub mod ranged;
pub mod s3_source;
pub mod state;
pub mod upload;
mod write;

pub use connect::{publish_client, publish_config, ClientOrigin, S3ToolOptions};
pub use error::PublishError;
pub use index::{index_channel, index_channel_with, IndexOptions, IndexProgress, IndexSummary, Skipped};
pub use upload::{upload_packages, upload_packages_with, UploadOptions, Uploaded};
