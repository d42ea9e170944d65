//! The channel cache: channel files kept in the user cache directory, revalidated with
//! `If-None-Match` / `If-Modified-Since`, never trusted when damaged.
//!
//! # Layout
//! `$XDG_CACHE_HOME/minis3/channel/` (else `$HOME/.cache/minis3/channel/`), one entry per file
//! URL, named by `KEY` = the first 32 hex digits of SHA-256(transport identity, `\n`, URL)
//! (the identity is an `s3://` channel's endpoint, region and addressing style, so one bucket
//! name on two servers gets two entries):
//! - `KEY.json`: the metadata (format version, URL, ETag, Last-Modified, Cache-Control, size,
//!   SHA-256 of the body, the time it was stored or last revalidated, from the injected clock);
//! - `KEY.SHA256.body`: the body, named by its own SHA-256, so a metadata file always names
//!   the body it was written with;
//! - `KEY.SHA256.index`: for repodata bodies, the per-name index of its records, written
//!   while the body is first parsed ([`super::name_index`]), named by the body it was built
//!   from and checked against it.
//!
//! # Writing
//! A body is written to a temporary file in the same directory while it is received, then,
//! only once it has been received completely (its length equal to `Content-Length` when the
//! server sent one, and its SHA-256 equal to the expected digest for content-addressed files),
//! renamed to `KEY.SHA256.body`; then the metadata is written to a temporary file and renamed
//! to `KEY.json`; then the body the old metadata named is removed. Renames are atomic, so two
//! processes filling one entry at once leave one of their two complete entries (no `fsync`:
//! after a power loss an entry may be damaged, which the reading rules below catch).
//! A repodata file fetched for a query ([`Cache::get_indexed`]) is handed to the query while
//! it is received (tee delivery): the query scans it, and writes its index, in the same pass;
//! the body is committed when its last byte has been read and checked, and the index after
//! it, named by the body's SHA-256 then known.
//!
//! # Reading
//! An entry is used only if its metadata parses, names the same URL, and its body file has
//! the recorded size and SHA-256 (the whole file is hashed each time it is used: about 6 ms
//! for 10 MB). Anything else is dropped (all its files removed) and the file fetched again.
//! A query that reads through the index ([`Cache::get_indexed`]) does not hash the body: it
//! checks the body's size, the index's header and table checksums, and the checksum of each
//! block of records it reads; the body it is handed then checks its SHA-256 while it is read
//! and fails at its end if it differs.
//!
//! # Freshness (what rattler does, and what we chose)
//! rattler keeps an `http-cache-semantics` policy per file: a response is fresh for its
//! `max-age`, and without `Cache-Control` for a heuristic 10 % of the time since its
//! `Last-Modified`. minis3 honours `max-age` the same way (an entry stored less than
//! `max-age` seconds ago is used without any request; `no-cache`, `no-store` and
//! `must-revalidate` without `max-age` mean revalidate), but has no heuristic freshness:
//! without `max-age` every use revalidates, with one conditional request answered `304`,
//! so a channel without `Cache-Control` shows an upload at once. A `304` restarts the
//! freshness period. `no-store` bodies are not kept. Content-addressed files (shards, named by
//! their SHA-256) are used without any request once their digest matches, whatever their
//! headers.
//!
//! [`CacheMode::Refresh`] (`--no-cache`) never answers from the cache and sends no validators,
//! but stores what it downloads; [`CacheMode::Off`] neither reads nor writes.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub(crate) use super::cache_body::StoredBody;
pub use super::cache_body::{CachedBody, Origin};
use super::cache_body::{Landing, Verifying};
use super::cache_fill::{write_meta, Filling, Sink};
use super::fetch_error::FetchError;
use super::name_index::NameIndex;
use super::transport::{BodyMeta, CacheControl, FetchOptions, Fetched, Transport, Validators};
use crate::clock::Clock;
use crate::config::env::Environment;

/// The format version written in every metadata file; other versions are dropped.
pub(super) const FORMAT: u32 = 1;
/// Read and hash buffer.
pub(super) const BUF: usize = 256 * 1024;

/// How the cache is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CacheMode {
    /// Read fresh entries, revalidate stale ones, store new bodies.
    #[default]
    Normal,
    /// Never answer from the cache, send no validators, store what is downloaded (`--no-cache`).
    Refresh,
    /// Neither read nor write (no cache directory).
    Off,
}

