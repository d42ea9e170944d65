//! [`PackageError`]: why a file is not a readable conda package, naming the file.

use std::error::Error as StdError;
use std::fmt;
use std::io;

/// A package could not be read: the file it is about, and why.
///
/// Renders as one line, `FILE: WHAT`, e.g.
/// `numpy-2.0-py312_0.conda: not a valid .conda: no zip end-of-central-directory record`.
#[derive(Debug)]
pub struct PackageError {
    /// The package's name as the caller gave it (a file name, a key or a URL).
    pub file: String,
    /// What went wrong.
    pub kind: PackageErrorKind,
}

/// What went wrong reading a package.
#[derive(Debug)]
#[non_exhaustive]
pub enum PackageErrorKind {
    /// The name ends in neither `.conda` nor `.tar.bz2`.
    UnknownFormat,
    /// The bytes could not be read from where they are (the source's own error).
    Read(Box<dyn StdError + Send + Sync + 'static>),
    /// The outer zip of a `.conda` is damaged or not a zip at all.
    Zip(String),
    /// A `.conda` member the reader needs is compressed inside the zip; `.conda` stores members.
    NotStored {
        /// The member's name.
        member: String,
        /// The zip compression method number (8 is deflate).
        method: u16,
    },
    /// The `.conda` has no `info-*.tar.zst` member.
    NoInfoMember,
    /// The `info-*.tar.zst` member is not valid zstd.
    Zstd(io::Error),
    /// The `.tar.bz2` is not valid bzip2.
    Bzip2(io::Error),
    /// The tar stream inside is damaged.
    Tar(String),
    /// The package has no `info/index.json`.
    NoIndexJson,
    /// Something is larger than the reader accepts.
    TooLarge {
        /// What ("the info member", "info/index.json").
        what: String,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// A metadata file is not what conda expects (`info/index.json: missing field "name"`).
    Json {
        /// The file inside the package.
        path: &'static str,
        /// What is wrong with it.
        detail: String,
    },
}

impl PackageError {
    /// An error about `file`.
    pub fn new(file: &str, kind: PackageErrorKind) -> Self {
        PackageError { file: file.to_string(), kind }
    }
}

impl fmt::Display for PackageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.file)?;
        match &self.kind {
            PackageErrorKind::UnknownFormat => {
                f.write_str("not a conda package (the name must end in .conda or .tar.bz2)")
            }
            PackageErrorKind::Read(e) => write!(f, "could not read the package: {e}"),
            PackageErrorKind::Zip(d) => write!(f, "not a valid .conda: {d}"),
            PackageErrorKind::NotStored { member, method } => write!(
                f,
                "not a valid .conda: member {member} is compressed (zip method {method}); .conda members are stored"
            ),
            PackageErrorKind::NoInfoMember => f.write_str("not a valid .conda: no info-*.tar.zst member"),
            PackageErrorKind::Zstd(e) => write!(f, "not a valid .conda: the info member is not valid zstd: {e}"),
            PackageErrorKind::Bzip2(e) => write!(f, "not a valid .tar.bz2: {e}"),
            PackageErrorKind::Tar(d) => write!(f, "damaged tar inside the package: {d}"),
            PackageErrorKind::NoIndexJson => f.write_str("not a conda package: no info/index.json"),
            PackageErrorKind::TooLarge { what, size, limit } => {
                write!(f, "{what} is {size} bytes, more than the {limit} bytes this reader accepts")
            }
            PackageErrorKind::Json { path, detail } => write!(f, "{path}: {detail}"),
        }
    }
}

impl StdError for PackageError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &self.kind {
            PackageErrorKind::Read(e) => Some(e.as_ref()),
            PackageErrorKind::Zstd(e) | PackageErrorKind::Bzip2(e) => Some(e),
            _ => None,
        }
    }
}
