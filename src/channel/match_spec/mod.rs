//! Conda match specs, parsed as rattler's lenient `MatchSpec::from_str` (py-rattler's
//! `MatchSpec(s, exact_names_only=False)`) and matched as rattler matches a package record.
//!
//! Forms: `numpy`, name globs (`numpy*`, `*py*`), `numpy >=1.26,<2`, `python 3.12.*`,
//! `numpy=1.26` (starts with), `numpy=1.26=*_0` (version and build), `numpy==1.26.0=py312_0`,
//! `numpy 1.26 py312_0`, bracket fields (`[version='>=1.2']`, `[build=*_0]`,
//! `[build_number='>=3']`, `[subdir=linux-64]`, `[md5=...]`, `[sha256=...]`, `[channel=...]`,
//! `[fn=...]`, `[license=...]`, `[license_family=...]`, `[track_features=...]`,
//! `[namespace=...]`; a bracket field wins over the same field written before it), prefixes
//! `channel::name`, `channel/subdir::name`, `namespace:name`, and `# comments`.
//!
//! Not supported (an error says so): regular expressions (`^py.*$`) for names and builds,
//! URL and path specs, and rattler's opt-in `extras`, `flags` and `when` fields.
//!
//! Matching follows rattler's `Matches<PackageRecord>`: name, version, build, build number,
//! md5, sha256, license, license family and track features. Like rattler, [`MatchSpec::matches`]
//! does not look at the spec's channel or subdir, which say where to look;
//! [`MatchSpec::matches_in`] also requires the candidate's subdir to be the spec's.

mod glob;
mod parse;
mod split;

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use super::version::Version;
use super::version_spec::VersionSpec;
pub(crate) use glob::Glob;

/// The name part of a match spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameMatcher {
    /// An exact name, normalized to lowercase.
    Exact(String),
    /// A glob (`numpy*`), matched case-sensitively against the lowercase record name.
    Glob(GlobPattern),
}

/// A compiled glob as written in a match spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlobPattern(Glob);

impl GlobPattern {
    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// The build part of a match spec: exact (ASCII case-insensitive) or a glob (likewise).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BuildMatcher {
    /// An exact build string.
    Exact(String),
    /// A build glob such as `*_0` or `py312*`.
    Glob(GlobPattern),
}

impl BuildMatcher {
    fn matches(&self, build: &str) -> bool {
        match self {
            BuildMatcher::Exact(s) => s.eq_ignore_ascii_case(build),
            BuildMatcher::Glob(g) => g.0.matches(build, false),
        }
    }
}

/// A build number constraint: `3`, `==3`, `!=3`, `>3`, `>=3`, `<3`, `<=3`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuildNumberSpec {
    /// The comparison (`Ordering::Equal` with `negate` for `!=`).
    op: BuildNumberOp,
    /// The right-hand side.
    value: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BuildNumberOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl BuildNumberSpec {
    /// Whether `n` satisfies the constraint.
    pub fn matches(&self, n: u64) -> bool {
        match self.op {
            BuildNumberOp::Eq => n == self.value,
            BuildNumberOp::Ne => n != self.value,
            BuildNumberOp::Gt => n > self.value,
            BuildNumberOp::Ge => n >= self.value,
            BuildNumberOp::Lt => n < self.value,
            BuildNumberOp::Le => n <= self.value,
        }
    }
}

/// A parsed match spec. Fields are `None` when the spec does not constrain them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchSpec {
    /// The package name or name glob.
    pub name: NameMatcher,
    /// The version constraint.
    pub version: Option<VersionSpec>,
    /// The build string constraint.
    pub build: Option<BuildMatcher>,
    /// The build number constraint.
    pub build_number: Option<BuildNumberSpec>,
    /// The channel as written (`conda-forge`, `s3://bucket/channel`), without a subdir.
    pub channel: Option<String>,
    /// The subdir (`linux-64`), from `channel/subdir::` or `[subdir=...]`.
    pub subdir: Option<String>,
    /// The namespace of `namespace:name`.
    pub namespace: Option<String>,
    /// The md5 of the package file, lowercase hex.
    pub md5: Option<String>,
    /// The sha256 of the package file, lowercase hex.
    pub sha256: Option<String>,
    /// The file name (`[fn=...]`); not used for matching, as in rattler.
    pub file_name: Option<String>,
    /// The license (matched exactly).
    pub license: Option<String>,
    /// The license family (matched exactly).
    pub license_family: Option<String>,
    /// Track features the record must all have.
    pub track_features: Option<Vec<String>>,
}

