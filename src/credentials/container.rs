//! Container credentials (ECS task roles, EKS pod identity): `GET` the URL from
//! `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (on `http://169.254.170.2`) or
//! `AWS_CONTAINER_CREDENTIALS_FULL_URI`, with an `Authorization` header from
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read on every call) or
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
//!
//! A full URI must be `https://`, or `http://` to a loopback address, `localhost`, or the ECS
//! and EKS link-local hosts (`169.254.170.2`, `169.254.170.23`, `fd00:ec2::23`).

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::address::{Host, Url, UrlError};
use crate::config::env::Environment;
use crate::http::{Http, HttpConfig};
use crate::retry::RetryPolicy;
use crate::sigv4::Credentials;

use super::provider::{
    get_with_retries, json_error, json_str, one_line, parse_rfc3339, AwsCredentials, CredentialSource,
    CredentialsProvider, ProviderError,
};

const SERVICE: &str = "container credentials endpoint";
/// The ECS credentials host for `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`.
pub const ECS_BASE: &str = "http://169.254.170.2";

fn invalid(problem: String) -> ProviderError {
    ProviderError::InvalidSetting { setting: "AWS_CONTAINER_CREDENTIALS_FULL_URI".into(), problem }
}

fn allowed_http_host(host: &Host) -> bool {
    match host {
        Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => ip.is_loopback() || ip.octets() == [169, 254, 170, 2] || ip.octets() == [169, 254, 170, 23],
        Host::Ipv6(ip) => ip.is_loopback() || *ip == "fd00:ec2::23".parse::<std::net::Ipv6Addr>().unwrap_or(*ip),
    }
}

/// The container credentials URL from the environment: `Ok(None)` when neither variable is
/// set. `base_override` (`scheme://host:port`) replaces where the request goes: `http://169.254.170.2`
/// for the relative form, the full URI's origin (after its checks) for the full form.
pub fn container_url(env: &Environment, base_override: Option<&str>) -> Result<Option<String>, ProviderError> {
    if let Some(rel) = env.non_empty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
        let base = base_override.unwrap_or(ECS_BASE).trim_end_matches('/');
        let sep = if rel.starts_with('/') { "" } else { "/" };
        return Ok(Some(format!("{base}{sep}{rel}")));
    }
    let Some(full) = env.non_empty("AWS_CONTAINER_CREDENTIALS_FULL_URI") else {
        return Ok(None);
    };
    let url = Url::parse(full).map_err(|e| match e {
        UrlError::MissingHost => invalid(format!("{full:?}: the URI did not specify a host")),
        e => invalid(format!("{full:?} is not an absolute URL ({e}): the URI did not specify a host")),
    })?;
    let host = url.host();
    match url.scheme() {
        "https" => {}
        "http" if allowed_http_host(host) => {}
        "http" => {
            return Err(invalid(format!(
                "{full:?}: plain http is only allowed to loopback addresses and the ECS/EKS hosts; use https"
            )))
        }
        s => return Err(invalid(format!("{full:?}: scheme {s} is not http or https"))),
    }
    Ok(Some(match base_override {
        // Tests and private setups: keep the path and query, change where they are sent.
        Some(base) => {
            let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
            format!("{}{}{query}", base.trim_end_matches('/'), url.path())
        }
        None => full.to_string(),
    }))
}

/// The container credentials source.
#[derive(Clone, Debug)]
pub struct ContainerProvider {
    http: Http,
    env: Environment,
    base_override: Option<String>,
    retry: RetryPolicy,
}

impl ContainerProvider {
    /// A provider reading its settings from `env` (2 s connect and 5 s read timeouts, no proxy).
    pub fn new(env: Environment, base_override: Option<String>) -> Result<Self, ProviderError> {
        let config = HttpConfig {
            connect_timeout: Some(Duration::from_secs(2)),
            read_timeout: Some(Duration::from_secs(5)),
            ..HttpConfig::default()
        };
        let http = Http::new(&config).map_err(|source| ProviderError::Http { service: SERVICE, source })?;
        Ok(Self { http, env, base_override, retry: RetryPolicy::credentials() })
    }

    /// The same with another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    fn auth_token(&self) -> Result<Option<String>, ProviderError> {
        let token = if let Some(file) = self.env.non_empty("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
            let path = PathBuf::from(file);
            let t = std::fs::read_to_string(&path).map_err(|source| ProviderError::Io {
                what: "container authorization token file",
                path,
                source,
            })?;
            Some(t.trim().to_string())
        } else {
            self.env.non_empty("AWS_CONTAINER_AUTHORIZATION_TOKEN").map(str::to_string)
        };
        if token.as_deref().is_some_and(|t| t.contains(['\r', '\n'])) {
            return Err(ProviderError::InvalidSetting {
                setting: "container authorization token".into(),
                problem: "it contains a line break".into(),
            });
        }
        Ok(token)
    }
}

impl CredentialsProvider for ContainerProvider {
    fn credentials(&self) -> Result<AwsCredentials, ProviderError> {
        let Some(url) = container_url(&self.env, self.base_override.as_deref())? else {
            return Err(ProviderError::not_configured(
                "container",
                "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set",
            ));
        };
        let token = self.auth_token()?;
        let headers: Vec<(&str, &str)> = token.iter().map(|t| ("authorization", t.as_str())).collect();
        let (status, body) = get_with_retries(&self.http, &self.retry, SERVICE, &url, &headers)?;
        let v: Result<serde_json::Value, _> = serde_json::from_slice(&body);
        if status != 200 {
            let v = v.ok();
            let code = v.as_ref().and_then(|v| json_str(v, "Code")).map(one_line);
            let message = v.as_ref().and_then(|v| json_str(v, "Message")).map(one_line);
            return Err(ProviderError::Service { service: SERVICE, status, code, message });
        }
        parse_credentials_json(v, SERVICE, CredentialSource::Container { url: strip_query(&url) })
    }
}

fn strip_query(url: &str) -> String {
    url.split('?').next().unwrap_or(url).to_string()
}

/// Reads the JSON both the container endpoint and IMDS answer with.
#[doc(hidden)]
pub fn parse_credentials_json(
    v: Result<serde_json::Value, serde_json::Error>,
    service: &'static str,
    source: CredentialSource,
) -> Result<AwsCredentials, ProviderError> {
    let bad = |reason: String| ProviderError::BadResponse { service, reason };
    let v = v.map_err(|e| bad(format!("the answer is {}", json_error(&e))))?;
    let id = json_str(&v, "AccessKeyId").ok_or_else(|| bad("no AccessKeyId".into()))?;
    let secret = json_str(&v, "SecretAccessKey").ok_or_else(|| bad("no SecretAccessKey".into()))?;
    let expiry = match json_str(&v, "Expiration") {
        None => None,
        Some(e) => Some(parse_rfc3339(e).ok_or_else(|| bad("Expiration is not an RFC 3339 time".into()))?),
    };
    Ok(AwsCredentials {
        creds: Credentials::new(id, secret).with_session_token(json_str(&v, "Token")),
        expiry,
        account_id: json_str(&v, "AccountId").map(str::to_string),
        source,
    })
}

/// Whether `ip` is an address the container provider may reach over plain http.
pub fn is_allowed_http_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => allowed_http_host(&Host::Ipv4(v4)),
        IpAddr::V6(v6) => allowed_http_host(&Host::Ipv6(v6)),
    }
}
