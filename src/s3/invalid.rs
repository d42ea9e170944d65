//! Typed reasons for [`S3Error::InvalidInput`](super::S3Error::InvalidInput) (the caller's
//! input cannot work) and [`S3Error::InvalidResponse`](super::S3Error::InvalidResponse) (the
//! server's answer is not what S3 sends), so that a caller can react to the case it cares about
//! (a file that changed while it was read, a directory that does not exist) without reading
//! the message. Each renders the one line it always rendered.

use std::fmt;
use std::path::PathBuf;

use super::xml::XmlError;

/// Why the caller's input cannot work.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputError {
    /// The bucket name is empty.
    EmptyBucket,
    /// The object key is empty.
    EmptyKey {
        /// The bucket it was meant for.
        bucket: String,
    },
    /// A key to delete is empty.
    EmptyDeleteKey,
    /// A content type that is not printable ASCII.
    ContentType(String),
    /// A header value (`cache-control`, `content-disposition`) that is empty or not printable
    /// ASCII.
    HeaderValue {
        /// The header.
        name: &'static str,
        /// Its value.
        value: String,
    },
    /// A metadata name that is not letters, digits, `-` and `_`.
    MetadataName(String),
    /// A metadata value that is not printable ASCII.
    MetadataValue {
        /// The metadata name.
        name: String,
    },
    /// The file changed (got shorter) while it was being read: read it again.
    FileChanged(PathBuf),
    /// An upload source is a directory.
    SourceIsDirectory(PathBuf),
    /// A download destination is a directory.
    DestinationIsDirectory {
        /// The directory given.
        dest: PathBuf,
        /// The file name the key suggests.
        suggested_name: String,
    },
    /// A download destination has no file name.
    DestinationNotAFile(PathBuf),
    /// The destination's directory does not exist.
    NoSuchDirectory(PathBuf),
    /// A part size below S3's minimum.
    PartSizeTooSmall {
        /// The part size given.
        part_size: u64,
        /// The minimum.
        minimum: u64,
    },
    /// Concurrency 0.
    ZeroConcurrency,
    /// A byte range whose first byte is after its last.
    RangeReversed {
        /// The first byte.
        first: u64,
        /// The last byte.
        last: u64,
    },
    /// The range `-0`.
    RangeEmpty,
    /// An upload stream ended before its announced length.
    StreamTooShort {
        /// Bytes read.
        read: u64,
        /// Bytes announced.
        total: u64,
    },
    /// An upload stream is longer than its announced length.
    StreamTooLong {
        /// Bytes announced.
        total: u64,
    },
    /// A streamed body cannot be sent a second time (a retry of a stream upload).
    StreamResent,
    /// A presigned URL's expiry outside 1 s to 7 days.
    PresignExpiry(u64),
    /// A method that cannot be presigned.
    PresignMethod(String),
    /// A request document could not be written.
    RequestBody {
        /// The operation (`CompleteMultipartUpload`, `DeleteObjects`).
        operation: &'static str,
        /// Why.
        source: XmlError,
    },
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::EmptyBucket => f.write_str("the bucket name is empty"),
            InputError::EmptyKey { bucket } => write!(f, "the object key is empty: give s3://{bucket}/KEY"),
            InputError::EmptyDeleteKey => f.write_str("cannot delete an empty key (\"\")"),
            InputError::ContentType(ct) => write!(f, "content type {ct:?} is not printable ASCII"),
            InputError::HeaderValue { name, value } => write!(f, "{name} {value:?} is not printable ASCII"),
            InputError::MetadataName(k) => write!(f, "metadata name {k:?} must be letters, digits, '-' and '_'"),
            InputError::MetadataValue { name } => write!(f, "metadata value for {name:?} must be printable ASCII"),
            InputError::FileChanged(p) => write!(f, "{} changed while being read", p.display()),
            InputError::SourceIsDirectory(p) => write!(f, "{} is a directory, not a file", p.display()),
            InputError::DestinationIsDirectory { dest, suggested_name } => write!(
                f,
                "{} is a directory: give the file to write (e.g. {}/{suggested_name})",
                dest.display(),
                dest.display()
            ),
            InputError::DestinationNotAFile(p) => write!(f, "{} does not name a file", p.display()),
            InputError::NoSuchDirectory(p) => write!(f, "the directory {} does not exist", p.display()),
            InputError::PartSizeTooSmall { part_size, minimum } => {
                write!(f, "part size {part_size} is below S3's minimum of 5 MiB ({minimum} bytes)")
            }
            InputError::ZeroConcurrency => f.write_str("concurrency must be at least 1"),
            InputError::RangeReversed { first, last } => {
                write!(f, "range {first}-{last}: the first byte is after the last")
            }
            InputError::RangeEmpty => f.write_str("range -0 is empty"),
            InputError::StreamTooShort { read, total } => {
                write!(f, "the upload stream ended after {read} of {total} bytes")
            }
            InputError::StreamTooLong { total } => write!(f, "the upload stream is longer than {total} bytes"),
            InputError::StreamResent => f.write_str("a streamed body cannot be sent twice"),
            InputError::PresignExpiry(s) => write!(f, "presigned URL expiry {s} s is outside 1..=604800 (7 days)"),
            InputError::PresignMethod(m) => write!(f, "cannot presign method {m:?} (GET, PUT, HEAD, DELETE)"),
            InputError::RequestBody { operation, source } => write!(f, "{operation} body: {source}"),
        }
    }
}

