//! A profile's credential settings resolved into a plan: one base source, then zero or more
//! `AssumeRole` hops. Pure (no I/O): [`resolve_plan`] follows `source_profile` links, and
//! [`super::profile_provider::ProfileProvider`] carries the plan out.
//!
//! The rules, as in the AWS SDKs and CLI:
//! - The selected profile with `role_arn` (and no `web_identity_token_file`) is a role hop even if
//!   it also has static keys; its credentials come from `credential_source` or `source_profile`
//!   (both at once is an error; neither is an error).
//! - A *source* profile with static keys stops the walk there (its own `role_arn` is ignored),
//!   except that `source_profile` naming the profile itself means "my own keys assume my role".
//! - Visiting a profile twice is a loop.
//! - A profile's base source, in order: `credential_source` (only with `role_arn`),
//!   `web_identity_token_file` (+ `role_arn`), SSO (`sso_session` or `sso_start_url` forms),
//!   `credential_process`, static keys.

use std::collections::BTreeSet;
use std::fmt;

use crate::config::profile::{ProfileSet, Section};
use crate::sigv4::Credentials;

/// A resolved credential plan for one profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfilePlan {
    /// Where the first credentials come from.
    pub base: BaseSource,
    /// Roles to assume in order, each with the credentials of the step before.
    pub roles: Vec<RoleHop>,
}

/// The first link of a plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BaseSource {
    /// `aws_access_key_id` / `aws_secret_access_key` (/ `aws_session_token`) of a profile.
    StaticKeys {
        /// The profile holding them.
        profile: String,
        /// The keys (`Debug` redacts the secret).
        creds: Credentials,
        /// `aws_account_id`, if set.
        account_id: Option<String>,
    },
    /// `credential_source = Environment | Ec2InstanceMetadata | EcsContainer`.
    Named {
        /// The profile that names it.
        profile: String,
        /// Which source.
        source: NamedSource,
    },
    /// `web_identity_token_file` + `role_arn`.
    WebIdentity {
        /// The profile.
        profile: String,
        /// The role.
        role_arn: String,
        /// The token file path as written.
        token_file: String,
        /// `role_session_name`, if set.
        session_name: Option<String>,
    },
    /// IAM Identity Center.
    Sso(SsoSettings),
    /// `credential_process`.
    Process {
        /// The profile.
        profile: String,
        /// The command line.
        command: String,
        /// `aws_account_id`, used when the process does not say.
        account_id: Option<String>,
    },
}

/// The values a `credential_source` may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NamedSource {
    /// `Environment`: `AWS_ACCESS_KEY_ID` and friends.
    Environment,
    /// `Ec2InstanceMetadata`: IMDS.
    Ec2InstanceMetadata,
    /// `EcsContainer`: the container credentials endpoint.
    EcsContainer,
}

impl NamedSource {
    /// Parses a `credential_source` value (exact spelling, as the AWS CLI requires).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Environment" => Some(Self::Environment),
            "Ec2InstanceMetadata" => Some(Self::Ec2InstanceMetadata),
            "EcsContainer" => Some(Self::EcsContainer),
            _ => None,
        }
    }

    /// The spelling in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Environment => "Environment",
            Self::Ec2InstanceMetadata => "Ec2InstanceMetadata",
            Self::EcsContainer => "EcsContainer",
        }
    }
}

/// SSO settings of a profile (legacy keys or through an `[sso-session]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoSettings {
    /// The profile.
    pub profile: String,
    /// `sso_start_url`.
    pub start_url: String,
    /// `sso_region` (of the portal and the OIDC service).
    pub region: String,
    /// `sso_account_id` (absent: the profile only yields a bearer token).
    pub account_id: Option<String>,
    /// `sso_role_name`.
    pub role_name: Option<String>,
    /// The `sso_session` name, for the session form.
    pub session: Option<String>,
}

/// One `AssumeRole` step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleHop {
    /// The profile with the `role_arn`.
    pub profile: String,
    /// `role_arn`.
    pub role_arn: String,
    /// `role_session_name`.
    pub session_name: Option<String>,
    /// `external_id`.
    pub external_id: Option<String>,
    /// `duration_seconds`.
    pub duration_seconds: Option<u32>,
    /// `mfa_serial` (not supported: asking for a code needs a terminal).
    pub mfa_serial: Option<String>,
}

