//! The provider trait, the credentials it returns, where they came from, and its error type.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::SystemTime;

use crate::config::load::LoadError;
use crate::config::resolve::ResolveError;
use crate::http::HttpError;
use crate::retry::RetryPolicy;
/// RFC 3339 times (credential expiry) are read by the one date parser, in [`crate::sigv4`].
pub use crate::sigv4::parse_rfc3339;
use crate::sigv4::Credentials;

use super::profile::ProfileError;

/// Something that can produce AWS credentials: one source (environment, profile, STS, SSO,
/// process, container, instance metadata) or a chain of them.
///
/// Implementations are cheap to call repeatedly only when wrapped in a
/// [`super::cache::CachedProvider`]; a bare provider may do network I/O on every call.
pub trait CredentialsProvider: Send + Sync + fmt::Debug {
    /// Fetches credentials. [`ProviderError::NotConfigured`] means "this source is not set up
    /// here" (a chain moves on to the next source); every other error is final.
    fn credentials(&self) -> Result<AwsCredentials, ProviderError>;
}

/// Credentials to sign with, when they expire, the account they belong to and where they came
/// from. `Debug` never shows the secret key or the session token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsCredentials {
    /// The keys the signer uses.
    pub creds: Credentials,
    /// When temporary credentials stop working (`None`: long-term keys).
    pub expiry: Option<SystemTime>,
    /// The AWS account id, when the source says.
    pub account_id: Option<String>,
    /// Which source produced them (for `minis3 config show` and messages).
    pub source: CredentialSource,
}

impl AwsCredentials {
    /// Long-term or temporary credentials from `source`, without expiry or account.
    pub fn new(creds: Credentials, source: CredentialSource) -> Self {
        Self { creds, expiry: None, account_id: None, source }
    }
}

/// Where credentials came from. `Display` gives the short text `minis3 config show` prints,
/// e.g. `env AWS_ACCESS_KEY_ID` or `assume-role arn:aws:iam::1:role/r via profile base`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialSource {
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    Environment,
    /// Static keys of a profile.
    Profile {
        /// The profile's name.
        profile: String,
        /// The file the keys are in, when known.
        path: Option<PathBuf>,
    },
    /// `AssumeRole` through STS with credentials from another source.
    AssumeRole {
        /// The role assumed.
        role_arn: String,
        /// The profile that names the role.
        profile: String,
        /// The source of the credentials that assumed it.
        via: Box<CredentialSource>,
    },
    /// `AssumeRoleWithWebIdentity` with a token file.
    WebIdentity {
        /// The role assumed.
        role_arn: String,
        /// The token file.
        token_file: PathBuf,
        /// The profile, or `None` for `AWS_WEB_IDENTITY_TOKEN_FILE`.
        profile: Option<String>,
    },
    /// IAM Identity Center (SSO) role credentials.
    Sso {
        /// The profile.
        profile: String,
        /// The account.
        account_id: String,
        /// The role.
        role_name: String,
    },
    /// A profile's `credential_process`.
    Process {
        /// The profile.
        profile: String,
    },
    /// The container credentials endpoint (ECS, EKS pod identity).
    Container {
        /// The URL asked (never holds a secret).
        url: String,
    },
    /// EC2 instance metadata.
    Imds {
        /// The instance role.
        role: String,
    },
    /// Given by the caller (e.g. command-line flags or a test).
    Explicit,
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Environment => f.write_str("env AWS_ACCESS_KEY_ID"),
            Self::Profile { profile, path: Some(p) } => write!(f, "profile {profile} in {}", p.display()),
            Self::Profile { profile, path: None } => write!(f, "profile {profile}"),
            Self::AssumeRole { role_arn, profile, via } => {
                write!(f, "assume-role {role_arn} (profile {profile}) via {via}")
            }
            Self::WebIdentity { role_arn, token_file, profile } => {
                write!(f, "web-identity {role_arn} with token {}", token_file.display())?;
                match profile {
                    Some(p) => write!(f, " (profile {p})"),
                    None => f.write_str(" (env AWS_WEB_IDENTITY_TOKEN_FILE)"),
                }
            }
            Self::Sso { profile, account_id, role_name } => {
                write!(f, "sso role {role_name} in account {account_id} (profile {profile})")
            }
            Self::Process { profile } => write!(f, "process (credential_process of profile {profile})"),
            Self::Container { url } => write!(f, "container {url}"),
            Self::Imds { role } => write!(f, "imds role {role}"),
            Self::Explicit => f.write_str("given explicitly"),
        }
    }
}

