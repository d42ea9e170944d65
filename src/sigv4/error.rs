//! What can go wrong when signing.

use std::fmt;

/// A request that cannot be signed as given.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignError {
    /// Presign expiry outside 1..=604800 seconds.
    PresignExpiry(u64),
    /// No `host` header among the headers to sign.
    MissingHost,
    /// The region of the credential scope is empty.
    EmptyRegion,
    /// The service of the credential scope is empty.
    EmptyService,
    /// The access key id is empty.
    EmptyAccessKey,
    /// The query to presign already holds `X-Amz-*` signing parameters.
    QueryAlreadySigned,
    /// The body given to the chunked signer is shorter or longer than declared.
    ChunkedLength {
        /// The declared decoded length.
        declared: u64,
        /// What the reader produced (at least).
        actual: u64,
    },
    /// A chunk size below the 8 KiB that S3 requires (except for the last chunk).
    ChunkSize(usize),
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignError::PresignExpiry(s) => write!(
                f,
                "presign expiry of {s} s is out of range: give 1 to 604800 seconds (7 days, the SigV4 maximum)"
            ),
            SignError::MissingHost => f.write_str(
                "the request has no `host` header to sign: add the endpoint's host (with its port if not 80/443)",
            ),
            SignError::EmptyRegion => {
                f.write_str("the signing region is empty: set a region (AWS_REGION or the profile's region)")
            }
            SignError::EmptyService => f.write_str("the signing service is empty: use \"s3\" for S3"),
            SignError::EmptyAccessKey => f.write_str("the access key id is empty: check the configured credentials"),
            SignError::QueryAlreadySigned => {
                f.write_str("the query already carries X-Amz-* signing parameters: presign the request without them")
            }
            SignError::ChunkedLength { declared, actual } => write!(
                f,
                "the upload body changed while it was sent: {declared} bytes were declared, the reader gave {actual}"
            ),
            SignError::ChunkSize(n) => {
                write!(f, "chunk size {n} is too small: S3 requires at least 8192 bytes per chunk")
            }
        }
    }
}

impl std::error::Error for SignError {}