/// A profile's credential settings are incomplete or contradictory.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProfileError {
    /// No profiles at all.
    NoProfiles,
    /// The selected profile does not exist.
    ProfileNotFound {
        /// Its name.
        profile: String,
    },
    /// `source_profile` names a missing profile.
    SourceProfileNotFound {
        /// The missing profile.
        source_profile: String,
        /// The profile that refers to it.
        from: String,
    },
    /// `role_arn` without `source_profile` or `credential_source`.
    RoleWithoutSource {
        /// The profile.
        profile: String,
    },
    /// Both `source_profile` and `credential_source`.
    BothSources {
        /// The profile.
        profile: String,
    },
    /// `credential_source` has an unknown value.
    UnknownCredentialSource {
        /// The profile.
        profile: String,
        /// The value.
        value: String,
    },
    /// Only one of the two static keys.
    PartialKeys {
        /// The profile.
        profile: String,
        /// The missing key.
        missing: &'static str,
    },
    /// The profile has no credential settings.
    NoCredentialInfo {
        /// The profile.
        profile: String,
    },
    /// `source_profile` links form a loop.
    Loop {
        /// The profiles in the order visited, ending with the repeated one.
        path: Vec<String>,
    },
    /// `web_identity_token_file` without `role_arn`.
    WebIdentityWithoutRole {
        /// The profile.
        profile: String,
    },
    /// An SSO key is missing.
    SsoMissing {
        /// The profile.
        profile: String,
        /// The missing key.
        key: &'static str,
        /// Where it should be (`profile`, or `[sso-session NAME]`).
        place: String,
    },
    /// `sso_account_id` without `sso_role_name`, or the reverse.
    SsoHalfRole {
        /// The profile.
        profile: String,
        /// The key that is set.
        present: &'static str,
        /// The key that is missing.
        missing: &'static str,
    },
    /// The profile's legacy SSO key disagrees with its `[sso-session]`.
    SsoConflict {
        /// The profile.
        profile: String,
        /// The key.
        key: &'static str,
        /// The session.
        session: String,
    },
    /// `sso_session` names a missing section.
    SsoSessionNotFound {
        /// The profile.
        profile: String,
        /// The session name.
        session: String,
    },
    /// `duration_seconds` is not a number of seconds.
    BadDuration {
        /// The profile.
        profile: String,
        /// The value.
        value: String,
    },
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoProfiles => f.write_str("no profiles are defined in the AWS config or credentials file; run `aws configure`"),
            Self::ProfileNotFound { profile } => write!(f, "profile {profile} is in neither the AWS config nor the credentials file; add it or select another profile"),
            Self::SourceProfileNotFound { source_profile, from } => write!(f, "could not find source profile {source_profile} referenced from profile {from}; add [profile {source_profile}] or fix source_profile"),
            Self::RoleWithoutSource { profile } => write!(f, "profile {profile} has role_arn but neither source_profile nor credential_source; add one of them"),
            Self::BothSources { profile } => write!(f, "profile {profile} has both source_profile and credential_source; keep only one"),
            Self::UnknownCredentialSource { profile, value } => write!(f, "profile {profile} has credential_source = {value}; expected Environment, Ec2InstanceMetadata or EcsContainer"),
            Self::PartialKeys { profile, missing } => write!(f, "profile {profile} is missing {missing} (it has the other static key); add it"),
            Self::NoCredentialInfo { profile } => write!(f, "profile {profile} did not contain credential information; add keys, role_arn, sso or credential_process settings"),
            Self::Loop { path } => write!(f, "source_profile links form an infinite loop: {}; fix source_profile", path.join(" -> ")),
            Self::WebIdentityWithoutRole { profile } => write!(f, "profile {profile}: web_identity_token_file was specified but role_arn was missing; add role_arn"),
            Self::SsoMissing { profile, key, place } => write!(f, "profile {profile} uses SSO but {key} is missing in {place}; add it (or run `aws configure sso`)"),
            Self::SsoHalfRole { profile, present, missing } => write!(f, "profile {profile}: if {present} is set, then {missing} must also be set"),
            Self::SsoConflict { profile, key, session } => write!(f, "profile {profile}: {key} differs from the one in [sso-session {session}]; set it only in the sso-session section"),
            Self::SsoSessionNotFound { profile, session } => write!(f, "sso-session named {session} (referenced by profile {profile}) was not found; add [sso-session {session}] to the config file"),
            Self::BadDuration { profile, value } => write!(f, "profile {profile}: duration_seconds = {value} is not a whole number of seconds"),
        }
    }
}

impl std::error::Error for ProfileError {}

fn get<'a>(p: &'a Section, key: &str) -> Option<&'a str> {
    p.get(key).map(str::trim).filter(|v| !v.is_empty())
}

