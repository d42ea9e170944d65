//! STS `AssumeRole` (signed with our own SigV4 signer) and `AssumeRoleWithWebIdentity`
//! (unsigned): query-form POSTs, XML answers.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::address::Url;
use crate::clock::Clock;
use crate::config::endpoint::{configured_endpoint_url, EndpointOverrides};
use crate::config::env::Environment;
use crate::config::profile::ProfileSet;
use crate::http::{Body, Http};
use crate::retry::RetryPolicy;
use crate::sigv4::{
    encode, sign_headers, AmzDate, Credentials, Payload, SignableRequest, SigningParams, SigningSettings,
};

use super::provider::{one_line, parse_rfc3339, ProviderError};
use super::sts_xml::{find, leaf_texts};

const SERVICE: &str = "STS";
const MAX_BODY: u64 = 1 << 20;
/// Attempts per STS call (the first and two retries) for throttling, 5xx and lost connections.
pub const MAX_ATTEMPTS: u32 = 3;

/// Credentials returned by STS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsCredentials {
    /// The temporary keys (with session token).
    pub creds: Credentials,
    /// When they expire.
    pub expiry: Option<SystemTime>,
    /// The account of the assumed role (from its ARN).
    pub account_id: Option<String>,
}

/// The parameters of an `AssumeRole` call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AssumeRoleParams {
    /// The role.
    pub role_arn: String,
    /// The session name (a default is made up when `None`).
    pub session_name: Option<String>,
    /// `ExternalId`.
    pub external_id: Option<String>,
    /// `DurationSeconds`.
    pub duration_seconds: Option<u32>,
}

/// An STS endpoint with the region to sign for.
#[derive(Clone, Debug)]
pub struct Sts {
    http: Http,
    endpoint: String,
    region: String,
    clock: Arc<dyn Clock>,
    retry: RetryPolicy,
}

/// The STS endpoint: `override_url`, else a configured one (`AWS_ENDPOINT_URL_STS`,
/// `AWS_ENDPOINT_URL`, the profile's `[services]` `sts` block or `endpoint_url`), else the
/// regional endpoint `https://sts.REGION.amazonaws.com` (`amazonaws.com.cn` in China), or the
/// global `https://sts.amazonaws.com` without a region.
pub fn sts_endpoint(
    env: &Environment,
    set: &ProfileSet,
    region: Option<&str>,
    override_url: Option<&str>,
) -> Result<String, ProviderError> {
    if let Some(u) = override_url {
        return Ok(u.to_string());
    }
    if let Some(u) = configured_endpoint_url(env, set, "sts", &EndpointOverrides::default())? {
        return Ok(u.value);
    }
    Ok(match region {
        Some(r) if r.starts_with("cn-") => format!("https://sts.{r}.amazonaws.com.cn"),
        Some(r) => format!("https://sts.{r}.amazonaws.com"),
        None => "https://sts.amazonaws.com".to_string(),
    })
}

/// The session name used when none is configured: `minis3-<unix milliseconds>`.
pub fn default_session_name(now: SystemTime) -> String {
    format!("minis3-{}", now.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis())
}

fn form(pairs: &[(&str, &str)]) -> String {
    let mut s = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            s.push('&');
        }
        encode::encode_component_into(&mut s, k);
        s.push('=');
        encode::encode_component_into(&mut s, v);
    }
    s
}

/// `scheme://host[:port]` and the path of a URL (path `/` when empty).
fn split_url(url: &str) -> Result<(String, String, String), ProviderError> {
    let parsed = Url::parse(url).map_err(|e| ProviderError::InvalidSetting {
        setting: "STS endpoint URL".into(),
        problem: format!("{url:?} is not a URL ({e}); fix AWS_ENDPOINT_URL_STS or endpoint_url"),
    })?;
    let host = match parsed.port() {
        Some(p) => format!("{}:{p}", parsed.host_str()),
        None => parsed.host_str().to_string(),
    };
    let path = if parsed.path().is_empty() { "/".to_string() } else { parsed.path().to_string() };
    Ok((format!("{}://{host}{path}", parsed.scheme()), host, path))
}

