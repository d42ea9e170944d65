//! `aws-chunked` streaming uploads: the body is cut into chunks, each signed with the previous
//! signature (the first with the seed signature of the request headers), ending with an empty
//! chunk and, optionally, a checksum trailer. Memory use is one chunk, whatever the body size.

use std::io::{self, Read};

use sha2::{Digest, Sha256};

use super::base64;
use super::crc32c::Crc32c;
use super::error::SignError;
use super::key::SigningKey;
use super::request::EMPTY_SHA256;
use super::sign::credential_scope;
use super::AmzDate;

/// The smallest chunk S3 accepts (except for the last one).
pub const MIN_CHUNK_SIZE: usize = 8 * 1024;
/// A good default: 64 KiB, as in the S3 documentation's example.
pub const DEFAULT_CHUNK_SIZE: usize = 64 * 1024;

const CHUNK_SIG: &[u8] = b";chunk-signature=";
const CRC32C_TRAILER: &str = "x-amz-checksum-crc32c";

/// How the chunks and the trailer are covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkedMode {
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: signed chunks, no trailer.
    Signed,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: signed chunks and a signed
    /// `x-amz-checksum-crc32c` trailer (send `x-amz-trailer: x-amz-checksum-crc32c`).
    SignedWithCrc32cTrailer,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: unsigned chunks and an `x-amz-checksum-crc32c`
    /// trailer (for TLS connections).
    UnsignedWithCrc32cTrailer,
}

impl ChunkedMode {
    fn signed(self) -> bool {
        !matches!(self, ChunkedMode::UnsignedWithCrc32cTrailer)
    }

    fn trailer(self) -> bool {
        !matches!(self, ChunkedMode::Signed)
    }

    /// The `x-amz-content-sha256` value of this mode.
    pub fn payload(self) -> super::Payload<'static> {
        match self {
            ChunkedMode::Signed => super::Payload::StreamingSigned,
            ChunkedMode::SignedWithCrc32cTrailer => super::Payload::StreamingSignedTrailer,
            ChunkedMode::UnsignedWithCrc32cTrailer => super::Payload::StreamingUnsignedTrailer,
        }
    }

    /// The `x-amz-trailer` header value, when the mode has a trailer.
    pub fn trailer_header(self) -> Option<&'static str> {
        self.trailer().then_some(CRC32C_TRAILER)
    }
}

fn hex_len(n: usize) -> u64 {
    let mut digits = 1;
    let mut v = n >> 4;
    while v > 0 {
        digits += 1;
        v >>= 4;
    }
    digits
}

/// The encoded length (the `Content-Length` to send) of a `decoded_len`-byte body.
///
/// ```
/// use minis3::sigv4::{chunked_encoded_length, ChunkedMode};
/// assert_eq!(chunked_encoded_length(66560, 65536, ChunkedMode::Signed), 66824);
/// assert_eq!(chunked_encoded_length(66560, 65536, ChunkedMode::SignedWithCrc32cTrailer), 66946);
/// ```
pub fn chunked_encoded_length(decoded_len: u64, chunk_size: usize, mode: ChunkedMode) -> u64 {
    let sig_part = if mode.signed() { CHUNK_SIG.len() as u64 + 64 } else { 0 };
    let chunk_size = chunk_size.max(1) as u64;
    let full = decoded_len / chunk_size;
    let rest = decoded_len % chunk_size;
    let per_chunk = |len: u64| hex_len(len as usize) + sig_part + 2 + len + 2;
    let mut total = full * per_chunk(chunk_size);
    if rest > 0 {
        total += per_chunk(rest);
    }
    // Final chunk: "0" [sig] CRLF.
    total += 1 + sig_part + 2;
    if mode.trailer() {
        // "x-amz-checksum-crc32c:" + 8 base64 chars + CRLF
        total += CRC32C_TRAILER.len() as u64 + 1 + 8 + 2;
        if mode.signed() {
            total += "x-amz-trailer-signature:".len() as u64 + 64 + 2;
        }
    }
    total + 2
}