/// Resolves the credential plan of `profile` in `set`.
///
/// ```
/// use minis3::config::profile::ProfileSet;
/// use minis3::credentials::profile::{resolve_plan, BaseSource};
/// let set = ProfileSet::parse(
///     Some("[profile a]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = b\n"),
///     Some("[b]\naws_access_key_id = AKID\naws_secret_access_key = S\n"),
/// ).unwrap();
/// let plan = resolve_plan(&set, "a").unwrap();
/// assert!(matches!(plan.base, BaseSource::StaticKeys { ref profile, .. } if profile == "b"));
/// assert_eq!(plan.roles[0].role_arn, "arn:aws:iam::1:role/r");
/// ```
pub fn resolve_plan(set: &ProfileSet, profile: &str) -> Result<ProfilePlan, ProfileError> {
    if set.profiles().is_empty() {
        return Err(ProfileError::NoProfiles);
    }
    let mut roles = Vec::new();
    let mut visited = BTreeSet::new();
    let mut path: Vec<String> = Vec::new();
    let mut name = profile.to_string();
    let base = loop {
        let Some(section) = set.profile(&name) else {
            return Err(match path.last() {
                None => ProfileError::ProfileNotFound { profile: name },
                Some(from) => ProfileError::SourceProfileNotFound { source_profile: name, from: from.clone() },
            });
        };
        path.push(name.clone());
        if !visited.insert(name.clone()) {
            return Err(ProfileError::Loop { path });
        }
        // A source profile (not the first) with static keys ends the walk.
        if path.len() > 1 {
            if let Some(base) = static_keys(section)? {
                break base;
            }
        }
        let role = get(section, "role_arn").filter(|_| get(section, "web_identity_token_file").is_none());
        let Some(role_arn) = role else {
            break base_source(set, section)?;
        };
        roles.push(role_hop(section, role_arn)?);
        match (get(section, "source_profile"), get(section, "credential_source")) {
            (Some(_), Some(_)) => return Err(ProfileError::BothSources { profile: name }),
            (None, None) => return Err(ProfileError::RoleWithoutSource { profile: name }),
            (None, Some(cs)) => {
                let source = NamedSource::parse(cs)
                    .ok_or_else(|| ProfileError::UnknownCredentialSource { profile: name.clone(), value: cs.into() })?;
                break BaseSource::Named { profile: name, source };
            }
            (Some(sp), None) if sp == name => {
                break static_keys(section)?.ok_or(ProfileError::NoCredentialInfo { profile: name })?;
            }
            (Some(sp), None) => name = sp.to_string(),
        }
    };
    roles.reverse();
    Ok(ProfilePlan { base, roles })
}

fn role_hop(section: &Section, role_arn: &str) -> Result<RoleHop, ProfileError> {
    let duration_seconds = match get(section, "duration_seconds") {
        None => None,
        Some(v) => Some(
            v.parse::<u32>()
                .map_err(|_| ProfileError::BadDuration { profile: section.name().to_string(), value: v.to_string() })?,
        ),
    };
    Ok(RoleHop {
        profile: section.name().to_string(),
        role_arn: role_arn.to_string(),
        session_name: get(section, "role_session_name").map(str::to_string),
        external_id: get(section, "external_id").map(str::to_string),
        duration_seconds,
        mfa_serial: get(section, "mfa_serial").map(str::to_string),
    })
}

/// Static keys of a profile: `Ok(None)` when it has neither key, an error when only one.
fn static_keys(section: &Section) -> Result<Option<BaseSource>, ProfileError> {
    let profile = section.name().to_string();
    match (get(section, "aws_access_key_id"), get(section, "aws_secret_access_key")) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(ProfileError::PartialKeys { profile, missing: "aws_secret_access_key" }),
        (None, Some(_)) => Err(ProfileError::PartialKeys { profile, missing: "aws_access_key_id" }),
        (Some(id), Some(secret)) => Ok(Some(BaseSource::StaticKeys {
            creds: Credentials::new(id, secret).with_session_token(get(section, "aws_session_token")),
            account_id: get(section, "aws_account_id").map(str::to_string),
            profile,
        })),
    }
}

/// The base source of a profile that is not a role hop.
fn base_source(set: &ProfileSet, section: &Section) -> Result<BaseSource, ProfileError> {
    let profile = section.name().to_string();
    if let Some(token_file) = get(section, "web_identity_token_file") {
        let role_arn =
            get(section, "role_arn").ok_or(ProfileError::WebIdentityWithoutRole { profile: profile.clone() })?;
        return Ok(BaseSource::WebIdentity {
            role_arn: role_arn.to_string(),
            token_file: token_file.to_string(),
            session_name: get(section, "role_session_name").map(str::to_string),
            profile,
        });
    }
    if let Some(sso) = sso_settings(set, section)? {
        return Ok(BaseSource::Sso(sso));
    }
    if let Some(command) = get(section, "credential_process") {
        return Ok(BaseSource::Process {
            command: command.to_string(),
            account_id: get(section, "aws_account_id").map(str::to_string),
            profile,
        });
    }
    static_keys(section)?.ok_or(ProfileError::NoCredentialInfo { profile })
}

