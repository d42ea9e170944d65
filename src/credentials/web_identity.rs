//! `AssumeRoleWithWebIdentity` with a token file, from a profile (`web_identity_token_file` +
//! `role_arn`) or from `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` (+ `AWS_ROLE_SESSION_NAME`).
//! The file is read on every call (Kubernetes rotates it).

use std::path::PathBuf;

use crate::config::env::Environment;

use super::provider::{AwsCredentials, CredentialSource, CredentialsProvider, ProviderError};
use super::sts::Sts;

/// The web identity source.
#[derive(Clone, Debug)]
pub struct WebIdentityProvider {
    sts: Sts,
    role_arn: String,
    token_file: PathBuf,
    session_name: Option<String>,
    profile: Option<String>,
}

impl WebIdentityProvider {
    /// A provider for `role_arn` with the token in `token_file`.
    pub fn new(
        sts: Sts,
        role_arn: String,
        token_file: PathBuf,
        session_name: Option<String>,
        profile: Option<String>,
    ) -> Self {
        Self { sts, role_arn, token_file, session_name, profile }
    }

    /// From `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`: `Ok(None)` when the token file
    /// variable is not set, an error when it is set without the role.
    pub fn from_env(env: &Environment, sts: Sts) -> Result<Option<Self>, ProviderError> {
        let Some(file) = env.non_empty("AWS_WEB_IDENTITY_TOKEN_FILE") else {
            return Ok(None);
        };
        let role = env.non_empty("AWS_ROLE_ARN").ok_or_else(|| ProviderError::InvalidSetting {
            setting: "environment".into(),
            problem: "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not; set the role to assume".into(),
        })?;
        let session = env.non_empty("AWS_ROLE_SESSION_NAME").map(str::to_string);
        Ok(Some(Self::new(sts, role.to_string(), PathBuf::from(file), session, None)))
    }
}

impl CredentialsProvider for WebIdentityProvider {
    fn credentials(&self) -> Result<AwsCredentials, ProviderError> {
        let token = std::fs::read_to_string(&self.token_file).map_err(|source| ProviderError::Io {
            what: "web identity token file",
            path: self.token_file.clone(),
            source,
        })?;
        let r = self.sts.assume_role_with_web_identity(&self.role_arn, self.session_name.as_deref(), token.trim())?;
        Ok(AwsCredentials {
            creds: r.creds,
            expiry: r.expiry,
            account_id: r.account_id,
            source: CredentialSource::WebIdentity {
                role_arn: self.role_arn.clone(),
                token_file: self.token_file.clone(),
                profile: self.profile.clone(),
            },
        })
    }
}
