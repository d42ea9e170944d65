//! Authorized-user files (`"type": "authorized_user"`, what `gcloud auth application-default
//! login` writes): the refresh token is exchanged for an access token at the file's
//! `token_uri` (default `https://oauth2.googleapis.com/token`).
//!
//! The request is google-cloud-auth's: `POST` with `content-type: application/json` and
//! `{"grant_type":"refresh_token","client_id":...,"client_secret":...,"refresh_token":...,
//! "scopes":"SCOPES"}` (`scopes` joined with spaces, `null` when none are asked for).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::clock::Clock;
use crate::http::Http;

use super::oauth::{parse_token, refused, send_with_retries};
use super::{GcsAuthError, GcsCredentialSource, GcsToken, TokenSource, DEFAULT_TOKEN_URI};

const SERVICE: &str = "token endpoint";
const HINT: &str = "the refresh token may be expired or revoked: run `gcloud auth application-default login` again";

/// An authorized-user file's contents. `Debug` never shows the client secret or the refresh
/// token.
pub struct AuthorizedUser {
    /// The file it came from.
    pub path: PathBuf,
    /// The OAuth client id (not a secret).
    pub client_id: String,
    client_secret: String,
    refresh_token: String,
    /// Where the refresh token is exchanged.
    pub token_uri: String,
    /// The file's `quota_project_id`.
    pub quota_project_id: Option<String>,
}

impl fmt::Debug for AuthorizedUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizedUser")
            .field("path", &self.path)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("token_uri", &self.token_uri)
            .field("quota_project_id", &self.quota_project_id)
            .finish()
    }
}

impl AuthorizedUser {
    /// Reads the parsed file `v` (found at `path`): `client_id`, `client_secret` and
    /// `refresh_token` are required; `token_uri` and `quota_project_id` optional.
    pub fn from_json(path: &Path, v: &serde_json::Value) -> Result<Self, GcsAuthError> {
        let get = |field: &'static str| {
            v.get(field).and_then(|s| s.as_str()).map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| {
                GcsAuthError::MissingField { path: path.to_path_buf(), kind: "authorized_user".into(), field }
            })
        };
        let opt = |field: &str| v.get(field).and_then(|s| s.as_str()).map(str::trim).filter(|s| !s.is_empty());
        Ok(Self {
            path: path.to_path_buf(),
            client_id: get("client_id")?.to_string(),
            client_secret: get("client_secret")?.to_string(),
            refresh_token: get("refresh_token")?.to_string(),
            token_uri: opt("token_uri").unwrap_or(DEFAULT_TOKEN_URI).to_string(),
            quota_project_id: opt("quota_project_id").map(str::to_string),
        })
    }
}

/// Tokens for an authorized user.
#[derive(Debug)]
pub struct AuthorizedUserSource {
    user: AuthorizedUser,
    scopes: Option<String>,
    quota_project_id: Option<String>,
    http: Http,
    clock: Arc<dyn Clock>,
}

impl AuthorizedUserSource {
    /// Tokens for `user`, asking for `scopes` (empty: none named), through `http`. The quota
    /// project is the file's.
    pub fn new(user: AuthorizedUser, scopes: &[String], http: Http, clock: Arc<dyn Clock>) -> Self {
        let scopes = (!scopes.is_empty()).then(|| scopes.join(" "));
        let quota_project_id = user.quota_project_id.clone();
        Self { user, scopes, quota_project_id, http, clock }
    }

    /// The same with another quota project (`GOOGLE_CLOUD_QUOTA_PROJECT` wins over the file's).
    pub fn with_quota_project(mut self, project: Option<String>) -> Self {
        if project.is_some() {
            self.quota_project_id = project;
        }
        self
    }
}

impl TokenSource for AuthorizedUserSource {
    fn token(&self) -> Result<GcsToken, GcsAuthError> {
        let body = serde_json::json!({
            "grant_type": "refresh_token",
            "client_id": self.user.client_id,
            "client_secret": self.user.client_secret,
            "refresh_token": self.user.refresh_token,
            "scopes": self.scopes,
        })
        .to_string();
        let url = &self.user.token_uri;
        let (status, answer) = send_with_retries(
            &self.http,
            SERVICE,
            "POST",
            url,
            &[("content-type", "application/json")],
            body.as_bytes(),
        )?;
        if !(200..300).contains(&status) {
            return Err(refused(SERVICE, url, status, &answer, HINT));
        }
        let source = GcsCredentialSource::AuthorizedUser { path: self.user.path.clone() };
        let mut t = parse_token(SERVICE, url, &answer, self.clock.now(), source)?;
        t.quota_project_id.clone_from(&self.quota_project_id);
        Ok(t)
    }
}
