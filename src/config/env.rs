//! The process environment, injected: everything that reads environment variables or the home
//! directory takes an [`Environment`], so tests never touch the real ones.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// A snapshot of environment variables (and, through them, the home directory).
///
/// ```
/// use minis3::config::env::Environment;
/// let env = Environment::from_pairs([("AWS_REGION", "eu-west-1"), ("HOME", "/home/me")]);
/// assert_eq!(env.var("AWS_REGION"), Some("eu-west-1"));
/// assert_eq!(env.home_dir().unwrap(), std::path::PathBuf::from("/home/me"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Environment {
    vars: BTreeMap<String, String>,
}

impl std::fmt::Debug for Environment {
    // Values may be secrets (AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN): only names are shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Environment").field("names", &self.vars.keys().collect::<Vec<_>>()).finish()
    }
}

impl Environment {
    /// The real process environment (variables that are not valid UTF-8 are left out).
    /// Only the binary calls this; library code takes an `Environment` from its caller.
    pub fn from_process() -> Self {
        Self::from_pairs(std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))))
    }

    /// An environment holding exactly these variables.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        Self { vars: pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect() }
    }

    /// The value of `name`, if set (an empty value counts as set; see [`Environment::non_empty`]).
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// The value of `name` if it is set and not empty or only white space, trimmed.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.var(name).map(str::trim).filter(|v| !v.is_empty())
    }

    /// Sets a variable (for building test environments).
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(name.into(), value.into());
    }

    /// Removes a variable.
    pub fn remove(&mut self, name: &str) {
        self.vars.remove(name);
    }

    /// All variables, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The home directory by the AWS SDKs' rule for `platform`: `HOME` on Unix-like systems;
    /// on Windows `HOME`, else `USERPROFILE`, else `HOMEDRIVE` + `HOMEPATH`. Returned as a string
    /// so that a Windows path can be handled (and tested) on any host.
    pub fn home_dir_on(&self, platform: Platform) -> Option<String> {
        if let Some(h) = self.non_empty("HOME") {
            return Some(h.to_string());
        }
        if platform == Platform::Unix {
            return None;
        }
        if let Some(h) = self.non_empty("USERPROFILE") {
            return Some(h.to_string());
        }
        match (self.non_empty("HOMEDRIVE"), self.non_empty("HOMEPATH")) {
            (Some(d), Some(p)) => Some(format!("{d}{p}")),
            _ => None,
        }
    }

    /// The home directory: `HOME`, else `USERPROFILE`, else `HOMEDRIVE` + `HOMEPATH`.
    pub fn home_dir(&self) -> Option<PathBuf> {
        if let Some(h) = self.non_empty("HOME") {
            return Some(PathBuf::from(h));
        }
        if let Some(h) = self.non_empty("USERPROFILE") {
            return Some(PathBuf::from(h));
        }
        match (self.non_empty("HOMEDRIVE"), self.non_empty("HOMEPATH")) {
            (Some(d), Some(p)) => Some(PathBuf::from(format!("{d}{p}"))),
            _ => None,
        }
    }
}

/// The operating-system family whose path rules apply (home directory variables, separator).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    /// Linux, macOS and other Unix-like systems: `HOME`, `/`.
    Unix,
    /// Windows: `HOME`, `USERPROFILE`, `HOMEDRIVE`+`HOMEPATH`, `\`.
    Windows,
}

impl Platform {
    /// The platform this program was compiled for.
    pub fn current() -> Self {
        if cfg!(windows) {
            Platform::Windows
        } else {
            Platform::Unix
        }
    }

    /// The path separator of this platform.
    pub fn separator(self) -> char {
        match self {
            Platform::Unix => '/',
            Platform::Windows => '\\',
        }
    }
}
