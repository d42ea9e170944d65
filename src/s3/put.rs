//! PutObject: from memory, from a file (hashed in a first pass), or from a stream of known
//! length (`aws-chunked`, constant memory). Large bodies go through multipart upload.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use super::checksum::{crc32c_header, hash_file_range};
use super::client::Client;
use super::error::{InputError, S3Error};
use super::request::{check_key, BodyHash, ReqBody, Request, RetryMode};
use crate::sigv4::ChunkedMode;

/// How a file's CRC32C travels when it goes as a trailer: unsigned chunks, then the trailer.
const TRAILER: ChunkedMode = ChunkedMode::UnsignedWithCrc32cTrailer;

/// How an upload's body is covered by the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PayloadSigning {
    /// The SHA-256 of the body is signed when it can be known up front (memory, files); a
    /// stream of unknown hash is sent `aws-chunked` with every chunk signed.
    #[default]
    Auto,
    /// `UNSIGNED-PAYLOAD`: the body is not covered (only sensible over https, where TLS
    /// protects it); saves hashing.
    Unsigned,
    /// Always `aws-chunked` in this mode (streams and files).
    Chunked(ChunkedMode),
}

/// Options of the PutObject family.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PutOptions {
    /// `Content-Type` (S3 defaults to `binary/octet-stream`).
    pub content_type: Option<String>,
    /// User metadata, sent as `x-amz-meta-NAME: VALUE` (names: letters, digits, `-`, `_`;
    /// values: printable ASCII).
    pub metadata: Vec<(String, String)>,
    /// `If-None-Match: *`: fail with `PreconditionFailed` (412) if the key exists.
    pub if_none_match_any: bool,
    /// `If-Match: ETAG` (single PUTs only): fail with `PreconditionFailed` (412) unless the
    /// object's current ETag is this one (a compare-and-swap on the object).
    pub if_match: Option<String>,
    /// `Cache-Control`.
    pub cache_control: Option<String>,
    /// `Content-Disposition`.
    pub content_disposition: Option<String>,
    /// `x-amz-checksum-sha256` (base64 of the body's SHA-256; single PUTs only: the server
    /// checks the body against it and stores it). Servers that do not know it ignore it.
    pub checksum_sha256: Option<String>,
    /// How the body is signed.
    pub payload: PayloadSigning,
}

/// The answer to a successful upload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PutResult {
    /// The new object's ETag (with quotes).
    pub etag: Option<String>,
    /// `x-amz-version-id`, on versioned buckets.
    pub version_id: Option<String>,
    /// How many parts (0 for a single PutObject).
    pub parts: u32,
}

impl PutOptions {
    /// The headers for these options (content type and metadata; not the condition).
    pub(crate) fn object_headers(&self) -> Result<Vec<(String, String)>, S3Error> {
        let mut h = Vec::new();
        if let Some(ct) = &self.content_type {
            if !ct.bytes().all(|b| (0x20..0x7f).contains(&b)) || ct.is_empty() {
                return Err(S3Error::InvalidInput(InputError::ContentType(ct.clone())));
            }
            h.push(("content-type".to_owned(), ct.clone()));
        }
        for (name, value) in
            [("cache-control", &self.cache_control), ("content-disposition", &self.content_disposition)]
        {
            if let Some(v) = value {
                if v.is_empty() || !v.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                    return Err(S3Error::InvalidInput(InputError::HeaderValue { name, value: v.clone() }));
                }
                h.push((name.to_owned(), v.clone()));
            }
        }
        for (k, v) in &self.metadata {
            if k.is_empty() || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                return Err(S3Error::InvalidInput(InputError::MetadataName(k.clone())));
            }
            if !v.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                return Err(S3Error::InvalidInput(InputError::MetadataValue { name: k.clone() }));
            }
            h.push((format!("x-amz-meta-{}", k.to_ascii_lowercase()), v.trim().to_owned()));
        }
        Ok(h)
    }
}

pub(crate) fn put_result(resp: &crate::http::Response) -> PutResult {
    PutResult {
        etag: resp.header("etag").map(str::to_owned),
        version_id: resp.header("x-amz-version-id").map(str::to_owned),
        parts: 0,
    }
}

/// The largest object S3 takes in one PUT: 5 GiB.
pub const MAX_SINGLE_PUT: u64 = 5 * 1024 * 1024 * 1024;

