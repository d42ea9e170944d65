//! The default chain, in the order the AWS SDKs use (and the cross-SDK test suite checks):
//! environment, the selected profile, web identity from the environment, the container
//! endpoint, EC2 instance metadata. The first source that is set up decides: its errors are
//! final (a profile that names a role which cannot be assumed does not fall through to IMDS).
//!
//! The AWS CLI (botocore) differs in one corner: it tries `AWS_WEB_IDENTITY_TOKEN_FILE` before a
//! profile's static keys. minis3 follows the SDKs, whose cross-SDK suite is the reference here.

use std::sync::Arc;

use crate::config::load::load;
use crate::config::profile::ProfileSet;

use super::container::ContainerProvider;
use super::context::ProviderContext;
use super::environment::EnvironmentProvider;
use super::imds::ImdsProvider;
use super::profile_provider::ProfileProvider;
use super::provider::{AwsCredentials, CredentialsProvider, ProviderError};
use super::web_identity::WebIdentityProvider;

/// A list of providers tried in order until one is set up.
#[derive(Debug)]
pub struct Chain {
    providers: Vec<Box<dyn CredentialsProvider>>,
}

impl Chain {
    /// A chain of these providers.
    pub fn new(providers: Vec<Box<dyn CredentialsProvider>>) -> Self {
        Self { providers }
    }
}

impl CredentialsProvider for Chain {
    fn credentials(&self) -> Result<AwsCredentials, ProviderError> {
        let mut tried = Vec::new();
        for p in &self.providers {
            match p.credentials() {
                Err(e @ ProviderError::NotConfigured { .. }) => tried.push(e.to_string()),
                other => return other,
            }
        }
        Err(ProviderError::NoCredentials { tried })
    }
}

/// Web identity from the environment, built when used (a bad setting is reported then).
#[derive(Debug)]
struct EnvWebIdentity {
    ctx: ProviderContext,
    set: Arc<ProfileSet>,
}

impl CredentialsProvider for EnvWebIdentity {
    fn credentials(&self) -> Result<AwsCredentials, ProviderError> {
        match WebIdentityProvider::from_env(&self.ctx.env, self.ctx.sts(&self.set)?)? {
            Some(p) => p.credentials(),
            None => Err(ProviderError::not_configured("web identity", "AWS_WEB_IDENTITY_TOKEN_FILE is not set")),
        }
    }
}

/// The AWS default credential chain.
#[derive(Debug)]
pub struct DefaultChain;

impl DefaultChain {
    /// The chain for `set` (already loaded, its selected profile chosen).
    pub fn with_profiles(ctx: &ProviderContext, set: Arc<ProfileSet>) -> Result<Chain, ProviderError> {
        Ok(Chain::new(vec![
            Box::new(EnvironmentProvider::new(ctx.env.clone())),
            Box::new(ProfileProvider::new(ctx.clone(), set.clone())),
            Box::new(EnvWebIdentity { ctx: ctx.clone(), set: set.clone() }),
            Box::new(
                ContainerProvider::new(ctx.env.clone(), ctx.endpoints.container.clone())?.with_retry(ctx.retry.clone()),
            ),
            Box::new(ImdsProvider::new(&ctx.env, &set, ctx.endpoints.imds.as_deref())?.with_retry(ctx.retry.clone())),
        ]))
    }

    /// Loads the AWS config and credentials files of `ctx.env` (selecting `profile`, or the
    /// one the environment names) and builds the chain. A file that cannot be parsed is an
    /// error here, as in the AWS CLI.
    pub fn load(ctx: &ProviderContext, profile: Option<&str>) -> Result<Chain, ProviderError> {
        let set = load(&ctx.env, profile)?;
        Self::with_profiles(ctx, Arc::new(set))
    }
}
