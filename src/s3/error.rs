//! [`S3Error`]: everything an operation can fail with, each rendered as one actionable line.

use std::fmt;
use std::io;
use std::path::PathBuf;

use super::credentials::ProviderError;
use crate::address::AddressError;
use crate::http::HttpError;
use crate::sigv4::SignError;

/// An error document (or a bodiless error status) from the server.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServiceError {
    /// HTTP status.
    pub status: u16,
    /// S3 error code (`NoSuchKey`, `SignatureDoesNotMatch`, ...); derived from the status for
    /// bodiless (HEAD) answers.
    pub code: String,
    /// The server's message (may be empty).
    pub message: String,
    /// `x-amz-request-id` or `<RequestId>`.
    pub request_id: Option<String>,
    /// The HTTP method.
    pub method: String,
    /// The bucket addressed (empty for service-level requests).
    pub bucket: String,
    /// The key addressed (may be empty).
    pub key: String,
    /// The region the server says the bucket is in (`x-amz-bucket-region` or `<Region>`).
    pub bucket_region: Option<String>,
    /// With debugging on, for `SignatureDoesNotMatch`: the canonical request we signed.
    pub canonical_request: Option<String>,
}

/// Everything an S3 operation can fail with.
#[derive(Debug)]
#[non_exhaustive]
pub enum S3Error {
    /// The server answered with an error.
    Service(Box<ServiceError>),
    /// The request could not be sent or its answer not read.
    Transport(HttpError),
    /// The request could not be signed.
    Signing(SignError),
    /// No credentials.
    Credentials(ProviderError),
    /// Bucket, key or endpoint not usable.
    Address(AddressError),
    /// A local file problem.
    Io {
        /// What we were doing ("create the temporary file", ...).
        action: String,
        /// The path involved, if any.
        path: Option<PathBuf>,
        /// The system's error.
        source: io::Error,
    },
    /// The caller's input cannot work (empty key, bad range, expiry out of range...).
    InvalidInput(String),
    /// The server's answer is not what S3 sends.
    InvalidResponse(String),
    /// Downloaded or uploaded data does not match what the server declared: trying again may
    /// help.
    Integrity(IntegrityError),
    /// The object is larger than the caller's limit ([`GetObject::read_to_vec`](super::GetObject::read_to_vec),
    /// [`Client::get_object_bytes`](super::Client::get_object_bytes)): stream it instead.
    TooLarge {
        /// The object's length.
        length: u64,
        /// The limit.
        limit: u64,
    },
}

/// How downloaded or uploaded data failed to match what was declared.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IntegrityError {
    /// The object was replaced during a download (its ETag changed between ranges).
    Changed {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
        /// The ETag the download started with, if known.
        etag: Option<String>,
    },
    /// Fewer (or more) body bytes arrived than the server announced.
    Length {
        /// Bytes received.
        received: u64,
        /// Bytes announced (`Content-Length`).
        announced: u64,
    },
    /// A download kept failing at the same byte.
    Stalled {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
        /// The byte it kept failing at.
        position: u64,
        /// The last failure, one line.
        why: String,
    },
    /// The file written does not have the object's length.
    Written {
        /// Bytes written.
        written: u64,
        /// The file's length.
        file: u64,
        /// The object's length.
        object: u64,
    },
    /// The downloaded bytes' MD5 differs from the ETag's; nothing was written.
    Md5 {
        /// The MD5 of the bytes received (hex).
        got: String,
        /// The MD5 the ETag gives (hex).
        want: String,
        /// The destination left untouched.
        dest: PathBuf,
    },
}

impl fmt::Display for IntegrityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntegrityError::Changed { bucket, key, etag } => write!(
                f,
                "s3://{bucket}/{key} changed while it was being downloaded (its ETag is no longer {}); try again",
                etag.as_deref().unwrap_or("?")
            ),
            IntegrityError::Length { received, announced } => {
                write!(f, "received {received} bytes, the server announced {announced}")
            }
            IntegrityError::Stalled { bucket, key, position, why } => {
                write!(f, "download of s3://{bucket}/{key} kept failing at byte {position}: {why}")
            }
            IntegrityError::Written { written, file, object } => {
                write!(f, "wrote {written} bytes (the file has {file}), the object has {object}")
            }
            IntegrityError::Md5 { got, want, dest } => write!(
                f,
                "the downloaded bytes have MD5 {got}, the ETag says {want}; nothing was written to {}",
                dest.display()
            ),
        }
    }
}

impl S3Error {
    /// The S3 error code, for [`S3Error::Service`].
    pub fn code(&self) -> Option<&str> {
        match self {
            S3Error::Service(e) => Some(&e.code),
            _ => None,
        }
    }

    /// The HTTP status, for [`S3Error::Service`].
    pub fn status(&self) -> Option<u16> {
        match self {
            S3Error::Service(e) => Some(e.status),
            _ => None,
        }
    }

    /// The service error, if this is one.
    pub fn service(&self) -> Option<&ServiceError> {
        match self {
            S3Error::Service(e) => Some(e),
            _ => None,
        }
    }

    pub(crate) fn io(action: impl Into<String>, path: Option<PathBuf>, source: io::Error) -> Self {
        S3Error::Io { action: action.into(), path, source }
    }
}

/// The hint of a wrong-region answer (`PermanentRedirect`, `AuthorizationHeaderMalformed`,
/// `IllegalLocationConstraintException`), in the configuration's words; a command line adds
/// its own flag.
pub const REGION_HINT: &str = "the bucket is in another region: set the region (AWS_REGION or the profile's region)";

