//! AWS Signature Version 4, pure: no I/O, no clock, no environment.
//!
//! A request is described as plain data ([`SignableRequest`]); the signer returns the headers to
//! add ([`sign_headers`]) or the query string of a presigned URL ([`presign`]). It knows nothing
//! of any HTTP client. [`SigningSettings::s3`] gives S3's rules (single URI encoding, no path
//! normalization, `x-amz-content-sha256`); [`SigningSettings::generic`] the rest of AWS.
//!
//! ```
//! use minis3::sigv4::*;
//! let creds = Credentials::new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
//! let cache = SigningKeyCache::new();
//! let time: AmzDate = "20130524T000000Z".parse().unwrap();
//! let key = cache.get(&creds, time.date(), "us-east-1", "s3");
//! let params = SigningParams { credentials: &creds, region: "us-east-1", service: "s3", time, settings: SigningSettings::s3() };
//! let path = encode::encode_path("/test$file.text");
//! let body = b"Welcome to Amazon S3.";
//! let req = SignableRequest {
//!     method: "PUT",
//!     path: &path,
//!     query: &[],
//!     headers: &[("host", "examplebucket.s3.amazonaws.com"), ("date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
//!     payload: Payload::Bytes(body),
//! };
//! let signed = sign_headers_with_key(&req, &params, &key).unwrap();
//! assert_eq!(signed.signature(), "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
//! for (name, value) in signed.headers() {
//!     // add `name: value` to the HTTP request
//! #   let _ = (name, value);
//! }
//! ```

pub mod base64;
mod canonical;
mod chunked;
mod crc32c;
mod crc32c_hw;
mod credentials;
pub mod encode;
mod error;
mod key;
mod request;
mod sign;
mod time;

pub use chunked::{
    chunk_string_to_sign, chunked_encoded_length, trailer_string_to_sign, ChunkedMode, ChunkedParams, ChunkedSigner,
    DEFAULT_CHUNK_SIZE, MIN_CHUNK_SIZE,
};
pub use crc32c::Crc32c;
pub use credentials::{redact_tail, Credentials};
pub use error::SignError;
pub use key::{SigningKey, SigningKeyCache};
pub use request::{
    Payload, SessionTokenMode, SignableRequest, SigningParams, SigningSettings, UriEncoding, EMPTY_SHA256,
};
pub use sign::{
    credential_scope, explain_headers, explain_presign, is_streaming, presign, presign_with_key, sha256_hex,
    sign_headers, sign_headers_with_key, sign_post_policy, Explained, HeaderSignature, PresignedQuery, ALGORITHM,
    MAX_PRESIGN_EXPIRY_SECS,
};
pub use time::{parse_http_date, parse_iso8601, parse_rfc3339, AmzDate, AmzDateParseError};
