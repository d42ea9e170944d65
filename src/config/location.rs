//! Where the shared files are, and which profile is selected (no file is read here).
//!
//! - config: `AWS_CONFIG_FILE`, else `~/.aws/config`; credentials:
//!   `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`. A leading `~` is the home
//!   directory ([`Environment::home_dir_on`]: `HOME`; on Windows also `USERPROFILE`, then
//!   `HOMEDRIVE`+`HOMEPATH`).
//! - profile: an explicit name (`--profile`), else `AWS_PROFILE`, else `AWS_DEFAULT_PROFILE`,
//!   else `default`. The AWS SDKs read only `AWS_PROFILE` (the Rust SDK, which pixi and rattler
//!   use, among them); the AWS CLI / botocore also reads the older `AWS_DEFAULT_PROFILE` and
//!   prefers it when both are set. minis3 follows the SDKs first and keeps `AWS_DEFAULT_PROFILE`
//!   as a fallback, so a file set up for either tool works.

use std::fmt;
use std::path::PathBuf;

use super::env::{Environment, Platform};
use super::profile::{FileKind, Selection};

/// Environment variable naming the config file.
pub const CONFIG_FILE_ENV: &str = "AWS_CONFIG_FILE";
/// Environment variable naming the credentials file.
pub const CREDENTIALS_FILE_ENV: &str = "AWS_SHARED_CREDENTIALS_FILE";

/// Where a file path came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathSource {
    /// From this environment variable.
    Env(&'static str),
    /// The default under the home directory.
    Default,
}

/// The location of one shared file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// Which file.
    pub file: FileKind,
    /// The path; `None` when it needs the home directory and none is known.
    pub path: Option<PathBuf>,
    /// Where the path came from.
    pub source: PathSource,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, self.source) {
            (Some(p), PathSource::Env(var)) => write!(f, "{} (from {var})", p.display()),
            (Some(p), PathSource::Default) => write!(f, "{}", p.display()),
            (None, _) => write!(
                f,
                "no {} file: the home directory is unknown (set HOME, or {})",
                self.file.as_str(),
                match self.file {
                    FileKind::Config => CONFIG_FILE_ENV,
                    FileKind::Credentials => CREDENTIALS_FILE_ENV,
                }
            ),
        }
    }
}

/// Replaces a leading `~` (alone, or followed by a separator) with the home directory.
/// `None` when the path needs the home directory and it is unknown.
pub fn expand_home(path: &str, env: &Environment, platform: Platform) -> Option<String> {
    let rest = match path.strip_prefix('~') {
        Some(rest)
            if rest.is_empty()
                || rest.starts_with('/')
                || (platform == Platform::Windows && rest.starts_with('\\')) =>
        {
            rest
        }
        _ => return Some(path.to_string()),
    };
    let home = env.home_dir_on(platform)?;
    let sep = platform.separator();
    let home = home.strip_suffix(sep).unwrap_or(&home);
    let rest = if platform == Platform::Windows { rest.replace('/', "\\") } else { rest.to_string() };
    Some(format!("{home}{rest}"))
}

/// The location of the config or credentials file.
pub fn locate(file: FileKind, env: &Environment, platform: Platform) -> Location {
    let (var, default) = match file {
        FileKind::Config => (CONFIG_FILE_ENV, "~/.aws/config"),
        FileKind::Credentials => (CREDENTIALS_FILE_ENV, "~/.aws/credentials"),
    };
    let (raw, source) = match env.non_empty(var) {
        Some(p) => (p, PathSource::Env(var)),
        None => (default, PathSource::Default),
    };
    Location { file, path: expand_home(raw, env, platform).map(PathBuf::from), source }
}

/// The selected profile name and how it was chosen: `explicit`, else `AWS_PROFILE`, else
/// `AWS_DEFAULT_PROFILE`, else `default`. Empty values count as unset.
pub fn select_profile(env: &Environment, explicit: Option<&str>) -> (String, Selection) {
    if let Some(name) = explicit.map(str::trim).filter(|n| !n.is_empty()) {
        return (name.to_string(), Selection::Explicit);
    }
    for var in ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"] {
        if let Some(name) = env.non_empty(var) {
            return (name.to_string(), Selection::Env(var));
        }
    }
    ("default".to_string(), Selection::Default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tilde_only_at_the_start() {
        let env = Environment::from_pairs([("HOME", "/h/")]);
        assert_eq!(expand_home("~/x", &env, Platform::Unix).unwrap(), "/h/x");
        assert_eq!(expand_home("~", &env, Platform::Unix).unwrap(), "/h");
        assert_eq!(expand_home("~user/x", &env, Platform::Unix).unwrap(), "~user/x");
        assert_eq!(expand_home("/a/~/x", &env, Platform::Unix).unwrap(), "/a/~/x");
        assert!(expand_home("~/x", &Environment::default(), Platform::Unix).is_none());
    }

    #[test]
    fn aws_profile_before_aws_default_profile() {
        let env = Environment::from_pairs([("AWS_DEFAULT_PROFILE", "b"), ("AWS_PROFILE", "a")]);
        assert_eq!(select_profile(&env, None), ("a".into(), Selection::Env("AWS_PROFILE")));
        assert_eq!(select_profile(&env, Some("c")).0, "c");
        let env = Environment::from_pairs([("AWS_DEFAULT_PROFILE", "b"), ("AWS_PROFILE", "")]);
        assert_eq!(select_profile(&env, None).0, "b");
    }
}