/// How a fetched body reaches the caller.
///
/// Measured on this (shared, loaded) 2-core machine, 80 MiB from SeaweedFS on 127.0.0.1,
/// best of 3, release build: file first 680-860 ms, tee 640-1140 ms, no cache 425-635 ms;
/// the spread between runs was larger than the difference, so [`Delivery::FileFirst`] is the
/// default: its errors (short body, wrong digest) come from the fetch itself, before the
/// caller has parsed anything. Both keep memory constant (256 KiB buffers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delivery {
    /// Received completely into the cache file first (length and digest checked, so errors
    /// are returned by the fetch itself), then read from that file.
    #[default]
    FileFirst,
    /// Handed to the caller while it is received, written to the cache file on the way; the
    /// entry is committed when the caller reads to the end, and a short or wrong body is an
    /// error from the reader's last `read`.
    Tee,
}

/// The metadata file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(super) struct EntryMeta {
    pub(super) format: u32,
    pub(super) url: String,
    pub(super) etag: Option<String>,
    pub(super) last_modified: Option<String>,
    pub(super) cache_control: Option<String>,
    pub(super) size: u64,
    pub(super) sha256: String,
    /// Seconds since the Unix epoch, when stored or last revalidated.
    pub(super) stored_at: u64,
}

/// The channel cache (see the module documentation). Cheap to clone.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: Option<PathBuf>,
    clock: Arc<dyn Clock>,
    mode: CacheMode,
    delivery: Delivery,
}

impl Cache {
    /// `$XDG_CACHE_HOME/minis3/channel` (an absolute `XDG_CACHE_HOME` only, as the XDG rules
    /// say), else `$HOME/.cache/minis3/channel`; `None` without either.
    pub fn user_dir(env: &Environment) -> Option<PathBuf> {
        if let Some(x) = env.non_empty("XDG_CACHE_HOME").map(PathBuf::from).filter(|p| p.is_absolute()) {
            return Some(x.join("minis3").join("channel"));
        }
        env.home_dir().map(|h| h.join(".cache").join("minis3").join("channel"))
    }

    /// A cache in `dir` (created when first written).
    pub fn new(dir: impl Into<PathBuf>, clock: Arc<dyn Clock>) -> Self {
        Self { dir: Some(dir.into()), clock, mode: CacheMode::Normal, delivery: Delivery::default() }
    }

    /// The user's cache ([`Cache::user_dir`]), or [`CacheMode::Off`] when there is none.
    pub fn from_env(env: &Environment, clock: Arc<dyn Clock>) -> Self {
        match Self::user_dir(env) {
            Some(dir) => Self::new(dir, clock),
            None => Self::disabled(clock),
        }
    }

    /// No cache at all.
    pub fn disabled(clock: Arc<dyn Clock>) -> Self {
        Self { dir: None, clock, mode: CacheMode::Off, delivery: Delivery::default() }
    }

    /// The same cache used in `mode`.
    pub fn with_mode(mut self, mode: CacheMode) -> Self {
        self.mode = if self.dir.is_some() { mode } else { CacheMode::Off };
        self
    }

    /// The same cache delivering bodies as `delivery` says.
    pub fn with_delivery(mut self, delivery: Delivery) -> Self {
        self.delivery = delivery;
        self
    }

