//! Downloading packages: streamed from the channel into a temporary file in the target
//! directory, with the SHA-256 (or, when a record has none, the MD5) and the size from the
//! record checked while the bytes pass; the file is renamed to its name only when both match.
//! A mismatch, a short body or any error deletes the temporary file, so nothing is left
//! behind. [`download_all`] runs several downloads at once, bounded.
//!
//! Packages are not cached: a package is fetched once into the directory the caller names.

use crate::s3::TempFile;
use crate::safe_path::{self, UnsafePath};
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use md5::Md5;
use sha2::{Digest, Sha256};

use super::api_error::ChannelError;
use super::fetch_error::FetchError;
use super::open::{ensure_dir, Channel, ChannelRecord};
use super::transport::{FetchOptions, Fetched};

/// Told about the bytes of downloads as they arrive (a progress bar).
pub trait DownloadProgress: Send + Sync {
    /// `bytes` more of `filename` were received.
    fn advance(&self, filename: &str, bytes: u64);
}

fn temp_name(dir: &Path, filename: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(".{}.{}.{n}.part", crate::safe_path::temp_stem(filename), std::process::id()))
}

/// A file name that is one plain path segment (a record's key could say anything).
fn check_filename(record: &ChannelRecord) -> Result<(), ChannelError> {
    let f = record.filename.as_str();
    if f.is_empty() || f.contains(['/', '\\']) || f == "." || f == ".." || f.chars().any(char::is_control) {
        return Err(ChannelError::Fetch(FetchError::InvalidPath {
            path: f.to_owned(),
            reason: "a package file name is one path segment".into(),
        }));
    }
    Ok(())
}

impl Channel {
    /// Downloads `record` (found in this channel) into `dir` as `dir/FILENAME`, verified (see
    /// the module documentation); returns the file's path.
    pub fn download(&self, record: &ChannelRecord, dir: &Path) -> Result<PathBuf, ChannelError> {
        self.download_with(record, dir, None)
    }

    /// [`Channel::download`], reporting the bytes to `progress`.
    pub fn download_with(
        &self,
        record: &ChannelRecord,
        dir: &Path,
        progress: Option<&dyn DownloadProgress>,
    ) -> Result<PathBuf, ChannelError> {
        check_filename(record)?;
        let url = record.url.clone();
        let (sha256, md5) = (record.record.sha256, record.record.md5);
        if sha256.is_none() && md5.is_none() {
            return Err(ChannelError::NoChecksum { url });
        }
        ensure_dir(dir)?;
        let io_err = |action: &'static str, path: &Path| {
            let path = path.to_path_buf();
            move |source: io::Error| ChannelError::Io { action, path, source }
        };
        let mut body = match self.files.transport().fetch(&record.path, &FetchOptions::default())? {
            Fetched::Body(b) => b,
            Fetched::NotFound => return Err(ChannelError::PackageNotFound { url }),
            Fetched::NotModified(_) => return Err(FetchError::Status { url, status: 304 }.into()),
        };
        // The target must not be a link or a directory (never written through), and the
        // temporary file is created new (never through a link planted under its name).
        let target = safe_path::prepare(dir, &record.filename, true).map_err(|why| match why {
            UnsafePath::Io { path, source } => ChannelError::Io { action: "create the directory", path, source },
            why => {
                ChannelError::Fetch(FetchError::InvalidPath { path: record.filename.clone(), reason: why.to_string() })
            }
        })?;
        let temp_path = temp_name(dir, &record.filename);
        let file =
            File::options().write(true).create_new(true).open(&temp_path).map_err(io_err("create", &temp_path))?;
        let temp = TempFile { path: temp_path, keep: false };
        let mut out = BufWriter::with_capacity(256 * 1024, file);
        let mut sha = Sha256::new();
        let mut md = Md5::new();
        let mut buf = vec![0u8; 256 * 1024];
        let mut size = 0u64;
        loop {
            let n = match body.reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(FetchError::Read { url, source }.into()),
            };
            let chunk = &buf[..n];
            if sha256.is_some() {
                sha.update(chunk);
            } else {
                md.update(chunk);
            }
            out.write_all(chunk).map_err(io_err("write", &temp.path))?;
            size += n as u64;
            if let Some(p) = progress {
                p.advance(&record.filename, n as u64);
            }
        }
        let file = out.into_inner().map_err(|e| io_err("write", &temp.path)(e.into_error()))?;
        file.sync_all().map_err(io_err("write", &temp.path))?;
        drop(file);
        if let Some(expected) = record.record.size {
            if expected != size {
                return Err(ChannelError::SizeMismatch { url, expected, actual: size });
            }
        }
        match (sha256, md5) {
            (Some(want), _) => {
                let got: [u8; 32] = sha.finalize().into();
                if got != want {
                    return Err(ChannelError::ChecksumMismatch {
                        url,
                        algorithm: "sha256",
                        expected: crate::channel::hex(want),
                        actual: crate::channel::hex(got),
                    });
                }
            }
            (None, Some(want)) => {
                let got: [u8; 16] = md.finalize().into();
                if got != want {
                    return Err(ChannelError::ChecksumMismatch {
                        url,
                        algorithm: "md5",
                        expected: crate::channel::hex(want),
                        actual: crate::channel::hex(got),
                    });
                }
            }
            (None, None) => unreachable!("checked above"),
        }
        std::fs::rename(&temp.path, &target).map_err(io_err("rename into place", &target))?;
        let mut temp = temp;
        temp.keep = true;
        Ok(target)
    }
}

/// Downloads every `(channel, record)` into `dir`, at most `max_parallel` at a time (at least
/// one). Returns one result per item, in the order given; a failure does not stop the others.
pub fn download_all(
    items: &[(&Channel, &ChannelRecord)],
    dir: &Path,
    max_parallel: usize,
    progress: Option<&dyn DownloadProgress>,
) -> Vec<Result<PathBuf, ChannelError>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<PathBuf, ChannelError>>>> =
        Mutex::new((0..items.len()).map(|_| None).collect());
    let workers = max_parallel.max(1).min(items.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((channel, record)) = items.get(i) else { break };
                let r = channel.download_with(record, dir, progress);
                if let Ok(mut all) = results.lock() {
                    all[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                Err(ChannelError::Io {
                    action: "download into",
                    path: dir.to_path_buf(),
                    source: io::Error::other("a download thread failed"),
                })
            })
        })
        .collect()
}
