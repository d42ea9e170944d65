//! Local files: content types from file names, creating directories,
//! modification times, and hints for local I/O errors.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// A local file found under a directory.
#[derive(Clone, Debug)]
pub struct LocalFile {
    /// The path.
    pub path: PathBuf,
    /// Size.
    pub size: u64,
    /// Modification time, seconds since the epoch.
    pub mtime: Option<i64>,
}

pub(super) fn secs(t: SystemTime) -> Option<i64> {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => Some(d.as_secs() as i64),
        Err(e) => Some(-(e.duration().as_secs_f64().ceil() as i64)),
    }
}

/// A Content-Type from a file name's extension (the common ones; S3's default otherwise).
pub fn guess_content_type(name: &str) -> Option<&'static str> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "txt" | "text" | "log" | "md" => "text/plain",
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "csv" => "text/csv",
        "js" | "mjs" => "text/javascript",
        "json" => "application/json",
        "xml" => "application/xml",
        "yaml" | "yml" => "application/yaml",
        "toml" => "application/toml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "gz" | "tgz" => "application/gzip",
        "bz2" => "application/x-bzip2",
        "zst" => "application/zstd",
        "tar" => "application/x-tar",
        "wasm" => "application/wasm",
        _ => return None,
    })
}

/// A hint for errors about local files.
pub(super) fn local_hint(text: &str) -> &'static str {
    if text.contains("Permission denied") || text.contains("Read-only file system") {
        ": check that the directory is writable"
    } else if text.contains("No space left") {
        ": free some disk space"
    } else {
        ""
    }
}

pub(super) fn mkdirs(dir: &Path) -> Result<(), String> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir).map_err(|e| {
        let t = e.to_string();
        format!("cannot create the directory {}: {t}{}", dir.display(), local_hint(&t))
    })
}

pub(super) fn set_mtime(path: &Path, time: Option<SystemTime>) {
    if let Some(t) = time {
        if let Ok(f) = fs::File::options().write(true).open(path) {
            let _ = f.set_modified(t);
        }
    }
}

pub(super) fn is_dir_like(path: &Path) -> bool {
    let s = path.as_os_str().to_string_lossy();
    path.is_dir() || s.ends_with('/') || s.ends_with(std::path::MAIN_SEPARATOR) || s == "." || s == ".."
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        assert_eq!(guess_content_type("a.JSON"), Some("application/json"));
        assert_eq!(guess_content_type("noext"), None);
    }
}