/// A `Read` adapter producing the `aws-chunked` body of an upload.
///
/// Sign the request headers first with the mode's payload ([`ChunkedMode::payload`]) and the
/// headers `content-encoding: aws-chunked`, `x-amz-decoded-content-length: N`,
/// `content-length:` [`chunked_encoded_length`] (and `x-amz-trailer` for trailer modes); then
/// wrap the body with the signature of that request as the seed.
///
/// The reader must yield exactly the declared number of bytes; otherwise reading fails with
/// [`io::ErrorKind::InvalidData`] (wrapping [`SignError::ChunkedLength`]).
pub struct ChunkedSigner<R> {
    inner: R,
    key: SigningKey,
    date: AmzDate,
    scope: String,
    previous: String,
    mode: ChunkedMode,
    chunk_size: usize,
    declared: u64,
    consumed: u64,
    crc: Crc32c,
    buf: Vec<u8>,
    pos: usize,
    /// Unsigned mode: bytes of the current chunk still to pass straight from `inner` to the
    /// caller (no chunk signature needs them first, so they are never copied into `buf`).
    data_left: usize,
    finished: bool,
}

impl<R> std::fmt::Debug for ChunkedSigner<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkedSigner")
            .field("mode", &self.mode)
            .field("chunk_size", &self.chunk_size)
            .field("declared", &self.declared)
            .field("consumed", &self.consumed)
            .finish_non_exhaustive()
    }
}

/// What [`ChunkedSigner::new`] needs besides the body.
#[derive(Debug, Clone)]
pub struct ChunkedParams<'a> {
    /// The signing key of the request (same date, region, service).
    pub key: SigningKey,
    /// The request's signing time.
    pub time: AmzDate,
    /// The region of the credential scope.
    pub region: &'a str,
    /// The service of the credential scope.
    pub service: &'a str,
    /// The signature of the request headers (hex); unused by the unsigned mode.
    pub seed_signature: &'a str,
    /// The body length (`x-amz-decoded-content-length`).
    pub decoded_len: u64,
    /// Bytes per chunk, at least [`MIN_CHUNK_SIZE`].
    pub chunk_size: usize,
    /// Which streaming mode.
    pub mode: ChunkedMode,
}

impl<R: Read> ChunkedSigner<R> {
    /// Wraps `inner` (which must yield exactly `params.decoded_len` bytes).
    pub fn new(inner: R, params: ChunkedParams<'_>) -> Result<Self, SignError> {
        if params.chunk_size < MIN_CHUNK_SIZE {
            return Err(SignError::ChunkSize(params.chunk_size));
        }
        Ok(Self {
            inner,
            scope: credential_scope(params.time.date(), params.region, params.service),
            key: params.key,
            date: params.time,
            previous: params.seed_signature.to_owned(),
            mode: params.mode,
            chunk_size: params.chunk_size,
            declared: params.decoded_len,
            consumed: 0,
            crc: Crc32c::new(),
            buf: Vec::with_capacity(if params.mode.signed() { params.chunk_size + 128 } else { 128 }),
            pos: 0,
            data_left: 0,
            finished: false,
        })
    }

