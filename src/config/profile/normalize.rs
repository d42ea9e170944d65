//! Second step: raw sections of both files into profiles, `sso-session`s and `services`.
//!
//! Rules (the cross-SDK profile-file spec):
//! - config file: `[profile NAME]`, `[default]`, `[sso-session NAME]`, `[services NAME]`; any
//!   other header (`[NAME]`, `[profileNAME]`) is ignored. `[profile default]` wins over
//!   `[default]`: when the file has both, every `[default]` section is ignored.
//! - credentials file: `[NAME]` is profile NAME; headers with a prefix are invalid names.
//! - a name may hold ASCII letters, digits and `- / . % @ _ : +`; a section with any other
//!   name, and a property with such a name, is ignored (with a [`Warning`]).
//! - botocore's extension, accepted here too: a prefixed name in double quotes,
//!   `[profile "my profile"]`, is the text between the quotes.
//! - duplicate sections merge; a later property replaces an earlier one (names compared
//!   case-insensitively); the credentials file replaces the config file's values.

use std::collections::BTreeMap;
use std::fmt;

use super::parse::{FileKind, RawSection};
use super::section::{Origin, Section};

/// Something in a file that was ignored, and why (for a `config show` or debug output).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The file kind.
    pub file: FileKind,
    /// 1-based line number.
    pub line: usize,
    /// What was ignored and why.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} file line {}: {}", self.file.as_str(), self.line, self.message)
    }
}

/// The normalized content of both files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Normalized {
    /// Profiles by name.
    pub profiles: BTreeMap<String, Section>,
    /// `[sso-session NAME]` sections by name.
    pub sso_sessions: BTreeMap<String, Section>,
    /// `[services NAME]` sections by name.
    pub services: BTreeMap<String, Section>,
    /// What was ignored.
    pub warnings: Vec<Warning>,
}

/// Whether `name` is a valid profile or property name.
pub fn is_valid_identifier(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "-/.%@_:+".contains(c))
}

enum Target<'a> {
    Profile(&'a str),
    BareDefault,
    SsoSession(&'a str),
    Services(&'a str),
}

/// A prefixed name: `"quoted"` (botocore) or a valid identifier.
fn prefixed_name(rest: &str) -> Option<&str> {
    let name = rest.trim();
    if let Some(inner) = name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
        return (!inner.is_empty() && !inner.contains('"') && !inner.contains(char::is_control)).then_some(inner);
    }
    is_valid_identifier(name).then_some(name)
}

fn classify(header: &str, file: FileKind) -> Result<Target<'_>, String> {
    match file {
        FileKind::Credentials => {
            if is_valid_identifier(header) {
                Ok(Target::Profile(header))
            } else {
                Err(format!("section [{header}] ignored: not a valid profile name (letters, digits and - / . % @ _ : + only; the credentials file takes no 'profile ' prefix)"))
            }
        }
        FileKind::Config => {
            if header == "default" {
                return Ok(Target::BareDefault);
            }
            for prefix in ["profile", "sso-session", "services"] {
                if let Some(rest) = header.strip_prefix(prefix) {
                    if !rest.starts_with(char::is_whitespace) {
                        continue;
                    }
                    let Some(name) = prefixed_name(rest) else {
                        return Err(format!(
                            "section [{header}] ignored: not a valid name (letters, digits and - / . % @ _ : + only)"
                        ));
                    };
                    return Ok(match prefix {
                        "profile" => Target::Profile(name),
                        "sso-session" => Target::SsoSession(name),
                        _ => Target::Services(name),
                    });
                }
            }
            Err(format!(
                "section [{header}] ignored: in the config file a profile is written [profile NAME] (only [default] goes without the prefix)"
            ))
        }
    }
}

fn merge_into(
    map: &mut BTreeMap<String, Section>,
    name: &str,
    section: &RawSection,
    file: FileKind,
    warnings: &mut Vec<Warning>,
) {
    let target = map.entry(name.to_string()).or_insert_with(|| Section::new(name));
    for p in &section.properties {
        if !is_valid_identifier(&p.name) {
            warnings.push(Warning {
                file,
                line: p.line,
                message: format!("property '{}' ignored: not a valid property name", p.name),
            });
            continue;
        }
        target.insert(&p.name, p.value.clone(), Origin { file, line: p.line });
    }
}

/// Normalizes the raw sections of the config file and the credentials file (either may be
/// empty) into one set of profiles, sso-sessions and services.
pub fn normalize(config: &[RawSection], credentials: &[RawSection]) -> Normalized {
    let mut out = Normalized::default();
    let has_prefixed_default =
        config.iter().any(|s| matches!(classify(&s.header, FileKind::Config), Ok(Target::Profile("default"))));
    for (file, sections) in [(FileKind::Config, config), (FileKind::Credentials, credentials)] {
        for section in sections {
            let (map, name) = match classify(&section.header, file) {
                Ok(Target::Profile(n)) => (&mut out.profiles, n),
                Ok(Target::BareDefault) if has_prefixed_default => {
                    out.warnings.push(Warning {
                        file,
                        line: section.line,
                        message: "section [default] ignored: the file also has [profile default], which wins".into(),
                    });
                    continue;
                }
                Ok(Target::BareDefault) => (&mut out.profiles, "default"),
                Ok(Target::SsoSession(n)) => (&mut out.sso_sessions, n),
                Ok(Target::Services(n)) => (&mut out.services, n),
                Err(message) => {
                    out.warnings.push(Warning { file, line: section.line, message });
                    continue;
                }
            };
            merge_into(map, name, section, file, &mut out.warnings);
        }
    }
    out
}
