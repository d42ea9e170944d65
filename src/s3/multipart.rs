//! Multipart upload: create, parts in parallel on a bounded number of threads, complete; the
//! upload is aborted on any failure so no parts are left behind.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Mutex};

use super::checksum::crc32c_header;
use super::client::{Client, MAX_PARTS};
use super::error::{InputError, ResponseError, S3Error, ServiceError};
use super::put::{PutOptions, PutResult};
use super::request::{ReqBody, Request, RetryMode};
use super::xml::{self, CompletedPart, Outcome};

/// Where the parts come from.
pub(crate) enum PartSource<'a> {
    /// A file: each worker reads its own parts.
    File(&'a Path),
    /// A stream: read part by part on the calling thread, handed to the workers.
    Reader(&'a mut (dyn Read + Send)),
}

/// A multipart upload in progress (from ListMultipartUploads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipartUploadInfo {
    /// The key.
    pub key: String,
    /// The upload id.
    pub upload_id: String,
}

/// An uploaded part: its ETag and its CRC32C, when it was sent with one.
type PartDone = (String, Option<u32>);

const RESPONSE_LIMIT: u64 = 16 * 1024 * 1024;

/// A part's bytes from a file: an error, not a short body, if the file ends before them.
struct ExactReader<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for ExactReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the file became shorter while being uploaded",
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// How many parts of a stream (which cannot be re-read) are held in memory at once: with the
/// default 8 MiB parts, 24 MiB.
const STREAM_PARTS_IN_MEMORY: usize = 3;

/// Reads exactly `buf.len()` bytes unless the source ends first; returns how many were read
/// (retrying interrupted reads). For cutting a stream into parts.
pub fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

impl Client {
    /// The part size for an upload of `total` bytes: the configured one, raised so the upload
    /// fits in 10 000 parts.
    pub fn part_size_for(&self, total: u64) -> u64 {
        self.cfg.part_size.max(total.div_ceil(MAX_PARTS))
    }

    /// CreateMultipartUpload: the upload id.
    /// Declares no checksum algorithm: parts uploaded with [`upload_part`](Self::upload_part)
    /// carry none either.
    pub fn create_multipart_upload(&self, bucket: &str, key: &str, opts: &PutOptions) -> Result<String, S3Error> {
        self.create_upload(bucket, key, opts, false)
    }

    /// CreateMultipartUpload, with `x-amz-checksum-algorithm: CRC32C` and
    /// `x-amz-checksum-type: FULL_OBJECT` when `declare`: the object's stored checksum is then
    /// the CRC32C of its whole content (sent with the completion, combined from the parts'),
    /// which any download can verify, whatever ranges it fetches; a COMPOSITE checksum (of
    /// the parts' checksums) can only be checked by ranges that line up with the parts.
    fn create_upload(&self, bucket: &str, key: &str, opts: &PutOptions, declare: bool) -> Result<String, S3Error> {
        super::request::check_key(bucket, key)?;
        let mut req = Request::new("POST", bucket, key).query("uploads", "");
        req.headers = opts.object_headers()?;
        if declare {
            req = req.header("x-amz-checksum-algorithm", "CRC32C").header("x-amz-checksum-type", "FULL_OBJECT");
        }
        let resp = self.execute(&mut req)?;
        let body = resp.read_to_vec(RESPONSE_LIMIT)?;
        let started =
            xml::parse_initiate_multipart_upload(&body).map_err(ResponseError::document("CreateMultipartUpload"))?;
        Ok(started.upload_id)
    }