impl Sts {
    /// An STS client for `endpoint` (see [`sts_endpoint`]), signing for `region`
    /// (`us-east-1` when `None`), retrying by [`RetryPolicy::credentials`].
    pub fn new(http: Http, endpoint: String, region: Option<&str>, clock: Arc<dyn Clock>) -> Self {
        let region = region.unwrap_or("us-east-1").to_string();
        Self { http, endpoint, region, clock, retry: RetryPolicy::credentials() }
    }

    /// The same with another retry policy (at most [`MAX_ATTEMPTS`] attempts are made).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The endpoint in use.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// `AssumeRole` with `creds`.
    pub fn assume_role(&self, creds: &Credentials, p: &AssumeRoleParams) -> Result<StsCredentials, ProviderError> {
        let session = p.session_name.clone().unwrap_or_else(|| default_session_name(self.clock.now()));
        let duration = p.duration_seconds.map(|d| d.to_string());
        let mut pairs = vec![
            ("Action", "AssumeRole"),
            ("Version", "2011-06-15"),
            ("RoleArn", p.role_arn.as_str()),
            ("RoleSessionName", session.as_str()),
        ];
        if let Some(x) = &p.external_id {
            pairs.push(("ExternalId", x));
        }
        if let Some(d) = &duration {
            pairs.push(("DurationSeconds", d));
        }
        self.call(&form(&pairs), Some(creds), "AssumeRole")
    }

    /// `AssumeRoleWithWebIdentity` (unsigned; the token is the proof).
    pub fn assume_role_with_web_identity(
        &self,
        role_arn: &str,
        session_name: Option<&str>,
        token: &str,
    ) -> Result<StsCredentials, ProviderError> {
        let session = session_name.map(str::to_string).unwrap_or_else(|| default_session_name(self.clock.now()));
        let body = form(&[
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", "2011-06-15"),
            ("RoleArn", role_arn),
            ("RoleSessionName", &session),
            ("WebIdentityToken", token),
        ]);
        self.call(&body, None, "AssumeRoleWithWebIdentity")
    }

    fn call(&self, body: &str, creds: Option<&Credentials>, action: &str) -> Result<StsCredentials, ProviderError> {
        let (url, host, path) = split_url(&self.endpoint)?;
        let retry = RetryPolicy { attempts: self.retry.attempts.min(MAX_ATTEMPTS), ..self.retry.clone() };
        retry.run(ProviderError::is_retryable, || self.send_once(&url, &host, &path, body, creds, action))
    }

    fn send_once(
        &self,
        url: &str,
        host: &str,
        path: &str,
        body: &str,
        creds: Option<&Credentials>,
        action: &str,
    ) -> Result<StsCredentials, ProviderError> {
        const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";
        let mut headers: Vec<(String, String)> =
            vec![("host".into(), host.into()), ("content-type".into(), CONTENT_TYPE.into())];
        if let Some(creds) = creds {
            let time = AmzDate::from_system_time(self.clock.now());
            let signed_headers = [("host", host), ("content-type", CONTENT_TYPE)];
            let req = SignableRequest {
                method: "POST",
                path,
                query: &[],
                headers: &signed_headers,
                payload: Payload::Bytes(body.as_bytes()),
            };
            let params = SigningParams {
                credentials: creds,
                region: &self.region,
                service: "sts",
                time,
                settings: SigningSettings::generic(),
            };
            let sig = sign_headers(&req, &params).map_err(|e| ProviderError::InvalidSetting {
                setting: "credentials for STS".into(),
                problem: e.to_string(),
            })?;
            for (k, v) in sig.headers() {
                headers.push((k.to_string(), v.to_string()));
            }
        }
        let hdrs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let resp = self
            .http
            .send("POST", url, &hdrs, Body::Bytes(body.as_bytes()))
            .map_err(|source| ProviderError::Http { service: SERVICE, source })?;
        let status = resp.status();
        let bytes = resp.read_to_vec(MAX_BODY).map_err(|source| ProviderError::Http { service: SERVICE, source })?;
        parse_response(status, &bytes, action)
    }
}

