//! What the client signs with: any [`CredentialsProvider`] of the credentials layer (the default
//! chain, a profile, fixed keys), or nothing at all ([`Auth::Anonymous`], `--no-sign-request`).

use std::sync::Arc;

pub use crate::credentials::{AwsCredentials, CredentialSource, CredentialsProvider, ProviderError};
use crate::sigv4::Credentials;

/// Fixed credentials.
///
/// ```
/// use minis3::s3::{CredentialsProvider, StaticCredentials};
/// let p = StaticCredentials::new("AKID", "wJalrXUtnFEMIK7MDENG");
/// assert_eq!(p.credentials().unwrap().creds.access_key_id(), "AKID");
/// assert!(!format!("{p:?}").contains("wJalrXUtnFEMIK7MDENG"));
/// ```
#[derive(Debug, Clone)]
pub struct StaticCredentials(AwsCredentials);

impl StaticCredentials {
    /// Long-term keys.
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        Self::from_credentials(Credentials::new(access_key_id, secret_access_key))
    }

    /// Given credentials (possibly with a session token).
    pub fn from_credentials(credentials: Credentials) -> Self {
        Self(AwsCredentials::new(credentials, CredentialSource::Explicit))
    }
}

impl CredentialsProvider for StaticCredentials {
    fn credentials(&self) -> Result<AwsCredentials, ProviderError> {
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
