//! End-to-end CRC32C: when uploads carry `x-amz-checksum-crc32c` and downloads ask for it
//! (`x-amz-checksum-mode: ENABLED`), as the AWS SDKs and CLI v2 do since 2025
//! (`request_checksum_calculation`, `response_checksum_validation`), and the pieces a
//! download's checksum is rebuilt from (whole-object or composite).
//!
//! Defaults per endpoint ([`ClientConfig::request_checksums`] `None`): on AWS everything the
//! SDKs do (the header on every PUT and part, a trailer on streamed uploads, FULL_OBJECT CRC32C
//! multipart uploads: `x-amz-checksum-algorithm` and `x-amz-checksum-type` on
//! CreateMultipartUpload, the part and whole-object checksums in CompleteMultipartUpload). On a
//! custom endpoint only the per-request header: a service that does not know it ignores a
//! signed `x-amz-checksum-*` header, while `x-amz-checksum-algorithm` is refused by some
//! (Cloudflare R2) and aws-chunked trailers are refused (Garage) or stored raw as content
//! (rclone `serve s3`) by others.
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

/// A composite checksum value, `BASE64-N` (a multipart upload's checksum of its N parts'
/// checksums): the checksum and N.
pub(crate) fn parse_composite_crc32c(v: &str) -> Option<(u32, u64)> {
    let (crc, n) = v.trim().rsplit_once('-')?;
    let n: u64 = n.parse().ok().filter(|n| (1..=10_000).contains(n))?;
    Some((parse_crc32c_header(crc)?, n))
}

/// A download's bytes keep one CRC32C per piece between two multiples of this (absolute
/// offsets), so the CRC32C of any span that starts and ends on such a multiple (the parts of a
/// composite checksum: every known client cuts parts in whole MiB) can be rebuilt without
/// reading the file again. Combining 1024 pieces per GiB costs well under a millisecond.
pub(crate) const CRC_GRAIN: u64 = 1024 * 1024;

/// A piece of a download and its CRC32C: (first byte, length, CRC32C).
pub(crate) type Piece = (u64, u64, u32);

/// The CRC32C of bytes as a download writes them, one per [`CRC_GRAIN`]-aligned piece.
#[derive(Debug)]
pub(crate) struct PieceCrcs {
    start: u64,
    len: u64,
    crc: Crc32c,
    done: Vec<Piece>,
}

impl PieceCrcs {
    /// For bytes written from offset `start` on, contiguously.
    pub(crate) fn new(start: u64) -> Self {
        Self { start, len: 0, crc: Crc32c::new(), done: Vec::new() }
    }

    /// The next bytes.
    pub(crate) fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let pos = self.start + self.len;
            let room = CRC_GRAIN - pos % CRC_GRAIN;
            let n = (room as usize).min(data.len());
            self.crc.update(&data[..n]);
            self.len += n as u64;
            data = &data[n..];
            if (pos + n as u64) % CRC_GRAIN == 0 {
                self.cut();
            }
        }
    }

    fn cut(&mut self) {
        if self.len > 0 {
            self.done.push((self.start, self.len, self.crc.finish()));
            self.start += self.len;
            self.len = 0;
            self.crc = Crc32c::new();
        }
    }

    /// The pieces, in order.
    pub(crate) fn finish(mut self) -> Vec<Piece> {
        self.cut();
        self.done
    }
}

