//! IAM Identity Center (SSO) role credentials: the access token cached by `aws sso login` in
//! `~/.aws/sso/cache/<sha1>.json` (SHA-1 of the `sso_session` name, or of `sso_start_url` for
//! the legacy form), exchanged at the portal's `GetRoleCredentials`
//! (`GET /federation/credentials?role_name=..&account_id=..`, header `x-amz-sso_bearer_token`).
//!
//! minis3 does not refresh an expired token with the cached refresh token (the AWS CLI does
//! for the `sso_session` form): an expired or missing token asks for `aws sso login`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha1::{Digest, Sha1};
use std::time::{Duration, SystemTime};

use crate::clock::Clock;
use crate::http::Http;
use crate::retry::RetryPolicy;
use crate::sigv4::{encode, Credentials};

use super::profile::SsoSettings;
use super::provider::{
    get_with_retries, json_error, json_str, one_line, parse_rfc3339, AwsCredentials, CredentialSource,
    CredentialsProvider, ProviderError,
};

const SERVICE: &str = "SSO portal";

/// The SSO source of one profile.
#[derive(Clone, Debug)]
pub struct SsoProvider {
    http: Http,
    settings: SsoSettings,
    cache_dir: Option<PathBuf>,
    endpoint: String,
    clock: Arc<dyn Clock>,
    retry: RetryPolicy,
}

/// The portal endpoint for a region: `https://portal.sso.REGION.amazonaws.com`.
pub fn portal_endpoint(region: &str) -> String {
    format!("https://portal.sso.{region}.amazonaws.com")
}

/// The cache file name of a token: SHA-1 hex of the session name, or of the start URL.
pub fn cache_file_name(settings: &SsoSettings) -> String {
    let key = settings.session.as_deref().unwrap_or(&settings.start_url);
    format!("{}.json", encode::to_hex(&Sha1::digest(key.as_bytes())))
}

impl SsoProvider {
    /// A provider for `settings`; `cache_dir` is `~/.aws/sso/cache` (`None`: no home
    /// directory), `endpoint` the portal (see [`portal_endpoint`]).
    pub fn new(
        http: Http,
        settings: SsoSettings,
        cache_dir: Option<PathBuf>,
        endpoint: String,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { http, settings, cache_dir, endpoint, clock, retry: RetryPolicy::credentials() }
    }

    /// The same with another retry policy for the portal call.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    fn login(&self, reason: String) -> ProviderError {
        ProviderError::SsoLoginRequired { profile: self.settings.profile.clone(), reason }
    }

    /// The cached access token (never shown in messages).
    fn token(&self) -> Result<String, ProviderError> {
        let dir =
            self.cache_dir.as_ref().ok_or_else(|| self.login("no home directory to find the SSO cache in".into()))?;
        let path = dir.join(cache_file_name(&self.settings));
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(self.login(format!("no cached SSO token at {}", path.display())))
            }
            Err(source) => return Err(ProviderError::Io { what: "SSO token cache file", path, source }),
        };
        read_cached_token(&text, &path, self.clock.now()).map_err(|reason| self.login(reason))
    }
}

/// Reads the access token out of a cached token file's text (`path` only names it in
/// messages): the reason, for [`ProviderError::SsoLoginRequired`], when it is unusable.
#[doc(hidden)]
pub fn read_cached_token(text: &str, path: &Path, now: SystemTime) -> Result<String, String> {
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| format!("the cached SSO token {} is {}", path.display(), json_error(&e)))?;
    let token = json_str(&v, "accessToken")
        .ok_or_else(|| format!("the cached SSO token {} has no accessToken", path.display()))?;
    let expires = json_str(&v, "expiresAt")
        .and_then(parse_rfc3339)
        .ok_or_else(|| format!("the cached SSO token {} has no valid expiresAt", path.display()))?;
    if expires <= now {
        return Err(format!("the cached SSO token {} has expired", path.display()));
    }
    Ok(token.to_string())
}

impl CredentialsProvider for SsoProvider {
    fn credentials(&self) -> Result<AwsCredentials, ProviderError> {
        let s = &self.settings;
        let (Some(account), Some(role)) = (&s.account_id, &s.role_name) else {
            return Err(ProviderError::InvalidSetting {
                setting: format!("profile {}", s.profile),
                problem: "the selected profile will resolve an access token instead of credentials (it has sso_session but no sso_account_id and sso_role_name); add both to get role credentials".into(),
            });
        };
        let token = self.token()?;
        let mut url = self.endpoint.trim_end_matches('/').to_string();
        url.push_str("/federation/credentials?role_name=");
        encode::encode_component_into(&mut url, role);
        url.push_str("&account_id=");
        encode::encode_component_into(&mut url, account);
        let (status, body) =
            get_with_retries(&self.http, &self.retry, SERVICE, &url, &[("x-amz-sso_bearer_token", &token)])?;
        parse_role_credentials(status, &body, s)
    }
}

/// Reads the portal's `GetRoleCredentials` answer for the profile `s` (which has an account
/// id and a role name).
#[doc(hidden)]
pub fn parse_role_credentials(status: u16, body: &[u8], s: &SsoSettings) -> Result<AwsCredentials, ProviderError> {
    let v: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    if status != 200 {
        let message = v.as_ref().and_then(|v| json_str(v, "message")).map(one_line);
        if status == 401 {
            return Err(ProviderError::SsoLoginRequired {
                profile: s.profile.clone(),
                reason: format!("the SSO portal refused the cached token (HTTP {status})"),
            });
        }
        return Err(ProviderError::Service { service: SERVICE, status, code: None, message });
    }
    let bad = |reason: &str| ProviderError::BadResponse { service: SERVICE, reason: reason.to_string() };
    let v = v.ok_or_else(|| bad("the answer is not JSON"))?;
    let rc = v.get("roleCredentials").ok_or_else(|| bad("no roleCredentials"))?;
    let id = json_str(rc, "accessKeyId").ok_or_else(|| bad("no roleCredentials.accessKeyId"))?;
    let secret = json_str(rc, "secretAccessKey").ok_or_else(|| bad("no roleCredentials.secretAccessKey"))?;
    let token = json_str(rc, "sessionToken");
    let expiry = rc
        .get("expiration")
        .and_then(serde_json::Value::as_u64)
        .map(|ms| SystemTime::UNIX_EPOCH + Duration::from_millis(ms));
    let account = s.account_id.clone().unwrap_or_default();
    Ok(AwsCredentials {
        creds: Credentials::new(id, secret).with_session_token(token),
        expiry,
        account_id: Some(account.clone()),
        source: CredentialSource::Sso {
            profile: s.profile.clone(),
            account_id: account,
            role_name: s.role_name.clone().unwrap_or_default(),
        },
    })
}
