//! S3 locations (`s3://`, `gcs://`, `https://`) and request URLs (virtual-host or path style).
//!
//! Pure: no I/O, no clock, no environment. The pieces, one idea per file:
//!
//! - [`Location`]: what the user wrote, with the key taken literally (`location.rs`);
//! - [`validate_bucket`] and [`is_dns_compatible`]: bucket-name rules (`bucket.rs`);
//! - [`Endpoint`]: where requests go, from an endpoint URL or an AWS region (`endpoint.rs`);
//! - [`AddressingStyle`] and [`RequestUrl`]: bucket and key on an endpoint, with the path
//!   exactly as it is sent and signed (`request.rs`);
//! - [`Url`]: a small strict ASCII URL parser for endpoints and configuration (`url.rs`);
//! - [`AddressError`] and [`UrlError`]: every error, one actionable line each (`error.rs`).
//!
//! Without a configured endpoint the AWS endpoint of the region is used; when no region is
//! configured at all, callers use [`DEFAULT_REGION`] (`us-east-1`). A `gcs://` location goes to
//! [`GCS_ENDPOINT`] with [`GCS_REGION`] in path style, as rattler rewrites `gcs://bucket/key` to
//! `https://storage.googleapis.com/bucket/key`.
//!
//! ```
//! use minis3::address::{AddressingStyle, Endpoint, Location};
//! let loc = Location::parse("s3://my-bucket/channel/noarch/repodata.json").unwrap();
//! let endpoint = Endpoint::resolve(Some("https://s3.de-1.wasabisys.com"), "de-1").unwrap();
//! let url = endpoint
//!     .request_url(AddressingStyle::Auto, loc.bucket().unwrap(), loc.key().unwrap())
//!     .unwrap();
//! assert_eq!(url.host(), "my-bucket.s3.de-1.wasabisys.com");
//! assert_eq!(url.path(), "/channel/noarch/repodata.json");
//! ```

mod bucket;
mod endpoint;
mod error;
mod location;
mod request;
mod url;

pub use bucket::{is_dns_compatible, validate_bucket};
pub use endpoint::{Endpoint, Scheme, DEFAULT_REGION, GCS_ENDPOINT, GCS_REGION};
pub use error::{AddressError, BucketProblem, EndpointProblem, UrlError, UrlPart};
pub use location::{HttpUrl, Location};
pub use request::{AddressingStyle, RequestUrl};
pub use url::{Host, Url};

/// The addressing style for `gcs://` locations: path style, as rattler uses.
pub const GCS_ADDRESSING_STYLE: AddressingStyle = AddressingStyle::Path;
