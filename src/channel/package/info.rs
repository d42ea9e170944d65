//! The files under `info/` a channel index needs, taken from a package's tar stream.

use std::io::{self, Read};

use super::error::{PackageError, PackageErrorKind};
use super::index_json::{IndexJson, RunExportsJson};
use super::tar::{Kind, TarError, TarReader};

/// `info/index.json`: name, version, build, depends...
pub const INDEX_JSON: &str = "info/index.json";
/// `info/run_exports.json`.
pub const RUN_EXPORTS_JSON: &str = "info/run_exports.json";
/// `info/about.json`.
pub const ABOUT_JSON: &str = "info/about.json";

/// Bounds on what a damaged or hostile package can make the reader do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest metadata file (`index.json`, `run_exports.json`, `about.json`) accepted.
    pub max_file: u64,
    /// The most decompressed bytes read from a `.conda`'s info member.
    pub max_info_tar: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_file: 16 << 20, max_info_tar: 256 << 20 }
    }
}

/// The metadata files of one package, as bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InfoFiles {
    /// `info/index.json`.
    pub index_json: Vec<u8>,
    /// `info/run_exports.json`, when the package has one.
    pub run_exports_json: Option<Vec<u8>>,
    /// `info/about.json`, when the package has one and it came before the reader stopped
    /// (always for `.conda`; for `.tar.bz2` when it is inside `info/`, which sorts it first).
    pub about_json: Option<Vec<u8>>,
}

impl InfoFiles {
    /// `info/index.json` parsed and checked as rattler's indexer does; `file` names the package.
    pub fn index(&self, file: &str) -> Result<IndexJson, PackageError> {
        IndexJson::from_slice(&self.index_json)
            .map_err(|detail| PackageError::new(file, PackageErrorKind::Json { path: INDEX_JSON, detail }))
    }

    /// `info/run_exports.json` parsed, or `None` when the package has none.
    pub fn run_exports(&self, file: &str) -> Result<Option<RunExportsJson>, PackageError> {
        let Some(bytes) = &self.run_exports_json else { return Ok(None) };
        RunExportsJson::from_slice(bytes)
            .map(Some)
            .map_err(|detail| PackageError::new(file, PackageErrorKind::Json { path: RUN_EXPORTS_JSON, detail }))
    }
}

/// Counts bytes going through and stops at a limit.
struct Capped<R> {
    inner: R,
    left: u64,
}

/// The error [`Capped`] returns at its limit.
#[derive(Debug)]
struct LimitReached;

impl std::fmt::Display for LimitReached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("limit reached")
    }
}

impl std::error::Error for LimitReached {}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::other(LimitReached));
        }
        let max = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..max])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// Walks a package's tar stream and collects [`InfoFiles`].
///
/// With `stop_after_info` (a `.tar.bz2`, info/ first), reading stops as soon as both
/// `index.json` and `run_exports.json` are in, or once `index.json` is in and an entry outside
/// `info/` comes (rattler's and conda-build's writers put all of `info/` first, so no
/// `run_exports.json` can follow). `io_error` says what a failing stream means (bad zstd, bad
/// bzip2).
pub fn read_info_tar<R: Read>(
    stream: R,
    file: &str,
    limits: &Limits,
    stop_after_info: bool,
    io_error: fn(io::Error) -> PackageErrorKind,
) -> Result<InfoFiles, PackageError> {
    let cap = if stop_after_info { u64::MAX } else { limits.max_info_tar };
    let mut tar = TarReader::new(Capped { inner: stream, left: cap });
    let (mut index, mut run_exports, mut about) = (None, None, None);
    let err = |kind| PackageError::new(file, kind);
    loop {
        let entry = match tar.next_entry() {
            Ok(Some(entry)) => entry,
            Ok(None) => break,
            Err(e) => return Err(tar_error(e, file, limits, io_error)),
        };
        if stop_after_info && index.is_some() && !entry.path.starts_with("info/") {
            break;
        }
        let slot = match (entry.kind, entry.path.as_str()) {
            (Kind::File, INDEX_JSON) => &mut index,
            (Kind::File, RUN_EXPORTS_JSON) => &mut run_exports,
            (Kind::File, ABOUT_JSON) => &mut about,
            _ => continue,
        };
        if entry.size > limits.max_file {
            return Err(err(PackageErrorKind::TooLarge { what: entry.path, size: entry.size, limit: limits.max_file }));
        }
        let data = tar.read_entry(entry.size).map_err(|e| tar_error(e, file, limits, io_error))?;
        *slot = Some(data);
        if index.is_some() && run_exports.is_some() && (stop_after_info || about.is_some()) {
            break;
        }
    }
    let index_json = index.ok_or_else(|| err(PackageErrorKind::NoIndexJson))?;
    Ok(InfoFiles { index_json, run_exports_json: run_exports, about_json: about })
}

fn tar_error(e: TarError, file: &str, limits: &Limits, io_error: fn(io::Error) -> PackageErrorKind) -> PackageError {
    let kind = match e {
        TarError::Format(d) => PackageErrorKind::Tar(d),
        TarError::Io(e) if e.get_ref().is_some_and(|inner| inner.is::<LimitReached>()) => PackageErrorKind::TooLarge {
            what: "the decompressed info member".into(),
            size: limits.max_info_tar,
            limit: limits.max_info_tar,
        },
        TarError::Io(e) => io_error(e),
    };
    PackageError::new(file, kind)
}