/// Reads an STS answer: credentials from a 200 `<ActionResponse>`, or the error document.
pub fn parse_response(status: u16, body: &[u8], action: &str) -> Result<StsCredentials, ProviderError> {
    let fields = leaf_texts(body);
    if !(200..300).contains(&status) {
        let (code, message) = match &fields {
            Some(f) => (find(f, "Error/Code").map(one_line), find(f, "Error/Message").map(one_line)),
            None => (None, None),
        };
        return Err(ProviderError::Service { service: SERVICE, status, code, message });
    }
    let bad = |reason: &str| ProviderError::BadResponse { service: SERVICE, reason: format!("{action}: {reason}") };
    let fields = fields.ok_or_else(|| bad("the answer is not well-formed XML"))?;
    let result = format!("{action}Result");
    let get = |leaf: &str| find(&fields, &format!("{result}/Credentials/{leaf}"));
    let id = get("AccessKeyId").ok_or_else(|| bad("no Credentials/AccessKeyId"))?;
    let secret = get("SecretAccessKey").ok_or_else(|| bad("no Credentials/SecretAccessKey"))?;
    let token = get("SessionToken").ok_or_else(|| bad("no Credentials/SessionToken"))?;
    let expiry = match get("Expiration") {
        Some(e) => Some(parse_rfc3339(e).ok_or_else(|| bad("Credentials/Expiration is not an RFC 3339 time"))?),
        None => None,
    };
    let account_id = find(&fields, &format!("{result}/AssumedRoleUser/Arn")).and_then(account_of_arn);
    Ok(StsCredentials { creds: Credentials::new(id, secret).with_session_token(Some(token)), expiry, account_id })
}

/// The account id field of an ARN (`arn:aws:sts::123456789012:assumed-role/...`).
pub fn account_of_arn(arn: &str) -> Option<String> {
    let account = arn.split(':').nth(4)?;
    (!account.is_empty()).then(|| account.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_secrets::CleanErr;
    use std::time::Duration;

    #[test]
    fn error_document_becomes_one_line_without_secrets() {
        let body = br#"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>
            <Message>User is not
            authorized</Message></Error></ErrorResponse>"#;
        let e = parse_response(403, body, "AssumeRole").clean_err().to_string();
        assert_eq!(e, "STS refused the request (HTTP 403, AccessDenied): User is not authorized");
        let e = parse_response(503, b"", "AssumeRole").clean_err();
        assert!(e.is_retryable());
        // A hostile answer cannot break the line or drive the terminal.
        let body =
            b"<ErrorResponse><Error><Code>Access\nDenied</Code><Message>a\x1b[2Jb</Message></Error></ErrorResponse>";
        let e = parse_response(403, body, "AssumeRole").clean_err().to_string();
        assert_eq!(e, "STS refused the request (HTTP 403, Access Denied): a\\u{1b}[2Jb");
    }

    #[test]
    fn success_reads_credentials_and_account() {
        let body = br#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
          <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn></AssumedRoleUser>
          <Credentials><AccessKeyId>ASIA</AccessKeyId><SecretAccessKey>SEC</SecretAccessKey>
          <SessionToken>TOK</SessionToken><Expiration>2021-08-05T19:58:02Z</Expiration></Credentials>
          </AssumeRoleResult></AssumeRoleResponse>"#;
        let c = parse_response(200, body, "AssumeRole").unwrap();
        assert_eq!(c.creds.access_key_id(), "ASIA");
        assert_eq!(c.creds.session_token(), Some("TOK"));
        assert_eq!(c.account_id.as_deref(), Some("123456789012"));
        assert_eq!(c.expiry, Some(UNIX_EPOCH + Duration::from_secs(1_628_193_482)));
        let e = parse_response(200, b"<AssumeRoleResponse/>", "AssumeRole").clean_err().to_string();
        assert!(e.contains("no Credentials/AccessKeyId"), "{e}");
    }

    #[test]
    fn form_encoding() {
        assert_eq!(
            form(&[("RoleArn", "arn:aws:iam::1:role/r"), ("X", "a b")]),
            "RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr&X=a%20b"
        );
    }
}
