//! Package metadata for indexing: `info/index.json` (and `info/run_exports.json`,
//! `info/about.json`) from `.conda` and `.tar.bz2` packages without reading them whole, and the
//! repodata record built from it as rattler's indexer builds it.
//!
//! - `.conda` ([`read_conda`]) over a [`RangeSource`]: one suffix read (64 KiB by default) holds
//!   the zip end records, the central directory and, since both writers put it last, usually
//!   the `info-*.tar.zst` member; otherwise one more ranged read for exactly that member.
//! - `.tar.bz2` ([`read_tar_bz2`]) over any [`std::io::Read`]: decompressed until
//!   `info/index.json` and `info/run_exports.json` are in, then left unread.
//! - [`repodata_record`] builds the record from [`IndexJson`], [`RunExportsJson`] and
//!   [`FileHashes`] (stored, or computed with [`hash_reader`] / [`PackageHasher`]).
//!
//! Pure code: no network, no clock. Every failure is a [`PackageError`] naming the file.

mod bz2;
mod bz2_entropy;
mod bz2_mtf;
mod conda;
mod error;
mod hash;
mod index_json;
mod info;
mod record;
mod source;
mod tar;
mod tar_bz2;
mod zip;

pub use conda::{read_conda, CondaMetadata, CondaOptions};
pub use error::{PackageError, PackageErrorKind};
pub use hash::{hash_reader, FileHashes, PackageHasher};
pub use index_json::{IndexJson, NoArch, RunExportsJson, MAX_SECONDS};
pub use info::{InfoFiles, Limits, ABOUT_JSON, INDEX_JSON, RUN_EXPORTS_JSON};
pub use record::repodata_record;
pub use source::{RangeSource, ReadStats, SourceError, Suffix};
pub use tar_bz2::{read_tar_bz2, TarBz2Metadata};

/// The two conda package formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageFormat {
    /// `.conda` (CEP-35: a stored zip of zstd tars).
    Conda,
    /// `.tar.bz2` (a bzip2 tar).
    TarBz2,
}

impl PackageFormat {
    /// The format a file name says, or an error naming it.
    ///
    /// ```
    /// use minis3::channel::package::PackageFormat;
    /// assert_eq!(PackageFormat::from_file_name("a-1-0.conda").unwrap(), PackageFormat::Conda);
    /// assert_eq!(PackageFormat::from_file_name("a-1-0.tar.bz2").unwrap(), PackageFormat::TarBz2);
    /// assert!(PackageFormat::from_file_name("a-1-0.zip").is_err());
    /// ```
    pub fn from_file_name(name: &str) -> Result<PackageFormat, PackageError> {
        if name.ends_with(".conda") {
            Ok(PackageFormat::Conda)
        } else if name.ends_with(".tar.bz2") {
            Ok(PackageFormat::TarBz2)
        } else {
            Err(PackageError::new(name, PackageErrorKind::UnknownFormat))
        }
    }

    /// The repodata map the format's records go to: `packages.conda` or `packages`.
    pub fn repodata_key(self) -> &'static str {
        match self {
            PackageFormat::Conda => "packages.conda",
            PackageFormat::TarBz2 => "packages",
        }
    }
}
