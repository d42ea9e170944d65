//! Where a bucket's credentials come from ([`CredentialPlan`]), and why there are none
//! ([`NoCredentials`]).

use std::fmt;

use crate::config::auth_file::{redact, FoundCredentials};
use crate::config::source::Source;
use crate::sigv4::Credentials;

use super::aws_chain::{AwsKeys, ChainError};

/// Where the credentials come from.
#[derive(Clone, Debug)]
pub enum CredentialPlan {
    /// The caller asked for unsigned requests ([`Overrides::unsigned`](super::Overrides::unsigned)).
    Anonymous,
    /// The rattler authentication storage (the bucket has pixi `s3-options`).
    AuthFile(Box<FoundCredentials>),
    /// The AWS chain found keys.
    Aws(AwsKeys),
    /// Nothing found.
    Missing(std::sync::Arc<NoCredentials>),
}

/// Why no credentials were found: what was searched, and how it ended.
#[derive(Debug)]
pub struct NoCredentials {
    /// The bucket has pixi `s3-options`, so the rattler authentication storage was searched
    /// first (and had no entry for it).
    pub pixi_s3_options: bool,
    /// How the AWS chain ended: `None` when no source of it is set up, else the source that
    /// failed.
    pub chain: Option<ChainError>,
}

impl fmt::Display for NoCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.pixi_s3_options, &self.chain) {
            (true, None) => f.write_str(
                "no credentials for this bucket in the rattler auth file (the OS keyring is not read) nor in the \
                 AWS chain: store keys with `pixi auth login s3://BUCKET ...` (RATTLER_AUTH_FILE set to a file), \
                 or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
            ),
            (false, None) => f.write_str(
                "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure a profile",
            ),
            (true, Some(e)) => {
                write!(f, "no keys for this bucket in the rattler auth file (the OS keyring is not read), and {e}")
            }
            (false, Some(e)) => e.fmt(f),
        }
    }
}

impl std::error::Error for NoCredentials {}

impl CredentialPlan {
    /// The keys to sign with, if any.
    pub fn credentials(&self) -> Option<Credentials> {
        match self {
            CredentialPlan::AuthFile(found) => Some(auth_file_credentials(found)),
            CredentialPlan::Aws(keys) => Some(keys.credentials.clone()),
            CredentialPlan::Anonymous | CredentialPlan::Missing(_) => None,
        }
    }

    /// The access key id shown as `****` + its last 4 characters.
    pub fn redacted_access_key(&self) -> Option<String> {
        self.credentials().map(|c| redact(c.access_key_id()))
    }

    /// The authentication-file entry the keys came from ([`Source::AuthFile`]), for
    /// [`CredentialPlan::AuthFile`].
    pub fn auth_file_source(&self) -> Option<Source> {
        match self {
            CredentialPlan::AuthFile(found) => Some(Source::AuthFile {
                file: found.file.path.clone(),
                origin: found.file.origin.to_string(),
                entry: found.key.clone(),
            }),
            _ => None,
        }
    }

    /// Where they came from, for people (in the library's words: a caller shows
    /// [`CredentialPlan::Anonymous`] and [`CredentialPlan::Missing`] in its own).
    pub fn source(&self) -> String {
        match self {
            CredentialPlan::Anonymous => "unsigned requests (asked for by the caller)".into(),
            CredentialPlan::AuthFile(_) => self.auth_file_source().map(|s| s.to_string()).unwrap_or_default(),
            CredentialPlan::Aws(keys) => keys.source.clone(),
            CredentialPlan::Missing(why) => why.to_string(),
        }
    }

    /// Whether a session token is present.
    pub fn has_session_token(&self) -> bool {
        self.credentials().is_some_and(|c| c.session_token().is_some())
    }
}

/// The keys of an authentication-file entry.
pub(crate) fn auth_file_credentials(found: &FoundCredentials) -> Credentials {
    let c = &found.credentials;
    Credentials::new(c.access_key_id.clone(), c.secret_access_key().to_string()).with_session_token(c.session_token())
}
