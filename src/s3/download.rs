//! Downloads to a file: into a temporary file next to the target, renamed only when every
//! byte arrived and the size matches, and the CRC32C the server stored (whole-object or
//! composite, see [`DownloadResult::crc32c_checked`]) or, where the first answer carries no
//! whole-object CRC32C, the MD5 (when the ETag is a plain MD5 and the object came in one
//! stream: parallel ranges are not read back to hash them). Large objects
//! are fetched as parallel ranges; a body cut mid-way resumes with a `Range` request pinned by
//! `If-Match` to the first response's ETag, so bytes are never spliced from two versions.
//! With [`ClientConfig::sync_downloads`](super::ClientConfig::sync_downloads) the file is also
//! flushed to disk (`fsync`) before the rename, so a power loss cannot leave a short file under
//! the final name; it is off by default (curl and the AWS CLI do not either, and it costs about
//! 0.3 s per GiB here).

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::client::Client;
use super::error::{InputError, IntegrityError, ResponseError, S3Error};
use super::get::{ByteRange, GetObject, GetOptions, ObjectMeta};
use md5::{Digest, Md5};

use super::checksum::{composite_crc32c, crc32c_header, parse_composite_crc32c, parse_crc32c_header, Piece, PieceCrcs};
use super::preallocate::preallocate;
use super::request::check_key;
use crate::sigv4::encode::to_hex;
use crate::sigv4::Crc32c;

/// Bytes read from the connection before each write to the file.
const WRITE_BUFFER: usize = 256 * 1024;

/// What a download did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadResult {
    /// The object's metadata (from the first response).
    pub meta: ObjectMeta,
    /// Bytes written.
    pub bytes: u64,
    /// Ranged requests made (1 for a small object).
    pub requests: u32,
    /// How many times an interrupted body was resumed.
    pub resumes: u32,
    /// Whether the content was checked against an MD5 ETag: only for an object that arrived in
    /// one stream, and whose first answer carried no whole-object CRC32C (that one is checked
    /// instead, in a fraction of the time). Objects fetched as several ranges are not read
    /// back for it; their size is checked and every range is pinned to the first response's
    /// ETag with `If-Match`.
    pub md5_checked: bool,
    /// Whether the content was checked against the CRC32C the server stored with the object
    /// (`x-amz-checksum-mode: ENABLED`): the CRC32C of every 1 MiB piece as it was written,
    /// combined (a full-object checksum), or combined per part and hashed again (a composite
    /// checksum `…-N` of a multipart upload, whose part size comes from a HEAD of its first
    /// and last parts). Not for objects stored without one, nor composite checksums whose
    /// parts are not all one size, nor a whole number of MiB.
    pub crc32c_checked: bool,
}

/// A temporary file, removed on drop unless kept (also the channel layer's package downloads).
pub(crate) struct TempFile {
    pub(crate) path: PathBuf,
    pub(crate) keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

pub(crate) fn temp_path(dest: &Path) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "download".into());
    let n = N.fetch_add(1, Ordering::Relaxed);
    let name = crate::safe_path::temp_stem(&name);
    dest.with_file_name(format!(".{name}.minis3-{}-{n}.part", std::process::id()))
}

struct Shared<'a> {
    client: &'a Client,
    bucket: &'a str,
    key: &'a str,
    etag: Option<String>,
    path: &'a Path,
    resumes: AtomicU32,
    requests: AtomicU32,
    /// Bytes written to the file so far (its length says nothing once space was reserved).
    written: AtomicU64,
}

