//! Service-account key files (`"type": "service_account"`): a JWT signed with RS256 by the
//! file's PKCS#8 `private_key`.
//!
//! - [`ServiceAccountMode::SelfSignedJwt`] (the default, as google-cloud-auth 1.x and so
//!   rattler): header `{"alg":"RS256","typ":"JWT","kid":private_key_id}`, claims
//!   `{"iss":client_email,"sub":client_email,"scope":"SCOPES","aud":null,"iat":now-10,
//!   "exp":now+3610}` (google-cloud-auth's 10 s clock-skew allowance and one hour); the JWT is
//!   the bearer token. No network call.
//! - [`ServiceAccountMode::TokenExchange`]: claims `{"iss":client_email,"scope":"SCOPES",
//!   "aud":token_uri,"iat":now,"exp":now+3600}`, POSTed to the file's `token_uri` (default
//!   `https://oauth2.googleapis.com/token`) as `grant_type=urn:ietf:params:oauth:grant-type:
//!   jwt-bearer&assertion=JWT`; the answer's `access_token` is the bearer token.
//!
//! Scopes are joined with spaces; none means `cloud-platform`, google-cloud-auth's default.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::clock::Clock;
use crate::http::Http;

use super::jwt::RsaSigner;
use super::oauth::{form_encode, parse_token, refused, send_with_retries};
use super::{GcsAuthError, GcsCredentialSource, GcsToken, ServiceAccountMode, TokenSource, DEFAULT_TOKEN_URI};

/// The JWT-bearer grant type (RFC 7523).
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// google-cloud-auth's default scope, used when none is asked for.
pub const CLOUD_PLATFORM_SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";
/// Lifetime of a JWT.
pub const JWT_LIFETIME: Duration = Duration::from_secs(3600);
/// How far `iat` is back-dated (and `exp` moved on) in self-signed JWTs, for clock skew.
pub const CLOCK_SKEW: Duration = Duration::from_secs(10);

const SERVICE: &str = "token endpoint";
const HINT: &str =
    "check that the service-account key is not deleted or disabled (`gcloud iam service-accounts keys list`) \
                    and that the machine's clock is right";

/// The parts of a service-account key file that matter. `Debug` never shows the key.
pub struct ServiceAccountKey {
    /// The file it came from.
    pub path: PathBuf,
    /// The account (`iss`).
    pub client_email: String,
    /// The key id (`kid` in the JWT header), when the file has one.
    pub private_key_id: Option<String>,
    /// Where JWTs are exchanged (the file's `token_uri`, else [`DEFAULT_TOKEN_URI`]).
    pub token_uri: String,
    signer: RsaSigner,
}

impl fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountKey")
            .field("path", &self.path)
            .field("client_email", &self.client_email)
            .field("private_key_id", &self.private_key_id)
            .field("token_uri", &self.token_uri)
            .field("private_key", &"<redacted>")
            .finish()
    }
}

fn field<'a>(v: &'a serde_json::Value, name: &str) -> Option<&'a str> {
    v.get(name).and_then(|s| s.as_str()).map(str::trim).filter(|s| !s.is_empty())
}

