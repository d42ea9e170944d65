//! End-to-end CRC32C: when uploads carry `x-amz-checksum-crc32c` and downloads ask for it
//! (`x-amz-checksum-mode: ENABLED`), as the AWS SDKs and CLI v2 do since 2025
//! (`request_checksum_calculation`, `response_checksum_validation`).
//!
//! Defaults per endpoint ([`ClientConfig::request_checksums`] `None`): on AWS everything the
//! SDKs do (the header on every PUT and part, `x-amz-checksum-algorithm: CRC32C` on
//! CreateMultipartUpload and the part checksums in CompleteMultipartUpload). On a custom
//! endpoint only the per-request header: a service that does not know it ignores a signed
//! `x-amz-checksum-*` header, while `x-amz-checksum-algorithm` is refused by some (Cloudflare
//! R2) and aws-chunked trailers are refused or stored raw by others (R2, SeaweedFS).
//!
//! [`ClientConfig::request_checksums`]: super::ClientConfig::request_checksums

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::client::Client;
use super::error::S3Error;
use crate::sigv4::Crc32c;

/// `request_checksum_calculation` / `response_checksum_validation`: when checksums are
/// computed and sent (uploads) or asked for and verified (downloads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumWhen {
    /// `when_supported`: on every operation that can carry one.
    WhenSupported,
    /// `when_required`: only where the operation requires one (none of minis3's transfers).
    WhenRequired,
}

impl ChecksumWhen {
    /// Parses `when_supported` / `when_required` (case-insensitive, as botocore).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "when_supported" => Some(Self::WhenSupported),
            "when_required" => Some(Self::WhenRequired),
            _ => None,
        }
    }

    /// The configuration word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WhenSupported => "when_supported",
            Self::WhenRequired => "when_required",
        }
    }
}

impl std::fmt::Display for ChecksumWhen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The header value of a CRC32C: base64 of its four big-endian bytes.
pub fn crc32c_header(crc: u32) -> String {
    crate::sigv4::base64::encode(&crc.to_be_bytes())
}

/// The CRC32C in a header value, if it is a whole-object one (not a composite `…-N`).
pub(crate) fn parse_crc32c_header(v: &str) -> Option<u32> {
    let bytes = crate::sigv4::base64::decode(v.trim())?;
    let b: [u8; 4] = bytes.try_into().ok()?;
    Some(u32::from_be_bytes(b))
}

/// The CRC32C (and the SHA-256 hex, when `sha` is set) of `len` bytes of a file at `offset`,
/// in one pass.
pub(crate) fn hash_file_range(path: &Path, offset: u64, len: u64, sha: bool) -> Result<(u32, Option<String>), S3Error> {
    let mut f = File::open(path).map_err(|e| S3Error::io("open", Some(path.to_owned()), e))?;
    f.seek(SeekFrom::Start(offset)).map_err(|e| S3Error::io("read", Some(path.to_owned()), e))?;
    let mut r = f.take(len);
    let mut h = sha.then(Sha256::new);
    let mut crc = Crc32c::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut n_total = 0u64;
    loop {
        let n = r.read(&mut buf).map_err(|e| S3Error::io("read", Some(path.to_owned()), e))?;
        if n == 0 {
            break;
        }
        n_total += n as u64;
        crc.update(&buf[..n]);
        if let Some(h) = h.as_mut() {
            h.update(&buf[..n]);
        }
    }
    if n_total != len {
        return Err(S3Error::InvalidInput(super::error::InputError::FileChanged(path.to_owned())));
    }
    Ok((crc.finish(), h.map(|h| crate::sigv4::encode::to_hex(&h.finalize()))))
}

impl Client {
    /// Whether the endpoint is AWS's own (no endpoint URL, or an `amazonaws.com` host).
    fn aws_endpoint(&self) -> bool {
        let host = self.endpoint.host();
        self.cfg.endpoint_url.is_none() || host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn")
    }

    /// Whether uploads carry `x-amz-checksum-crc32c` (PUT and UploadPart).
    pub(crate) fn send_checksums(&self) -> bool {
        self.cfg.request_checksums != Some(ChecksumWhen::WhenRequired)
    }

    /// Whether multipart uploads declare CRC32C (CreateMultipartUpload's
    /// `x-amz-checksum-algorithm`, the part checksums in CompleteMultipartUpload): asked for
    /// with `when_supported`, or by default on AWS.
    pub(crate) fn declare_multipart_checksums(&self) -> bool {
        match self.cfg.request_checksums {
            Some(ChecksumWhen::WhenSupported) => true,
            Some(ChecksumWhen::WhenRequired) => false,
            None => self.aws_endpoint(),
        }
    }

    /// The aws-chunked mode a streamed upload (body of unknown checksum) is sent in to carry
    /// its CRC32C as a trailer, when it carries one: on AWS or with `when_supported` (some
    /// S3-compatible services refuse trailers, or store them as part of the body); signed
    /// chunks and trailer over plain http, unsigned over https.
    pub(crate) fn stream_checksum_mode(&self) -> Option<crate::sigv4::ChunkedMode> {
        use crate::sigv4::ChunkedMode;
        if !self.declare_multipart_checksums() {
            return None;
        }
        Some(if self.endpoint.scheme() == crate::address::Scheme::Https {
            ChunkedMode::UnsignedWithCrc32cTrailer
        } else {
            ChunkedMode::SignedWithCrc32cTrailer
        })
    }

    /// Whether downloads ask for the stored checksum and verify it.
    pub(crate) fn verify_checksums(&self) -> bool {
        self.cfg.response_checksums != Some(ChecksumWhen::WhenRequired)
    }

    /// Whether a download whose ranged first answer carried no checksum asks for it with a
    /// HEAD (AWS does not send checksums with ranged GETs): on AWS, or when asked for.
    pub(crate) fn head_for_checksum(&self) -> bool {
        match self.cfg.response_checksums {
            Some(ChecksumWhen::WhenSupported) => true,
            Some(ChecksumWhen::WhenRequired) => false,
            None => self.aws_endpoint(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_round_trip() {
        // The S3 documentation's example: CRC32C of "Hello, World!" ... checked via the check value.
        let v = crc32c_header(0xE306_9283);
        assert_eq!(v, "4waSgw==");
        assert_eq!(parse_crc32c_header(&v), Some(0xE306_9283));
        assert_eq!(parse_crc32c_header("4waSgw==-3"), None);
        assert_eq!(parse_crc32c_header("AAAA"), None);
        assert_eq!(ChecksumWhen::parse("WHEN_Supported"), Some(ChecksumWhen::WhenSupported));
        assert_eq!(ChecksumWhen::parse("always"), None);
    }
}
