//! Package metadata straight from S3 objects: a [`RangeSource`] over ranged GETs
//! ([`S3Object`]), and [`read_remote_package`], which reads one package's repodata record
//! with as few bytes as possible.
//!
//! - `.conda`: one ranged GET of the object's tail, sized from the listed size
//!   ([`conda_tail`]), gives its stored checksums (`x-amz-meta-package-sha256` / `-md5`, in the
//!   same answer's headers), the zip end records, the central directory and usually the whole
//!   `info-*` member; otherwise one more ranged GET, with `If-Match` on the ETag of the first
//!   answer so that both reads see one version of the object.
//! - `.tar.bz2`: bounded ranged GETs ([`super::ranged`]) through the hasher until `info/` has
//!   been decoded; the rest is read (in one GET) only when the object has no stored checksums,
//!   and then its hashes are computed from the same bytes. Without a listed size, one GET
//!   streamed and dropped once `info/` is read.
//! - A `.conda` without stored checksums is streamed once more, whole, to hash it.

use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use super::parallel::parallel_map;

use super::ranged::RangedReader;
use crate::channel::package::{
    hash_reader, read_conda, read_tar_bz2, repodata_record, CondaOptions, FileHashes, Limits, PackageError,
    PackageFormat, PackageHasher, RangeSource, SourceError, Suffix,
};
use crate::channel::record::PackageRecord;
use crate::s3::{ByteRange, Client, GetOptions, ListedObject, ObjectMeta};

/// The stored checksums rattler-build and `minis3 upload s3` write: user metadata names.
pub const META_SHA256: &str = "package-sha256";
/// See [`META_SHA256`].
pub const META_MD5: &str = "package-md5";

/// The suffix read of a `.conda` of unknown size: 64 KiB, as rattler's sparse reader.
pub const DEFAULT_TAIL: u64 = 64 * 1024;

/// The suffix read of a `.conda` of `size` bytes: 1/80 of it (so that the metadata of a
/// package costs about 1.25% of its bytes), at least 4 KiB (the end records, the central
/// directory and a small `info-*` member) and at most 64 KiB. A larger `info-*` member costs
/// one more ranged GET of exactly its bytes.
pub fn conda_tail(size: u64) -> u64 {
    (size / 80).clamp(4 * 1024, DEFAULT_TAIL)
}

/// An S3 object read by ranges: each call one GET. The first answer's metadata is kept
/// ([`S3Object::meta`]) and its ETag sent as `If-Match` on later reads.
pub struct S3Object<'a> {
    client: &'a Client,
    bucket: &'a str,
    key: &'a str,
    /// The metadata of the first answer.
    pub meta: Option<ObjectMeta>,
    total_len: Option<u64>,
    /// GET requests made.
    pub requests: u32,
    /// Body bytes received.
    pub bytes: u64,
}

impl<'a> S3Object<'a> {
    /// The object `bucket`/`key`, nothing read yet.
    pub fn new(client: &'a Client, bucket: &'a str, key: &'a str) -> Self {
        S3Object { client, bucket, key, meta: None, total_len: None, requests: 0, bytes: 0 }
    }

    /// The object, whose length a listing gave: the suffix read is then an explicit range
    /// (some servers, s3s-fs among them, fail a suffix range longer than the object).
    pub fn with_len(client: &'a Client, bucket: &'a str, key: &'a str, len: u64) -> Self {
        S3Object { total_len: Some(len), ..S3Object::new(client, bucket, key) }
    }

    fn get(&mut self, range: ByteRange) -> Result<Vec<u8>, SourceError> {
        let opts = GetOptions {
            range: Some(range),
            if_match: self.meta.as_ref().and_then(|m| m.etag.clone()),
            ..GetOptions::default()
        };
        let obj = self.client.get_object(self.bucket, self.key, &opts)?;
        self.requests += 1;
        let meta = obj.meta.clone();
        let body = obj.read_to_vec(1 << 30)?;
        self.bytes += body.len() as u64;
        let total = meta.range.map(|r| r.2).unwrap_or(meta.content_length);
        self.total_len = Some(total);
        if self.meta.is_none() {
            self.meta = Some(meta);
        }
        Ok(body)
    }

    /// The stored checksums with the object's size, when the object carries valid ones.
    pub fn stored_hashes(&self) -> Option<FileHashes> {
        stored_hashes(self.meta.as_ref()?, self.total_len?)
    }
}

/// The checksums stored in an object's metadata (`x-amz-meta-package-sha256`/`-md5`) with
/// its size `size`; `None` when either is missing or not hex of the right length.
pub fn stored_hashes(meta: &ObjectMeta, size: u64) -> Option<FileHashes> {
    FileHashes::from_hex(size, meta.meta(META_MD5)?, meta.meta(META_SHA256)?)
}