impl Client {
    /// How `len` bytes of a file at `offset` (a whole object or one part) are signed, and
    /// their CRC32C when uploads carry one (both from one first pass over the range, read
    /// again from the page cache when sent). `Auto`: over https `UNSIGNED-PAYLOAD` (TLS
    /// protects the body; what the AWS CLI does for uploads), likewise to a loopback endpoint
    /// (the body never crosses a network), over other plain http the body's SHA-256. Both
    /// work with every S3-compatible service; `aws-chunked`, which some do not implement
    /// (Cloudflare R2, OpenStack Swift), is used only when asked for. The CRC32C header is
    /// what lets the server refuse a body corrupted on the way, signed or not.
    pub(crate) fn file_body_hash(
        &self,
        opts: &PutOptions,
        path: &Path,
        offset: u64,
        len: u64,
    ) -> Result<(BodyHash, Option<u32>), S3Error> {
        let crc = self.send_checksums();
        let unsigned_auto = self.endpoint.scheme() == crate::address::Scheme::Https || self.endpoint.is_loopback();
        Ok(match opts.payload {
            PayloadSigning::Auto if !unsigned_auto => {
                let (c, sha) = hash_file_range(path, offset, len, true)?;
                (BodyHash::Sha256(sha.unwrap_or_default()), crc.then_some(c))
            }
            PayloadSigning::Auto | PayloadSigning::Unsigned if crc => {
                (BodyHash::Unsigned, Some(hash_file_range(path, offset, len, false)?.0))
            }
            PayloadSigning::Auto | PayloadSigning::Unsigned => (BodyHash::Unsigned, None),
            PayloadSigning::Chunked(mode) => (BodyHash::Chunked(mode), None),
        })
    }

