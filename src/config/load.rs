//! Reading the shared files from disk into a [`ProfileSet`].
//!
//! A missing file is not an error (it has no profiles). A file that exists but cannot be read,
//! is not UTF-8 or is malformed is an error naming the file (and line).

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use super::env::{Environment, Platform};
use super::location::{locate, select_profile};
use super::profile::parse::{parse_bytes, RawSection};
use super::profile::{FileKind, ParseError, ProfileSet};

/// The shared files could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// The file exists but could not be read.
    Read {
        /// Which file.
        file: FileKind,
        /// Its path.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The file is not valid (the error carries the path and line).
    Parse(ParseError),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Read { file, path, source } => write!(
                f,
                "cannot read the AWS {} file {}: {source}; fix its permissions or point {} elsewhere",
                file.as_str(),
                path.display(),
                match file {
                    FileKind::Config => super::location::CONFIG_FILE_ENV,
                    FileKind::Credentials => super::location::CREDENTIALS_FILE_ENV,
                }
            ),
            LoadError::Parse(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::Read { source, .. } => Some(source),
            LoadError::Parse(e) => Some(e),
        }
    }
}

impl From<ParseError> for LoadError {
    fn from(e: ParseError) -> Self {
        LoadError::Parse(e)
    }
}

/// Reads and parses one file. `Ok(None)` when it does not exist.
pub fn read_sections(file: FileKind, path: &Path) -> Result<Option<Vec<RawSection>>, LoadError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(LoadError::Read { file, path: path.to_path_buf(), source }),
    };
    parse_bytes(&bytes, file).map(Some).map_err(|e| e.with_path(path).into())
}

/// Loads both shared files for this platform, selecting `profile` if given (as `--profile`
/// does), else by the environment (see [`select_profile`]).
pub fn load(env: &Environment, profile: Option<&str>) -> Result<ProfileSet, LoadError> {
    load_on(env, Platform::current(), profile)
}

/// [`load`] with the path rules of `platform`.
pub fn load_on(env: &Environment, platform: Platform, profile: Option<&str>) -> Result<ProfileSet, LoadError> {
    let mut raw = [Vec::new(), Vec::new()];
    let mut paths = [None, None];
    for (i, file) in [FileKind::Config, FileKind::Credentials].into_iter().enumerate() {
        if let Some(path) = locate(file, env, platform).path {
            if let Some(sections) = read_sections(file, &path)? {
                raw[i] = sections;
                paths[i] = Some(path);
            }
        }
    }
    let [config_path, credentials_path] = paths;
    let (name, selection) = select_profile(env, profile);
    Ok(ProfileSet::from_raw(&raw[0], &raw[1])
        .with_path(FileKind::Config, config_path)
        .with_path(FileKind::Credentials, credentials_path)
        .with_selected(name, selection))
}