impl RangeSource for S3Object<'_> {
    fn len(&mut self) -> Result<u64, SourceError> {
        match self.total_len {
            Some(n) => Ok(n),
            None => Ok(self.client.head_object(self.bucket, self.key)?.content_length),
        }
    }

    fn read_range(&mut self, offset: u64, len: u64) -> Result<Vec<u8>, SourceError> {
        if len == 0 {
            return Ok(Vec::new());
        }
        let bytes = self.get(ByteRange::Inclusive(offset, offset + len - 1))?;
        if bytes.len() as u64 != len {
            return Err(format!("asked for {len} bytes at {offset}, got {}", bytes.len()).into());
        }
        Ok(bytes)
    }

    fn read_suffix(&mut self, len: u64) -> Result<Suffix, SourceError> {
        if let Some(total) = self.total_len.filter(|&t| t > 0) {
            let start = total.saturating_sub(len);
            let bytes = self.get(ByteRange::Inclusive(start, total - 1))?;
            return Ok(Suffix { total_len: self.total_len.unwrap_or(total), bytes });
        }
        let bytes = self.get(ByteRange::Last(len.max(1)))?;
        Ok(Suffix { total_len: self.total_len.unwrap_or(bytes.len() as u64), bytes })
    }
}

/// Feeds everything read through a [`PackageHasher`].
struct Hashing<R> {
    inner: R,
    hasher: PackageHasher,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// A `.tar.bz2` read by ranges, hashed only when its first answer carries no stored
/// checksums (then the whole object is hashed from the same bytes).
struct MaybeHashing<'r, 'a> {
    inner: &'r mut RangedReader<'a>,
    size: u64,
    /// `None` until the first answer; then `Some(None)` when the checksums are stored.
    hasher: Option<Option<PackageHasher>>,
}

impl Read for MaybeHashing<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let (inner, size) = (&self.inner, self.size);
        let hasher =
            self.hasher.get_or_insert_with(|| match inner.meta.as_ref().and_then(|m| stored_hashes(m, size)) {
                Some(_) => None,
                None => Some(PackageHasher::new()),
            });
        if let Some(h) = hasher {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// What reading one remote package gave and cost.
#[derive(Debug, Clone, PartialEq)]
pub struct RemotePackage {
    /// The record, without `indexed_timestamp`.
    pub record: PackageRecord,
    /// Whether the checksums came from the object's metadata.
    pub stored_checksums: bool,
    /// GET requests made.
    pub requests: u32,
    /// Body bytes received.
    pub bytes: u64,
}

/// Why one package could not be read.
#[derive(Debug)]
pub enum RemoteError {
    /// The package itself is damaged or not a package.
    Package(PackageError),
    /// The object could not be read.
    S3(String),
}

impl std::fmt::Display for RemoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RemoteError::Package(e) => e.fmt(f),
            RemoteError::S3(e) => f.write_str(e),
        }
    }
}

