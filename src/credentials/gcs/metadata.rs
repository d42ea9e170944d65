//! The GCE metadata server (Compute Engine, GKE, Cloud Run, Cloud Build...):
//! `GET http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token`
//! with `Metadata-Flavor: Google`, and `?scopes=A,B` when scopes are asked for (as
//! google-cloud-auth sends them). `GCE_METADATA_HOST` (`host[:port]`) replaces the host, as in
//! Google's libraries. No proxy, short timeouts: off Google Cloud the name does not resolve and
//! the error says so at once.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::config::env::Environment;
use crate::http::{Http, HttpConfig, HttpError};
use crate::sigv4::encode::encode_component;

use super::oauth::{parse_token, refused};
use super::{GcsAuthError, GcsCredentialSource, GcsToken, TokenSource};

/// The metadata server's default base URL.
pub const DEFAULT_METADATA_URL: &str = "http://metadata.google.internal";
/// The path of the default service account's token.
pub const TOKEN_PATH: &str = "/computeMetadata/v1/instance/service-accounts/default/token";

const SERVICE: &str = "metadata server";
const HINT: &str = "check that the instance has a service account with access to Cloud Storage";

/// The metadata server's base URL: `http://$GCE_METADATA_HOST` (a value that already starts
/// with `http://` is taken as it is), else [`DEFAULT_METADATA_URL`].
///
/// ```
/// use minis3::config::env::Environment;
/// use minis3::credentials::gcs::metadata::metadata_url;
/// assert_eq!(metadata_url(&Environment::default()), "http://metadata.google.internal");
/// let env = Environment::from_pairs([("GCE_METADATA_HOST", "127.0.0.1:8080")]);
/// assert_eq!(metadata_url(&env), "http://127.0.0.1:8080");
/// ```
pub fn metadata_url(env: &Environment) -> String {
    match env.non_empty("GCE_METADATA_HOST") {
        Some(h) if h.starts_with("http://") || h.starts_with("https://") => h.trim_end_matches('/').to_string(),
        Some(h) => format!("http://{}", h.trim_end_matches('/')),
        None => DEFAULT_METADATA_URL.to_string(),
    }
}

/// Tokens for the instance's default service account.
#[derive(Debug)]
pub struct MetadataSource {
    base: String,
    url: String,
    http: Http,
    clock: Arc<dyn Clock>,
    quota_project_id: Option<String>,
    tried_before: Vec<String>,
}

impl MetadataSource {
    /// A source asking the server at `base` (see [`metadata_url`]) for `scopes` (empty: the
    /// instance's own), giving up after `timeout`.
    pub fn new(base: &str, scopes: &[String], timeout: Duration, clock: Arc<dyn Clock>) -> Result<Self, GcsAuthError> {
        let config = HttpConfig {
            connect_timeout: Some(timeout.min(Duration::from_secs(1))),
            read_timeout: Some(timeout),
            global_timeout: Some(timeout),
            ..HttpConfig::default()
        };
        let base = base.trim_end_matches('/').to_string();
        let mut url = format!("{base}{TOKEN_PATH}");
        if !scopes.is_empty() {
            url.push_str("?scopes=");
            url.push_str(&encode_component(&scopes.join(",")));
        }
        let http =
            Http::new(&config).map_err(|source| GcsAuthError::Http { service: SERVICE, url: base.clone(), source })?;
        Ok(Self { base, url, http, clock, quota_project_id: None, tried_before: Vec::new() })
    }

    /// The same, sending `x-goog-user-project: PROJECT`.
    pub fn with_quota_project(mut self, project: Option<String>) -> Self {
        self.quota_project_id = project;
        self
    }

    /// When this is the last source of a chain: what was tried before it, so that an absent
    /// server is reported as "nothing configured" with the whole list.
    pub fn after(mut self, tried: Vec<String>) -> Self {
        self.tried_before = tried;
        self
    }

    fn absent(e: &HttpError) -> bool {
        matches!(
            e,
            HttpError::HostNotFound { .. }
                | HttpError::ConnectionRefused { .. }
                | HttpError::ConnectFailed { .. }
                | HttpError::Timeout { .. }
        )
    }
}

impl TokenSource for MetadataSource {
    fn token(&self) -> Result<GcsToken, GcsAuthError> {
        let resp = match self.http.send("GET", &self.url, &[("metadata-flavor", "Google")], crate::http::Body::Empty) {
            Ok(r) => r,
            Err(e) if Self::absent(&e) => {
                let mut tried = self.tried_before.clone();
                tried.push(format!("no metadata server answered at {} ({e}): not on Google Cloud?", self.base));
                return Err(GcsAuthError::NotConfigured { tried });
            }
            Err(source) => return Err(GcsAuthError::Http { service: SERVICE, url: self.base.clone(), source }),
        };
        let status = resp.status();
        let body = resp.read_to_vec(1 << 20).map_err(|source| GcsAuthError::Http {
            service: SERVICE,
            url: self.base.clone(),
            source,
        })?;
        if status != 200 {
            return Err(refused(SERVICE, &self.url, status, &body, HINT));
        }
        let source = GcsCredentialSource::Metadata { url: self.base.clone() };
        let mut t = parse_token(SERVICE, &self.url, &body, self.clock.now(), source)?;
        t.quota_project_id.clone_from(&self.quota_project_id);
        Ok(t)
    }
}
