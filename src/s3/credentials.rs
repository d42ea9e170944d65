//! What the client signs with: a [`CredentialsProvider`] (the credentials chain implements it),
//! or nothing at all ([`Auth::Anonymous`], `--no-sign-request`).
//!
//! The trait lives here for now; it belongs to the credentials layer (below `s3`), which will
//! take it over.

use std::fmt;
use std::sync::Arc;

use crate::sigv4::Credentials;

/// Why a provider could not give credentials. The message must not contain a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderError {
    /// Which provider failed (`"environment"`, `"profile dev"`, ...).
    pub provider: String,
    /// What went wrong and what to do about it, one line.
    pub message: String,
}

impl ProviderError {
    /// A new error.
    pub fn new(provider: impl Into<String>, message: impl Into<String>) -> Self {
        Self { provider: provider.into(), message: message.into() }
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no credentials from {}: {}", self.provider, self.message)
    }
}

impl std::error::Error for ProviderError {}

/// A source of credentials, asked before every request (so it may refresh them).
/// Implementations cache: this is called once per request.
pub trait CredentialsProvider: Send + Sync + fmt::Debug {
    /// The credentials to sign the next request with.
    fn credentials(&self) -> Result<Credentials, ProviderError>;
}

/// Fixed credentials.
///
/// ```
/// use minis3::s3::{CredentialsProvider, StaticCredentials};
/// let p = StaticCredentials::new("AKID", "wJalrXUtnFEMIK7MDENG");
/// assert_eq!(p.credentials().unwrap().access_key_id(), "AKID");
/// assert!(!format!("{p:?}").contains("wJalrXUtnFEMIK7MDENG"));
/// ```
#[derive(Debug, Clone)]
pub struct StaticCredentials(Credentials);

impl StaticCredentials {
    /// Long-term keys.
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        Self(Credentials::new(access_key_id, secret_access_key))
    }

    /// Given credentials (possibly with a session token).
    pub fn from_credentials(credentials: Credentials) -> Self {
        Self(credentials)
    }
}

impl CredentialsProvider for StaticCredentials {
    fn credentials(&self) -> Result<Credentials, ProviderError> {
        Ok(self.0.clone())
    }
}

/// How requests are authenticated.
#[derive(Debug, Clone)]
pub enum Auth {
    /// Signed with SigV4 using the provider's credentials.
    Signed(Arc<dyn CredentialsProvider>),
    /// Not signed at all (`--no-sign-request`): for public buckets.
    Anonymous,
}

impl Auth {
    /// [`Auth::Signed`] with fixed keys.
    pub fn keys(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        Auth::Signed(Arc::new(StaticCredentials::new(access_key_id, secret_access_key)))
    }
}
