//! Package metadata straight from S3 objects: a [`RangeSource`] over ranged GETs
//! ([`S3Object`]), and [`read_remote_package`], which reads one package's repodata record
//! with as few bytes as possible.
//!
//! - `.conda`: one suffix GET (`Range: bytes=-65536`) gives the object's length, its stored
//!   checksums (`x-amz-meta-package-sha256` / `-md5`, in the same answer's headers) and usually
//!   the whole `info-*` member; otherwise one more ranged GET, with `If-Match` on the ETag of
//!   the first answer so that both reads see one version of the object.
//! - `.tar.bz2`: one GET, streamed through the hasher until `info/` has been read; the rest is
//!   read only when the object has no stored checksums (then its hashes are computed from
//!   the same stream), else the connection is dropped.
//! - A `.conda` without stored checksums is streamed once more, whole, to hash it.

use std::io::{self, Read};

use crate::channel::package::{
    hash_reader, read_conda, read_tar_bz2, repodata_record, CondaOptions, FileHashes, Limits, PackageError,
    PackageFormat, PackageHasher, RangeSource, SourceError, Suffix,
};
use crate::channel::record::PackageRecord;
use crate::s3::{ByteRange, Client, GetOptions, ObjectMeta};

/// The stored checksums rattler-build and `minis3 upload s3` write: user metadata names.
pub const META_SHA256: &str = "package-sha256";
/// See [`META_SHA256`].
pub const META_MD5: &str = "package-md5";

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
            let md = read_conda(&mut src, filename, &CondaOptions::default()).map_err(RemoteError::Package)?;
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
        PackageFormat::TarBz2 => {
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
