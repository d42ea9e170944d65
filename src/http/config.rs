//! [`HttpConfig`]: timeouts, pool size, CA bundle, user agent and [`ProxyConfig`], as plain data.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::NoProxy;
use crate::config::env::Environment;

/// Settings for the HTTP agent. Every field has a sensible default ([`HttpConfig::default`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpConfig {
    /// Time allowed to open the TCP connection (including the proxy `CONNECT` and the TLS
    /// handshake). Default 10 s.
    pub connect_timeout: Option<Duration>,
    /// Longest time a single socket read or write may wait for progress, like botocore's
    /// `read_timeout` (a stalled upload is the same failure as a stalled download); also the
    /// longest wait for a whole response head, so that a server trickling it byte by byte
    /// fails the call. Default 60 s.
    pub read_timeout: Option<Duration>,
    /// Time allowed for a whole call, from connecting to the end of the response body. Default:
    /// none (large objects take as long as they take).
    pub global_timeout: Option<Duration>,
    /// How many idle connections are kept for reuse, in total and per host (S3 is usually one
    /// host, and parallel transfers want several). Default 16.
    pub max_idle_connections: usize,
    /// A PEM file whose certificates replace the built-in (Mozilla/webpki) trust roots, like
    /// `AWS_CA_BUNDLE` / `ca_bundle` for the AWS CLI.
    pub ca_bundle: Option<PathBuf>,
    /// Proxies and the hosts that bypass them.
    pub proxy: ProxyConfig,
    /// The `User-Agent` header sent when a request sets none.
    pub user_agent: String,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Some(Duration::from_secs(10)),
            read_timeout: Some(Duration::from_secs(60)),
            global_timeout: None,
            max_idle_connections: 16,
            ca_bundle: None,
            proxy: ProxyConfig::default(),
            user_agent: concat!("minis3/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

impl HttpConfig {
    /// The defaults, with proxies ([`ProxyConfig::from_env`]) and `AWS_CA_BUNDLE` taken from
    /// `env`. A `ca_bundle` from the AWS config file is the caller's to set afterwards
    /// (`AWS_CA_BUNDLE` wins over it, as in the AWS CLI).
    pub fn from_env(env: &Environment) -> Self {
        Self {
            ca_bundle: env.non_empty("AWS_CA_BUNDLE").map(PathBuf::from),
            proxy: ProxyConfig::from_env(env),
            ..Self::default()
        }
    }
}

/// Proxy settings: one proxy URL for `http://` targets, one for `https://` targets, and the
/// `NO_PROXY` list. Proxy URLs may carry `user:password@`; [`fmt::Debug`] hides it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    /// Proxy for `http://` URLs (`http_proxy` / `HTTP_PROXY`).
    pub http: Option<String>,
    /// Proxy for `https://` URLs (`https_proxy` / `HTTPS_PROXY`).
    pub https: Option<String>,
    /// Hosts that are reached directly.
    pub no_proxy: NoProxy,
}

impl fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyConfig")
            .field("http", &self.http.as_deref().map(redact_userinfo))
            .field("https", &self.https.as_deref().map(redact_userinfo))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

impl ProxyConfig {
    /// Reads `https_proxy`, `HTTPS_PROXY`, `http_proxy`, `HTTP_PROXY`, `no_proxy`, `NO_PROXY`.
    ///
    /// When both spellings are set the lower-case one wins, as in curl and Python's `urllib`
    /// (which the AWS CLI uses). Empty values count as unset. `ALL_PROXY` is not read (the AWS
    /// CLI does not read it either).
    pub fn from_env(env: &Environment) -> Self {
        let pick = |lower: &str, upper: &str| env.non_empty(lower).or_else(|| env.non_empty(upper)).map(str::to_string);
        Self {
            http: pick("http_proxy", "HTTP_PROXY"),
            https: pick("https_proxy", "HTTPS_PROXY"),
            no_proxy: NoProxy::parse(env.non_empty("no_proxy").or_else(|| env.non_empty("NO_PROXY")).unwrap_or("")),
        }
    }

    /// The proxy URL for a target of this scheme (`"http"` or `"https"`), ignoring `NO_PROXY`.
    pub fn for_scheme(&self, scheme: &str) -> Option<&str> {
        if scheme.eq_ignore_ascii_case("https") {
            self.https.as_deref()
        } else if scheme.eq_ignore_ascii_case("http") {
            self.http.as_deref()
        } else {
            None
        }
    }
}

/// `scheme://user:pass@host:port/...` → `scheme://***@host:port/...` (for messages).
pub(super) fn redact_userinfo(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => (&url[..i + 3], &url[i + 3..]),
        None => ("", url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}***@{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Http, HttpConfig};

    #[test]
    fn proxy_env_lower_case_wins_and_empty_is_unset() {
        let env = Environment::from_pairs([
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", "http://lower:2"),
            ("HTTP_PROXY", "http://plain:3"),
            ("http_proxy", "  "),
            ("NO_PROXY", "a.example, .b.example"),
        ]);
        let p = ProxyConfig::from_env(&env);
        assert_eq!(p.https.as_deref(), Some("http://lower:2"));
        assert_eq!(p.http.as_deref(), Some("http://plain:3"));
        assert!(p.no_proxy.bypasses("a.example", 443));
        assert!(p.no_proxy.bypasses("x.b.example", 443));
        assert_eq!(p.for_scheme("HTTPS"), Some("http://lower:2"));
        assert_eq!(p.for_scheme("ftp"), None);
    }

    #[test]
    fn redaction() {
        assert_eq!(redact_userinfo("http://user:pa:ss@proxy:3128/"), "http://***@proxy:3128/");
        assert_eq!(redact_userinfo("proxy:3128"), "proxy:3128");
        assert_eq!(redact_userinfo("u:p@proxy:3128"), "***@proxy:3128");
        let cfg = ProxyConfig { https: Some("http://me:s3cret@proxy:1".into()), ..Default::default() };
        assert!(!format!("{cfg:?}").contains("s3cret"));
        let http = Http::new(&HttpConfig { proxy: cfg, ..Default::default() }).unwrap();
        assert!(!format!("{http:?}").contains("s3cret"));
    }
}
