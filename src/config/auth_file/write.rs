//! Writing the authentication file: `login`, `logout` and the atomic replacement of the file.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{bucket_of, encode_entry, read_entries, AuthFileError, S3Credentials};

/// Stores S3 keys for the bucket of `s3_url` (`s3://BUCKET[/PATH]`) in the file at `path`,
/// under the key `BUCKET` as `pixi auth login s3://BUCKET/...` does (the path is dropped).
/// Other entries are kept; the parent directory is created; the file is replaced atomically
/// and left with mode 0600 on unix. Returns the key written.
///
/// (pixi turns a host with exactly one dot into `*.host`; for a bucket such as `a.b` that key is
/// never found again by the `s3://` lookup, so minis3 writes the plain bucket name, which pixi
/// finds first.)
pub fn login(path: &Path, s3_url: &str, credentials: &S3Credentials) -> Result<String, AuthFileError> {
    let bucket = bucket_of(s3_url)?;
    let mut entries = read_entries(path)?;
    entries.insert(bucket.clone(), encode_entry(credentials));
    write_entries(path, &entries)?;
    Ok(bucket)
}

/// Removes the entries `pixi auth logout` would remove for `s3_url` from the file at `path`:
/// the bucket name, its `*.`-prefixed form when it has exactly one dot (what pixi's login
/// writes), and the text given. Returns the keys removed (empty: nothing was stored, and the
/// file is left untouched).
pub fn logout(path: &Path, s3_url: &str) -> Result<Vec<String>, AuthFileError> {
    let bucket = bucket_of(s3_url)?;
    let mut candidates = vec![bucket.clone(), s3_url.to_string()];
    if bucket.matches('.').count() == 1 {
        candidates.push(format!("*.{bucket}"));
    }
    let mut entries = read_entries(path)?;
    let removed: Vec<String> = candidates.into_iter().filter(|k| entries.remove(k).is_some()).collect();
    if !removed.is_empty() {
        write_entries(path, &entries)?;
    }
    Ok(removed)
}

/// Writes entries as rattler does (compact JSON, keys sorted), atomically: a temporary file in
/// the same directory (mode 0600 on unix), flushed, then renamed over `path`.
pub fn write_entries(path: &Path, entries: &Map<String, Value>) -> Result<(), AuthFileError> {
    let sorted: BTreeMap<&String, &Value> = entries.iter().collect();
    let text = serde_json::to_string(&sorted).map_err(|e| AuthFileError::Io {
        path: path.to_path_buf(),
        action: "encode",
        source: std::io::Error::other(e.to_string()),
    })?;
    let io = |action: &'static str| {
        move |source: std::io::Error| AuthFileError::Io { path: path.to_path_buf(), action, source }
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(io("create the directory of"))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "credentials.json".into());
    let (tmp, mut file) = create_temp(&dir, &name).map_err(io("create a temporary file next to"))?;
    let result = file.write_all(text.as_bytes()).and_then(|()| file.sync_all()).and_then(|()| {
        drop(file);
        std::fs::rename(&tmp, path)
    });
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io("write")(e));
    }
    Ok(())
}

fn create_temp(dir: &Path, name: &str) -> std::io::Result<(PathBuf, std::fs::File)> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let mut last = None;
    for _ in 0..100 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary name")))
}