    /// The directory, unless the cache is off.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref().filter(|_| self.mode != CacheMode::Off)
    }

    /// The mode.
    pub fn mode(&self) -> CacheMode {
        self.mode
    }

    /// The entry key of `url` fetched through `transport`.
    fn key(transport: &dyn Transport, url: &str) -> String {
        let mut h = Sha256::new();
        h.update(transport.cache_identity().as_bytes());
        h.update(b"\n");
        h.update(url.as_bytes());
        crate::channel::hex(&h.finalize()[..16])
    }

    fn now_secs(&self) -> u64 {
        self.clock.now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
    }

    /// `path` of the channel, through the cache: `None` when the server says it does not exist
    /// (404; also 501 when `not_implemented_is_missing`), which also drops its entry.
    pub fn get(
        &self,
        transport: &dyn Transport,
        path: &str,
        not_implemented_is_missing: bool,
    ) -> Result<Option<CachedBody>, FetchError> {
        self.get_inner(transport, path, not_implemented_is_missing, None, false)
    }

    /// [`Cache::get`] for a repodata file, with the per-name index of a cached body when it
    /// has a valid one (in [`CachedBody`]'s `index`): the body is then not hashed before it
    /// is returned, but checked while it is read (see the module documentation). A
    /// downloaded body is always delivered as [`Delivery::Tee`] says (the caller scans it
    /// while it arrives and builds its index from the same pass).
    pub(crate) fn get_indexed(&self, transport: &dyn Transport, path: &str) -> Result<Option<CachedBody>, FetchError> {
        self.get_inner(transport, path, false, None, true)
    }

    /// A content-addressed file (a shard) whose SHA-256 must be `sha256`: used from the cache
    /// without any request once stored; downloaded otherwise, and refused with
    /// [`FetchError::DigestMismatch`] (nothing stored) when its digest differs.
    pub fn get_content_addressed(
        &self,
        transport: &dyn Transport,
        path: &str,
        sha256: &[u8; 32],
    ) -> Result<Option<CachedBody>, FetchError> {
        self.get_inner(transport, path, false, Some(*sha256), false)
    }

    fn get_inner(
        &self,
        transport: &dyn Transport,
        path: &str,
        not_implemented_is_missing: bool,
        expected: Option<[u8; 32]>,
        want_index: bool,
    ) -> Result<Option<CachedBody>, FetchError> {
        let url = transport.url(path);
        let key = Self::key(transport, &url);
        let cached = match (self.mode, &self.dir) {
            (CacheMode::Normal, Some(dir)) => self.lookup(dir, &key, &url, expected, want_index)?,
            _ => None,
        };
        let fresh = cached.as_ref().is_some_and(|(meta, ..)| {
            expected.is_some() || {
                let age = self.now_secs().saturating_sub(meta.stored_at);
                age < CacheControl::parse(meta.cache_control.as_deref().unwrap_or("")).fresh_for()
            }
        });
        if fresh {
            if let Some((meta, reader, index)) = cached {
                let stored = self.stored(&key, &meta);
                let size = Some(meta.size);
                return Ok(Some(CachedBody { url, origin: Origin::Fresh, size, reader, stored, landing: None, index }));
            }
        }
        let validators = match &cached {
            Some((m, ..)) => Validators { etag: m.etag.clone(), last_modified: m.last_modified.clone() },
            None => Validators::default(),
        };
        let opts = FetchOptions { validators, range: None, not_implemented_is_missing };
        match transport.fetch(path, &opts)? {
            Fetched::NotFound => {
                if let Some(dir) = self.dir() {
                    drop_entry(dir, &key);
                }
                Ok(None)
            }
            Fetched::NotModified(fresh) => {
                let Some((mut meta, reader, index)) = cached else {
                    return Err(FetchError::Status { url, status: 304 });
                };
                meta.stored_at = self.now_secs();
                if fresh.cache_control.is_some() {
                    meta.cache_control = fresh.cache_control;
                }
                if let Some(dir) = self.dir() {
                    // A failure here only costs a revalidation next time.
                    let _ = write_meta(dir, &key, &meta);
                }
                let stored = self.stored(&key, &meta);
                let size = Some(meta.size);
                let origin = Origin::Revalidated;
                Ok(Some(CachedBody { url, origin, size, reader, stored, landing: None, index }))
            }
            Fetched::Body(body) => self.receive(&key, url, body.meta, body.reader, expected, want_index),
        }
    }

    /// The committed body `meta` names.
    fn stored(&self, key: &str, meta: &EntryMeta) -> Option<StoredBody> {
        let dir = self.dir()?.to_path_buf();
        let mut sha256 = [0u8; 32];
        crate::channel::hex_decode_to_slice(&meta.sha256, &mut sha256).ok()?;
        Some(StoredBody { dir, key: key.to_owned(), sha256, size: meta.size })
    }

    /// Finds a usable entry, dropping a damaged one. Returns its metadata, a reader of the
    /// body from its start, and (when `want_index`) its valid index: with one, the body is
    /// not hashed now but while it is read.
    #[allow(clippy::type_complexity)]
    fn lookup(
        &self,
        dir: &Path,
        key: &str,
        url: &str,
        expected: Option<[u8; 32]>,
        want_index: bool,
    ) -> Result<Option<(EntryMeta, Box<dyn Read + Send>, Option<NameIndex>)>, FetchError> {
        let meta_path = dir.join(format!("{key}.json"));
        let text = match fs::read(&meta_path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(FetchError::Cache { action: "read the cache entry", path: meta_path, source: e }),
        };
        let meta: EntryMeta = match serde_json::from_slice(&text) {
            Ok(m) => m,
            Err(_) => {
                drop_entry(dir, key);
                return Ok(None);
            }
        };
        let usable = meta.format == FORMAT
            && meta.url == url
            && meta.sha256.len() == 64
            && meta.sha256.bytes().all(|b| b.is_ascii_hexdigit())
            && expected.is_none_or(|d| crate::channel::hex(d) == meta.sha256);
        if !usable {
            drop_entry(dir, key);
            return Ok(None);
        }
        let body_path = dir.join(format!("{key}.{}.body", meta.sha256));
        let mut file = match File::open(&body_path) {
            Ok(f) => f,
            Err(_) => {
                drop_entry(dir, key);
                return Ok(None);
            }
        };
        if !file.metadata().is_ok_and(|m| m.len() == meta.size) {
            drop_entry(dir, key);
            return Ok(None);
        }
        let mut sha = [0u8; 32];
        if crate::channel::hex_decode_to_slice(&meta.sha256, &mut sha).is_err() {
            drop_entry(dir, key);
            return Ok(None);
        }
        if want_index {
            let path = dir.join(format!("{key}.{}.index", meta.sha256));
            match NameIndex::open(&path, &sha, meta.size) {
                Ok(index) => {
                    let reader = Verifying { file, hasher: Sha256::new(), got: 0, want: (sha, meta.size), done: false };
                    return Ok(Some((meta, Box::new(reader), Some(index))));
                }
                Err(super::name_index::IndexError::Io(e)) if e.kind() == io::ErrorKind::NotFound => {}
                Err(_) => {
                    let _ = fs::remove_file(&path);
                }
            }
        }
        let ok = hash_reader(&mut file).is_ok_and(|(d, n)| n == meta.size && d == sha)
            && file.seek(SeekFrom::Start(0)).is_ok();
        if !ok {
            drop_entry(dir, key);
            return Ok(None);
        }
        Ok(Some((meta, Box::new(file), None)))
    }

    /// A downloaded body: stored (unless off or `no-store`), delivered as configured (as
    /// [`Delivery::Tee`] when `tee`).
    fn receive(
        &self,
        key: &str,
        url: String,
        meta: BodyMeta,
        upstream: Box<dyn Read + Send>,
        expected: Option<[u8; 32]>,
        tee: bool,
    ) -> Result<Option<CachedBody>, FetchError> {
        let no_store = meta.cache_control.as_deref().is_some_and(|c| CacheControl::parse(c).no_store);
        let dir = self.dir().filter(|_| !no_store);
        let sink = match dir {
            Some(dir) => {
                fs::create_dir_all(dir).map_err(|e| FetchError::Cache {
                    action: "create the cache directory",
                    path: dir.to_path_buf(),
                    source: e,
                })?;
                Some(Sink::create(dir, key).map_err(|e| self.cache_err("create a temporary file in", key, "", e))?)
            }
            None => None,
        };
        let size = meta.content_length;
        let filling = Filling {
            upstream,
            url: url.clone(),
            sink,
            hasher: Sha256::new(),
            got: 0,
            expected_len: meta.content_length,
            expected_sha: expected,
            commit: dir.map(|d| (d.to_path_buf(), key.to_owned(), meta, self.now_secs())),
            done: None,
            landing: None,
        };
        let tee = filling.sink.is_some() && (tee || self.delivery == Delivery::Tee);
        if tee || filling.sink.is_none() && expected.is_none() {
            let mut filling = filling;
            let landing = dir
                .filter(|_| tee)
                .map(|d| Arc::new(Landing { dir: d.to_path_buf(), key: key.to_owned(), landed: OnceLock::new() }));
            filling.landing = landing.clone();
            let reader = Box::new(filling);
            let origin = Origin::Downloaded;
            return Ok(Some(CachedBody { url, origin, size, reader, stored: None, landing, index: None }));
        }
        // File first (or a digest to check before anyone sees the bytes).
        let mut filling = filling;
        let mut buf = vec![0u8; BUF];
        let mut kept: Option<Vec<u8>> = filling.sink.is_none().then(Vec::new);
        loop {
            match filling.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if let Some(k) = &mut kept {
                        k.extend_from_slice(&buf[..n]);
                    }
                }
                Err(e) => return Err(read_error(&url, e)),
            }
        }
        let size = Some(filling.got);
        let mut stored = None;
        let reader: Box<dyn Read + Send> = match (filling.done.take(), kept) {
            (Some((file, sha256)), _) => {
                stored =
                    dir.map(|d| StoredBody { dir: d.to_path_buf(), key: key.to_owned(), sha256, size: filling.got });
                Box::new(file)
            }
            (None, Some(bytes)) => Box::new(io::Cursor::new(bytes)),
            // The cache write failed on the way: nothing to read back.
            (None, None) => {
                return Err(FetchError::Cache {
                    action: "write the cache entry in",
                    path: self.dir.clone().unwrap_or_default(),
                    source: io::Error::other("the body could not be stored"),
                })
            }
        };
        Ok(Some(CachedBody { url, origin: Origin::Downloaded, size, reader, stored, landing: None, index: None }))
    }

    fn cache_err(&self, action: &'static str, key: &str, suffix: &str, e: io::Error) -> FetchError {
        let dir = self.dir.clone().unwrap_or_default();
        FetchError::Cache {
            action,
            path: if suffix.is_empty() { dir } else { dir.join(format!("{key}{suffix}")) },
            source: e,
        }
    }
}