/// The record of the package at `bucket`/`key` (`filename` is its last path segment; `size`
/// its length when a listing gave it).
pub fn read_remote_package(
    client: &Client,
    bucket: &str,
    key: &str,
    filename: &str,
    size: Option<u64>,
) -> Result<RemotePackage, RemoteError> {
    let format = PackageFormat::from_file_name(filename).map_err(RemoteError::Package)?;
    let s3 = |e: &dyn std::fmt::Display| RemoteError::S3(format!("s3://{bucket}/{key}: {e}"));
    let (info, hashes, stored, requests, bytes) = match format {
        PackageFormat::Conda => {
            let mut src = match size {
                Some(n) => S3Object::with_len(client, bucket, key, n),
                None => S3Object::new(client, bucket, key),
            };
            let opts = CondaOptions { tail_len: size.map_or(DEFAULT_TAIL, conda_tail), ..CondaOptions::default() };
            let md = read_conda(&mut src, filename, &opts).map_err(RemoteError::Package)?;
            let (mut requests, mut bytes) = (src.requests, src.bytes);
            let (hashes, stored) = match src.stored_hashes() {
                Some(h) => (h, true),
                None => {
                    let opts = GetOptions {
                        if_match: src.meta.as_ref().and_then(|m| m.etag.clone()),
                        bulk_read: true,
                        ..GetOptions::default()
                    };
                    let obj = client.get_object(bucket, key, &opts).map_err(|e| s3(&e))?;
                    let h = hash_reader(obj).map_err(|e| s3(&e))?;
                    requests += 1;
                    bytes += h.size;
                    (h, false)
                }
            };
            (md.info, hashes, stored, requests, bytes)
        }
        PackageFormat::TarBz2 => match size {
            Some(n) => {
                let mut src = RangedReader::new(client, bucket, key, n);
                // The first range's answer carries the stored checksums: without them the
                // whole object is hashed, so the rest comes in one stream.
                let mut stream = MaybeHashing { inner: &mut src, size: n, hasher: None };
                let md = read_tar_bz2(&mut stream, filename, &Limits::default()).map_err(RemoteError::Package)?;
                let stored = stream.inner.meta.as_ref().and_then(|m| stored_hashes(m, n));
                match stored {
                    Some(h) => (md.info, h, true, stream.inner.requests, stream.inner.bytes),
                    None => {
                        stream.inner.stream_rest();
                        io::copy(&mut stream, &mut io::sink()).map_err(|e| s3(&e))?;
                        let h = match stream.hasher.take().flatten() {
                            Some(hasher) => hasher.finish(),
                            None => return Err(s3(&"nothing of the object was read")),
                        };
                        if h.size != n {
                            return Err(s3(&format!("read {} bytes of {n}", h.size)));
                        }
                        (md.info, h, false, stream.inner.requests, stream.inner.bytes)
                    }
                }
            }
            None => {
                let obj = client.get_object(bucket, key, &GetOptions::default()).map_err(|e| s3(&e))?;
                let meta = obj.meta.clone();
                let mut stream = Hashing { inner: obj, hasher: PackageHasher::new() };
                let md = read_tar_bz2(&mut stream, filename, &Limits::default()).map_err(RemoteError::Package)?;
                match stored_hashes(&meta, meta.content_length) {
                    Some(h) => (md.info, h, true, 1, md.stats.bytes),
                    None => {
                        io::copy(&mut stream, &mut io::sink()).map_err(|e| s3(&e))?;
                        let h = stream.hasher.finish();
                        if h.size != meta.content_length {
                            return Err(s3(&format!("read {} bytes of {}", h.size, meta.content_length)));
                        }
                        (md.info, h, false, 1, h.size)
                    }
                }
            }
        },
    };
    let index = info.index(filename).map_err(RemoteError::Package)?;
    // rattler's indexer carries run_exports for .conda packages only.
    let run_exports = match format {
        PackageFormat::Conda => info.run_exports(filename).map_err(RemoteError::Package)?,
        PackageFormat::TarBz2 => None,
    };
    let map = repodata_record(&index, run_exports.as_ref(), &hashes);
    let record: PackageRecord = serde_json::from_value(serde_json::Value::Object(map))
        .map_err(|e| RemoteError::S3(format!("{filename}: the record does not read back: {e}")))?;
    Ok(RemotePackage { record, stored_checksums: stored, requests, bytes })
}

/// A counting semaphore: at most N package reads at once over every subdir being indexed.
pub(crate) struct Permits {
    free: Mutex<usize>,
    freed: Condvar,
}

impl Permits {
    /// `n` permits (at least 1).
    pub(crate) fn new(n: usize) -> Self {
        Permits { free: Mutex::new(n.max(1)), freed: Condvar::new() }
    }

    /// Runs `f` holding one permit.
    fn with<T>(&self, f: impl FnOnce() -> T) -> T {
        let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        while *free == 0 {
            free = self.freed.wait(free).unwrap_or_else(|p| p.into_inner());
        }
        *free -= 1;
        drop(free);
        let out = f();
        *self.free.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        self.freed.notify_one();
        out
    }
}

/// Reads `packages` (name, listing) under `dir`, at most `parallel` at a time here and as
/// many as `permits` allow over all callers; results in order. `done(read so far, bytes so
/// far)` after each.
pub(crate) fn read_packages(
    client: &Client,
    bucket: &str,
    dir: &str,
    packages: &[(String, ListedObject)],
    parallel: usize,
    permits: &Permits,
    done: &(dyn Fn(usize, u64) + Sync),
) -> Vec<Result<RemotePackage, String>> {
    let finished = AtomicUsize::new(0);
    let bytes = AtomicU64::new(0);
    let read = |_: usize, (name, listed): &(String, ListedObject)| {
        let key = format!("{dir}{name}");
        let r = permits.with(|| read_remote_package(client, bucket, &key, name, Some(listed.size)));
        let r = r.map_err(|e| e.to_string());
        let got = r.as_ref().map_or(0, |p| p.bytes);
        let total = bytes.fetch_add(got, Ordering::Relaxed) + got;
        done(finished.fetch_add(1, Ordering::Relaxed) + 1, total);
        r
    };
    parallel_map(packages, parallel, |_| false, read)
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("not read".into())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_conda_tail_grows_with_the_package_within_bounds() {
        assert_eq!(conda_tail(0), 4096);
        assert_eq!(conda_tail(100_000), 4096);
        assert_eq!(conda_tail(800_000), 10_000);
        assert_eq!(conda_tail(2 << 20), (2 << 20) / 80);
        assert_eq!(conda_tail(50 << 20), DEFAULT_TAIL);
        // Under 2% from 205 KiB up.
        assert!((205 * 1024..(60 << 20)).step_by(4096).all(|n| conda_tail(n) * 50 < n));
    }
}
