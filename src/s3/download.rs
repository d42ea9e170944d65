//! Downloads to a file: into a temporary file next to the target, renamed only when every
//! byte arrived and the size matches (and the MD5, when the ETag is a plain MD5 and the object
//! came in one stream: parallel ranges are not read back to hash them). Large objects
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

use super::client::Client;
use super::error::S3Error;
use super::get::{check_key, ByteRange, GetObject, GetOptions, ObjectMeta};
use super::md5::Md5;

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
    /// one stream. Objects fetched as several ranges are not read back for it; their size is
    /// checked and every range is pinned to the first response's ETag with `If-Match`.
    pub md5_checked: bool,
}

/// The temporary file; removed on drop unless persisted.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn temp_path(dest: &Path) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "download".into());
    let n = N.fetch_add(1, Ordering::Relaxed);
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
}

impl Shared<'_> {
    fn get(&self, pos: u64, end: u64) -> Result<GetObject, S3Error> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let opts = GetOptions {
            range: Some(ByteRange::Inclusive(pos, end)),
            if_match: self.etag.clone(),
            ..Default::default()
        };
        let obj = self.client.get_object(self.bucket, self.key, &opts).map_err(|e| {
            if e.code() == Some("PreconditionFailed") {
                S3Error::Integrity(format!(
                    "s3://{}/{} changed while it was being downloaded (its ETag is no longer {}); try again",
                    self.bucket,
                    self.key,
                    self.etag.as_deref().unwrap_or("?")
                ))
            } else {
                e
            }
        })?;
        match obj.meta.range {
            Some((a, _, _)) if a == pos => Ok(obj),
            _ => Err(S3Error::InvalidResponse(format!("asked for bytes {pos}-{end}, got {:?}", obj.meta.range))),
        }
    }

    /// Writes bytes `pos..=end` into `file`, starting from `first` if given; resumes an
    /// interrupted body (up to `max_attempts` times in a row without progress).
    fn fetch(
        &self,
        file: &mut File,
        mut pos: u64,
        end: u64,
        first: Option<GetObject>,
        mut md5: Option<&mut Md5>,
    ) -> Result<(), S3Error> {
        let mut body = match first {
            Some(b) => b,
            None => self.get(pos, end)?,
        };
        let mut buf = vec![0u8; 256 * 1024];
        let mut stalls = 0u32;
        loop {
            file.seek(SeekFrom::Start(pos)).map_err(|e| S3Error::io("seek in", Some(self.path.to_owned()), e))?;
            let before = pos;
            // Reads fill the buffer before it is written: the socket hands over ~40 KiB at a
            // time, and fewer, larger writes cost the page cache less.
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
                    pos += filled as u64;
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
                        return Err(S3Error::Integrity(format!(
                            "download of s3://{}/{} kept failing at byte {pos}: {why}",
                            self.bucket, self.key
                        )));
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
    /// Downloads `bucket/key` to the file `dest` (replaced if it exists). See the module
    /// documentation for the guarantees. `dest` must not be a directory and its directory must
    /// exist and be writable.
    pub fn download_to_file(&self, bucket: &str, key: &str, dest: &Path) -> Result<DownloadResult, S3Error> {
        check_key(bucket, key)?;
        if dest.is_dir() {
            return Err(S3Error::InvalidInput(format!(
                "{} is a directory: give the file to write (e.g. {}/{})",
                dest.display(),
                dest.display(),
                key.rsplit('/').next().unwrap_or(key)
            )));
        }
        if dest.file_name().is_none() {
            return Err(S3Error::InvalidInput(format!("{} does not name a file", dest.display())));
        }
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(S3Error::InvalidInput(format!("the directory {} does not exist", dir.display())));
        }
        // Ask first: a missing object should not leave even an empty temporary file behind.
        let chunk = self.cfg.part_size;
        let first = self.get_object(
            bucket,
            key,
            &GetOptions { range: Some(ByteRange::Inclusive(0, chunk - 1)), ..Default::default() },
        );
        let first = match first {
            Err(e) if e.code() == Some("InvalidRange") => self.get_object(bucket, key, &GetOptions::default())?,
            other => other?,
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
        let shared = Shared {
            client: self,
            bucket,
            key,
            etag: meta.etag.clone(),
            path: &tmp_path,
            resumes: AtomicU32::new(0),
            requests: AtomicU32::new(1),
        };
        let first_end = match meta.range {
            Some((_, last, _)) => last,
            None => total.saturating_sub(1),
        };
        let want_md5 = meta.etag_md5();
        let sequential = first_end + 1 >= total;
        let mut hasher = (want_md5.is_some() && sequential).then(Md5::new);
        if total > 0 {
            shared.fetch(&mut file, 0, first_end, Some(first), hasher.as_mut())?;
        } else {
            drop(first);
        }
        if !sequential {
            let ranges: Vec<(u64, u64)> =
                (first_end + 1..total).step_by(chunk as usize).map(|a| (a, (a + chunk - 1).min(total - 1))).collect();
            let next = AtomicU64::new(0);
            let failed = AtomicBool::new(false);
            let error: Mutex<Option<S3Error>> = Mutex::new(None);
            let workers = self.cfg.concurrency.min(ranges.len()).max(1);
            std::thread::scope(|s| {
                for _ in 0..workers {
                    s.spawn(|| {
                        let fail = |e: S3Error| {
                            failed.store(true, Ordering::SeqCst);
                            if let Ok(mut slot) = error.lock() {
                                slot.get_or_insert(e);
                            }
                        };
                        let mut f = match OpenOptions::new().write(true).open(&tmp_path) {
                            Ok(f) => f,
                            Err(e) => return fail(S3Error::io("open", Some(tmp_path.clone()), e)),
                        };
                        loop {
                            let i = next.fetch_add(1, Ordering::SeqCst) as usize;
                            if i >= ranges.len() || failed.load(Ordering::SeqCst) {
                                return;
                            }
                            let (a, b) = ranges[i];
                            if let Err(e) = shared.fetch(&mut f, a, b, None, None) {
                                return fail(e);
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
        let written = file.metadata().map_err(|e| S3Error::io("read", Some(tmp_path.clone()), e))?.len();
        if written != total {
            return Err(S3Error::Integrity(format!("wrote {written} bytes, the object has {total}")));
        }
        // The MD5 is checked only when the bytes arrived in one stream (hashed as they were
        // written); ranges are not read back for it: the size check above and the `If-Match`
        // pinning to the first response's ETag cover them, as with the AWS CLI.
        let mut md5_checked = false;
        if let (Some(want), Some(h)) = (want_md5, hasher) {
            let got = h.hex();
            if got != want {
                return Err(S3Error::Integrity(format!(
                    "the downloaded bytes have MD5 {got}, the ETag says {want}; nothing was written to {}",
                    dest.display()
                )));
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
        })
    }
}