impl Shared<'_> {
    fn get(&self, pos: u64, end: u64) -> Result<GetObject, S3Error> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let opts = GetOptions {
            range: Some(ByteRange::Inclusive(pos, end)),
            if_match: self.etag.clone(),
            bulk_read: true,
            ..Default::default()
        };
        let obj = self.client.get_object(self.bucket, self.key, &opts).map_err(|e| {
            if e.code() == Some("PreconditionFailed") {
                S3Error::Integrity(IntegrityError::Changed {
                    bucket: self.bucket.to_string(),
                    key: self.key.to_string(),
                    etag: self.etag.clone(),
                })
            } else {
                e
            }
        })?;
        match obj.meta.range {
            Some((a, _, _)) if a == pos => Ok(obj),
            _ => {
                Err(S3Error::InvalidResponse(ResponseError::WrongRange { first: pos, last: end, got: obj.meta.range }))
            }
        }
    }

    /// Writes bytes `pos..=end` into `file` through `buf`, starting from `first` if given;
    /// resumes an interrupted body (up to `max_attempts` times in a row without progress).
    fn fetch(
        &self,
        file: &mut File,
        buf: &mut [u8],
        (mut pos, end): (u64, u64),
        first: Option<GetObject>,
        mut md5: Option<&mut Md5>,
        mut crc: Option<&mut PieceCrcs>,
    ) -> Result<(), S3Error> {
        let mut body = match first {
            Some(b) => b,
            None => self.get(pos, end)?,
        };
        let mut stalls = 0u32;
        loop {
            file.seek(SeekFrom::Start(pos)).map_err(|e| S3Error::io("seek in", Some(self.path.to_owned()), e))?;
            let before = pos;
            // Reads fill the buffer before it is written: a socket read hands over what has
            // arrived (often well under 1 MiB), and fewer, larger writes cost the page cache less.
            let mut filled = 0usize;
            let outcome = loop {
                let left = (end + 1 - pos) as usize - filled;
                let want = (buf.len() - filled).min(left);
                let read = if want == 0 { Ok(0) } else { body.read(&mut buf[filled..filled + want]) };
                let (flush, result) = match read {
                    Ok(0) if left == 0 => (true, Some(Ok(()))),
                    Ok(0) => (
                        true,
                        Some(Err(format!("the connection ended at byte {} of {}", pos + filled as u64, end + 1))),
                    ),
                    Ok(n) => {
                        filled += n;
                        (filled == buf.len() || filled == (end + 1 - pos) as usize, None)
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => (false, None),
                    Err(e) => (true, Some(Err(e.to_string()))),
                };
                if flush && filled > 0 {
                    let data = &buf[..filled];
                    file.write_all(data).map_err(|e| S3Error::io("write", Some(self.path.to_owned()), e))?;
                    if let Some(p) = &self.client.cfg.progress {
                        p.advance(filled as u64);
                    }
                    if let Some(h) = md5.as_deref_mut() {
                        h.update(data);
                    }
                    if let Some(c) = crc.as_deref_mut() {
                        c.update(data);
                    }
                    pos += filled as u64;
                    self.written.fetch_add(filled as u64, Ordering::Relaxed);
                    filled = 0;
                }
                if let Some(r) = result {
                    break r;
                }
            };
            if outcome.is_ok() {
                // Read to the end of the body so the connection goes back to the pool.
                let _ = body.read(&mut [0u8; 1]);
            }
            match outcome {
                Ok(()) => return Ok(()),
                Err(why) => {
                    stalls = if pos > before { 1 } else { stalls + 1 };
                    if stalls >= self.client.cfg.max_attempts.max(2) {
                        return Err(S3Error::Integrity(IntegrityError::Stalled {
                            bucket: self.bucket.to_string(),
                            key: self.key.to_string(),
                            position: pos,
                            why: why.to_string(),
                        }));
                    }
                    self.client.notice(&format!(
                        "download of s3://{}/{} interrupted at byte {pos} ({why}); resuming",
                        self.bucket, self.key
                    ));
                    self.resumes.fetch_add(1, Ordering::Relaxed);
                    if stalls > 1 {
                        self.client.cfg.sleeper.sleep(self.client.cfg.backoff.delay(stalls - 1));
                    }
                    body = self.get(pos, end)?;
                }
            }
        }
    }
}