/// The facts of one package record a match spec looks at (borrowed from the record).
#[derive(Clone, Copy, Debug)]
pub struct Candidate<'a> {
    /// The package name (compared lowercase).
    pub name: &'a str,
    /// The parsed version.
    pub version: &'a Version,
    /// The build string.
    pub build: &'a str,
    /// The build number.
    pub build_number: u64,
    /// The subdir (`linux-64`, `noarch`).
    pub subdir: &'a str,
    /// The md5 of the file, hex.
    pub md5: Option<&'a str>,
    /// The sha256 of the file, hex.
    pub sha256: Option<&'a str>,
    /// The license.
    pub license: Option<&'a str>,
    /// The license family.
    pub license_family: Option<&'a str>,
    /// Track features, as repodata writes them (one string, space or comma separated).
    pub track_features: Option<&'a str>,
    /// The record's timestamp (any unit, compared as is), used only to pick the newest.
    pub timestamp: Option<u64>,
}

impl<'a> Candidate<'a> {
    /// A candidate with just name, version, build, build number and subdir.
    pub fn new(name: &'a str, version: &'a Version, build: &'a str, build_number: u64, subdir: &'a str) -> Self {
        Candidate {
            name,
            version,
            build,
            build_number,
            subdir,
            md5: None,
            sha256: None,
            license: None,
            license_family: None,
            track_features: None,
            timestamp: None,
        }
    }
}

/// Why a match spec could not be parsed: the input and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchSpecError {
    input: String,
    reason: String,
}

impl MatchSpecError {
    pub(crate) fn new(input: &str, reason: impl Into<String>) -> Self {
        MatchSpecError { input: input.to_owned(), reason: reason.into() }
    }

    /// The rejected input.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// Why it was rejected.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for MatchSpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid match spec '{}': {}", super::shorten(&self.input), self.reason)
    }
}

impl std::error::Error for MatchSpecError {}

impl MatchSpec {
    /// Parses a match spec (the same as `str::parse`).
    pub fn parse(input: &str) -> Result<Self, MatchSpecError> {
        parse::parse(input).map_err(|reason| MatchSpecError::new(input, reason))
    }

    /// Whether the name part matches `name` (compared lowercase).
    pub fn matches_name(&self, name: &str) -> bool {
        match &self.name {
            NameMatcher::Exact(n) => n.eq_ignore_ascii_case(name),
            NameMatcher::Glob(g) => {
                if name.bytes().any(|b| b.is_ascii_uppercase()) {
                    g.0.matches(&name.to_ascii_lowercase(), true)
                } else {
                    g.0.matches(name, true)
                }
            }
        }
    }

    /// Whether the record matches, as rattler decides it (channel and subdir not looked at).
    pub fn matches(&self, c: &Candidate<'_>) -> bool {
        if !self.matches_name(c.name) {
            return false;
        }
        if let Some(v) = &self.version {
            if !v.matches(c.version) {
                return false;
            }
        }
        if let Some(b) = &self.build {
            if !b.matches(c.build) {
                return false;
            }
        }
        if let Some(n) = &self.build_number {
            if !n.matches(c.build_number) {
                return false;
            }
        }
        if !hex_matches(self.md5.as_deref(), c.md5) || !hex_matches(self.sha256.as_deref(), c.sha256) {
            return false;
        }
        if self.license.is_some() && self.license.as_deref() != c.license {
            return false;
        }
        if self.license_family.is_some() && self.license_family.as_deref() != c.license_family {
            return false;
        }
        if let Some(wanted) = &self.track_features {
            let have = c.track_features.unwrap_or("");
            let have = have.split([',', ' ']).filter(|s| !s.is_empty());
            if !wanted.iter().all(|w| have.clone().any(|h| h == w)) {
                return false;
            }
        }
        true
    }

    /// [`MatchSpec::matches`], and the candidate's subdir is the spec's subdir if it names one.
    pub fn matches_in(&self, c: &Candidate<'_>) -> bool {
        self.subdir.as_deref().is_none_or(|s| s == c.subdir) && self.matches(c)
    }
}

fn hex_matches(spec: Option<&str>, record: Option<&str>) -> bool {
    match (spec, record) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(s), Some(r)) => s.eq_ignore_ascii_case(r.trim()),
    }
}

impl FromStr for MatchSpec {
    type Err = MatchSpecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MatchSpec::parse(s)
    }
}

/// How two candidates of the same package rank: by version, then build number, then
/// timestamp (a missing timestamp counts as 0). `Greater` means `a` is newer. This is the
/// order `pixi search` shows (newest version first, the highest build number of it first),
/// with the timestamp breaking the remaining ties as conda's solver does.
pub fn compare_newest(a: &Candidate<'_>, b: &Candidate<'_>) -> Ordering {
    a.version
        .cmp(b.version)
        .then(a.build_number.cmp(&b.build_number))
        .then(a.timestamp.unwrap_or(0).cmp(&b.timestamp.unwrap_or(0)))
}

/// The index of the newest candidate matching `spec` (see [`compare_newest`]); on a full tie
/// the first one listed wins. `None` when nothing matches.
pub fn newest(spec: &MatchSpec, candidates: &[Candidate<'_>]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, c) in candidates.iter().enumerate() {
        if !spec.matches_in(c) {
            continue;
        }
        match best {
            Some(b) if compare_newest(c, &candidates[b]) != Ordering::Greater => {}
            _ => best = Some(i),
        }
    }
    best
}

#[cfg(test)]
mod tests;
