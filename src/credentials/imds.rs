//! EC2 instance metadata (IMDS) credentials: an IMDSv2 session token first
//! (`PUT /latest/api/token`), then the instance role's name and its credentials under
//! `/latest/meta-data/iam/security-credentials/`. Short timeouts (1 s) so that a machine that
//! is not on EC2 finds out quickly; no proxy.
//!
//! Settings: `AWS_EC2_METADATA_DISABLED=true` turns it off; the endpoint is
//! `AWS_EC2_METADATA_SERVICE_ENDPOINT` or the profile's `ec2_metadata_service_endpoint`, else
//! chosen by the mode (`AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE` or
//! `ec2_metadata_service_endpoint_mode`: `IPv4` → `http://169.254.169.254`, `IPv6` →
//! `http://[fd00:ec2::254]`). When the token request is answered 404 or 405 (no IMDSv2), the
//! calls are made without a token unless `AWS_EC2_METADATA_V1_DISABLED=true`.

use std::time::Duration;

use crate::address::{Url, UrlError};
use crate::config::env::Environment;
use crate::config::profile::ProfileSet;
use crate::http::{Body, Http, HttpConfig, HttpError};
use crate::retry::RetryPolicy;

use super::container::parse_credentials_json;
use super::provider::{one_line, AwsCredentials, CredentialSource, CredentialsProvider, ProviderError};

const SERVICE: &str = "IMDS";
const IPV4: &str = "http://169.254.169.254";
const IPV6: &str = "http://[fd00:ec2::254]";

fn invalid(setting: &str, problem: String) -> ProviderError {
    ProviderError::InvalidSetting { setting: setting.to_string(), problem }
}

fn parse_mode(value: &str, setting: &str) -> Result<&'static str, ProviderError> {
    match value.to_ascii_lowercase().as_str() {
        "ipv4" => Ok(IPV4),
        "ipv6" => Ok(IPV6),
        _ => Err(invalid(setting, format!("`{value}` is not a valid endpoint mode; use IPv4 or IPv6"))),
    }
}

