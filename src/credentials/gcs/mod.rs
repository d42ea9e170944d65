//! Google Cloud Storage authentication: OAuth 2.0 access tokens from Google's application
//! default credentials (ADC), as rattler (and so pixi) gets them for `gcs://BUCKET/PATH`, which
//! it reads as `https://storage.googleapis.com/BUCKET/PATH` with `Authorization: Bearer TOKEN`.
//!
//! rattler uses the `google-cloud-auth` crate (1.x, `credentials::Builder` with the scope
//! `devstorage.read_only`); this module follows that crate's discovery ([`adc`]):
//!
//! 1. `GOOGLE_APPLICATION_CREDENTIALS` names a JSON file (a missing file is an error, not a
//!    fall-through);
//! 2. else gcloud's well-known file `~/.config/gcloud/application_default_credentials.json`
//!    (`%APPDATA%\gcloud\...` on Windows; minis3 also honours `CLOUDSDK_CONFIG`, as gcloud and
//!    Google's Python and Go libraries do, though google-cloud-auth does not); a missing file
//!    falls through;
//! 3. else the GCE metadata server ([`metadata`]), `http://metadata.google.internal` or
//!    `http://$GCE_METADATA_HOST`.
//!
//! A file's `type` picks the flow: `service_account` ([`service_account`]: a JWT signed with
//! RS256 from the file's PKCS#8 key; by default used directly as the bearer token, as
//! google-cloud-auth does, or exchanged at the file's `token_uri`), `authorized_user`
//! ([`user`]: a `refresh_token` grant at its `token_uri`). Others (`external_account`,
//! `impersonated_service_account`) are refused with a clear error. A `quota_project_id` in the
//! file (or `GOOGLE_CLOUD_QUOTA_PROJECT`) is sent as `x-goog-user-project`, as
//! google-cloud-auth does.
//!
//! Tokens are cached and refreshed shortly before they expire ([`cache::CachedTokenSource`]).
//! Nothing here reads `std::env`, the real home directory or the wall clock: the
//! [`crate::credentials::ProviderContext`] carries the environment, the HTTP agent and the
//! clock, and every URL comes from the files or the environment, so tests use 127.0.0.1.
//!
//! ```no_run
//! use minis3::config::env::Environment;
//! use minis3::credentials::ProviderContext;
//! use minis3::credentials::gcs::{GcsAuth, GcsOptions};
//! let ctx = ProviderContext::new(Environment::from_process(), &Default::default()).unwrap();
//! let auth = GcsAuth::from_adc(&ctx, &GcsOptions::default()).unwrap();
//! for (name, value) in auth.headers().unwrap() {
//!     println!("{name}: {}", if name == "authorization" { "<redacted>" } else { &value });
//! }
//! ```

pub mod adc;
pub mod cache;
mod error;
pub mod jwt;
mod key_file;
pub mod metadata;
mod oauth;
pub mod service_account;
pub mod user;

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::config::env::Platform;

pub use adc::GcsAuth;
pub use error::GcsAuthError;

/// Read access to Cloud Storage: what rattler asks for.
pub const SCOPE_READ_ONLY: &str = "https://www.googleapis.com/auth/devstorage.read_only";
/// Read and write access to Cloud Storage (uploads).
pub const SCOPE_READ_WRITE: &str = "https://www.googleapis.com/auth/devstorage.read_write";
/// Google's OAuth 2.0 token endpoint, used when a file names none.
pub const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

/// How a service-account key becomes a bearer token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ServiceAccountMode {
    /// A self-signed JWT (`iss` = `sub` = `client_email`, the scopes in `scope`, one hour) is the
    /// bearer token itself: no network call. What google-cloud-auth 1.x, and so rattler, does.
    #[default]
    SelfSignedJwt,
    /// The JWT (`aud` = the file's `token_uri`) is exchanged at `token_uri` with the grant
    /// `urn:ietf:params:oauth:grant-type:jwt-bearer` for an access token (RFC 7523), as gcloud
    /// and Google's Python library do.
    TokenExchange,
}

