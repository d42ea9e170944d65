//! [`SettingsError`]: why a bucket's settings could not be resolved, or a client not built.

use std::fmt;
use std::sync::Arc;

use crate::address::AddressError;
use crate::config::auth_file::AuthFileError;
use crate::config::load::LoadError;
use crate::config::pixi::PixiConfigError;
use crate::config::resolve::ResolveError;
use crate::s3::S3Error;

use super::plan::NoCredentials;

/// Settings could not be resolved, or a client not built from them.
#[derive(Debug)]
#[non_exhaustive]
pub enum SettingsError {
    /// The AWS config or credentials file is unreadable or malformed.
    Load(LoadError),
    /// A configured value is invalid.
    Resolve(ResolveError),
    /// A pixi configuration file or manifest is wrong.
    Pixi(PixiConfigError),
    /// The rattler authentication file is unreadable or has a non-S3 entry for the bucket.
    AuthFile(AuthFileError),
    /// The location given is not an `s3://` URL ([`resolve_url`](super::resolve_url)).
    Location(AddressError),
    /// No credentials were found ([`CredentialPlan::Missing`](super::CredentialPlan::Missing)):
    /// a signing client cannot be built.
    NoCredentials(Arc<NoCredentials>),
    /// The client could not be built (an unusable endpoint or region, an unreadable CA bundle).
    Client(S3Error),
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingsError::Load(e) => e.fmt(f),
            SettingsError::Resolve(e) => e.fmt(f),
            SettingsError::Pixi(e) => e.fmt(f),
            SettingsError::AuthFile(e) => e.fmt(f),
            SettingsError::Location(e) => e.fmt(f),
            SettingsError::NoCredentials(why) => why.fmt(f),
            SettingsError::Client(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SettingsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SettingsError::Load(e) => Some(e),
            SettingsError::Resolve(e) => Some(e),
            SettingsError::Pixi(e) => Some(e),
            SettingsError::AuthFile(e) => Some(e),
            SettingsError::Location(e) => Some(e),
            SettingsError::NoCredentials(e) => Some(&**e),
            SettingsError::Client(e) => Some(e),
        }
    }
}
