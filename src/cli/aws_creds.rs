//! The AWS credentials the CLI signs with when pixi's storage does not decide.
//!
//! Interim: until the credentials chain (`src/credentials/`, branch `creds`) is merged, only
//! its two static sources are read here: the environment (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) and the selected profile's static keys
//! (`aws_access_key_id`, ...). Roles, SSO, `credential_process`, web identity, containers
//! and IMDS need the chain.

use minis3::config::env::Environment;
use minis3::config::profile::ProfileSet;
use minis3::config::resolve::profile_source;
use minis3::sigv4::Credentials;

/// Keys and where they came from.
#[derive(Clone, Debug)]
pub struct AwsKeys {
    /// The keys.
    pub credentials: Credentials,
    /// Where they came from, for people.
    pub source: String,
}

/// The first of the environment and the selected profile's static keys. `Err` for a half
/// configuration (an id without a secret), which would otherwise fail later and obscurely.
pub fn find(env: &Environment, set: &ProfileSet) -> Result<Option<AwsKeys>, String> {
    match (env.non_empty("AWS_ACCESS_KEY_ID"), env.non_empty("AWS_SECRET_ACCESS_KEY")) {
        (Some(id), Some(secret)) => {
            let creds = Credentials::new(id, secret).with_session_token(env.non_empty("AWS_SESSION_TOKEN"));
            return Ok(Some(AwsKeys {
                credentials: creds,
                source: "environment variables AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY".into(),
            }));
        }
        (Some(_), None) => {
            return Err("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both, or neither".into())
        }
        (None, Some(_)) => {
            return Err("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not: set both, or neither".into())
        }
        (None, None) => {}
    }
    let Some(profile) = set.selected_profile() else {
        return Ok(None);
    };
    let get = |k: &str| profile.get(k).filter(|v| !v.is_empty());
    match (get("aws_access_key_id"), get("aws_secret_access_key")) {
        (Some(id), Some(secret)) => {
            let creds = Credentials::new(id, secret).with_session_token(get("aws_session_token"));
            let place = profile_source(set, profile, "aws_access_key_id")
                .map(|s| s.to_string())
                .unwrap_or_else(|| format!("profile {}", profile.name()));
            Ok(Some(AwsKeys { credentials: creds, source: place }))
        }
        (Some(_), None) => {
            Err(format!("profile '{}' has aws_access_key_id but no aws_secret_access_key: add it", profile.name()))
        }
        _ => Ok(None),
    }
}