fn sso_settings(set: &ProfileSet, section: &Section) -> Result<Option<SsoSettings>, ProfileError> {
    let profile = section.name().to_string();
    let account_id = get(section, "sso_account_id");
    let role_name = get(section, "sso_role_name");
    let session = get(section, "sso_session");
    let legacy_url = get(section, "sso_start_url");
    if account_id.is_none() && role_name.is_none() && session.is_none() && legacy_url.is_none() {
        return Ok(None);
    }
    match (account_id, role_name) {
        (Some(_), None) => {
            return Err(ProfileError::SsoHalfRole { profile, present: "sso_account_id", missing: "sso_role_name" })
        }
        (None, Some(_)) => {
            return Err(ProfileError::SsoHalfRole { profile, present: "sso_role_name", missing: "sso_account_id" })
        }
        _ => {}
    }
    let (start_url, region) = match session {
        Some(s) => {
            let sec = set
                .sso_session(s)
                .ok_or_else(|| ProfileError::SsoSessionNotFound { profile: profile.clone(), session: s.to_string() })?;
            let place = format!("[sso-session {s}]");
            let pick = |key: &'static str| -> Result<String, ProfileError> {
                let in_session = get(sec, key);
                if let Some(p) = get(section, key) {
                    if in_session != Some(p) {
                        return Err(ProfileError::SsoConflict {
                            profile: profile.clone(),
                            key,
                            session: s.to_string(),
                        });
                    }
                }
                in_session.map(str::to_string).ok_or_else(|| ProfileError::SsoMissing {
                    profile: profile.clone(),
                    key,
                    place: place.clone(),
                })
            };
            (pick("sso_start_url")?, pick("sso_region")?)
        }
        None => {
            let missing =
                |key| ProfileError::SsoMissing { profile: profile.clone(), key, place: format!("profile {profile}") };
            let url = legacy_url.ok_or_else(|| missing("sso_start_url"))?;
            let region = get(section, "sso_region").ok_or_else(|| missing("sso_region"))?;
            if account_id.is_none() {
                return Err(missing("sso_account_id"));
            }
            (url.to_string(), region.to_string())
        }
    };
    Ok(Some(SsoSettings {
        profile: profile.clone(),
        start_url,
        region,
        account_id: account_id.map(str::to_string),
        role_name: role_name.map(str::to_string),
        session: session.map(str::to_string),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_secrets::CleanErr;

    fn set(config: &str, creds: &str) -> ProfileSet {
        ProfileSet::parse(Some(config), Some(creds)).unwrap()
    }

    #[test]
    fn errors_never_show_secrets() {
        let s = set("[profile a]\nrole_arn = r\nsource_profile = b\n", "[b]\naws_access_key_id = AKID\n");
        let e = resolve_plan(&s, "a").clean_err();
        assert!(e.to_string().contains("aws_secret_access_key"));
        let s = set("", "[b]\naws_access_key_id = AKID\naws_secret_access_key = VERYSECRET\n");
        let plan = resolve_plan(&s, "b").unwrap();
        assert!(!format!("{plan:?}").contains("VERYSECRET"));
    }

    #[test]
    fn legacy_sso_missing_region_names_the_key() {
        let s = set("[profile s]\nsso_start_url = https://x\nsso_account_id = 1\nsso_role_name = r\n", "");
        let e = resolve_plan(&s, "s").clean_err().to_string();
        assert!(e.contains("sso_region is missing in profile s"), "{e}");
    }

    #[test]
    fn mfa_and_session_settings_are_kept() {
        let s = set(
            "[profile a]\nrole_arn = r\nsource_profile = b\nmfa_serial = arn:mfa\nduration_seconds = 900\nexternal_id = x\n",
            "[b]\naws_access_key_id = A\naws_secret_access_key = S\n",
        );
        let plan = resolve_plan(&s, "a").unwrap();
        assert_eq!(plan.roles[0].mfa_serial.as_deref(), Some("arn:mfa"));
        assert_eq!(plan.roles[0].duration_seconds, Some(900));
        assert_eq!(plan.roles[0].external_id.as_deref(), Some("x"));
        let s = set("[profile a]\nrole_arn = r\nsource_profile = a\nduration_seconds = soon\n", "");
        assert!(matches!(resolve_plan(&s, "a"), Err(ProfileError::BadDuration { .. })));
    }
}