impl Client {
    /// How many parallel range streams a download uses after its first range: enough streams
    /// at the first range's rate to reach [`ClientConfig::target_throughput`], at least 2 and
    /// at most [`ClientConfig::concurrency`]. Each stream costs CPU and memory, and a server
    /// that sends one stream fast gains nothing from eight (SeaweedFS on loopback), while one
    /// that sends each stream slowly needs them all (s3s-fs, S3 over a WAN).
    ///
    /// [`ClientConfig::target_throughput`]: super::ClientConfig::target_throughput
    /// [`ClientConfig::concurrency`]: super::ClientConfig::concurrency
    fn download_streams(&self, first_bytes: u64, first_took: Duration) -> usize {
        let max = self.cfg.concurrency.max(1);
        let target = self.cfg.target_throughput;
        if target == 0 {
            return max;
        }
        let rate = first_bytes as f64 / first_took.as_secs_f64().max(1e-6);
        let needed = (target as f64 / rate).ceil() as usize;
        needed.clamp(2.min(max), max)
    }

    /// Downloads `bucket/key` to the file `dest` (replaced if it exists). See the module
    /// documentation for the guarantees. `dest` must not be a directory and its directory must
    /// exist and be writable.
    ///
    /// A CRC32C mismatch (see [`DownloadResult::crc32c_checked`]) is retried once from
    /// scratch: a corruption on the way is rarely repeated, one in storage always is, and the
    /// second failure says so.
    pub fn download_to_file(&self, bucket: &str, key: &str, dest: &Path) -> Result<DownloadResult, S3Error> {
        self.download_listed(bucket, key, dest, None)
    }

    /// [`download_to_file`](Self::download_to_file) of an object whose size a listing gave
    /// (`listed_size`). One no larger than the part size is asked for whole, without a
    /// `Range`: servers send the CRC32C they stored only with a whole object (SeaweedFS,
    /// AWS), and with it the content is checked by CRC32C instead of the far slower MD5. An
    /// object that has grown since the listing still arrives whole, in one stream.
    pub fn download_listed(
        &self,
        bucket: &str,
        key: &str,
        dest: &Path,
        listed_size: Option<u64>,
    ) -> Result<DownloadResult, S3Error> {
        let whole = listed_size.is_some_and(|n| n <= self.cfg.part_size);
        match self.download_once(bucket, key, dest, whole) {
            Err(S3Error::Integrity(IntegrityError::Checksum { got, want, .. })) => {
                self.notice(&format!(
                    "download of s3://{bucket}/{key}: CRC32C {got} of the bytes received, the server stored \
                     {want}; downloading it again"
                ));
                self.download_once(bucket, key, dest, whole)
            }
            other => other,
        }
    }