/// The IMDS base URL (no trailing `/`): `endpoint_override`, `AWS_EC2_METADATA_SERVICE_ENDPOINT`,
/// the profile's `ec2_metadata_service_endpoint`, else by mode (`mode_override`, the variable,
/// the profile key; default IPv4).
pub fn imds_endpoint(
    env: &Environment,
    set: &ProfileSet,
    endpoint_override: Option<&str>,
    mode_override: Option<&str>,
) -> Result<String, ProviderError> {
    let profile = set.selected_profile();
    let prop = |key: &str| profile.and_then(|p| p.get(key)).map(str::trim).filter(|v| !v.is_empty());
    let endpoint = match endpoint_override {
        Some(e) => Some((e, "the IMDS endpoint override")),
        None => match env.non_empty("AWS_EC2_METADATA_SERVICE_ENDPOINT") {
            Some(e) => Some((e, "AWS_EC2_METADATA_SERVICE_ENDPOINT")),
            None => prop("ec2_metadata_service_endpoint").map(|e| (e, "ec2_metadata_service_endpoint")),
        },
    };
    if let Some((e, setting)) = endpoint {
        Url::parse(e).map_err(|err| match err {
            UrlError::MissingHost => invalid(setting, format!("{e:?} has no host")),
            err => invalid(setting, format!("{e:?} is not a URL ({err})")),
        })?;
        return Ok(e.trim_end_matches('/').to_string());
    }
    if let Some(m) = mode_override {
        return parse_mode(m, "IMDS endpoint mode").map(str::to_string);
    }
    if let Some(m) = env.non_empty("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE") {
        return parse_mode(m, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE").map(str::to_string);
    }
    if let Some(m) = prop("ec2_metadata_service_endpoint_mode") {
        return parse_mode(m, "ec2_metadata_service_endpoint_mode").map(str::to_string);
    }
    Ok(IPV4.to_string())
}

/// Whether `AWS_EC2_METADATA_DISABLED` is `true` (any case).
pub fn imds_disabled(env: &Environment) -> bool {
    env.non_empty("AWS_EC2_METADATA_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// The instance metadata source.
#[derive(Clone, Debug)]
pub struct ImdsProvider {
    http: Http,
    endpoint: Result<String, String>,
    disabled: bool,
    v1_disabled: bool,
    retry: RetryPolicy,
}

enum Fetch {
    Ok(String),
    NotFound,
}

impl ImdsProvider {
    /// A provider with the endpoint resolved from `env` and `set` (see [`imds_endpoint`]);
    /// `endpoint_override` wins over both (tests point it at 127.0.0.1).
    pub fn new(env: &Environment, set: &ProfileSet, endpoint_override: Option<&str>) -> Result<Self, ProviderError> {
        let config = HttpConfig {
            connect_timeout: Some(Duration::from_secs(1)),
            read_timeout: Some(Duration::from_secs(1)),
            ..HttpConfig::default()
        };
        let http = Http::new(&config).map_err(|source| ProviderError::Http { service: SERVICE, source })?;
        let v1_disabled = env.non_empty("AWS_EC2_METADATA_V1_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        // A bad endpoint setting is reported when the provider is used, not when it is built.
        let endpoint = imds_endpoint(env, set, endpoint_override, None).map_err(|e| e.to_string());
        Ok(Self { http, endpoint, disabled: imds_disabled(env), v1_disabled, retry: RetryPolicy::credentials() })
    }

    /// The same with another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    fn unreachable(e: &HttpError) -> bool {
        matches!(
            e,
            HttpError::ConnectionRefused { .. }
                | HttpError::ConnectFailed { .. }
                | HttpError::HostNotFound { .. }
                | HttpError::Timeout { .. }
        )
    }

    fn send(&self, method: &str, url: &str, headers: &[(&str, &str)]) -> Result<(u16, Vec<u8>), ProviderError> {
        self.retry.run(ProviderError::is_retryable, || {
            let resp = match self.http.send(method, url, headers, Body::Empty) {
                Ok(r) => r,
                Err(e) if Self::unreachable(&e) => {
                    return Err(ProviderError::not_configured(
                        "imds",
                        format!("no instance metadata service answered ({e}); not on EC2?"),
                    ))
                }
                Err(source) => return Err(ProviderError::Http { service: SERVICE, source }),
            };
            let status = resp.status();
            let body = resp.read_to_vec(64 << 10).map_err(|source| ProviderError::Http { service: SERVICE, source })?;
            if status >= 500 || status == 429 {
                return Err(ProviderError::Service { service: SERVICE, status, code: None, message: None });
            }
            Ok((status, body))
        })
    }

    fn get(&self, url: &str, token: Option<&str>) -> Result<Fetch, ProviderError> {
        let headers: Vec<(&str, &str)> = token.iter().map(|t| ("x-aws-ec2-metadata-token", *t)).collect();
        let (status, body) = self.send("GET", url, &headers)?;
        match status {
            200 => String::from_utf8(body)
                .map(Fetch::Ok)
                .map_err(|_| ProviderError::BadResponse { service: SERVICE, reason: "the answer is not UTF-8".into() }),
            404 => Ok(Fetch::NotFound),
            _ => Err(ProviderError::Service { service: SERVICE, status, code: None, message: None }),
        }
    }
}

impl CredentialsProvider for ImdsProvider {
    fn credentials(&self) -> Result<AwsCredentials, ProviderError> {
        if self.disabled {
            return Err(ProviderError::not_configured("imds", "disabled by AWS_EC2_METADATA_DISABLED"));
        }
        let base = self
            .endpoint
            .as_ref()
            .map_err(|e| ProviderError::InvalidSetting { setting: "IMDS endpoint".into(), problem: e.clone() })?;
        let (status, body) = self.send(
            "PUT",
            &format!("{base}/latest/api/token"),
            &[("x-aws-ec2-metadata-token-ttl-seconds", "21600")],
        )?;
        let token = match status {
            200 => Some(String::from_utf8(body).map_err(|_| ProviderError::BadResponse {
                service: SERVICE,
                reason: "the session token is not text".into(),
            })?),
            404 | 405 if !self.v1_disabled => None,
            403 => {
                return Err(ProviderError::Service {
                    service: SERVICE,
                    status,
                    code: None,
                    message: Some("token request forbidden: IMDS is disabled or restricted on this instance".into()),
                })
            }
            _ => return Err(ProviderError::Service { service: SERVICE, status, code: None, message: None }),
        };
        let token = token.as_deref().map(str::trim);
        let list = format!("{base}/latest/meta-data/iam/security-credentials/");
        let role = match self.get(&list, token)? {
            Fetch::Ok(text) => text.lines().next().unwrap_or("").trim().to_string(),
            Fetch::NotFound => String::new(),
        };
        if role.is_empty() {
            return Err(ProviderError::not_configured("imds", "the instance has no IAM role (instance profile)"));
        }
        let Fetch::Ok(doc) = self.get(&format!("{list}{role}"), token)? else {
            return Err(ProviderError::not_configured("imds", format!("no credentials for the instance role {role}")));
        };
        let v: Result<serde_json::Value, _> = serde_json::from_str(&doc);
        if let Ok(v) = &v {
            if let Some(code) = v.get("Code").and_then(|c| c.as_str()).filter(|c| *c != "Success") {
                return Err(ProviderError::Service {
                    service: SERVICE,
                    status: 200,
                    code: Some(one_line(code)),
                    message: None,
                });
            }
        }
        parse_credentials_json(v, SERVICE, CredentialSource::Imds { role })
    }
}
