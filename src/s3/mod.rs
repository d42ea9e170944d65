//! The S3 client and its operations.
//!
//! Build a [`Client`] from a [`ClientConfig`], then call its operations:
//!
//! | operation | methods |
//! | --- | --- |
//! | GetObject / HeadObject | [`Client::get_object`], [`Client::get_object_bytes`], [`Client::head_object`], [`Client::object_exists`] |
//! | download to a file | [`Client::download_to_file`] (parallel ranges, resumable, atomic rename) |
//! | PutObject | [`Client::put_object`], [`Client::put_object_from_file`], [`Client::put_object_from_reader`] |
//! | multipart | automatic above `multipart_threshold`; also [`Client::create_multipart_upload`], [`Client::upload_part`], [`Client::complete_multipart_upload`], [`Client::abort_multipart_upload`], [`Client::list_multipart_uploads`] |
//! | ListObjectsV2 | [`Client::list_objects`] (iterator), [`Client::list_objects_page`], [`Client::list_tree`] (directory by directory, in parallel), [`Client::list_keys`] (key order, directory by directory or flat), [`Client::list_in_ranges`] (key ranges at once) |
//! | CopyObject | [`Client::copy_object`] |
//! | DeleteObject(s) | [`Client::delete_object`], [`Client::delete_objects`] |
//! | buckets | [`Client::create_bucket`], [`Client::delete_bucket`], [`Client::head_bucket`], [`Client::list_buckets`] |
//! | presigned URLs | [`Client::presign`], [`Client::presign_get`], [`Client::presign_put`] |
//!
//! Every request goes through one loop: signed (or anonymous), retried with exponential
//! backoff and full jitter on transient failures, re-signed once with the server's time on
//! `RequestTimeTooSkewed`, and retried once in the right region on a wrong-region answer.
//!
//! The `settings` layer above this one resolves a bucket's settings (the caller's overrides, pixi
//! `s3-options`, the AWS configuration, the rattler authentication storage or the AWS credential
//! chain), each with its source, into a [`ClientConfig`]; this layer reads no configuration.

mod bucket;
mod checksum;
mod client;
mod client_config;
mod copy;
mod credentials;
mod delete;
mod download;
mod error;
mod execute;
mod get;
mod invalid;
mod list;
mod list_keys;
mod list_ranges;
mod list_tree;
mod multipart;
mod notices;
mod preallocate;
mod prepare;
mod presign;
mod progress;
mod put;
mod request;
mod retry;
mod save;
mod skew;
pub mod xml;

pub use checksum::{crc32c_header, ChecksumWhen};
pub use client::{Client, MAX_PARTS, MIN_PART_SIZE};
pub use client_config::ClientConfig;
pub use copy::copy_source;
pub use credentials::{Auth, CredentialsProvider, ProviderError, StaticCredentials};
pub use delete::DELETE_BATCH;
pub use download::DownloadResult;
#[cfg(feature = "channel")]
pub(crate) use download::TempFile;
pub use error::{InputError, IntegrityError, ResponseError, S3Error, ServiceError, REGION_HINT};
pub use get::{ByteRange, GetObject, GetOptions, ObjectMeta};
pub use list::{ListEntry, ListObjects, ListOptions};
pub use list_keys::{ListKeys, MIN_KEYS_PER_PAGE, PROBE_PAGES};
pub use list_ranges::RangedListing;
pub use list_tree::{ListTree, PageSource, TreeOrder};
pub use multipart::{read_full, MultipartUploadInfo};
pub use notices::{CollectedNotices, NoNotices, Notices};
pub use progress::Progress;
pub use put::{PayloadSigning, PutOptions, PutResult, MAX_SINGLE_PUT};
pub use retry::{is_retryable_status, Backoff, RecordingSleeper, Sleeper, ThreadSleeper};
pub use save::save_stream;
pub use skew::{parse_http_date, parse_iso8601, ClockSkew, SKEW_LIMIT_SECS};
pub use xml::{BucketEntry, BucketList, CopyResult, DeleteResult, ListedObject};
