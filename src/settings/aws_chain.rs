//! The AWS credentials used when pixi's storage does not decide: the AWS default chain
//! ([`DefaultChain`]: environment, profile with roles, SSO and `credential_process`, web
//! identity, container, instance metadata), sending its STS and SSO calls through the one
//! [`Http`] the settings built (so a profile's `ca_bundle` and the proxies apply to them too).
//!
//! The chain is wrapped in a cache that refreshes temporary credentials a few minutes before
//! they expire, so a long transfer keeps signing with valid keys.

use std::fmt;
use std::sync::Arc;

use crate::clock::SystemClock;
use crate::config::env::Environment;
use crate::config::profile::ProfileSet;
use crate::credentials::cache::CachedProvider;
use crate::credentials::chain::DefaultChain;
use crate::credentials::{CredentialsProvider, ProviderContext, ProviderError};
use crate::http::{Http, HttpError};
use crate::sigv4::Credentials;

/// Keys and where they came from.
#[derive(Clone, Debug)]
pub struct AwsKeys {
    /// The keys the chain gave first.
    pub credentials: Credentials,
    /// Where they came from, for people (`env AWS_ACCESS_KEY_ID`, `profile dev in FILE`, ...).
    pub source: String,
    /// The chain behind them, cached and refreshed before expiry: what the client signs with.
    pub provider: Arc<dyn CredentialsProvider>,
}

/// A source of the AWS chain is set up but fails.
#[derive(Debug)]
pub enum ChainError {
    /// The HTTP agent for STS and SSO could not be built (an unreadable CA bundle, a bad proxy
    /// URL).
    Http(HttpError),
    /// The chain could not be set up, or a configured source failed.
    Provider(ProviderError),
}

impl fmt::Display for ChainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainError::Http(e) => write!(f, "cannot prepare the credentials chain: {e}"),
            ChainError::Provider(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ChainError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ChainError::Http(e) => Some(e),
            ChainError::Provider(e) => Some(e),
        }
    }
}

/// The first source of the AWS chain that has credentials, its STS and SSO calls sent through
/// `http`. `Ok(None)` when no source is set up.
pub fn find(env: &Environment, set: &ProfileSet, http: &Http) -> Result<Option<AwsKeys>, ChainError> {
    let ctx = ProviderContext::with_http(env.clone(), http.clone());
    let chain = DefaultChain::with_profiles(&ctx, Arc::new(set.clone())).map_err(ChainError::Provider)?;
    let provider: Arc<dyn CredentialsProvider> = Arc::new(CachedProvider::new(Box::new(chain), Arc::new(SystemClock)));
    match provider.credentials() {
        Ok(c) => Ok(Some(AwsKeys { credentials: c.creds, source: c.source.to_string(), provider })),
        Err(e) if e.is_not_configured() => Ok(None),
        Err(e) => Err(ChainError::Provider(e)),
    }
}