impl ServiceError {
    /// The advice [`Display`](fmt::Display) ends with, if any (`""` for none), e.g.
    /// [`REGION_HINT`].
    pub fn hint(&self) -> &'static str {
        hint(&self.code, self.status)
    }
}

fn hint(code: &str, status: u16) -> &'static str {
    match code {
        "SignatureDoesNotMatch" => "check the secret access key and the machine's clock",
        "InvalidAccessKeyId" | "NotSignedUp" => {
            "the access key id is unknown to this endpoint: check the credentials, profile and endpoint URL"
        }
        "AccessDenied" | "AllAccessDisabled" => {
            "the credentials are not allowed to do this: check the policy, the bucket name and the profile"
        }
        "NoSuchBucket" => "the bucket does not exist: check its name, the endpoint and the region",
        "NoSuchKey" => "the object does not exist: check the key (keys are case-sensitive)",
        "NoSuchUpload" => "the multipart upload was aborted or completed already",
        "RequestTimeTooSkewed" => "the machine's clock is off by more than 15 minutes: fix the clock (NTP)",
        "PermanentRedirect" | "AuthorizationHeaderMalformed" | "IllegalLocationConstraintException" => REGION_HINT,
        "BucketAlreadyExists" => "bucket names are global: pick another name",
        "BucketAlreadyOwnedByYou" => "you own this bucket already",
        "BucketNotEmpty" => "delete the objects first",
        "PreconditionFailed" => "the object changed or exists already (If-Match / If-None-Match)",
        "NotModified" => "the object is unchanged (If-None-Match)",
        "InvalidRange" => "the range is outside the object",
        "ExpiredToken" | "InvalidToken" | "TokenRefreshRequired" => {
            "the session token expired: refresh the credentials"
        }
        "SlowDown" | "ServiceUnavailable" | "InternalError" | "RequestTimeout" => {
            "the server is busy or failed: try again later"
        }
        "XAmzContentSHA256Mismatch" | "BadDigest" | "InvalidDigest" => {
            "the body did not match its declared hash: the data changed while uploading"
        }
        "EntityTooSmall" => "a multipart part is below 5 MiB: raise the part size",
        _ if status == 403 => "check the credentials and permissions",
        _ if status >= 500 => "the server failed: try again later",
        _ => "",
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let target = match (self.bucket.is_empty(), self.key.is_empty()) {
            (true, _) => "the service".to_owned(),
            (false, true) => format!("s3://{}", self.bucket),
            (false, false) => format!("s3://{}/{}", self.bucket, self.key),
        };
        write!(f, "{} {target}: {} ({})", self.method, self.code, self.status)?;
        if !self.message.is_empty() {
            write!(f, " {}", self.message.trim_end_matches('.'))?;
        }
        if let Some(r) = &self.bucket_region {
            write!(f, "; the bucket is in region {r}")?;
        }
        let h = hint(&self.code, self.status);
        if !h.is_empty() {
            write!(f, "; {h}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        if let Some(c) = &self.canonical_request {
            // One line: escape the newlines of the canonical request.
            write!(f, "; we signed this canonical request: {:?}", c)?;
        }
        Ok(())
    }
}

impl fmt::Display for S3Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            S3Error::Service(e) => e.fmt(f),
            S3Error::Transport(e) => e.fmt(f),
            S3Error::Signing(e) => write!(f, "cannot sign the request: {e}"),
            S3Error::Credentials(e) => e.fmt(f),
            S3Error::Address(e) => e.fmt(f),
            S3Error::Io { action, path, source } => match path {
                Some(p) => write!(f, "cannot {action} {}: {source}", p.display()),
                None => write!(f, "cannot {action}: {source}"),
            },
            S3Error::InvalidInput(m) => f.write_str(m),
            S3Error::InvalidResponse(m) => write!(f, "unexpected answer from the server: {m}"),
            S3Error::Integrity(m) => write!(f, "data integrity check failed: {m}"),
            S3Error::TooLarge { length, limit } => {
                write!(f, "the object body is {length} bytes, more than the limit of {limit}")
            }
        }
    }
}

impl std::error::Error for S3Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            S3Error::Transport(e) => Some(e),
            S3Error::Signing(e) => Some(e),
            S3Error::Credentials(e) => Some(e),
            S3Error::Address(e) => Some(e),
            S3Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<HttpError> for S3Error {
    fn from(e: HttpError) -> Self {
        S3Error::Transport(e)
    }
}
impl From<SignError> for S3Error {
    fn from(e: SignError) -> Self {
        S3Error::Signing(e)
    }
}
impl From<ProviderError> for S3Error {
    fn from(e: ProviderError) -> Self {
        S3Error::Credentials(e)
    }
}
impl From<AddressError> for S3Error {
    fn from(e: AddressError) -> Self {
        S3Error::Address(e)
    }
}

/// The code S3 would have sent for a bodiless error answer (HEAD).
pub(crate) fn code_for_status(status: u16, has_key: bool) -> &'static str {
    match status {
        301 => "PermanentRedirect",
        304 => "NotModified",
        400 => "BadRequest",
        403 => "AccessDenied",
        404 if has_key => "NoSuchKey",
        404 => "NoSuchBucket",
        405 => "MethodNotAllowed",
        409 => "Conflict",
        412 => "PreconditionFailed",
        416 => "InvalidRange",
        429 => "SlowDown",
        500 => "InternalError",
        501 => "NotImplemented",
        503 => "ServiceUnavailable",
        _ => "UnknownError",
    }
}