/// Why a credential source produced no credentials. `Display` is one line: what failed, where,
/// and what to do. No variant ever holds a secret.
#[derive(Debug)]
#[non_exhaustive]
pub enum ProviderError {
    /// This source is not set up here (no variables, no such profile keys, not on EC2...).
    /// A chain moves on to the next source.
    NotConfigured {
        /// The source (`environment`, `profile dev`, `imds`...).
        provider: String,
        /// Why it does not apply.
        reason: String,
    },
    /// No source in the chain had credentials.
    NoCredentials {
        /// Each source tried and why it did not apply.
        tried: Vec<String>,
    },
    /// The shared config or credentials file could not be read or parsed.
    Load(LoadError),
    /// A configured value is invalid (e.g. an unknown `services` section).
    Resolve(ResolveError),
    /// The profile's credential settings are incomplete or contradictory.
    Profile(ProfileError),
    /// A setting is invalid (what, where, and what is expected).
    InvalidSetting {
        /// The setting and where it was set.
        setting: String,
        /// What is wrong and what to do.
        problem: String,
    },
    /// The SSO access token is missing or expired: run `aws sso login`.
    SsoLoginRequired {
        /// The profile to log in with.
        profile: String,
        /// What is wrong with the cached token.
        reason: String,
    },
    /// A role with `mfa_serial` needs a code typed at a terminal, which minis3 does not ask for.
    MfaNotSupported {
        /// The profile.
        profile: String,
        /// The MFA device (not a secret).
        mfa_serial: String,
    },
    /// A file could not be read.
    Io {
        /// What the file is (`web identity token file`...).
        what: &'static str,
        /// Its path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// The request to a credential service failed (connection, timeout...).
    Http {
        /// The service (`STS`, `SSO portal`, `IMDS`, `container endpoint`).
        service: &'static str,
        /// The error.
        source: HttpError,
    },
    /// The credential service answered with an error.
    Service {
        /// The service.
        service: &'static str,
        /// HTTP status.
        status: u16,
        /// The service's error code, if it gave one.
        code: Option<String>,
        /// The service's message, if any (shortened).
        message: Option<String>,
    },
    /// The credential service's answer could not be understood.
    BadResponse {
        /// The service.
        service: &'static str,
        /// What is wrong with it (never the body itself).
        reason: String,
    },
    /// `credential_process` failed.
    Process {
        /// The profile.
        profile: String,
        /// The program (first word of the command line; arguments are not shown).
        program: String,
        /// What went wrong.
        reason: String,
    },
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotConfigured { provider, reason } => write!(f, "{provider}: {reason}"),
            Self::NoCredentials { tried } => write!(
                f,
                "no AWS credentials found (tried: {}); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws configure`",
                tried.join("; ")
            ),
            Self::Load(e) => e.fmt(f),
            Self::Resolve(e) => e.fmt(f),
            Self::Profile(e) => e.fmt(f),
            Self::InvalidSetting { setting, problem } => write!(f, "invalid {setting}: {problem}"),
            Self::SsoLoginRequired { profile, reason } => {
                write!(f, "{reason}: run `aws sso login --profile {profile}`")
            }
            Self::MfaNotSupported { profile, mfa_serial } => write!(
                f,
                "profile {profile} assumes a role with mfa_serial {mfa_serial}, which needs an MFA code typed at a terminal; minis3 does not prompt: get temporary credentials with `aws sts assume-role --serial-number ... --token-code ...` and export them"
            ),
            Self::Io { what, path, source } => write!(f, "cannot read the {what} {}: {source}", path.display()),
            Self::Http { service, source } => write!(f, "{service} request failed: {source}"),
            Self::Service { service, status, code, message } => {
                write!(f, "{service} refused the request (HTTP {status}")?;
                if let Some(c) = code {
                    write!(f, ", {c}")?;
                }
                f.write_str(")")?;
                if let Some(m) = message {
                    write!(f, ": {m}")?;
                }
                Ok(())
            }
            Self::BadResponse { service, reason } => write!(f, "unexpected answer from {service}: {reason}"),
            Self::Process { profile, program, reason } => {
                write!(f, "credential_process `{program}` of profile {profile} failed: {reason}")
            }
        }
    }
}

