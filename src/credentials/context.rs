//! What every provider needs from outside: the environment, the HTTP agent, the clock, and
//! endpoint overrides.

use std::path::PathBuf;
use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use crate::config::env::Environment;
use crate::config::profile::ProfileSet;
use crate::http::{Http, HttpConfig, HttpError};
use crate::retry::{RetryPolicy, Sleeper};

use super::provider::ProviderError;
use super::sts::{sts_endpoint, Sts};

/// Endpoints that replace the ones the configuration would give, for tests (127.0.0.1 servers)
/// and private deployments. Each is a base URL (`scheme://host:port`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceEndpoints {
    /// STS (`AssumeRole`, `AssumeRoleWithWebIdentity`).
    pub sts: Option<String>,
    /// The SSO portal (`GetRoleCredentials`).
    pub sso: Option<String>,
    /// EC2 instance metadata.
    pub imds: Option<String>,
    /// The container credentials host (replaces `http://169.254.170.2`, or the origin of
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI`).
    pub container: Option<String>,
}

/// The environment, HTTP agent, clock, retry policy and endpoint overrides providers work with.
#[derive(Clone, Debug)]
pub struct ProviderContext {
    /// The (injected) process environment.
    pub env: Environment,
    /// The HTTP agent for STS and SSO (IMDS and the container endpoint use their own, with
    /// short timeouts and no proxy).
    pub http: Http,
    /// The clock (expiry checks, signing time, session names).
    pub clock: Arc<dyn Clock>,
    /// Endpoint overrides.
    pub endpoints: ServiceEndpoints,
    /// How calls to STS, the SSO portal, IMDS and the container endpoint are retried
    /// ([`RetryPolicy::credentials`]; tests give it a recording sleeper).
    pub retry: RetryPolicy,
}

impl ProviderContext {
    /// A context on the system clock, with an agent built from `http`.
    pub fn new(env: Environment, http: &HttpConfig) -> Result<Self, HttpError> {
        Ok(Self {
            env,
            http: Http::new(http)?,
            clock: Arc::new(SystemClock),
            endpoints: ServiceEndpoints::default(),
            retry: RetryPolicy::credentials(),
        })
    }

    /// A context on the system clock that sends through `http` (the agent the S3 client uses
    /// too, so that its CA bundle and proxies apply to STS and SSO).
    pub fn with_http(env: Environment, http: Http) -> Self {
        Self {
            env,
            http,
            clock: Arc::new(SystemClock),
            endpoints: ServiceEndpoints::default(),
            retry: RetryPolicy::credentials(),
        }
    }

    /// The same with another clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The same with another sleeper between retries.
    pub fn with_sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.retry.sleeper = sleeper;
        self
    }

    /// The same with endpoint overrides.
    pub fn with_endpoints(mut self, endpoints: ServiceEndpoints) -> Self {
        self.endpoints = endpoints;
        self
    }

    /// The region for STS: `AWS_REGION`, `AWS_DEFAULT_REGION`, the selected profile's `region`.
    pub fn region(&self, set: &ProfileSet) -> Option<String> {
        self.env
            .non_empty("AWS_REGION")
            .or_else(|| self.env.non_empty("AWS_DEFAULT_REGION"))
            .or_else(|| set.selected_profile().and_then(|p| p.get("region")).map(str::trim).filter(|r| !r.is_empty()))
            .map(str::to_string)
    }

    /// An STS client for the selected profile's configuration.
    pub fn sts(&self, set: &ProfileSet) -> Result<Sts, ProviderError> {
        let region = self.region(set);
        let endpoint = sts_endpoint(&self.env, set, region.as_deref(), self.endpoints.sts.as_deref())?;
        Ok(Sts::new(self.http.clone(), endpoint, region.as_deref(), self.clock.clone()).with_retry(self.retry.clone()))
    }

    /// `~/.aws/sso/cache` of the injected home directory.
    pub fn sso_cache_dir(&self) -> Option<PathBuf> {
        self.env.home_dir().map(|h| h.join(".aws").join("sso").join("cache"))
    }

    /// Resolves a path from the configuration: `~/` and `~` expand to the injected home.
    pub fn expand_path(&self, p: &str) -> PathBuf {
        match (p.strip_prefix("~/").or_else(|| (p == "~").then_some("")), self.env.home_dir()) {
            (Some(rest), Some(home)) => home.join(rest),
            _ => PathBuf::from(p),
        }
    }
}