    /// One attempt; `whole`: the first request asks for the whole object, not its first part.
    fn download_once(&self, bucket: &str, key: &str, dest: &Path, whole: bool) -> Result<DownloadResult, S3Error> {
        check_key(bucket, key)?;
        if dest.is_dir() {
            return Err(S3Error::InvalidInput(InputError::DestinationIsDirectory {
                dest: dest.to_path_buf(),
                suggested_name: key.rsplit('/').next().unwrap_or(key).to_owned(),
            }));
        }
        if dest.file_name().is_none() {
            return Err(S3Error::InvalidInput(InputError::DestinationNotAFile(dest.to_path_buf())));
        }
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(S3Error::InvalidInput(InputError::NoSuchDirectory(dir.clone())));
        }
        // Ask first: a missing object should not leave even an empty temporary file behind.
        let verify = self.verify_checksums();
        let chunk = self.cfg.part_size;
        let started = Instant::now();
        let whole_object = GetOptions { bulk_read: true, checksum_mode: verify, ..Default::default() };
        let first = if whole {
            self.get_object(bucket, key, &whole_object)?
        } else {
            let first_part = GetOptions { range: Some(ByteRange::Inclusive(0, chunk - 1)), ..whole_object.clone() };
            match self.get_object(bucket, key, &first_part) {
                Err(e) if e.code() == Some("InvalidRange") => self.get_object(bucket, key, &whole_object)?,
                other => other?,
            }
        };
        let meta = first.meta.clone();
        let total = meta.size;
        let tmp_path = temp_path(dest);
        let mut tmp = TempFile { path: tmp_path.clone(), keep: false };
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp_path)
            .map_err(|e| S3Error::io("create the temporary file", Some(tmp_path.clone()), e))?;
        preallocate(&file, total)
            .map_err(|e| S3Error::io(format!("reserve {total} bytes for"), Some(tmp_path.clone()), e))?;
        let shared = Shared {
            client: self,
            bucket,
            key,
            etag: meta.etag.clone(),
            path: &tmp_path,
            resumes: AtomicU32::new(0),
            requests: AtomicU32::new(1),
            written: AtomicU64::new(0),
        };
        let first_end = match meta.range {
            Some((_, last, _)) => last,
            None => total.saturating_sub(1),
        };
        let want_md5 = meta.etag_md5();
        let sequential = first_end + 1 >= total;
        // One check of the content is enough: the whole-object CRC32C the server stored, when
        // its first answer carries one (computed in hardware, many times faster than MD5, and
        // what the AWS SDKs check), else the ETag's MD5.
        let stored_crc = verify && meta.checksum_crc32c.as_deref().and_then(parse_crc32c_header).is_some();
        let mut hasher = (want_md5.is_some() && sequential && !stored_crc).then(Md5::new);
        // The CRC32C is computed only where there will be a stored one to compare it with (see
        // `check_crc32c`: from this answer, or from a HEAD).
        let crc_wanted = verify && (meta.checksum_crc32c.is_some() || self.head_for_checksum() || !sequential);
        // An object that comes in one piece needs no larger buffer than itself (many small
        // downloads at once would otherwise each hold a whole one).
        let first_buffer = if sequential { (total as usize).clamp(1, WRITE_BUFFER) } else { WRITE_BUFFER };
        let mut buf = vec![0u8; first_buffer];
        // The CRC32C of every piece of every range, combined in order at the end.
        let crcs: Mutex<Vec<Piece>> = Mutex::new(Vec::new());
        let mut first_crc = crc_wanted.then(|| PieceCrcs::new(0));
        if total > 0 {
            shared.fetch(&mut file, &mut buf, (0, first_end), Some(first), hasher.as_mut(), first_crc.as_mut())?;
            if let (Some(c), Ok(mut v)) = (first_crc, crcs.lock()) {
                v.extend(c.finish());
            }
        } else {
            drop(first);
        }
        if !sequential {
            let ranges: Vec<(u64, u64)> =
                (first_end + 1..total).step_by(chunk as usize).map(|a| (a, (a + chunk - 1).min(total - 1))).collect();
            let next = AtomicU64::new(0);
            let failed = AtomicBool::new(false);
            let error: Mutex<Option<S3Error>> = Mutex::new(None);
            let took = started.elapsed();
            let workers = self.download_streams(first_end + 1, took).min(ranges.len());
            self.notice(&format!(
                "download of s3://{bucket}/{key}: the first {} bytes took {} ms; {workers} streams for the rest",
                first_end + 1,
                took.as_millis()
            ));
            // One write buffer per stream, the first range's among them.
            let buffers = std::iter::once(buf).chain(std::iter::repeat_with(|| vec![0u8; WRITE_BUFFER]));
            std::thread::scope(|s| {
                for mut buf in buffers.take(workers) {
                    let (next, failed, error, ranges, shared, tmp_path, crcs) =
                        (&next, &failed, &error, &ranges, &shared, &tmp_path, &crcs);
                    s.spawn(move || {
                        let fail = |e: S3Error| {
                            failed.store(true, Ordering::SeqCst);
                            if let Ok(mut slot) = error.lock() {
                                slot.get_or_insert(e);
                            }
                        };
                        let mut f = match OpenOptions::new().write(true).open(tmp_path) {
                            Ok(f) => f,
                            Err(e) => return fail(S3Error::io("open", Some(tmp_path.to_path_buf()), e)),
                        };
                        loop {
                            let i = next.fetch_add(1, Ordering::SeqCst) as usize;
                            if i >= ranges.len() || failed.load(Ordering::SeqCst) {
                                return;
                            }
                            let (a, b) = ranges[i];
                            let mut crc = crc_wanted.then(|| PieceCrcs::new(a));
                            if let Err(e) = shared.fetch(&mut f, &mut buf, (a, b), None, None, crc.as_mut()) {
                                return fail(e);
                            }
                            if let (Some(c), Ok(mut v)) = (crc, crcs.lock()) {
                                v.extend(c.finish());
                            }
                        }
                    });
                }
            });
            if let Some(e) = error.into_inner().ok().flatten() {
                return Err(e);
            }
        }
        file.flush().map_err(|e| S3Error::io("write", Some(tmp_path.clone()), e))?;
        let written = shared.written.load(Ordering::SeqCst);
        let length = file.metadata().map_err(|e| S3Error::io("read", Some(tmp_path.clone()), e))?.len();
        if written != total || length != total {
            return Err(S3Error::Integrity(IntegrityError::Written { written, file: length, object: total }));
        }
        let crc32c_checked = if crc_wanted {
            self.check_crc32c(bucket, key, dest, &meta, crcs.into_inner().unwrap_or_default(), (total, sequential))?
        } else {
            false
        };
        // The MD5 is checked only when the bytes arrived in one stream (hashed as they were
        // written); ranges are not read back for it: the size check above and the `If-Match`
        // pinning to the first response's ETag cover them, as with the AWS CLI.
        let mut md5_checked = false;
        if let (Some(want), Some(h)) = (want_md5, hasher) {
            let got = to_hex(&h.finalize());
            if got != want {
                return Err(S3Error::Integrity(IntegrityError::Md5 {
                    got,
                    want: want.to_string(),
                    dest: dest.to_path_buf(),
                }));
            }
            md5_checked = true;
        }
        if self.cfg.sync_downloads {
            file.sync_all().map_err(|e| S3Error::io("write", Some(tmp_path.clone()), e))?;
        }
        drop(file);
        std::fs::rename(&tmp_path, dest)
            .map_err(|e| S3Error::io(format!("rename {} to", tmp_path.display()), Some(dest.to_owned()), e))?;
        tmp.keep = true;
        Ok(DownloadResult {
            meta,
            bytes: total,
            requests: shared.requests.load(Ordering::Relaxed),
            resumes: shared.resumes.load(Ordering::Relaxed),
            md5_checked,
            crc32c_checked,
        })
    }

    /// Compares the CRC32C of the bytes received (combined from their pieces) with the stored
    /// one (from the first answer, or from a HEAD where ranged answers carry none); a
    /// composite one (`…-N`) with the parts' CRC32Cs rebuilt from the pieces. `false` when
    /// there is none to compare, or the parts cannot be rebuilt.
    #[allow(clippy::too_many_arguments)]
    fn check_crc32c(
        &self,
        bucket: &str,
        key: &str,
        dest: &Path,
        meta: &ObjectMeta,
        mut crcs: Vec<Piece>,
        (total, sequential): (u64, bool),
    ) -> Result<bool, S3Error> {
        // Servers send no checksum with a partial range (AWS, s3s-fs): a parallel download
        // asks with one HEAD, pinned to the ETag (small against the 8 MiB ranges).
        let stored = match &meta.checksum_crc32c {
            Some(v) => Some(v.clone()),
            None if self.head_for_checksum() || !sequential => {
                self.head_object_checksum(bucket, key, meta.etag.as_deref())?.checksum_crc32c
            }
            None => None,
        };
        let Some(stored) = stored else { return Ok(false) };
        crcs.sort_unstable();
        let mut got = Crc32c::checksum(&[]);
        let mut next = 0u64;
        for &(start, len, crc) in &crcs {
            if start != next {
                return Err(S3Error::InvalidResponse(ResponseError::RangeWithoutChecksum { start }));
            }
            got = Crc32c::combine(got, crc, len);
            next = start + len;
        }
        if next != total {
            return Err(S3Error::InvalidResponse(ResponseError::ChecksumCoverage { covered: next, total }));
        }
        let got = if parse_crc32c_header(&stored).is_some() {
            crc32c_header(got)
        } else if let Some((_, n)) = parse_composite_crc32c(&stored) {
            let Some(part_size) = self.uniform_part_size(bucket, key, meta.etag.as_deref(), n, total)? else {
                return Ok(false);
            };
            match composite_crc32c(&crcs, part_size, total) {
                Some(c) => format!("{}-{n}", crc32c_header(c)),
                None => return Ok(false),
            }
        } else {
            return Ok(false);
        };
        if got != stored.trim() {
            return Err(S3Error::Integrity(IntegrityError::Checksum {
                bucket: bucket.to_owned(),
                key: key.to_owned(),
                got,
                want: stored,
                dest: dest.to_owned(),
            }));
        }
        Ok(true)
    }

    /// The part size of an object uploaded in `parts` parts of one size (the last shorter),
    /// as every known client cuts them: HEAD of part 1 (its length), checked against the
    /// object's size and the length of the last part (a second HEAD). `None` when the parts
    /// are not of one size (their boundaries are then unknown) or the server does not answer
    /// part HEADs.
    fn uniform_part_size(
        &self,
        bucket: &str,
        key: &str,
        etag: Option<&str>,
        parts: u64,
        total: u64,
    ) -> Result<Option<u64>, S3Error> {
        let Some(first) = self.head_part_length(bucket, key, etag, 1)? else { return Ok(None) };
        if first == 0 || (parts - 1) * first >= total || parts * first < total {
            return Ok(None);
        }
        if parts > 1 && self.head_part_length(bucket, key, etag, parts)? != Some(total - (parts - 1) * first) {
            return Ok(None);
        }
        Ok(Some(first))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Auth, ClientConfig};
    use super::*;

    fn client(concurrency: usize, target_throughput: u64) -> Client {
        let mut cfg = ClientConfig::new("us-east-1", Auth::keys("AKID", "SECRET"));
        cfg.endpoint_url = Some("http://127.0.0.1:9".into());
        cfg.concurrency = concurrency;
        cfg.target_throughput = target_throughput;
        Client::new(cfg).unwrap()
    }

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn streams_follow_the_first_range_rate() {
        let c = client(8, 1_250_000_000);
        // 8 MiB in 10 ms: ~840 MB/s, two streams reach the target.
        assert_eq!(c.download_streams(8 * MIB, Duration::from_millis(10)), 2);
        // 8 MiB in 80 ms: ~105 MB/s, twelve would be needed; capped at the concurrency.
        assert_eq!(c.download_streams(8 * MIB, Duration::from_millis(80)), 8);
        // 8 MiB in 25 ms: ~335 MB/s, four streams.
        assert_eq!(c.download_streams(8 * MIB, Duration::from_millis(25)), 4);
        // Instantly: still two, never one.
        assert_eq!(c.download_streams(8 * MIB, Duration::ZERO), 2);
    }

    #[test]
    fn no_target_means_all_streams_and_concurrency_bounds_everything() {
        assert_eq!(client(8, 0).download_streams(8 * MIB, Duration::from_millis(1)), 8);
        assert_eq!(client(1, 1_250_000_000).download_streams(8 * MIB, Duration::from_millis(1)), 1);
        assert_eq!(client(3, 1_250_000_000).download_streams(8 * MIB, Duration::from_secs(10)), 3);
    }
}
