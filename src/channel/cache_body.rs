//! What the channel cache hands out: a file's bytes ([`CachedBody`], with where they came
//! from), the committed body behind them ([`StoredBody`], which names its per-name index), and
//! the reader that checks a cached body's SHA-256 while it is read.

use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use sha2::{Digest, Sha256};

use super::cache_fill::temp_file;
use super::name_index::{IndexWriter, NameIndex};
use super::repodata::RepodataSummary;

/// Where a [`CachedBody`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The cache, without any request (fresh by `max-age`, or content-addressed).
    Fresh,
    /// The cache, after the server answered `304 Not Modified`.
    Revalidated,
    /// Downloaded (and stored, unless the cache is off or the answer said `no-store`).
    Downloaded,
}

/// The bytes of one channel file.
pub struct CachedBody {
    /// The file's URL.
    pub url: String,
    /// Where the bytes come from.
    pub origin: Origin,
    /// Its size, when known before reading (always, except a streamed body without
    /// `Content-Length`).
    pub size: Option<u64>,
    pub(super) reader: Box<dyn Read + Send>,
    /// The committed cache file the bytes are read from, if any (for building its index).
    pub(crate) stored: Option<StoredBody>,
    /// For a body stored while it is read ([`Delivery::Tee`](super::cache::Delivery)):
    /// where it goes, and the committed body once the last byte has been read and checked.
    pub(crate) landing: Option<Arc<Landing>>,
    /// The body's per-name index, when asked for ([`Cache::get_indexed`]) and valid.
    pub(crate) index: Option<NameIndex>,
}

/// A body committed to the cache: where it is and what it hashes to.
#[derive(Debug, Clone)]
pub(crate) struct StoredBody {
    pub(crate) dir: PathBuf,
    pub(crate) key: String,
    pub(crate) sha256: [u8; 32],
    pub(crate) size: u64,
}

impl StoredBody {
    /// `KEY.SHA256.index`.
    pub(crate) fn index_path(&self) -> PathBuf {
        self.dir.join(format!("{}.{}.index", self.key, crate::channel::hex(self.sha256)))
    }

    /// Commits `writer` as this body's index (see [`IndexWriter::finish`]).
    pub(crate) fn finish_index(&self, writer: IndexWriter, summary: &RepodataSummary) -> io::Result<()> {
        writer.finish(summary, &self.index_path(), self.sha256, self.size)
    }
}

/// Where a body received with tee delivery is committed, and the committed body once its
/// last byte has been read and checked (set by the filling reader).
#[derive(Debug)]
pub(crate) struct Landing {
    pub(crate) dir: PathBuf,
    pub(crate) key: String,
    pub(crate) landed: OnceLock<StoredBody>,
}

impl CachedBody {
    /// A writer for the per-name index of this body (`None` when it is not stored in the
    /// cache, or no temporary file can be made); commit it with [`StoredBody::finish_index`]
    /// on [`CachedBody::committed`] once the body has been read to its end.
    pub(crate) fn index_writer(&self) -> Option<IndexWriter> {
        let (dir, key) = match (&self.stored, &self.landing) {
            (Some(s), _) => (&s.dir, &s.key),
            (None, Some(l)) => (&l.dir, &l.key),
            (None, None) => return None,
        };
        let (file, tmp) = temp_file(dir, key).ok()?;
        Some(IndexWriter::new(file, tmp))
    }

    /// The committed cache body behind these bytes: known at once for a body read from the
    /// cache or received whole first, and for a tee-delivered one once it was read to its end
    /// and committed.
    pub(crate) fn committed(&self) -> Option<StoredBody> {
        self.stored.clone().or_else(|| self.landing.as_ref().and_then(|l| l.landed.get().cloned()))
    }
}

/// A cached body read without hashing it first: its SHA-256 and length are checked while it
/// is read, and a mismatch is an error from the last `read`.
pub(super) struct Verifying {
    pub(super) file: File,
    pub(super) hasher: Sha256,
    pub(super) got: u64,
    pub(super) want: ([u8; 32], u64),
    pub(super) done: bool,
}

impl Read for Verifying {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        if n > 0 {
            self.hasher.update(&buf[..n]);
            self.got += n as u64;
        } else if !self.done && !buf.is_empty() {
            self.done = true;
            let digest: [u8; 32] = std::mem::take(&mut self.hasher).finalize().into();
            if (digest, self.got) != self.want {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "the cached body is damaged"));
            }
        }
        Ok(n)
    }
}

impl std::fmt::Debug for CachedBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedBody")
            .field("url", &self.url)
            .field("origin", &self.origin)
            .field("size", &self.size)
            .field("indexed", &self.index.is_some())
            .finish()
    }
}

impl Read for CachedBody {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reader.read(buf)
    }
}