/// What to ask for, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GcsOptions {
    /// OAuth scopes (default: [`SCOPE_READ_ONLY`], as rattler).
    pub scopes: Vec<String>,
    /// Self-signed JWT or token exchange for service accounts.
    pub service_account_mode: ServiceAccountMode,
    /// Whose well-known gcloud path applies (`HOME/.config/gcloud` or `APPDATA/gcloud`).
    pub platform: Platform,
    /// Time allowed for the metadata server to answer (default 3 s; off GCE it usually fails
    /// at once).
    pub metadata_timeout: Duration,
}

impl Default for GcsOptions {
    fn default() -> Self {
        Self {
            scopes: vec![SCOPE_READ_ONLY.to_string()],
            service_account_mode: ServiceAccountMode::default(),
            platform: Platform::current(),
            metadata_timeout: Duration::from_secs(3),
        }
    }
}

impl GcsOptions {
    /// The defaults with these scopes.
    pub fn with_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }
}

/// Where a token came from. `Display` is a short text for messages and `config show`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GcsCredentialSource {
    /// A service-account key file.
    ServiceAccount {
        /// The file.
        path: PathBuf,
        /// The account (not a secret).
        client_email: String,
    },
    /// A user's refresh token (`gcloud auth application-default login`).
    AuthorizedUser {
        /// The file.
        path: PathBuf,
    },
    /// The GCE metadata server.
    Metadata {
        /// Its base URL.
        url: String,
    },
    /// Given by the caller (tests, embedders).
    Explicit,
}

impl fmt::Display for GcsCredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ServiceAccount { path, client_email } => {
                write!(f, "service account {client_email} from {}", path.display())
            }
            Self::AuthorizedUser { path } => write!(f, "authorized user from {}", path.display()),
            Self::Metadata { url } => write!(f, "metadata server {url}"),
            Self::Explicit => f.write_str("given explicitly"),
        }
    }
}

/// An access token, its type and expiry. `Debug` never shows the token.
#[derive(Clone, PartialEq, Eq)]
pub struct GcsToken {
    token: String,
    /// The token type for the `Authorization` header (`Bearer`).
    pub token_type: String,
    /// When it stops working (`None`: not said; then it is used until the server refuses it).
    pub expiry: Option<SystemTime>,
    /// The project billed for requests (`x-goog-user-project`), when configured.
    pub quota_project_id: Option<String>,
    /// Where it came from.
    pub source: GcsCredentialSource,
}

impl fmt::Debug for GcsToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GcsToken")
            .field("token", &"<redacted>")
            .field("token_type", &self.token_type)
            .field("expiry", &self.expiry)
            .field("quota_project_id", &self.quota_project_id)
            .field("source", &self.source)
            .finish()
    }
}

impl GcsToken {
    /// A `Bearer` token from `source`, without expiry or quota project.
    pub fn new(token: impl Into<String>, source: GcsCredentialSource) -> Self {
        Self { token: token.into(), token_type: "Bearer".into(), expiry: None, quota_project_id: None, source }
    }

    /// The token itself (a secret: never log it).
    pub fn secret(&self) -> &str {
        &self.token
    }

    /// The `Authorization` header value: `Bearer TOKEN` (a secret).
    pub fn authorization(&self) -> String {
        format!("{} {}", self.token_type, self.token)
    }

    /// The headers a request carries: `authorization`, and `x-goog-user-project` when a quota
    /// project is configured (names lower-case).
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut h = vec![("authorization", self.authorization())];
        if let Some(p) = &self.quota_project_id {
            h.push(("x-goog-user-project", p.clone()));
        }
        h
    }
}

/// Something that produces Google access tokens: one source (service account, user, metadata
/// server) or a cache around one. A bare source may do network I/O on every call; wrap it in
/// a [`cache::CachedTokenSource`] (as [`GcsAuth`] does).
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// Fetches a token.
    fn token(&self) -> Result<GcsToken, GcsAuthError>;
}
