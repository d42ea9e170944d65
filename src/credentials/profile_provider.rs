//! Carries out a [`ProfilePlan`]: fetches the base credentials, then assumes each role in turn.

use std::sync::Arc;

use crate::config::profile::{FileKind, ProfileSet, Selection};

use super::container::ContainerProvider;
use super::context::ProviderContext;
use super::environment::EnvironmentProvider;
use super::imds::ImdsProvider;
use super::process::ProcessProvider;
use super::profile::{resolve_plan, BaseSource, NamedSource, ProfileError, ProfilePlan};
use super::provider::{AwsCredentials, CredentialSource, CredentialsProvider, ProviderError};
use super::sso::{portal_endpoint, SsoProvider};
use super::sts::AssumeRoleParams;
use super::web_identity::WebIdentityProvider;
use crate::config::endpoint::{configured_endpoint_url, EndpointOverrides};

/// The credentials of one profile (by default the selected one).
#[derive(Clone, Debug)]
pub struct ProfileProvider {
    ctx: ProviderContext,
    set: Arc<ProfileSet>,
    profile: String,
}

impl ProfileProvider {
    /// The selected profile of `set`.
    pub fn new(ctx: ProviderContext, set: Arc<ProfileSet>) -> Self {
        let profile = set.selected().to_string();
        Self { ctx, set, profile }
    }

    /// The plan for the profile; `Ok(None)` when the profile is absent or has no credential
    /// settings and was not chosen explicitly (the chain then moves on).
    pub fn plan(&self) -> Result<Option<ProfilePlan>, ProviderError> {
        match resolve_plan(&self.set, &self.profile) {
            Ok(p) => Ok(Some(p)),
            Err(ProfileError::NoProfiles) | Err(ProfileError::ProfileNotFound { .. })
                if *self.set.selection() == Selection::Default =>
            {
                Ok(None)
            }
            Err(ProfileError::NoCredentialInfo { profile }) if profile == self.profile => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn base(&self, base: &BaseSource) -> Result<AwsCredentials, ProviderError> {
        match base {
            BaseSource::StaticKeys { profile, creds, account_id } => {
                let in_credentials =
                    self.set.profile(profile).and_then(|p| p.property("aws_access_key_id")).map(|p| p.origin.file);
                let path = in_credentials.and_then(|f| self.set.path(f)).map(|p| p.to_path_buf());
                let mut c =
                    AwsCredentials::new(creds.clone(), CredentialSource::Profile { profile: profile.clone(), path });
                c.account_id = account_id.clone();
                Ok(c)
            }
            BaseSource::Named { profile, source } => {
                let result = match source {
                    NamedSource::Environment => EnvironmentProvider::new(self.ctx.env.clone()).credentials(),
                    NamedSource::Ec2InstanceMetadata => {
                        ImdsProvider::new(&self.ctx.env, &self.set, self.ctx.endpoints.imds.as_deref())?
                            .with_retry(self.ctx.retry.clone())
                            .credentials()
                    }
                    NamedSource::EcsContainer => {
                        ContainerProvider::new(self.ctx.env.clone(), self.ctx.endpoints.container.clone())?
                            .with_retry(self.ctx.retry.clone())
                            .credentials()
                    }
                };
                result.map_err(|e| match e {
                    ProviderError::NotConfigured { reason, .. } => ProviderError::InvalidSetting {
                        setting: format!("credential_source = {} of profile {profile}", source.as_str()),
                        problem: format!("that source has no credentials here: {reason}"),
                    },
                    e => e,
                })
            }
            BaseSource::WebIdentity { profile, role_arn, token_file, session_name } => WebIdentityProvider::new(
                self.ctx.sts(&self.set)?,
                role_arn.clone(),
                self.ctx.expand_path(token_file),
                session_name.clone(),
                Some(profile.clone()),
            )
            .credentials(),
            BaseSource::Sso(settings) => {
                let endpoint = match &self.ctx.endpoints.sso {
                    Some(e) => e.clone(),
                    None => {
                        match configured_endpoint_url(&self.ctx.env, &self.set, "sso", &EndpointOverrides::default())? {
                            Some(u) => u.value,
                            None => portal_endpoint(&settings.region),
                        }
                    }
                };
                SsoProvider::new(
                    self.ctx.http.clone(),
                    settings.clone(),
                    self.ctx.sso_cache_dir(),
                    endpoint,
                    self.ctx.clock.clone(),
                )
                .with_retry(self.ctx.retry.clone())
                .credentials()
            }
            BaseSource::Process { profile, command, account_id } => {
                ProcessProvider::new(profile.clone(), command.clone(), account_id.clone()).credentials()
            }
        }
    }

    /// Runs `plan`.
    pub fn run(&self, plan: &ProfilePlan) -> Result<AwsCredentials, ProviderError> {
        if let Some(hop) = plan.roles.iter().find(|h| h.mfa_serial.is_some()) {
            return Err(ProviderError::MfaNotSupported {
                profile: hop.profile.clone(),
                mfa_serial: hop.mfa_serial.clone().unwrap_or_default(),
            });
        }
        let mut current = self.base(&plan.base)?;
        if plan.roles.is_empty() {
            return Ok(current);
        }
        let sts = self.ctx.sts(&self.set)?;
        for hop in &plan.roles {
            let params = AssumeRoleParams {
                role_arn: hop.role_arn.clone(),
                session_name: hop.session_name.clone(),
                external_id: hop.external_id.clone(),
                duration_seconds: hop.duration_seconds,
            };
            let r = sts.assume_role(&current.creds, &params)?;
            current = AwsCredentials {
                creds: r.creds,
                expiry: r.expiry,
                account_id: r.account_id,
                source: CredentialSource::AssumeRole {
                    role_arn: hop.role_arn.clone(),
                    profile: hop.profile.clone(),
                    via: Box::new(current.source),
                },
            };
        }
        Ok(current)
    }
}

impl CredentialsProvider for ProfileProvider {
    fn credentials(&self) -> Result<AwsCredentials, ProviderError> {
        match self.plan()? {
            Some(plan) => self.run(&plan),
            None => {
                let files = [FileKind::Config, FileKind::Credentials]
                    .iter()
                    .filter_map(|f| self.set.path(*f))
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>();
                let files =
                    if files.is_empty() { "no AWS config or credentials file".to_string() } else { files.join(", ") };
                Err(ProviderError::not_configured(
                    format!("profile {}", self.profile),
                    format!("no credential settings ({files})"),
                ))
            }
        }
    }
}
