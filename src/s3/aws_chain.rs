//! The AWS credentials used when pixi's storage does not decide: the AWS default chain
//! ([`DefaultChain`]: environment, profile with roles, SSO and `credential_process`, web
//! identity, container, instance metadata).
//!
//! The chain is wrapped in a cache that refreshes temporary credentials a few minutes before
//! they expire, so a long transfer keeps signing with valid keys.

use std::sync::Arc;

use crate::clock::SystemClock;
use crate::config::env::Environment;
use crate::config::profile::ProfileSet;
use crate::credentials::cache::CachedProvider;
use crate::credentials::chain::DefaultChain;
use crate::credentials::CredentialsProvider;
use crate::credentials::ProviderContext;
use crate::http::HttpConfig;
use crate::sigv4::Credentials;

/// Keys and where they came from.
#[derive(Clone, Debug)]
pub struct AwsKeys {
    /// The keys the chain gave first.
    pub credentials: Credentials,
    /// Where they came from, for people.
    pub source: String,
    /// The chain behind them, cached and refreshed before expiry: what the client signs with.
    pub provider: Arc<dyn CredentialsProvider>,
}

/// The first source of the AWS chain that has credentials. `Ok(None)` when no source is set
/// up; `Err` (one line, no secret) when a source is set up but fails.
pub(crate) fn find(env: &Environment, set: &ProfileSet) -> Result<Option<AwsKeys>, String> {
    let ctx = ProviderContext::new(env.clone(), &HttpConfig::from_env(env))
        .map_err(|e| format!("cannot prepare the credentials chain: {e}"))?;
    let chain = DefaultChain::with_profiles(&ctx, Arc::new(set.clone())).map_err(|e| e.to_string())?;
    let provider: Arc<dyn CredentialsProvider> = Arc::new(CachedProvider::new(Box::new(chain), Arc::new(SystemClock)));
    match provider.credentials() {
        Ok(c) => Ok(Some(AwsKeys { credentials: c.creds, source: c.source.to_string(), provider })),
        Err(e) if e.is_not_configured() => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}