/// An `io::Error` from a body reader as a [`FetchError`] (a digest mismatch travels inside).
fn read_error(url: &str, e: io::Error) -> FetchError {
    if e.get_ref().is_some_and(|i| i.is::<FetchError>()) {
        if let Some(inner) = e.into_inner() {
            if let Ok(f) = inner.downcast::<FetchError>() {
                return *f;
            }
        }
        return FetchError::Read { url: url.to_owned(), source: io::Error::other("read failed") };
    }
    FetchError::Read { url: url.to_owned(), source: e }
}

/// SHA-256 and length of everything `r` yields.
fn hash_reader(r: &mut impl Read) -> io::Result<([u8; 32], u64)> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; BUF];
    let mut n = 0u64;
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Ok((h.finalize().into(), n)),
            Ok(k) => {
                h.update(&buf[..k]);
                n += k as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// The body SHA-256 a metadata file names, if it parses.
pub(super) fn named_body(dir: &Path, key: &str) -> Result<Option<String>, ()> {
    match fs::read(dir.join(format!("{key}.json"))) {
        Ok(text) => Ok(serde_json::from_slice::<EntryMeta>(&text).ok().map(|m| m.sha256)),
        Err(_) => Err(()),
    }
}

/// Removes an entry: its metadata and the body it names (every body of the key when the
/// metadata does not parse). Errors are ignored: another process may be doing the same.
/// Without a metadata file there is nothing to do (the common case of a `404` for a file
/// never stored), so the directory is listed only for damaged metadata.
fn drop_entry(dir: &Path, key: &str) {
    let Ok(named) = named_body(dir, key) else { return };
    let _ = fs::remove_file(dir.join(format!("{key}.json")));
    match named {
        Some(sha) if sha.bytes().all(|b| b.is_ascii_hexdigit()) => {
            let _ = fs::remove_file(dir.join(format!("{key}.{sha}.body")));
            let _ = fs::remove_file(dir.join(format!("{key}.{sha}.index")));
        }
        _ => remove_bodies(dir, key, None),
    }
}

/// Removes the bodies (and indexes) of `key` other than `keep` (lists the directory).
fn remove_bodies(dir: &Path, key: &str, keep: Option<&str>) {
    let prefix = format!("{key}.");
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let file = name.starts_with(&prefix) && (name.ends_with(".body") || name.ends_with(".index"));
        if file && Some(name) != keep {
            let _ = fs::remove_file(entry.path());
        }
    }
}