impl std::error::Error for ProviderError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Load(e) => Some(e),
            Self::Resolve(e) => Some(e),
            Self::Profile(e) => Some(e),
            Self::Io { source, .. } => Some(source),
            Self::Http { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<LoadError> for ProviderError {
    fn from(e: LoadError) -> Self {
        Self::Load(e)
    }
}

impl From<ResolveError> for ProviderError {
    fn from(e: ResolveError) -> Self {
        Self::Resolve(e)
    }
}

impl From<ProfileError> for ProviderError {
    fn from(e: ProfileError) -> Self {
        Self::Profile(e)
    }
}

impl ProviderError {
    /// Whether this only says "this source is not set up" (a chain moves on).
    pub fn is_not_configured(&self) -> bool {
        matches!(self, Self::NotConfigured { .. })
    }

    /// Whether trying again soon may succeed (network trouble, throttling, server errors).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Http { source, .. } => source.is_retryable(),
            Self::Service { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }

    pub(crate) fn not_configured(provider: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::NotConfigured { provider: provider.into(), reason: reason.into() }
    }
}

/// Shortens a service message for an error line (one line, at most 200 characters; other
/// control characters, such as terminal escapes, shown escaped).
pub(crate) fn one_line(s: &str) -> String {
    const MAX: usize = 200;
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let s = crate::xml::printable(&s).into_owned();
    if s.len() <= MAX {
        return s;
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// A GET to a credentials endpoint (container, SSO portal), retried by `retry` on 5xx, 429
/// and connection errors; returns the status and a body of at most 1 MiB.
pub(crate) fn get_with_retries(
    http: &crate::http::Http,
    retry: &RetryPolicy,
    service: &'static str,
    url: &str,
    headers: &[(&str, &str)],
) -> Result<(u16, Vec<u8>), ProviderError> {
    retry.run(ProviderError::is_retryable, || {
        let resp = http
            .send("GET", url, headers, crate::http::Body::Empty)
            .map_err(|source| ProviderError::Http { service, source })?;
        let status = resp.status();
        let body = resp.read_to_vec(1 << 20).map_err(|source| ProviderError::Http { service, source })?;
        if status >= 500 || status == 429 {
            return Err(ProviderError::Service { service, status, code: None, message: None });
        }
        Ok((status, body))
    })
}

/// Reads a JSON string field that must be present and non-empty.
pub(crate) fn json_str<'a>(v: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(serde_json::Value::as_str).filter(|s| !s.is_empty())
}

/// A `serde_json` syntax error, by position only (the message of other serde errors may quote
/// the input, which can hold secrets).
pub(crate) fn json_error(e: &serde_json::Error) -> String {
    format!("not valid JSON (line {}, column {})", e.line(), e.column())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn rfc3339_forms() {
        let t = UNIX_EPOCH + Duration::from_secs(1_632_266_793);
        assert_eq!(parse_rfc3339("2021-09-21T23:26:33Z"), Some(t));
        assert_eq!(parse_rfc3339("2021-09-21T23:26:33+00:00"), Some(t));
        assert_eq!(parse_rfc3339("2021-09-21T23:26:33UTC"), Some(t));
        assert_eq!(parse_rfc3339("2021-09-22T01:26:33+02:00"), Some(t));
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339(""), None);
    }

    #[test]
    fn debug_hides_secrets() {
        let c = AwsCredentials::new(
            Credentials::new("AKID", "SECRETKEY").with_session_token(Some("SESSIONTOKEN")),
            CredentialSource::Environment,
        );
        let d = format!("{c:?}");
        assert!(!d.contains("SECRETKEY") && !d.contains("SESSIONTOKEN"), "{d}");
    }
}