    /// UploadPart from memory (its SHA-256 signed); the part's ETag. Where uploads carry
    /// checksums without declaring them (custom endpoints by default) the part's CRC32C goes
    /// in `x-amz-checksum-crc32c` too, so the server refuses a part changed on the way; not
    /// where multipart uploads are declared (AWS, `when_supported`): the upload from
    /// [`create_multipart_upload`](Self::create_multipart_upload) declares no algorithm, and
    /// S3 refuses a part checksum an upload did not declare.
    pub fn upload_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        data: &[u8],
    ) -> Result<String, S3Error> {
        let crc = (self.send_checksums() && !self.declare_multipart_checksums())
            .then(|| crc32c_header(crate::sigv4::Crc32c::checksum(data)));
        let body = ReqBody::Bytes { data, unsigned: false };
        self.upload_part_body(bucket, key, upload_id, part_number, body, crc.as_deref())
    }

    /// UploadPart with any body; the part's ETag.
    fn upload_part_body<'a>(
        &self,
        bucket: &'a str,
        key: &'a str,
        upload_id: &str,
        part_number: u32,
        body: ReqBody<'a>,
        crc32c: Option<&str>,
    ) -> Result<String, S3Error> {
        let mut req = Request::new("PUT", bucket, key)
            .query("partNumber", part_number.to_string())
            .query("uploadId", upload_id)
            .body(body);
        if let Some(c) = crc32c {
            req = req.header("x-amz-checksum-crc32c", c);
        }
        let resp = self.execute(&mut req)?;
        resp.header("etag")
            .map(str::to_owned)
            .ok_or(S3Error::InvalidResponse(ResponseError::PartWithoutEtag { part: part_number }))
    }

    /// CompleteMultipartUpload. Retried only when the server answered with a transient error
    /// (never after a lost connection: it may have completed). A 200 carrying an `<Error>`
    /// is an error.
    pub fn complete_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
        if_none_match_any: bool,
    ) -> Result<PutResult, S3Error> {
        self.complete_upload(bucket, key, upload_id, parts, if_none_match_any, None)
    }

    /// CompleteMultipartUpload, with the whole object's CRC32C (`x-amz-checksum-crc32c`,
    /// `x-amz-checksum-type: FULL_OBJECT`) when given: the server checks the assembled object
    /// against it.
    fn complete_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
        if_none_match_any: bool,
        full_crc32c: Option<u32>,
    ) -> Result<PutResult, S3Error> {
        let body = xml::complete_multipart_upload_body(parts).map_err(|source| {
            S3Error::InvalidInput(InputError::RequestBody { operation: "CompleteMultipartUpload", source })
        })?;
        let mut req = Request::new("POST", bucket, key)
            .query("uploadId", upload_id)
            .header("content-type", "application/xml")
            .body(ReqBody::Bytes { data: body.as_bytes(), unsigned: false });
        if if_none_match_any {
            req = req.header("if-none-match", "*");
        }
        if let Some(crc) = full_crc32c {
            req = req.header("x-amz-checksum-crc32c", crc32c_header(crc)).header("x-amz-checksum-type", "FULL_OBJECT");
        }
        req.retry = RetryMode::StatusOnly;
        let resp = self.execute(&mut req)?;
        let version_id = resp.header("x-amz-version-id").map(str::to_owned);
        let body = resp.read_to_vec(RESPONSE_LIMIT)?;
        match xml::parse_complete_multipart_upload(&body).map_err(ResponseError::document("CompleteMultipartUpload"))? {
            Outcome::Done(done) => Ok(PutResult { etag: Some(done.etag), version_id, parts: parts.len() as u32 }),
            Outcome::Failed(e) => Err(S3Error::Service(Box::new(ServiceError {
                status: 200,
                code: e.code,
                message: e.message,
                request_id: e.request_id,
                method: "POST".into(),
                bucket: bucket.into(),
                key: key.into(),
                ..Default::default()
            }))),
        }
    }

    /// AbortMultipartUpload.
    pub fn abort_multipart_upload(&self, bucket: &str, key: &str, upload_id: &str) -> Result<(), S3Error> {
        self.execute(&mut Request::new("DELETE", bucket, key).query("uploadId", upload_id))?;
        Ok(())
    }

    /// ListMultipartUploads, every page: uploads started and neither completed nor aborted.
    pub fn list_multipart_uploads(&self, bucket: &str, prefix: &str) -> Result<Vec<MultipartUploadInfo>, S3Error> {
        self.list_multipart_uploads_paged(bucket, prefix, 1000)
    }

    /// [`Client::list_multipart_uploads`] asking for `page_size` uploads per request
    /// (`max-uploads`), following `NextKeyMarker` / `NextUploadIdMarker` (whichever the server
    /// gives) while the answer says it is truncated and moves forward.
    pub fn list_multipart_uploads_paged(
        &self,
        bucket: &str,
        prefix: &str,
        page_size: u32,
    ) -> Result<Vec<MultipartUploadInfo>, S3Error> {
        let mut out = Vec::new();
        let mut markers: Option<(String, String)> = None;
        loop {
            let mut req = Request::new("GET", bucket, "").query("uploads", "");
            req = req.query("max-uploads", page_size.max(1).to_string());
            if !prefix.is_empty() {
                req = req.query("prefix", prefix);
            }
            if let Some((key, id)) = &markers {
                // SeaweedFS pages by upload id alone (no NextKeyMarker): send what was given.
                if !key.is_empty() {
                    req = req.query("key-marker", key);
                }
                if !id.is_empty() {
                    req = req.query("upload-id-marker", id);
                }
            }
            let resp = self.execute(&mut req)?;
            let body = resp.read_to_vec(RESPONSE_LIMIT)?;
            let root = xml::parse_document(&body).map_err(ResponseError::document("ListMultipartUploads"))?;
            let before = out.len();
            out.extend(root.children_named("Upload").map(|u| MultipartUploadInfo {
                key: u.child_text("Key").unwrap_or_default().to_owned(),
                upload_id: u.child_text("UploadId").unwrap_or_default().to_owned(),
            }));
            let truncated = root.child_text("IsTruncated") == Some("true");
            let next = (
                root.child_text("NextKeyMarker").unwrap_or_default().to_owned(),
                root.child_text("NextUploadIdMarker").unwrap_or_default().to_owned(),
            );
            // A truncated page that moves nothing forward would loop: stop there.
            let stuck = (next.0.is_empty() && next.1.is_empty()) || markers.as_ref() == Some(&next);
            if !truncated || out.len() == before || stuck {
                return Ok(out);
            }
            markers = Some(next);
        }
    }

    /// Uploads `total` bytes from `source` in parts; aborts the upload on failure.
    pub(crate) fn multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        source: PartSource<'_>,
        total: u64,
        opts: &PutOptions,
    ) -> Result<PutResult, S3Error> {
        let part_size = self.part_size_for(total);
        let count = total.div_ceil(part_size).max(1);
        let declared = self.declare_multipart_checksums();
        let upload_id = self.create_upload(bucket, key, opts, declared)?;
        let result =
            self.upload_parts(bucket, key, &upload_id, source, (total, part_size, count), opts).and_then(|done| {
                let full = if declared { full_object_crc32c(&done, part_size, total) } else { None };
                let parts: Vec<CompletedPart> = done
                    .into_iter()
                    .enumerate()
                    .map(|(i, (etag, crc))| CompletedPart {
                        part_number: i as u32 + 1,
                        etag,
                        checksum_crc32c: crc.filter(|_| declared).map(crc32c_header),
                    })
                    .collect();
                self.complete_upload(bucket, key, &upload_id, &parts, opts.if_none_match_any, full)
            });
        if let Err(e) = &result {
            match self.abort_multipart_upload(bucket, key, &upload_id) {
                Ok(()) => self.notice(&format!("multipart upload of s3://{bucket}/{key} failed ({e}); aborted it")),
                Err(abort) => self.notice(&format!(
                    "multipart upload of s3://{bucket}/{key} failed, and aborting upload {upload_id} failed too \
                     ({abort}); its parts may be billed until a lifecycle rule removes them"
                )),
            }
        }
        result
    }

    fn upload_parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        source: PartSource<'_>,
        (total, part_size, count): (u64, u64, u64),
        opts: &PutOptions,
    ) -> Result<Vec<PartDone>, S3Error> {
        let etags: Mutex<Vec<Option<PartDone>>> = Mutex::new(vec![None; count as usize]);
        // Every part carries its CRC32C header; the completion lists them only when the upload
        // declared the algorithm (a server that was not told would refuse them).
        let send_crc = self.send_checksums();
        let declared = self.declare_multipart_checksums();
        let first_error: Mutex<Option<S3Error>> = Mutex::new(None);
        let failed = AtomicBool::new(false);
        let fail = |e: S3Error| {
            failed.store(true, Ordering::SeqCst);
            if let Ok(mut slot) = first_error.lock() {
                slot.get_or_insert(e);
            }
        };
        let len_of = |n: u64| part_size.min(total - (n - 1) * part_size);
        let record = |n: u64, etag: String, crc: Option<u32>| {
            if let Ok(mut v) = etags.lock() {
                v[(n - 1) as usize] = Some((etag, crc));
            }
        };
        let upload = |n: u64, data: &[u8]| {
            let crc = (send_crc || declared).then(|| crate::sigv4::Crc32c::checksum(data));
            let body = ReqBody::Bytes { data, unsigned: false };
            let header = crc.map(crc32c_header);
            match self.upload_part_body(bucket, key, upload_id, n as u32, body, header.as_deref()) {
                Ok(etag) => record(n, etag, crc),
                Err(e) => fail(e),
            }
        };
        let workers = self.cfg.concurrency.min(count as usize).max(1);
        match source {
            PartSource::File(path) => {
                // Each part is streamed from the file (opened again for every attempt), never
                // held in memory.
                let next = AtomicU64::new(1);
                std::thread::scope(|s| {
                    for _ in 0..workers {
                        s.spawn(|| loop {
                            let n = next.fetch_add(1, Ordering::SeqCst);
                            if n > count || failed.load(Ordering::SeqCst) {
                                return;
                            }
                            let offset = (n - 1) * part_size;
                            let len = len_of(n);
                            let open = || -> std::io::Result<Box<dyn Read + Send + '_>> {
                                let named = |e: std::io::Error| {
                                    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
                                };
                                let mut f = File::open(path).map_err(named)?;
                                f.seek(SeekFrom::Start(offset)).map_err(named)?;
                                Ok(Box::new(ExactReader { inner: f.take(len), left: len }))
                            };
                            let (hash, crc) = match self.file_body_hash(opts, path, offset, len) {
                                Ok(h) => h,
                                Err(e) => return fail(e),
                            };
                            let header = crc.map(crc32c_header);
                            let body = ReqBody::Source { open: &open, length: len, hash };
                            match self.upload_part_body(bucket, key, upload_id, n as u32, body, header.as_deref()) {
                                Ok(etag) => record(n, etag, crc),
                                Err(e) => return fail(e),
                            }
                        });
                    }
                });
            }
            PartSource::Reader(reader) => {
                // At most `workers` parts in memory (and never more than STREAM_PARTS_IN_MEMORY,
                // whatever the concurrency): a buffer is read into only after a worker has
                // handed it back.
                let workers = workers.min(STREAM_PARTS_IN_MEMORY);
                let (tx, rx) = mpsc::channel::<(u64, Vec<u8>)>();
                let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
                for _ in 0..workers {
                    let _ = free_tx.send(Vec::new());
                }
                let rx = Mutex::new(rx);
                std::thread::scope(|s| {
                    for _ in 0..workers {
                        let free_tx = free_tx.clone();
                        let rx = &rx;
                        let upload = &upload;
                        let failed = &failed;
                        s.spawn(move || loop {
                            let msg = match rx.lock() {
                                Ok(r) => r.recv(),
                                Err(_) => return,
                            };
                            let Ok((n, data)) = msg else { return };
                            if !failed.load(Ordering::SeqCst) {
                                upload(n, &data);
                            }
                            if free_tx.send(data).is_err() {
                                return;
                            }
                        });
                    }
                    drop(free_tx);
                    for n in 1..=count {
                        if failed.load(Ordering::SeqCst) {
                            break;
                        }
                        let Ok(mut buf) = free_rx.recv() else { break };
                        let len = len_of(n) as usize;
                        buf.resize(len, 0);
                        match read_full(reader, &mut buf) {
                            Ok(k) if k == len => {
                                if tx.send((n, buf)).is_err() {
                                    break;
                                }
                            }
                            Ok(k) => {
                                fail(S3Error::InvalidInput(InputError::StreamTooShort {
                                    read: (n - 1) * part_size + k as u64,
                                    total,
                                }));
                                break;
                            }
                            Err(e) => {
                                fail(S3Error::io("read the upload stream", None, e));
                                break;
                            }
                        }
                    }
                    if !failed.load(Ordering::SeqCst) {
                        let mut extra = [0u8; 1];
                        if matches!(read_full(reader, &mut extra), Ok(1)) {
                            fail(S3Error::InvalidInput(InputError::StreamTooLong { total }));
                        }
                    }
                    drop(tx);
                });
            }
        }
        if let Some(e) = first_error.into_inner().ok().flatten() {
            return Err(e);
        }
        let etags = etags.into_inner().unwrap_or_default();
        etags
            .into_iter()
            .enumerate()
            .map(|(i, e)| e.ok_or(S3Error::InvalidResponse(ResponseError::MissingPartEtag { part: i as u32 + 1 })))
            .collect()
    }
}

/// The CRC32C of the whole object from its parts' (each `part_size` bytes but the last),
/// without reading anything again; `None` if a part was sent without one.
fn full_object_crc32c(parts: &[PartDone], part_size: u64, total: u64) -> Option<u32> {
    let mut crc = crate::sigv4::Crc32c::checksum(&[]);
    for (i, (_, part)) in parts.iter().enumerate() {
        let len = part_size.min(total - i as u64 * part_size);
        crc = crate::sigv4::Crc32c::combine(crc, (*part)?, len);
    }
    Some(crc)
}
