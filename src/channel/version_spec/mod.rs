//! Version specs (CEP 29): `==1.2`, `!=1.2`, `>1.2`, `>=1.2`, `<1.2`, `<=1.2`, `~=1.2`,
//! `=1.2` (starts with), `1.2.*` and `1.2*` (starts with), bare `1.2` (`==1.2`), `*`, joined
//! with `,` (and, binds tighter) and `|` (or), with parentheses.
//!
//! Parsed as rattler's `VersionSpec::from_str` in `ParseStrictness::Lenient` mode (what
//! py-rattler's `VersionSpec(...)` and `MatchSpec(...)` use), including its legacy forms:
//! `>=1.2.*` is `>=1.2`, `!=1.2.*` is "does not start with 1.2", `2023.*.*` is `2023.*`,
//! `==1.2.*` is `==1.2`, `>=*` and `==*` are `*`. The string must be exactly a spec: no
//! whitespace before or after it (a match spec removes whitespace before parsing its
//! version part).

mod parse;

use std::fmt;
use std::str::FromStr;

use super::version::Version;

/// A comparison operator of a range constraint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeOp {
    /// `>`
    Greater,
    /// `>=`
    GreaterEquals,
    /// `<`
    Less,
    /// `<=`
    LessEquals,
}

/// A parsed version spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VersionSpec {
    /// `*`: every version.
    Any,
    /// `>V`, `>=V`, `<V`, `<=V`.
    Range(RangeOp, Version),
    /// `==V` (or a bare `V`).
    Exact(Version),
    /// `!=V`.
    NotExact(Version),
    /// `=V`, `V.*`, `V*`: versions starting with `V`.
    StartsWith(Version),
    /// `!=V.*`: versions not starting with `V`.
    NotStartsWith(Version),
    /// `~=V`: at least `V`, starting with `V` minus its last segment.
    Compatible(Version),
    /// `A,B`: all of them.
    And(Vec<VersionSpec>),
    /// `A|B`: any of them.
    Or(Vec<VersionSpec>),
}

/// Why a version spec could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VersionSpecErrorKind {
    /// An operator that is not one of `== != > >= < <= = ~=`.
    InvalidOperator(String),
    /// No version where one was expected.
    ExpectedVersion,
    /// The version part is not a conda version.
    InvalidVersion(super::version::VersionErrorKind),
    /// `*` after an operator that cannot take it (`>*`, `<*`, `!=*`).
    GlobWithOperator(String),
    /// `^...$` regular expressions are not supported (as in rattler).
    RegexNotSupported,
    /// A glob in the middle of a version (`1.*.2`) or other misplaced characters.
    InvalidGlob,
    /// Characters left over, unbalanced parentheses or a dangling `,`/`|`.
    UnexpectedCharacters,
    /// Parentheses nested more than 64 deep.
    TooDeep,
}

impl fmt::Display for VersionSpecErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidOperator(op) => write!(f, "invalid operator '{}'", super::shorten(op)),
            Self::ExpectedVersion => f.write_str("expected a version"),
            Self::InvalidVersion(k) => write!(f, "invalid version: {k}"),
            Self::GlobWithOperator(op) => write!(f, "'*' cannot follow the operator '{op}'"),
            Self::RegexNotSupported => f.write_str("regular expressions are not supported"),
            Self::InvalidGlob => f.write_str("a '*' is only allowed at the end of a version"),
            Self::UnexpectedCharacters => {
                f.write_str("unexpected characters (a spec is constraints joined by ',' and '|', with parentheses)")
            }
            Self::TooDeep => f.write_str("parentheses nested more than 64 deep"),
        }
    }
}

/// A string that is not a valid version spec, with the input and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionSpecError {
    input: String,
    kind: VersionSpecErrorKind,
}

impl VersionSpecError {
    /// The rejected input.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// Why it was rejected.
    pub fn kind(&self) -> &VersionSpecErrorKind {
        &self.kind
    }
}

impl fmt::Display for VersionSpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid version spec '{}': {}", super::shorten(&self.input), self.kind)
    }
}

impl std::error::Error for VersionSpecError {}

impl VersionSpec {
    /// Parses a version spec (the same as `str::parse`).
    pub fn parse(input: &str) -> Result<Self, VersionSpecError> {
        parse::parse(input).map_err(|kind| VersionSpecError { input: input.to_owned(), kind })
    }

    /// Whether `version` satisfies the spec.
    pub fn matches(&self, version: &Version) -> bool {
        match self {
            VersionSpec::Any => true,
            VersionSpec::Range(op, limit) => match op {
                RangeOp::Greater => version > limit,
                RangeOp::GreaterEquals => version >= limit,
                RangeOp::Less => version < limit,
                RangeOp::LessEquals => version <= limit,
            },
            VersionSpec::Exact(limit) => limit.exactly_equals(version),
            VersionSpec::NotExact(limit) => !limit.exactly_equals(version),
            VersionSpec::StartsWith(limit) => version.starts_with(limit),
            VersionSpec::NotStartsWith(limit) => !version.starts_with(limit),
            VersionSpec::Compatible(limit) => version.compatible_with(limit),
            VersionSpec::And(all) => all.iter().all(|s| s.matches(version)),
            VersionSpec::Or(any) => any.iter().any(|s| s.matches(version)),
        }
    }
}

impl FromStr for VersionSpec {
    type Err = VersionSpecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VersionSpec::parse(s)
    }
}

/// Rattler's canonical form: `==1.2`, `1.2.*`, `>=1,<2`, `(>=1,<2)|>3` (parentheses only
/// where an `|` group sits inside a `,` group).
impl fmt::Display for VersionSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn write(spec: &VersionSpec, f: &mut fmt::Formatter<'_>, in_and: bool) -> fmt::Result {
            match spec {
                VersionSpec::Any => f.write_str("*"),
                VersionSpec::Range(op, v) => {
                    let op = match op {
                        RangeOp::Greater => ">",
                        RangeOp::GreaterEquals => ">=",
                        RangeOp::Less => "<",
                        RangeOp::LessEquals => "<=",
                    };
                    write!(f, "{op}{v}")
                }
                VersionSpec::Exact(v) => write!(f, "=={v}"),
                VersionSpec::NotExact(v) => write!(f, "!={v}"),
                VersionSpec::StartsWith(v) => write!(f, "{v}.*"),
                VersionSpec::NotStartsWith(v) => write!(f, "!={v}.*"),
                VersionSpec::Compatible(v) => write!(f, "~={v}"),
                VersionSpec::And(all) => {
                    for (i, s) in all.iter().enumerate() {
                        if i > 0 {
                            f.write_str(",")?;
                        }
                        write(s, f, true)?;
                    }
                    Ok(())
                }
                VersionSpec::Or(any) => {
                    if in_and {
                        f.write_str("(")?;
                    }
                    for (i, s) in any.iter().enumerate() {
                        if i > 0 {
                            f.write_str("|")?;
                        }
                        write(s, f, false)?;
                    }
                    if in_and {
                        f.write_str(")")?;
                    }
                    Ok(())
                }
            }
        }
        write(self, f, false)
    }
}

#[cfg(test)]
mod tests;