impl ServiceAccountKey {
    /// Reads the key from the parsed file `v` (found at `path`): `client_email` and
    /// `private_key` are required; `private_key_id` and `token_uri` are optional.
    pub fn from_json(path: &Path, v: &serde_json::Value) -> Result<Self, GcsAuthError> {
        let missing = |field: &'static str| GcsAuthError::MissingField {
            path: path.to_path_buf(),
            kind: "service_account".into(),
            field,
        };
        let client_email = field(v, "client_email").ok_or_else(|| missing("client_email"))?;
        let pem = v.get("private_key").and_then(|s| s.as_str()).ok_or_else(|| missing("private_key"))?;
        let signer = RsaSigner::from_pem(pem)
            .map_err(|reason| GcsAuthError::BadPrivateKey { path: path.to_path_buf(), reason })?;
        Ok(Self {
            path: path.to_path_buf(),
            client_email: client_email.to_string(),
            private_key_id: field(v, "private_key_id").map(str::to_string),
            token_uri: field(v, "token_uri").unwrap_or(DEFAULT_TOKEN_URI).to_string(),
            signer,
        })
    }

    /// A signed JWT with these claims (header `alg` RS256, `typ` JWT, `kid` when known).
    pub fn sign(&self, claims: &serde_json::Value) -> Result<String, GcsAuthError> {
        let mut header = serde_json::json!({"alg": "RS256", "typ": "JWT"});
        if let Some(kid) = &self.private_key_id {
            header["kid"] = kid.as_str().into();
        }
        self.signer
            .jwt(&header, claims)
            .map_err(|reason| GcsAuthError::BadPrivateKey { path: self.path.clone(), reason })
    }

    fn source(&self) -> GcsCredentialSource {
        GcsCredentialSource::ServiceAccount { path: self.path.clone(), client_email: self.client_email.clone() }
    }
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Tokens for a service account.
#[derive(Debug)]
pub struct ServiceAccountSource {
    key: ServiceAccountKey,
    scope: String,
    mode: ServiceAccountMode,
    quota_project_id: Option<String>,
    http: Http,
    clock: Arc<dyn Clock>,
}

impl ServiceAccountSource {
    /// Tokens for `key` with `scopes` (empty: `cloud-platform`), in `mode`; `http` is used for
    /// the exchange only.
    pub fn new(
        key: ServiceAccountKey,
        scopes: &[String],
        mode: ServiceAccountMode,
        http: Http,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let scope = if scopes.is_empty() { CLOUD_PLATFORM_SCOPE.to_string() } else { scopes.join(" ") };
        Self { key, scope, mode, quota_project_id: None, http, clock }
    }

    /// The same, sending `x-goog-user-project: PROJECT`.
    pub fn with_quota_project(mut self, project: Option<String>) -> Self {
        self.quota_project_id = project;
        self
    }

    /// The key in use.
    pub fn key(&self) -> &ServiceAccountKey {
        &self.key
    }

    fn self_signed(&self, now: SystemTime) -> Result<GcsToken, GcsAuthError> {
        let iat = unix(now).saturating_sub(CLOCK_SKEW.as_secs());
        let exp = unix(now) + CLOCK_SKEW.as_secs() + JWT_LIFETIME.as_secs();
        let claims = serde_json::json!({
            "iss": self.key.client_email,
            "sub": self.key.client_email,
            "scope": self.scope,
            "aud": null,
            "iat": iat,
            "exp": exp,
        });
        let mut t = GcsToken::new(self.key.sign(&claims)?, self.key.source());
        t.expiry = Some(UNIX_EPOCH + Duration::from_secs(exp));
        Ok(t)
    }

    fn exchanged(&self, now: SystemTime) -> Result<GcsToken, GcsAuthError> {
        let iat = unix(now);
        let claims = serde_json::json!({
            "iss": self.key.client_email,
            "scope": self.scope,
            "aud": self.key.token_uri,
            "iat": iat,
            "exp": iat + JWT_LIFETIME.as_secs(),
        });
        let assertion = self.key.sign(&claims)?;
        let body = form_encode(&[("grant_type", JWT_BEARER_GRANT), ("assertion", &assertion)]);
        let url = &self.key.token_uri;
        let (status, answer) = send_with_retries(
            &self.http,
            SERVICE,
            "POST",
            url,
            &[("content-type", "application/x-www-form-urlencoded")],
            body.as_bytes(),
        )?;
        if !(200..300).contains(&status) {
            return Err(refused(SERVICE, url, status, &answer, HINT));
        }
        parse_token(SERVICE, url, &answer, now, self.key.source())
    }
}

impl TokenSource for ServiceAccountSource {
    fn token(&self) -> Result<GcsToken, GcsAuthError> {
        let now = self.clock.now();
        let mut t = match self.mode {
            ServiceAccountMode::SelfSignedJwt => self.self_signed(now)?,
            ServiceAccountMode::TokenExchange => self.exchanged(now)?,
        };
        t.quota_project_id.clone_from(&self.quota_project_id);
        Ok(t)
    }
}
