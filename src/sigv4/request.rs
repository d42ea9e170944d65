//! What the signer signs: a request described as plain data, and the rules to apply.

use super::{AmzDate, Credentials};

/// The body of a request, as far as the signature is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload<'a> {
    /// No body: the hash of the empty string.
    Empty,
    /// The whole body, hashed by the signer.
    Bytes(&'a [u8]),
    /// The SHA-256 of the body, as 64 lower-case hex digits, computed by the caller.
    Sha256Hex(&'a str),
    /// `UNSIGNED-PAYLOAD`: the body is not covered (presigned URLs; uploads over TLS).
    Unsigned,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: an `aws-chunked` body, each chunk signed
    /// (see [`super::ChunkedSigner`]).
    StreamingSigned,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: signed chunks and a signed trailer.
    StreamingSignedTrailer,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: unsigned chunks with a trailing checksum.
    StreamingUnsignedTrailer,
}

/// The SHA-256 of the empty string, hex.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

impl Payload<'_> {
    /// The value that goes into the canonical request (and `x-amz-content-sha256`).
    pub fn hash(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match self {
            Payload::Empty => Cow::Borrowed(EMPTY_SHA256),
            Payload::Bytes(b) => Cow::Owned(super::sha256_hex(b)),
            Payload::Sha256Hex(h) => Cow::Borrowed(h),
            Payload::Unsigned => Cow::Borrowed("UNSIGNED-PAYLOAD"),
            Payload::StreamingSigned => Cow::Borrowed("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
            Payload::StreamingSignedTrailer => Cow::Borrowed("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"),
            Payload::StreamingUnsignedTrailer => Cow::Borrowed("STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
        }
    }
}

/// An HTTP request to sign.
///
/// `path` is the path **exactly as it goes on the wire** (already percent-encoded, e.g. from
/// [`super::encode::encode_path`]); `query` holds **decoded** name/value pairs, which the signer
/// encodes and sorts (send [`super::HeaderSignature::canonical_query`] or the presigned query so the
/// bytes sent are the bytes signed). `headers` are the headers to sign, `host` included.
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    /// `GET`, `PUT`, ...
    pub method: &'a str,
    /// The encoded path, starting with `/`.
    pub path: &'a str,
    /// Decoded query parameters; a parameter without `=` has an empty value.
    pub query: &'a [(&'a str, &'a str)],
    /// Headers to sign (any case, any order; repeated names are joined with commas).
    pub headers: &'a [(&'a str, &'a str)],
    /// The body, or how it is covered.
    pub payload: Payload<'a>,
}

/// How the path becomes the canonical URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriEncoding {
    /// S3: the path is signed as sent (bytes outside the unreserved set that were not escaped
    /// yet are escaped; escapes are kept, with upper-case hex).
    Single,
    /// Every other service: the path is percent-encoded once more (`%3D` → `%253D`).
    Double,
}

/// What happens with a session token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionTokenMode {
    /// `x-amz-security-token` (or `X-Amz-Security-Token`) is part of the signature (S3, STS).
    Signed,
    /// The token is added after signing and not covered by the signature (a few services).
    AddedAfterSigning,
}

/// The rules that differ between S3 and the generic SigV4 definition.
/// Use [`SigningSettings::s3`] or [`SigningSettings::generic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningSettings {
    /// Single (S3) or double (others) path encoding.
    pub uri_encoding: UriEncoding,
    /// Remove `.`/`..` segments and collapse `//` before signing (never for S3).
    pub normalize_path: bool,
    /// Add and sign `x-amz-content-sha256` in header signing (always for S3).
    pub content_sha256_header: bool,
    /// Whether the session token is signed.
    pub session_token: SessionTokenMode,
}

impl SigningSettings {
    /// S3's rules: single encoding, no normalization, `x-amz-content-sha256` always sent.
    pub const fn s3() -> Self {
        Self {
            uri_encoding: UriEncoding::Single,
            normalize_path: false,
            content_sha256_header: true,
            session_token: SessionTokenMode::Signed,
        }
    }

    /// The generic SigV4 rules (STS, SSO and the published test suite): double encoding,
    /// normalized paths, no `x-amz-content-sha256`.
    pub const fn generic() -> Self {
        Self {
            uri_encoding: UriEncoding::Double,
            normalize_path: true,
            content_sha256_header: false,
            session_token: SessionTokenMode::Signed,
        }
    }
}

/// Who signs, where and when.
#[derive(Debug, Clone, Copy)]
pub struct SigningParams<'a> {
    /// The keys.
    pub credentials: &'a Credentials,
    /// The region of the credential scope (`us-east-1`, `auto`, ...).
    pub region: &'a str,
    /// The service of the credential scope (`s3`, `sts`, ...).
    pub service: &'a str,
    /// The signing time.
    pub time: AmzDate,
    /// S3 or generic rules.
    pub settings: SigningSettings,
}