/// The composite CRC32C (the CRC32C of the parts' big-endian CRC32Cs) of `total` bytes in
/// parts of `part_size` (the last one shorter), from sorted, contiguous pieces covering them;
/// `None` when a part boundary falls inside a piece.
pub(crate) fn composite_crc32c(pieces: &[Piece], part_size: u64, total: u64) -> Option<u32> {
    if part_size == 0 {
        return None;
    }
    let mut parts = Vec::with_capacity((total.div_ceil(part_size) * 4) as usize);
    let mut crc = Crc32c::checksum(&[]);
    let mut part_end = part_size.min(total);
    for &(start, len, piece) in pieces {
        if start + len > part_end {
            return None;
        }
        crc = Crc32c::combine(crc, piece, len);
        if start + len == part_end {
            parts.extend_from_slice(&crc.to_be_bytes());
            crc = Crc32c::checksum(&[]);
            part_end = (part_end + part_size).min(total);
        }
    }
    Some(Crc32c::checksum(&parts))
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

    /// Whether a single PUT of a file sends its CRC32C as an unsigned aws-chunked trailer,
    /// computed as the file is sent (one pass over it), rather than in a header, which needs
    /// a pass of its own before the body (reading 1 GiB again from the page cache costs
    /// about 0.3 CPU-s). Only where the body goes unsigned anyway (https, loopback, or
    /// [`PayloadSigning::Unsigned`](super::PayloadSigning::Unsigned)) and no other checksum
    /// is asked for (one per request), and then: on AWS or with `when_supported`, as the
    /// SDKs do, and to a loopback endpoint, a local server: every one tested takes
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER` (s3s-fs, SeaweedFS, Garage, rclone, moto),
    /// and one that stores the framing as content instead is caught after the PUT
    /// ([`stored_length_is`](Self::stored_length_is)) and sent again with the header. Remote
    /// custom endpoints keep the header: some services refuse trailers.
    pub(crate) fn file_crc_trailer(&self, opts: &super::PutOptions) -> bool {
        use super::PayloadSigning;
        let loopback = self.endpoint.is_loopback();
        let unsigned = match opts.payload {
            PayloadSigning::Auto => loopback || self.endpoint.scheme() == crate::address::Scheme::Https,
            PayloadSigning::Unsigned => true,
            PayloadSigning::Chunked(_) => false,
        };
        self.send_checksums()
            && unsigned
            && opts.checksum_sha256.is_none()
            && (loopback || self.declare_multipart_checksums())
    }

    /// Whether the object the trailer upload just wrote has the file's length, so the server
    /// decoded the aws-chunked body (asked only when its answer did not name the checksum it
    /// checked). Credentials that may write but not read cannot tell: taken as yes.
    pub(crate) fn stored_length_is(&self, bucket: &str, key: &str, len: u64) -> Result<bool, S3Error> {
        match self.head_object(bucket, key) {
            Ok(meta) => Ok(meta.size == len),
            Err(e) if e.status() == Some(403) => Ok(true),
            Err(e) => Err(e),
        }
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
        assert_eq!(parse_composite_crc32c("4waSgw==-3"), Some((0xE306_9283, 3)));
        for bad in ["4waSgw==", "4waSgw==-0", "4waSgw==-x", "AAAA-2", "4waSgw==-10001"] {
            assert_eq!(parse_composite_crc32c(bad), None, "{bad}");
        }
    }

    #[test]
    fn pieces_rebuild_whole_and_composite_checksums_whatever_the_ranges() {
        let g = CRC_GRAIN as usize;
        let data: Vec<u8> = (0..(7 * g + 12345) as u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8).collect();
        let total = data.len() as u64;
        let part = 2 * g;
        let mut want_parts = Vec::new();
        for p in data.chunks(part) {
            want_parts.extend_from_slice(&Crc32c::checksum(p).to_be_bytes());
        }
        let want = Crc32c::checksum(&want_parts);
        // Ranges of 3 MiB + 5 bytes, each fed in uneven writes.
        let mut pieces = Vec::new();
        for (i, range) in data.chunks(3 * g + 5).enumerate() {
            let mut p = PieceCrcs::new((i * (3 * g + 5)) as u64);
            for w in range.chunks(300_001) {
                p.update(w);
            }
            pieces.extend(p.finish());
        }
        pieces.sort_unstable();
        assert_eq!(composite_crc32c(&pieces, part as u64, total), Some(want));
        let whole = pieces.iter().fold(Crc32c::checksum(&[]), |c, &(_, len, p)| Crc32c::combine(c, p, len));
        assert_eq!(whole, Crc32c::checksum(&data));
        // A part size that is not a whole number of pieces cannot be rebuilt.
        assert_eq!(composite_crc32c(&pieces, part as u64 + 1, total), None);
        // One part: the CRC32C of its CRC32C.
        assert_eq!(
            composite_crc32c(&pieces, total, total),
            Some(Crc32c::checksum(&Crc32c::checksum(&data).to_be_bytes()))
        );
    }
}
