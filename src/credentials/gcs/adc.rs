//! Application default credentials: which source applies, in google-cloud-auth's order
//! (`credentials.rs` `load_adc`/`adc_path`/`build_credentials` in googleapis/google-cloud-rust):
//!
//! 1. `GOOGLE_APPLICATION_CREDENTIALS` (a missing file is [`GcsAuthError::FileNotFound`]; an
//!    empty value counts as unset here, where google-cloud-auth would fail on the path `""`);
//! 2. the well-known file: `$CLOUDSDK_CONFIG/application_default_credentials.json` when
//!    `CLOUDSDK_CONFIG` is set (gcloud's own rule; google-cloud-auth ignores the variable), else
//!    `$HOME/.config/gcloud/application_default_credentials.json`
//!    (`%APPDATA%\gcloud\application_default_credentials.json` on Windows); a missing file
//!    falls through;
//! 3. the metadata server.
//!
//! The quota project is `GOOGLE_CLOUD_QUOTA_PROJECT`, else an authorized-user file's
//! `quota_project_id`. File problems (unreadable, bad JSON, missing fields, unusable key) are
//! reported when the credentials are built, network problems when a token is asked for.

use std::path::PathBuf;
use std::sync::Arc;

use crate::clock::Clock;
use crate::config::env::{Environment, Platform};
use crate::credentials::ProviderContext;

use super::cache::CachedTokenSource;
use super::key_file::{parse, KeyFile};
use super::metadata::{metadata_url, MetadataSource};
use super::service_account::ServiceAccountSource;
use super::user::AuthorizedUserSource;
use super::{GcsAuthError, GcsOptions, GcsToken, TokenSource};

/// The well-known file's name.
pub const ADC_FILE_NAME: &str = "application_default_credentials.json";

/// Where gcloud keeps application default credentials for `platform`, if the variables it
/// needs are set (see the module documentation).
///
/// ```
/// use minis3::config::env::{Environment, Platform};
/// use minis3::credentials::gcs::adc::well_known_path;
/// let env = Environment::from_pairs([("HOME", "/home/me"), ("APPDATA", "C:\\Users\\me\\AppData\\Roaming")]);
/// assert_eq!(
///     well_known_path(&env, Platform::Unix).unwrap(),
///     std::path::Path::new("/home/me/.config/gcloud/application_default_credentials.json")
/// );
/// assert!(well_known_path(&env, Platform::Windows).unwrap().starts_with("C:\\Users\\me\\AppData\\Roaming"));
/// ```
pub fn well_known_path(env: &Environment, platform: Platform) -> Option<PathBuf> {
    if let Some(dir) = env.non_empty("CLOUDSDK_CONFIG") {
        return Some(PathBuf::from(dir).join(ADC_FILE_NAME));
    }
    match platform {
        Platform::Unix => env.non_empty("HOME").map(|h| PathBuf::from(h).join(".config/gcloud").join(ADC_FILE_NAME)),
        Platform::Windows => env.non_empty("APPDATA").map(|a| PathBuf::from(a).join("gcloud").join(ADC_FILE_NAME)),
    }
}

/// The uncached source application default credentials resolve to (see the module
/// documentation). Reads files; sends nothing.
pub fn application_default(ctx: &ProviderContext, opts: &GcsOptions) -> Result<Box<dyn TokenSource>, GcsAuthError> {
    let quota = ctx.env.non_empty("GOOGLE_CLOUD_QUOTA_PROJECT").map(str::to_string);
    let mut tried = Vec::new();
    if let Some(p) = ctx.env.non_empty("GOOGLE_APPLICATION_CREDENTIALS") {
        let path = PathBuf::from(p);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(GcsAuthError::FileNotFound { path }),
            Err(source) => return Err(GcsAuthError::Io { path, source }),
        };
        return Ok(from_file(ctx, opts, parse(&path, &text)?, quota));
    }
    tried.push("GOOGLE_APPLICATION_CREDENTIALS is not set".to_string());
    match well_known_path(&ctx.env, opts.platform) {
        Some(path) => match std::fs::read_to_string(&path) {
            Ok(text) => return Ok(from_file(ctx, opts, parse(&path, &text)?, quota)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tried.push(format!("{} does not exist", path.display()));
            }
            Err(source) => return Err(GcsAuthError::Io { path, source }),
        },
        None => tried.push(match opts.platform {
            Platform::Unix => "HOME is not set (for gcloud's application_default_credentials.json)".to_string(),
            Platform::Windows => "APPDATA is not set (for gcloud's application_default_credentials.json)".to_string(),
        }),
    }
    let md = MetadataSource::new(&metadata_url(&ctx.env), &opts.scopes, opts.metadata_timeout, ctx.clock.clone())?;
    Ok(Box::new(md.with_quota_project(quota).after(tried)))
}

fn from_file(ctx: &ProviderContext, opts: &GcsOptions, file: KeyFile, quota: Option<String>) -> Box<dyn TokenSource> {
    match file {
        KeyFile::ServiceAccount(key) => Box::new(
            ServiceAccountSource::new(
                key,
                &opts.scopes,
                opts.service_account_mode,
                ctx.http.clone(),
                ctx.clock.clone(),
            )
            .with_quota_project(quota),
        ),
        KeyFile::AuthorizedUser(user) => Box::new(
            AuthorizedUserSource::new(user, &opts.scopes, ctx.http.clone(), ctx.clock.clone())
                .with_quota_project(quota),
        ),
    }
}

/// Google credentials for Cloud Storage requests: a source (usually application default
/// credentials) behind a token cache. Thread-safe; clones share the cache.
#[derive(Clone, Debug)]
pub struct GcsAuth {
    cache: Arc<CachedTokenSource>,
}

impl GcsAuth {
    /// Application default credentials for `ctx`'s environment, HTTP agent and clock.
    /// Fails when a credentials file is missing, unreadable or malformed; an absent metadata
    /// server shows when a token is first asked for.
    pub fn from_adc(ctx: &ProviderContext, opts: &GcsOptions) -> Result<Self, GcsAuthError> {
        Ok(Self::new(application_default(ctx, opts)?, ctx.clock.clone()))
    }

    /// Caches tokens from `source`, judging expiry by `clock`.
    pub fn new(source: Box<dyn TokenSource>, clock: Arc<dyn Clock>) -> Self {
        Self { cache: Arc::new(CachedTokenSource::new(source, clock)) }
    }

    /// A token, from the cache while it is fresh.
    pub fn token(&self) -> Result<GcsToken, GcsAuthError> {
        self.cache.token()
    }

    /// The headers for one request: `authorization: Bearer TOKEN` and, when configured,
    /// `x-goog-user-project`.
    pub fn headers(&self) -> Result<Vec<(&'static str, String)>, GcsAuthError> {
        Ok(self.token()?.headers())
    }

    /// Forgets the cached token (after a 401), so the next call fetches a new one.
    pub fn invalidate(&self) {
        self.cache.invalidate();
    }
}

impl TokenSource for GcsAuth {
    fn token(&self) -> Result<GcsToken, GcsAuthError> {
        self.cache.token()
    }
}
