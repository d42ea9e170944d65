//! [`Settings`]: every resolved setting of one bucket, with its source, and the client they
//! describe.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use crate::address::AddressingStyle;
use crate::config::pixi::S3OptionsEntry;
use crate::config::source::Sourced;
use crate::http::{Http, HttpConfig};
use crate::s3::{Auth, Client, ClientConfig, StaticCredentials};

use super::error::SettingsError;
use super::plan::{auth_file_credentials, CredentialPlan};

/// Every resolved setting for one bucket (or none). Its `Debug` output leaves out the
/// secrets.
#[derive(Clone)]
pub struct Settings {
    /// The selected AWS profile and how it was chosen ([`Source::Default`], the caller's
    /// [`Setting::Profile`], or `AWS_PROFILE`).
    ///
    /// [`Source::Default`]: crate::config::source::Source::Default
    /// [`Setting::Profile`]: crate::config::source::Setting::Profile
    pub profile: Sourced<String>,
    /// The endpoint URL (`None`: the AWS endpoint of the region).
    pub endpoint_url: Option<Sourced<String>>,
    /// The region.
    pub region: Sourced<String>,
    /// Path or virtual-host style. `auto` from the AWS configuration with an endpoint URL is
    /// resolved to path style here, as the AWS CLI does (source
    /// [`Source::AutoOnCustomEndpoint`](crate::config::source::Source::AutoOnCustomEndpoint)).
    pub addressing_style: Sourced<AddressingStyle>,
    /// The CA bundle, if configured.
    pub ca_bundle: Option<Sourced<PathBuf>>,
    /// Maximum attempts, if configured.
    pub max_attempts: Option<Sourced<u32>>,
    /// Multipart threshold in bytes (`s3 = multipart_threshold`), if configured.
    pub multipart_threshold: Option<Sourced<u64>>,
    /// Part size in bytes (`s3 = multipart_chunksize`), if configured.
    pub part_size: Option<Sourced<u64>>,
    /// Parallel requests (`s3 = max_concurrent_requests`), if configured.
    pub concurrency: Option<Sourced<u32>>,
    /// The rate downloads aim at, bytes per second (`s3 = target_bandwidth`), if configured.
    pub target_bandwidth: Option<Sourced<u64>>,
    /// The bucket's pixi `s3-options` entry, if any.
    pub pixi: Option<S3OptionsEntry>,
    /// Credentials.
    pub credentials: CredentialPlan,
    /// Secrets to scrub from anything printed (secret key, session token).
    pub secrets: Vec<String>,
    /// The HTTP settings: the environment's proxies and CA bundle (`AWS_CA_BUNDLE`), else the
    /// profile's `ca_bundle`.
    pub http_config: HttpConfig,
    /// The one agent built from [`Settings::http_config`], which the credential providers (STS,
    /// SSO) used and the client sends through; `None` when it could not be built (an unreadable
    /// CA bundle, a bad proxy URL: [`Settings::client`] then says why).
    pub http: Option<Http>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("profile", &self.profile)
            .field("endpoint_url", &self.endpoint_url)
            .field("region", &self.region)
            .field("addressing_style", &self.addressing_style)
            .field("ca_bundle", &self.ca_bundle)
            .field("max_attempts", &self.max_attempts)
            .field("multipart_threshold", &self.multipart_threshold)
            .field("part_size", &self.part_size)
            .field("concurrency", &self.concurrency)
            .field("target_bandwidth", &self.target_bandwidth)
            .field("pixi", &self.pixi)
            .field("credentials", &self.credentials)
            .field("secrets", &format_args!("[{} redacted]", self.secrets.len()))
            .field("http_config", &self.http_config)
            .field("http", &self.http)
            .finish()
    }
}

impl Settings {
    /// The client configuration these settings describe: region, endpoint, addressing style,
    /// the HTTP configuration and its agent (shared with the credential providers), maximum
    /// attempts, multipart threshold (a configured one also turns off the single-PUT loopback
    /// shortcut), part size, concurrency, target rate, and what to sign with. Progress, debug
    /// and notices are left at their defaults for the caller to set.
    ///
    /// Fails with [`SettingsError::NoCredentials`] when the credentials are
    /// [`CredentialPlan::Missing`].
    pub fn client_config(&self) -> Result<ClientConfig, SettingsError> {
        let auth = match &self.credentials {
            CredentialPlan::Anonymous => Auth::Anonymous,
            CredentialPlan::Missing(why) => return Err(SettingsError::NoCredentials(why.clone())),
            CredentialPlan::Aws(keys) => Auth::Signed(keys.provider.clone()),
            CredentialPlan::AuthFile(found) => {
                Auth::Signed(Arc::new(StaticCredentials::from_credentials(auth_file_credentials(found))))
            }
        };
        let mut cfg = ClientConfig::new(self.region.value.clone(), auth);
        cfg.endpoint_url = self.endpoint_url.as_ref().map(|v| v.value.clone());
        cfg.addressing_style = self.addressing_style.value;
        cfg.http = self.http_config.clone();
        cfg.agent = self.http.clone();
        if let Some(n) = &self.max_attempts {
            cfg.max_attempts = n.value;
        }
        if let Some(v) = &self.multipart_threshold {
            cfg.multipart_threshold = v.value;
            cfg.loopback_single_put = false;
        }
        if let Some(v) = &self.part_size {
            cfg.part_size = v.value;
        }
        if let Some(v) = &self.concurrency {
            cfg.concurrency = v.value as usize;
        }
        if let Some(v) = &self.target_bandwidth {
            cfg.target_throughput = v.value;
        }
        Ok(cfg)
    }

    /// A client from [`Settings::client_config`] as it is.
    pub fn client(&self) -> Result<Client, SettingsError> {
        Client::new(self.client_config()?).map_err(SettingsError::Client)
    }
}
