//! The AWS shared config and credentials files (`~/.aws/config`, `~/.aws/credentials`).
//!
//! Parsing is two steps, as in the AWS SDKs: [`parse`] turns the text of one file into raw
//! sections with line numbers, [`normalize`] applies the header rules and merges the two files.
//! [`ProfileSet`] is the result, plus which profile is selected and which files were read.
//!
//! ```
//! use minis3::config::profile::ProfileSet;
//! let set = ProfileSet::parse(
//!     Some("[profile dev]\nregion = eu-west-1\ns3 =\n  addressing_style = path\n"),
//!     Some("[dev]\naws_access_key_id = AKID\naws_secret_access_key = SECRET\n"),
//! )
//! .unwrap()
//! .with_selected("dev", minis3::config::profile::Selection::Explicit);
//! let dev = set.selected_profile().unwrap();
//! assert_eq!(dev.get("region"), Some("eu-west-1"));
//! assert_eq!(dev.sub_property("s3", "addressing_style"), Some("path"));
//! assert!(!format!("{dev:?}").contains("SECRET"));
//! ```

pub mod normalize;
pub mod parse;
pub mod section;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use normalize::Warning;
pub use parse::{FileKind, ParseError, ParseErrorKind};
pub use section::{Origin, Property, Section};

/// How the selected profile was chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// Given by the caller (e.g. `--profile`).
    Explicit,
    /// From this environment variable (`AWS_PROFILE` or `AWS_DEFAULT_PROFILE`).
    Env(&'static str),
    /// Nothing chose one: `default`.
    Default,
}

impl fmt::Display for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selection::Explicit => f.write_str("given explicitly"),
            Selection::Env(name) => write!(f, "from environment variable {name}"),
            Selection::Default => f.write_str("the default"),
        }
    }
}

/// Profiles, sso-sessions and services sections from both files, the selected profile, and the
/// paths of the files that were read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileSet {
    profiles: BTreeMap<String, Section>,
    sso_sessions: BTreeMap<String, Section>,
    services: BTreeMap<String, Section>,
    warnings: Vec<Warning>,
    selected: String,
    selection: Selection,
    config_path: Option<PathBuf>,
    credentials_path: Option<PathBuf>,
}

impl ProfileSet {
    /// Parses the texts of a config file and a credentials file (`None`: no such file).
    /// The selected profile is `default`; see [`ProfileSet::with_selected`].
    pub fn parse(config: Option<&str>, credentials: Option<&str>) -> Result<Self, ParseError> {
        let config = match config {
            Some(t) => parse::parse(t, FileKind::Config)?,
            None => Vec::new(),
        };
        let credentials = match credentials {
            Some(t) => parse::parse(t, FileKind::Credentials)?,
            None => Vec::new(),
        };
        Ok(Self::from_raw(&config, &credentials))
    }

    /// Builds the set from raw sections of both files.
    pub fn from_raw(config: &[parse::RawSection], credentials: &[parse::RawSection]) -> Self {
        let n = normalize::normalize(config, credentials);
        Self {
            profiles: n.profiles,
            sso_sessions: n.sso_sessions,
            services: n.services,
            warnings: n.warnings,
            selected: "default".to_string(),
            selection: Selection::Default,
            config_path: None,
            credentials_path: None,
        }
    }

    /// The same set with `name` selected.
    pub fn with_selected(mut self, name: impl Into<String>, selection: Selection) -> Self {
        self.selected = name.into();
        self.selection = selection;
        self
    }

    /// The same set, recording the path a file was read from (for messages and sources).
    pub fn with_path(mut self, file: FileKind, path: Option<PathBuf>) -> Self {
        match file {
            FileKind::Config => self.config_path = path,
            FileKind::Credentials => self.credentials_path = path,
        }
        self
    }

    /// The name of the selected profile.
    pub fn selected(&self) -> &str {
        &self.selected
    }

    /// How the selected profile was chosen.
    pub fn selection(&self) -> &Selection {
        &self.selection
    }

    /// The selected profile, if either file defines it.
    pub fn selected_profile(&self) -> Option<&Section> {
        self.profiles.get(&self.selected)
    }

    /// A profile by name.
    pub fn profile(&self, name: &str) -> Option<&Section> {
        self.profiles.get(name)
    }

    /// All profiles by name.
    pub fn profiles(&self) -> &BTreeMap<String, Section> {
        &self.profiles
    }

    /// An `[sso-session NAME]` section.
    pub fn sso_session(&self, name: &str) -> Option<&Section> {
        self.sso_sessions.get(name)
    }

    /// All sso-session sections by name.
    pub fn sso_sessions(&self) -> &BTreeMap<String, Section> {
        &self.sso_sessions
    }

    /// A `[services NAME]` section.
    pub fn services(&self, name: &str) -> Option<&Section> {
        self.services.get(name)
    }

    /// All services sections by name.
    pub fn all_services(&self) -> &BTreeMap<String, Section> {
        &self.services
    }

    /// Sections and properties that were ignored, and why.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The path the config or credentials file was read from (`None`: not read from disk,
    /// or absent).
    pub fn path(&self, file: FileKind) -> Option<&Path> {
        match file {
            FileKind::Config => self.config_path.as_deref(),
            FileKind::Credentials => self.credentials_path.as_deref(),
        }
    }

    /// A human-readable place: `/home/u/.aws/config:12`, or `config file line 12`.
    pub fn describe_origin(&self, origin: Origin) -> String {
        match self.path(origin.file) {
            Some(p) => format!("{}:{}", p.display(), origin.line),
            None => format!("{} file line {}", origin.file.as_str(), origin.line),
        }
    }
}
