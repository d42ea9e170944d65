//! Filling the channel cache: temporary files in the cache directory, the reader that stores
//! a body while it is received, and the commit (renames) once it is complete. The layout and
//! the rules are described in [`super::cache`].

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use super::cache::{named_body, EntryMeta, BUF, FORMAT};
use super::cache_body::{Landing, StoredBody};
use super::fetch_error::FetchError;
use super::transport::BodyMeta;

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A new temporary file in `dir` for `key` (never an existing one).
pub(super) fn temp_file(dir: &Path, key: &str) -> io::Result<(File, PathBuf)> {
    loop {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let path = dir.join(format!(".{key}.{}.{n}.{nanos}.tmp", std::process::id()));
        match OpenOptions::new().read(true).write(true).create_new(true).open(&path) {
            Ok(f) => return Ok((f, path)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Writes `KEY.json` through a temporary file and a rename.
pub(super) fn write_meta(dir: &Path, key: &str, meta: &EntryMeta) -> io::Result<()> {
    let (mut f, tmp) = temp_file(dir, key)?;
    let text = serde_json::to_vec_pretty(meta).map_err(io::Error::other)?;
    let written = f.write_all(&text).and_then(|_| fs::rename(&tmp, dir.join(format!("{key}.json"))));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// The temporary body file being written.
pub(super) struct Sink {
    writer: BufWriter<File>,
    /// The same open file, for reading it back after the rename.
    file: File,
    tmp: PathBuf,
}

impl Sink {
    pub(super) fn create(dir: &Path, key: &str) -> io::Result<Self> {
        let (file, tmp) = temp_file(dir, key)?;
        Ok(Self { writer: BufWriter::with_capacity(BUF, file.try_clone()?), file, tmp })
    }
}

/// The reader that receives a body, hashes and stores it, and commits the entry at its end.
pub(super) struct Filling {
    pub(super) upstream: Box<dyn Read + Send>,
    pub(super) url: String,
    pub(super) sink: Option<Sink>,
    pub(super) hasher: Sha256,
    pub(super) got: u64,
    pub(super) expected_len: Option<u64>,
    pub(super) expected_sha: Option<[u8; 32]>,
    /// Where and what to commit: directory, key, headers, stored time.
    pub(super) commit: Option<(PathBuf, String, BodyMeta, u64)>,
    /// After a commit: the body file, at its start, and its SHA-256.
    pub(super) done: Option<(File, [u8; 32])>,
    /// Told about the committed body (tee delivery).
    pub(super) landing: Option<Arc<Landing>>,
}

impl Filling {
    fn abandon(&mut self) {
        if let Some(s) = self.sink.take() {
            drop(s.writer);
            let _ = fs::remove_file(&s.tmp);
        }
    }

    /// At the end of the body: checks it, and commits the entry.
    fn finish(&mut self) -> io::Result<()> {
        if let Some(len) = self.expected_len.filter(|&l| l != self.got) {
            self.abandon();
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the body ended after {} of {len} bytes", self.got),
            ));
        }
        let digest: [u8; 32] = std::mem::take(&mut self.hasher).finalize().into();
        if let Some(want) = self.expected_sha.filter(|w| *w != digest) {
            self.abandon();
            return Err(io::Error::other(FetchError::DigestMismatch {
                url: self.url.clone(),
                expected: crate::channel::hex(want),
                actual: crate::channel::hex(digest),
            }));
        }
        let (Some(sink), Some((dir, key, meta, now))) = (self.sink.take(), self.commit.take()) else {
            return Ok(());
        };
        let sha = crate::channel::hex(digest);
        let body_name = format!("{key}.{sha}.body");
        let committed = (|| -> io::Result<(File, [u8; 32])> {
            let Sink { writer, mut file, tmp } = sink;
            writer.into_inner().map_err(|e| e.into_error())?;
            if let Err(e) = fs::rename(&tmp, dir.join(&body_name)) {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
            let entry = EntryMeta {
                format: FORMAT,
                url: self.url.clone(),
                etag: meta.etag,
                last_modified: meta.last_modified,
                cache_control: meta.cache_control,
                size: self.got,
                sha256: sha,
                stored_at: now,
            };
            // The body the entry named until now, removed once the new metadata is in place.
            let previous = named_body(&dir, &key).ok().flatten().filter(|p| *p != entry.sha256);
            write_meta(&dir, &key, &entry)?;
            if let Some(p) = previous.filter(|p| p.bytes().all(|b| b.is_ascii_hexdigit())) {
                let _ = fs::remove_file(dir.join(format!("{key}.{p}.body")));
                let _ = fs::remove_file(dir.join(format!("{key}.{p}.index")));
            }
            file.seek(SeekFrom::Start(0))?;
            Ok((file, digest))
        })();
        // A cache that cannot be written does not fail the fetch (the bytes were delivered).
        self.done = committed.ok();
        if let (Some(landing), Some((_, sha256))) = (&self.landing, &self.done) {
            let body = StoredBody { dir, key, sha256: *sha256, size: self.got };
            let _ = landing.landed.set(body);
        }
        Ok(())
    }
}

impl Read for Filling {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match self.upstream.read(buf) {
            Ok(n) => n,
            Err(e) => {
                self.abandon();
                return Err(e);
            }
        };
        if n == 0 {
            if self.expected_len.is_some() || self.expected_sha.is_some() || self.commit.is_some() {
                self.finish()?;
                self.expected_len = None;
                self.expected_sha = None;
            }
            return Ok(0);
        }
        self.got += n as u64;
        if let Some(len) = self.expected_len.filter(|&l| self.got > l) {
            self.abandon();
            return Err(io::Error::new(io::ErrorKind::InvalidData, format!("the body is longer than its {len} bytes")));
        }
        self.hasher.update(&buf[..n]);
        if let Some(s) = &mut self.sink {
            if s.writer.write_all(&buf[..n]).is_err() {
                self.abandon();
            }
        }
        Ok(n)
    }
}

impl Drop for Filling {
    fn drop(&mut self) {
        self.abandon();
    }
}