/// How the server's answer differs from what S3 sends.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseError {
    /// The response document could not be read.
    Document {
        /// The operation (`ListObjectsV2`, `CopyObject`, ...).
        operation: &'static str,
        /// Why.
        source: XmlError,
    },
    /// An UploadPart answer without an ETag.
    PartWithoutEtag {
        /// The part number.
        part: u32,
    },
    /// A part of a finished upload whose ETag is missing.
    MissingPartEtag {
        /// The part number.
        part: u32,
    },
    /// A header whose value cannot be read.
    BadHeader {
        /// The header (`Content-Length`, `Content-Range`).
        name: &'static str,
        /// Its value.
        value: String,
    },
    /// A ranged GET answered with other bytes than asked for.
    WrongRange {
        /// The first byte asked for.
        first: u64,
        /// The last byte asked for.
        last: u64,
        /// `Content-Range` of the answer, as `(first, last, total)`.
        got: Option<(u64, u64, u64)>,
    },
    /// A truncated listing page without a new continuation token.
    TruncatedListing,
    /// A downloaded range came without the checksum the others had.
    RangeWithoutChecksum {
        /// The range's first byte.
        start: u64,
    },
    /// The ranges' checksums do not cover the whole object.
    ChecksumCoverage {
        /// Bytes covered.
        covered: u64,
        /// The object's size.
        total: u64,
    },
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseError::Document { operation, source } => write!(f, "{operation}: {source}"),
            ResponseError::PartWithoutEtag { part } => write!(f, "UploadPart {part} answered without an ETag"),
            ResponseError::MissingPartEtag { part } => write!(f, "part {part} has no ETag"),
            ResponseError::BadHeader { name: name @ "Content-Length", value } => {
                write!(f, "{name} {value:?} is not a number")
            }
            ResponseError::BadHeader { name, value } => write!(f, "{name} {value:?} is not bytes A-B/N"),
            ResponseError::WrongRange { first, last, got } => write!(f, "asked for bytes {first}-{last}, got {got:?}"),
            ResponseError::TruncatedListing => f.write_str("a truncated listing without a new continuation token"),
            ResponseError::RangeWithoutChecksum { start } => write!(f, "range at byte {start} is missing its checksum"),
            ResponseError::ChecksumCoverage { covered, total } => {
                write!(f, "checksums cover {covered} of {total} bytes")
            }
        }
    }
}

impl ResponseError {
    /// A [`ResponseError::Document`] maker for `map_err`.
    pub(crate) fn document(operation: &'static str) -> impl Fn(XmlError) -> super::S3Error {
        move |source| super::S3Error::InvalidResponse(ResponseError::Document { operation, source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_the_ones_callers_saw_before() {
        let cases: Vec<(String, &str)> = vec![
            (InputError::EmptyKey { bucket: "b".into() }.to_string(), "the object key is empty: give s3://b/KEY"),
            (
                InputError::DestinationIsDirectory { dest: "/t".into(), suggested_name: "k".into() }.to_string(),
                "/t is a directory: give the file to write (e.g. /t/k)",
            ),
            (
                InputError::StreamTooShort { read: 3, total: 9 }.to_string(),
                "the upload stream ended after 3 of 9 bytes",
            ),
            (
                ResponseError::BadHeader { name: "Content-Length", value: "x".into() }.to_string(),
                "Content-Length \"x\" is not a number",
            ),
            (
                ResponseError::BadHeader { name: "Content-Range", value: "x".into() }.to_string(),
                "Content-Range \"x\" is not bytes A-B/N",
            ),
            (ResponseError::WrongRange { first: 1, last: 2, got: None }.to_string(), "asked for bytes 1-2, got None"),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
    }
}