    /// Fails unless `inner` has ended exactly where declared.
    fn check_end(&mut self) -> io::Result<()> {
        let mut probe = [0u8; 1];
        loop {
            match self.inner.read(&mut probe) {
                Ok(0) => return Ok(()),
                Ok(_) => return Err(length_error(self.declared, self.declared + 1)),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The final zero-length chunk and, in trailer modes, the trailer (signed or not).
    fn push_end(&mut self) {
        self.finished = true;
        if self.mode.trailer() {
            let value = base64::encode(&self.crc.finish().to_be_bytes());
            let line = format!("{CRC32C_TRAILER}:{value}");
            self.buf.extend_from_slice(line.as_bytes());
            self.buf.extend_from_slice(b"\r\n");
            if self.mode.signed() {
                let sig = self.trailer_signature(&line);
                self.buf.extend_from_slice(b"x-amz-trailer-signature:");
                self.buf.extend_from_slice(sig.as_bytes());
                self.buf.extend_from_slice(b"\r\n");
            }
        }
        self.buf.extend_from_slice(b"\r\n");
    }

    /// Unsigned mode: fills `buf` with the end of the previous chunk and the next chunk's
    /// header only; its data then passes straight through [`Read::read`].
    fn fill_unsigned(&mut self) -> io::Result<bool> {
        self.buf.clear();
        self.pos = 0;
        if self.consumed > 0 {
            self.buf.extend_from_slice(b"\r\n");
        }
        let want = (self.declared - self.consumed).min(self.chunk_size as u64) as usize;
        self.buf.extend_from_slice(format!("{want:x}\r\n").as_bytes());
        if want == 0 {
            self.check_end()?;
            self.push_end();
        } else {
            self.data_left = want;
        }
        Ok(true)
    }

    /// Fills `buf` with the next encoded piece. Returns false at the end of the body.
    fn fill(&mut self) -> io::Result<bool> {
        if self.finished {
            return Ok(false);
        }
        if !self.mode.signed() {
            return self.fill_unsigned();
        }
        self.buf.clear();
        self.pos = 0;
        // Reserve room for the header, read the data after it, then write the header in front.
        let want = (self.declared - self.consumed).min(self.chunk_size as u64) as usize;
        const HEADER_ROOM: usize = 96;
        self.buf.resize(HEADER_ROOM + want, 0);
        let mut got = 0;
        while got < want {
            match self.inner.read(&mut self.buf[HEADER_ROOM + got..HEADER_ROOM + want]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if got < want {
            return Err(length_error(self.declared, self.consumed + got as u64));
        }
        if want == 0 {
            self.check_end()?;
        }
        self.consumed += got as u64;
        let data = &self.buf[HEADER_ROOM..HEADER_ROOM + got];
        if self.mode.trailer() {
            self.crc.update(data);
        }
        let mut header = format!("{got:x}");
        if self.mode.signed() {
            let data_hash = super::encode::to_hex(&Sha256::digest(data));
            let sig =
                self.key.sign_hex(chunk_string_to_sign(&self.date, &self.scope, &self.previous, &data_hash).as_bytes());
            header.push_str(";chunk-signature=");
            header.push_str(&sig);
            self.previous = sig;
        }
        header.push_str("\r\n");
        let start = HEADER_ROOM - header.len();
        self.buf[start..HEADER_ROOM].copy_from_slice(header.as_bytes());
        self.pos = start;
        if got > 0 {
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.push_end();
        }
        Ok(true)
    }

    fn trailer_signature(&self, trailer_line: &str) -> String {
        let canonical = format!("{trailer_line}\n");
        self.key.sign_hex(trailer_string_to_sign(&self.date, &self.scope, &self.previous, &canonical).as_bytes())
    }
}

fn scoped_string_to_sign(algorithm: &str, date: &AmzDate, scope: &str, previous: &str, tail: &[&str]) -> String {
    let mut s = String::with_capacity(300);
    s.push_str(algorithm);
    s.push('\n');
    s.push_str(date.as_str());
    s.push('\n');
    s.push_str(scope);
    s.push('\n');
    s.push_str(previous);
    for t in tail {
        s.push('\n');
        s.push_str(t);
    }
    s
}

/// The string to sign of one chunk: algorithm `AWS4-HMAC-SHA256-PAYLOAD`, time, scope, the
/// previous signature, the hash of the empty string, the hash of the chunk data.
pub fn chunk_string_to_sign(date: &AmzDate, scope: &str, previous_signature: &str, data_sha256: &str) -> String {
    scoped_string_to_sign("AWS4-HMAC-SHA256-PAYLOAD", date, scope, previous_signature, &[EMPTY_SHA256, data_sha256])
}

/// The string to sign of a trailer: algorithm `AWS4-HMAC-SHA256-TRAILER`, time, scope, the
/// signature of the final (empty) chunk, the hash of the canonical trailer (`name:value\n` lines).
pub fn trailer_string_to_sign(
    date: &AmzDate,
    scope: &str,
    previous_signature: &str,
    canonical_trailer: &str,
) -> String {
    let hash = super::encode::to_hex(&Sha256::digest(canonical_trailer.as_bytes()));
    scoped_string_to_sign("AWS4-HMAC-SHA256-TRAILER", date, scope, previous_signature, &[&hash])
}

fn length_error(declared: u64, actual: u64) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, SignError::ChunkedLength { declared, actual })
}

impl<R: Read> Read for ChunkedSigner<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        if self.pos >= self.buf.len() && self.data_left > 0 {
            let want = out.len().min(self.data_left);
            let n = loop {
                match self.inner.read(&mut out[..want]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            };
            if n == 0 {
                return Err(length_error(self.declared, self.consumed));
            }
            self.crc.update(&out[..n]);
            self.consumed += n as u64;
            self.data_left -= n;
            return Ok(n);
        }
        if self.pos >= self.buf.len() && !self.fill()? {
            return Ok(0);
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_secrets::CleanErr;

    fn signer(body: Vec<u8>, declared: u64, mode: ChunkedMode) -> ChunkedSigner<io::Cursor<Vec<u8>>> {
        ChunkedSigner::new(
            io::Cursor::new(body),
            ChunkedParams {
                key: SigningKey::derive("secret", "20130524", "us-east-1", "s3"),
                time: AmzDate::from_unix(1_369_353_600),
                region: "us-east-1",
                service: "s3",
                seed_signature: "seed",
                decoded_len: declared,
                chunk_size: MIN_CHUNK_SIZE,
                mode,
            },
        )
        .unwrap()
    }

    #[test]
    fn encoded_length_matches_output_for_many_sizes() {
        for mode in [ChunkedMode::Signed, ChunkedMode::SignedWithCrc32cTrailer, ChunkedMode::UnsignedWithCrc32cTrailer]
        {
            for len in [0u64, 1, 8191, 8192, 8193, 3 * 8192, 100_000] {
                let mut out = Vec::new();
                signer(vec![7u8; len as usize], len, mode).read_to_end(&mut out).unwrap();
                assert_eq!(out.len() as u64, chunked_encoded_length(len, MIN_CHUNK_SIZE, mode), "{mode:?} {len}");
            }
        }
    }

    #[test]
    fn short_and_long_bodies_are_refused() {
        let mut out = Vec::new();
        let e = signer(vec![1; 10], 11, ChunkedMode::Signed).read_to_end(&mut out).clean_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(e.to_string().contains("11 bytes were declared"), "{e}");
        let e = signer(vec![1; 12], 11, ChunkedMode::Signed).read_to_end(&mut out).clean_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    }

    /// Yields one byte per read: the unsigned mode's pass-through must cope with short reads.
    struct Trickle(io::Cursor<Vec<u8>>);

    impl Read for Trickle {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = out.len().min(1);
            self.0.read(&mut out[..n])
        }
    }

    #[test]
    fn unsigned_chunks_pass_through_in_the_exact_framing() {
        let data: Vec<u8> = (0..20_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut want = Vec::new();
        for chunk in data.chunks(MIN_CHUNK_SIZE) {
            want.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            want.extend_from_slice(chunk);
            want.extend_from_slice(b"\r\n");
        }
        let crc = base64::encode(&Crc32c::checksum(&data).to_be_bytes());
        want.extend_from_slice(format!("0\r\nx-amz-checksum-crc32c:{crc}\r\n\r\n").as_bytes());
        let params = |len: u64| ChunkedParams {
            key: SigningKey::from_bytes([0; 32]),
            time: AmzDate::from_unix(0),
            region: "us-east-1",
            service: "s3",
            seed_signature: "",
            decoded_len: len,
            chunk_size: MIN_CHUNK_SIZE,
            mode: ChunkedMode::UnsignedWithCrc32cTrailer,
        };
        // Whole reads, and one byte in at a time read out 3 bytes at a time.
        let mut out = Vec::new();
        signer(data.clone(), data.len() as u64, ChunkedMode::UnsignedWithCrc32cTrailer).read_to_end(&mut out).unwrap();
        assert_eq!(out, want);
        let mut s = ChunkedSigner::new(Trickle(io::Cursor::new(data.clone())), params(data.len() as u64)).unwrap();
        let (mut out, mut piece) = (Vec::new(), [0u8; 3]);
        loop {
            match s.read(&mut piece).unwrap() {
                0 => break,
                n => out.extend_from_slice(&piece[..n]),
            }
        }
        assert_eq!(out, want);
        // A body shorter or longer than declared fails, mid-chunk and at the end.
        for (body, declared) in [(100, 20_000), (20_000, 20_001), (20_001, 20_000), (8192, 8191)] {
            let mut s = ChunkedSigner::new(io::Cursor::new(vec![1u8; body]), params(declared)).unwrap();
            let e = s.read_to_end(&mut Vec::new()).clean_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{body} {declared}");
        }
    }

    #[test]
    fn small_chunks_are_refused() {
        let r = ChunkedSigner::new(
            io::empty(),
            ChunkedParams {
                key: SigningKey::from_bytes([0; 32]),
                time: AmzDate::from_unix(0),
                region: "r",
                service: "s3",
                seed_signature: "",
                decoded_len: 0,
                chunk_size: 100,
                mode: ChunkedMode::Signed,
            },
        );
        assert_eq!(r.clean_err(), SignError::ChunkSize(100));
    }
}