    fn put_request<'a>(
        &self,
        bucket: &'a str,
        key: &'a str,
        opts: &PutOptions,
        body: ReqBody<'a>,
    ) -> Result<Request<'a>, S3Error> {
        check_key(bucket, key)?;
        let mut req = Request::new("PUT", bucket, key).body(body);
        req.headers = opts.object_headers()?;
        if opts.if_none_match_any {
            req = req.header("if-none-match", "*");
        }
        if let Some(etag) = &opts.if_match {
            req = req.header("if-match", etag);
        }
        if let Some(sum) = &opts.checksum_sha256 {
            req = req.header("x-amz-checksum-sha256", sum);
        }
        Ok(req)
    }

    /// PutObject from memory. The body's SHA-256 is signed (or `UNSIGNED-PAYLOAD` when asked;
    /// a `Chunked` mode sends it `aws-chunked`). Retried on transient failures.
    ///
    /// With [`PutOptions::if_none_match_any`], an existing key fails with `PreconditionFailed`.
    pub fn put_object(&self, bucket: &str, key: &str, data: &[u8], opts: &PutOptions) -> Result<PutResult, S3Error> {
        let open = || -> io::Result<Box<dyn Read + Send + '_>> { Ok(Box::new(data)) };
        let body = match opts.payload {
            PayloadSigning::Auto => ReqBody::Bytes { data, unsigned: false },
            PayloadSigning::Unsigned => ReqBody::Bytes { data, unsigned: true },
            PayloadSigning::Chunked(mode) => {
                ReqBody::Source { open: &open, length: data.len() as u64, hash: BodyHash::Chunked(mode) }
            }
        };
        let mut req = self.put_request(bucket, key, opts, body)?;
        if self.send_checksums() && !matches!(opts.payload, PayloadSigning::Chunked(_)) {
            req = req.header("x-amz-checksum-crc32c", crc32c_header(crate::sigv4::Crc32c::checksum(data)));
        }
        let resp = self.execute(&mut req)?;
        Ok(put_result(&resp))
    }

    /// PutObject from a file. Files of at least `multipart_threshold` bytes go through
    /// multipart upload (parallel parts). Otherwise the file is sent in one pass with its
    /// CRC32C as a trailer where [`file_crc_trailer`](Self::file_crc_trailer) says so, else
    /// hashed in a first pass and streamed in a second; retries reopen it.
    pub fn put_object_from_file(
        &self,
        bucket: &str,
        key: &str,
        path: &Path,
        opts: &PutOptions,
    ) -> Result<PutResult, S3Error> {
        check_key(bucket, key)?;
        let meta = std::fs::metadata(path).map_err(|e| S3Error::io("read", Some(path.to_owned()), e))?;
        if meta.is_dir() {
            return Err(S3Error::InvalidInput(InputError::SourceIsDirectory(path.to_owned())));
        }
        let len = meta.len();
        let single_put_here = self.cfg.loopback_single_put && self.endpoint.is_loopback() && len <= MAX_SINGLE_PUT;
        if len >= self.cfg.multipart_threshold && !single_put_here {
            return self.multipart_upload(bucket, key, super::multipart::PartSource::File(path), len, opts);
        }
        if self.file_crc_trailer(opts) {
            let (put, echoed) = self.put_file_once(bucket, key, path, len, opts, (BodyHash::Chunked(TRAILER), None))?;
            if echoed || self.stored_length_is(bucket, key, len)? {
                return Ok(put);
            }
            // The server kept the aws-chunked framing as the object's content (as s3rver does,
            // and SeaweedFS and rclone did before fixes of 2025 and 2026): send the file again
            // with the checksum in a header, over the object just written and nothing else.
            self.notice(&format!(
                "s3://{bucket}/{key}: the server stored the aws-chunked body as it came; sent again with the \
                 checksum in a header (AWS_REQUEST_CHECKSUM_CALCULATION=when_required avoids the first try)"
            ));
            let again = PutOptions { if_none_match_any: false, if_match: put.etag.clone(), ..opts.clone() };
            let hashed = self.file_body_hash(&again, path, 0, len)?;
            return Ok(self.put_file_once(bucket, key, path, len, &again, hashed)?.0);
        }
        let hashed = self.file_body_hash(opts, path, 0, len)?;
        Ok(self.put_file_once(bucket, key, path, len, opts, hashed)?.0)
    }

    /// One PutObject of a whole file, signed as `hashed` says, with the CRC32C header when
    /// it carries one; and whether the answer names the CRC32C the server checked.
    fn put_file_once(
        &self,
        bucket: &str,
        key: &str,
        path: &Path,
        len: u64,
        opts: &PutOptions,
        (hash, crc): (BodyHash, Option<u32>),
    ) -> Result<(PutResult, bool), S3Error> {
        let open = || -> io::Result<Box<dyn Read + Send + '_>> { Ok(Box::new(File::open(path)?.take(len))) };
        let mut req = self.put_request(bucket, key, opts, ReqBody::Source { open: &open, length: len, hash })?;
        if let Some(c) = crc {
            req = req.header("x-amz-checksum-crc32c", crc32c_header(c));
        }
        let resp = self.execute(&mut req)?;
        Ok((put_result(&resp), resp.header("x-amz-checksum-crc32c").is_some()))
    }

    /// PutObject from a stream of exactly `length` bytes, in constant memory: sent
    /// `aws-chunked` with each 64 KiB chunk signed (or `UNSIGNED-PAYLOAD` when asked). Where
    /// streamed uploads carry a checksum ([`stream_checksum_mode`](Self::stream_checksum_mode):
    /// on AWS, or with `when_supported`), its CRC32C goes in an `x-amz-checksum-crc32c`
    /// trailer, computed as the body passes: signed chunks and a signed trailer over plain
    /// http, unsigned chunks and trailer over https (TLS covers them), as the AWS SDKs do. A
    /// stream cannot be replayed, so it is not retried. At least `multipart_threshold` bytes
    /// go through multipart upload (parts buffered, `concurrency` at a time, each with its
    /// CRC32C header).
    pub fn put_object_from_reader(
        &self,
        bucket: &str,
        key: &str,
        reader: &mut (dyn Read + Send),
        length: u64,
        opts: &PutOptions,
    ) -> Result<PutResult, S3Error> {
        check_key(bucket, key)?;
        if length >= self.cfg.multipart_threshold {
            return self.multipart_upload(bucket, key, super::multipart::PartSource::Reader(reader), length, opts);
        }
        let hash = match (opts.payload, self.stream_checksum_mode()) {
            (PayloadSigning::Auto, Some(mode)) => BodyHash::Chunked(mode),
            (PayloadSigning::Auto, None) => BodyHash::Chunked(ChunkedMode::Signed),
            (PayloadSigning::Unsigned, Some(_)) => BodyHash::Chunked(ChunkedMode::UnsignedWithCrc32cTrailer),
            (PayloadSigning::Unsigned, None) => BodyHash::Unsigned,
            (PayloadSigning::Chunked(mode), _) => BodyHash::Chunked(mode),
        };
        let mut req = self.put_request(bucket, key, opts, ReqBody::Stream { reader: Some(reader), length, hash })?;
        req.retry = RetryMode::StatusOnly;
        let resp = self.execute(&mut req)?;
        Ok(put_result(&resp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::s3::{Auth, ChecksumWhen, ClientConfig};

    fn client(endpoint: &str) -> Client {
        let mut cfg = ClientConfig::new("us-east-1", Auth::keys("AKID", "secret"));
        cfg.endpoint_url = Some(endpoint.to_owned());
        Client::new(cfg).unwrap()
    }

    #[test]
    fn file_bodies_are_unsigned_over_https_and_loopback_and_hashed_over_http() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let auto = PutOptions::default();
        let crc = Some(crate::sigv4::Crc32c::checksum(&data[..10]));
        let https = client("https://s3.example.com");
        assert_eq!(https.file_body_hash(&auto, &path, 0, 10).unwrap(), (BodyHash::Unsigned, crc));
        for local in ["http://127.0.0.1:9000", "http://localhost:9000", "http://[::1]:9000"] {
            assert_eq!(
                client(local).file_body_hash(&auto, &path, 0, 10).unwrap(),
                (BodyHash::Unsigned, crc),
                "{local}"
            );
        }
        let http = client("http://192.0.2.7:9000");
        let want = crate::sigv4::sha256_hex(&data[1000..201_000]);
        let crc = Some(crate::sigv4::Crc32c::checksum(&data[1000..201_000]));
        assert_eq!(http.file_body_hash(&auto, &path, 1000, 200_000).unwrap(), (BodyHash::Sha256(want), crc));
        // A range past the end of the file is an error, not a short body.
        assert!(http.file_body_hash(&auto, &path, 250_000, 100_000).is_err());
        let chunked =
            PutOptions { payload: PayloadSigning::Chunked(crate::sigv4::ChunkedMode::Signed), ..auto.clone() };
        assert!(matches!(http.file_body_hash(&chunked, &path, 0, 1).unwrap(), (BodyHash::Chunked(_), None)));
        // `when_required`: no checksum.
        let mut cfg = ClientConfig::new("us-east-1", Auth::keys("AKID", "secret"));
        cfg.endpoint_url = Some("https://s3.example.com".to_owned());
        cfg.request_checksums = Some(crate::s3::ChecksumWhen::WhenRequired);
        let off = Client::new(cfg).unwrap();
        assert_eq!(off.file_body_hash(&auto, &path, 0, 10).unwrap(), (BodyHash::Unsigned, None));
    }

    #[test]
    fn file_checksums_go_as_trailers_to_loopback_and_aws_and_as_headers_elsewhere() {
        let auto = PutOptions::default();
        for local in ["http://127.0.0.1:9000", "http://localhost:9000", "http://[::1]:9000"] {
            assert!(client(local).file_crc_trailer(&auto), "{local}");
        }
        // Remote custom endpoints: the header (some services refuse trailers), and plain
        // http hashes the body anyway (the CRC32C in the same pass).
        assert!(!client("https://s3.example.com").file_crc_trailer(&auto));
        assert!(!client("http://192.0.2.7:9000").file_crc_trailer(&auto));
        // AWS over https, as the SDKs do.
        assert!(client("https://s3.us-east-1.amazonaws.com").file_crc_trailer(&auto));
        // One checksum per request: an x-amz-checksum-sha256 keeps the CRC32C in a header.
        let sha = PutOptions { checksum_sha256: Some("x".into()), ..auto.clone() };
        assert!(!client("http://127.0.0.1:9000").file_crc_trailer(&sha));
        // A mode asked for is kept.
        let chunked = PutOptions { payload: PayloadSigning::Chunked(ChunkedMode::Signed), ..auto.clone() };
        assert!(!client("http://127.0.0.1:9000").file_crc_trailer(&chunked));
        // when_required: no checksum at all; when_supported: trailers on any https endpoint.
        for (when, want) in [(ChecksumWhen::WhenRequired, false), (ChecksumWhen::WhenSupported, true)] {
            let mut cfg = ClientConfig::new("us-east-1", Auth::keys("AKID", "secret"));
            cfg.endpoint_url = Some("https://s3.example.com".to_owned());
            cfg.request_checksums = Some(when);
            assert_eq!(Client::new(cfg).unwrap().file_crc_trailer(&auto), want, "{when:?}");
        }
    }
}
