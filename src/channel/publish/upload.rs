//! `upload s3`: packages into `CHANNEL/SUBDIR/FILENAME`, as `rattler-build upload s3` puts
//! them.
//!
//! Each file is checked first (a `.conda` or `.tar.bz2` with a readable `info/index.json`
//! naming its subdir; anything else is refused before any upload), hashed once, then
//! uploaded with `x-amz-meta-package-sha256`, `x-amz-meta-package-md5`,
//! `Content-Disposition: attachment; filename=...` and (single PUTs) `x-amz-checksum-sha256`.
//! Without `force` an existing object is never replaced: a HEAD first (for servers that ignore
//! the condition), then `If-None-Match: *`. Large files go through the client's multipart
//! upload (parts in parallel; a failed upload is aborted, leaving nothing behind).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::error::PublishError;
use super::index::{channel_prefix, PLATFORMS};
use super::s3_source::{META_MD5, META_SHA256};
use crate::channel::package::{hash_reader, read_conda, read_tar_bz2, CondaOptions, FileHashes, Limits, PackageFormat};
use crate::s3::{Client, PutOptions};

/// How to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadOptions {
    /// Replace packages that are already there.
    pub force: bool,
    /// Packages uploaded at once (at least 1; rattler-build: 4).
    pub parallel: usize,
}

impl Default for UploadOptions {
    fn default() -> Self {
        UploadOptions { force: false, parallel: 4 }
    }
}

/// One package uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    /// The local file.
    pub path: PathBuf,
    /// Its subdir (from `info/index.json`).
    pub subdir: String,
    /// The object's key.
    pub key: String,
    /// Size, md5 and sha256.
    pub hashes: FileHashes,
}

/// A package checked and hashed, ready to upload.
#[derive(Debug, Clone)]
struct Checked {
    path: PathBuf,
    filename: String,
    subdir: String,
    hashes: FileHashes,
}

fn check(path: &Path) -> Result<Checked, PublishError> {
    let io = |e: std::io::Error| PublishError::Io { path: path.display().to_string(), source: e };
    let filename = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let format = PackageFormat::from_file_name(&filename).map_err(PublishError::NotAPackage)?;
    let info = match format {
        PackageFormat::Conda => {
            let mut f = File::open(path).map_err(io)?;
            read_conda(&mut f, &filename, &CondaOptions::default()).map_err(PublishError::NotAPackage)?.info
        }
        PackageFormat::TarBz2 => {
            let f = File::open(path).map_err(io)?;
            read_tar_bz2(f, &filename, &Limits::default()).map_err(PublishError::NotAPackage)?.info
        }
    };
    let index = info.index(&filename).map_err(PublishError::NotAPackage)?;
    // index.json's subdir; without one, the platform directory the file is in (as a local
    // channel lays packages out).
    let parent = path.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned());
    let subdir = index
        .subdir
        .clone()
        .filter(|s| PLATFORMS.contains(&s.as_str()))
        .or_else(|| parent.filter(|p| PLATFORMS.contains(&p.as_str())));
    let Some(subdir) = subdir else {
        return Err(PublishError::Format(format!(
            "{}: info/index.json names no known subdir ({:?}) and the file is not in a platform directory: \
             put it in DIR/<platform>/ to upload it",
            path.display(),
            index.subdir.as_deref().unwrap_or("")
        )));
    };
    let hashes = hash_reader(File::open(path).map_err(io)?).map_err(io)?;
    Ok(Checked { path: path.to_owned(), filename, subdir, hashes })
}

fn upload_one(client: &Client, bucket: &str, prefix: &str, c: &Checked, force: bool) -> Result<Uploaded, PublishError> {
    let key = format!("{prefix}{}/{}", c.subdir, c.filename);
    let url = format!("s3://{bucket}/{key}");
    if !force && client.object_exists(bucket, &key)? {
        return Err(PublishError::Exists { url });
    }
    let mut opts = PutOptions {
        metadata: vec![(META_SHA256.into(), c.hashes.sha256_hex()), (META_MD5.into(), c.hashes.md5_hex())],
        content_disposition: Some(format!("attachment; filename={}", c.filename)),
        content_type: Some("application/octet-stream".into()),
        if_none_match_any: !force,
        checksum_sha256: Some(crate::sigv4::base64::encode(&c.hashes.sha256)),
        ..PutOptions::default()
    };
    let result = match client.put_object_from_file(bucket, &key, &c.path, &opts) {
        // A server that does not take x-amz-checksum-sha256: once more without it.
        Err(e) if matches!(e.status(), Some(400 | 501)) => {
            opts.checksum_sha256 = None;
            client.put_object_from_file(bucket, &key, &c.path, &opts)
        }
        other => other,
    };
    match result {
        Ok(_) => Ok(Uploaded { path: c.path.clone(), subdir: c.subdir.clone(), key, hashes: c.hashes }),
        Err(e) if e.status() == Some(412) => Err(PublishError::Exists { url }),
        Err(e) => Err(PublishError::S3(e)),
    }
}

/// Uploads `paths` into the channel `bucket`/`path`. Every file is checked before anything is
/// uploaded (the first bad one is the error); then they go `parallel` at a time, and each
/// result is returned in the order given.
pub fn upload_packages(
    client: &Client,
    bucket: &str,
    path: &str,
    paths: &[PathBuf],
    opts: &UploadOptions,
) -> Result<Vec<Result<Uploaded, PublishError>>, PublishError> {
    upload_packages_with(client, bucket, path, paths, opts, &|_, _| {})
}

/// [`upload_packages`], calling `done(finished, total)` (from the uploading threads) after
/// each package, uploaded or not.
pub fn upload_packages_with(
    client: &Client,
    bucket: &str,
    path: &str,
    paths: &[PathBuf],
    opts: &UploadOptions,
    done: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<Result<Uploaded, PublishError>>, PublishError> {
    let checked: Vec<Checked> = paths.iter().map(|p| check(p)).collect::<Result<_, _>>()?;
    let prefix = channel_prefix(path);
    let next = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Uploaded, PublishError>>>> =
        Mutex::new((0..checked.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..opts.parallel.max(1).min(checked.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(c) = checked.get(i) else { break };
                let r = upload_one(client, bucket, &prefix, c, opts.force);
                results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(r);
                done(finished.fetch_add(1, Ordering::Relaxed) + 1, checked.len());
            });
        }
    });
    Ok(results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(PublishError::Format("not uploaded".into()))))
        .collect())
}
