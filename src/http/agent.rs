//! [`Http`]: the ureq agents (direct and through each proxy) and sending one request.

use std::fmt;
use std::io::Read;

use ureq::http::{self as h, Uri};
use ureq::{Agent, Proxy};

use super::config::redact_userinfo;
use super::tls::tls_config;
use super::{HttpConfig, HttpError, NoProxy, Response};

/// A request body.
pub enum Body<'a> {
    /// No body.
    Empty,
    /// These bytes; `Content-Length` is set from their length unless the request sets it.
    Bytes(&'a [u8]),
    /// A stream of exactly `length` bytes; `Content-Length: length` is sent unless the request
    /// sets it (S3 refuses `Transfer-Encoding: chunked` uploads, so a length is always given).
    Reader {
        /// The data.
        reader: &'a mut dyn Read,
        /// How many bytes it yields.
        length: u64,
    },
}

impl fmt::Debug for Body<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("Empty"),
            Self::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Self::Reader { length, .. } => write!(f, "Reader({length} bytes)"),
        }
    }
}

/// The HTTP agents built from an [`HttpConfig`]: one pair direct, and one pair per configured
/// proxy. Cloning is cheap (the connection pools are shared).
#[derive(Clone)]
pub struct Http {
    direct: Agents,
    via_http_proxy: Option<(Agents, String)>,
    via_https_proxy: Option<(Agents, String)>,
    no_proxy: NoProxy,
    /// The read timeout, also the window of the body's low-speed rule ([`super::response`]).
    read_timeout: Option<std::time::Duration>,
}

/// Two agents for one route, each with its own pool: ureq sets a connection's buffer sizes and
/// `TCP_NODELAY` from its agent's configuration and reuses only connections made with the
/// agent's settings, so bulk transfers get an agent (and connections) of their own.
#[derive(Clone)]
struct Agents {
    small: Agent,
    bulk: Agent,
}

impl Agents {
    fn pick(&self, traffic: Traffic) -> &Agent {
        match traffic {
            Traffic::Small => &self.small,
            Traffic::Bulk => &self.bulk,
        }
    }
}

impl fmt::Debug for Http {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Http")
            .field("http_proxy", &self.via_http_proxy.as_ref().map(|p| redact_userinfo(&p.1)))
            .field("https_proxy", &self.via_https_proxy.as_ref().map(|p| redact_userinfo(&p.1)))
            .field("no_proxy", &self.no_proxy)
            .finish_non_exhaustive()
    }
}

impl Http {
    /// Builds the agents. Fails when the CA bundle cannot be read or parsed, or a proxy URL is
    /// invalid (including `socks5://` proxies, which this build does not support).
    pub fn new(config: &HttpConfig) -> Result<Self, HttpError> {
        let tls = tls_config(config.ca_bundle.as_deref())?;
        let build_one = |proxy: Option<Proxy>, traffic: Traffic| -> Agent {
            Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .max_redirects_will_error(false)
                .timeout_connect(config.connect_timeout)
                .timeout_per_read(config.read_timeout)
                // The response head as a whole, too: a server trickling it a byte at a time
                // never lets one read wait long, and would otherwise hold the call forever.
                .timeout_recv_response(config.read_timeout)
                .timeout_per_write(config.read_timeout)
                .timeout_global(config.global_timeout)
                .max_idle_connections(config.max_idle_connections)
                .max_idle_connections_per_host(config.max_idle_connections)
                .user_agent(config.user_agent.as_str())
                .accept(ureq::config::AutoHeaderValue::None)
                .accept_encoding(ureq::config::AutoHeaderValue::None)
                .tls_config(tls.clone())
                .proxy(proxy)
                .input_buffer_size(match traffic {
                    Traffic::Small => DEFAULT_INPUT_BUFFER,
                    Traffic::Bulk => BULK_INPUT_BUFFER,
                })
                .no_delay(traffic == Traffic::Small)
                .build()
                .new_agent()
        };
        let build = |proxy: Option<Proxy>| Agents {
            small: build_one(proxy.clone(), Traffic::Small),
            bulk: build_one(proxy, Traffic::Bulk),
        };
        let proxied = |url: &Option<String>| -> Result<Option<(Agents, String)>, HttpError> {
            let Some(url) = url else { return Ok(None) };
            let proxy = parse_proxy(url)?;
            Ok(Some((build(Some(proxy)), url.clone())))
        };
        let via_https_proxy = proxied(&config.proxy.https)?;
        // The same URL for both: share one agent (and its pool).
        let via_http_proxy = match (&config.proxy.http, &via_https_proxy) {
            (Some(h), Some((agent, u))) if h == u => Some((agent.clone(), u.clone())),
            _ => proxied(&config.proxy.http)?,
        };
        Ok(Self {
            direct: build(None),
            via_http_proxy,
            via_https_proxy,
            no_proxy: config.proxy.no_proxy.clone(),
            read_timeout: config.read_timeout,
        })
    }

    /// The agents a request to `url` goes through, and the proxy URL it uses (if any).
    fn route(&self, uri: &Uri) -> (&Agents, Option<&str>) {
        let scheme = uri.scheme_str().unwrap_or("http");
        let host = uri.host().unwrap_or("");
        let port = uri.port_u16().unwrap_or(if scheme.eq_ignore_ascii_case("https") { 443 } else { 80 });
        let proxied = if scheme.eq_ignore_ascii_case("https") {
            self.via_https_proxy.as_ref()
        } else {
            self.via_http_proxy.as_ref()
        };
        match proxied {
            Some((agent, url)) if !self.no_proxy.bypasses(host, port) => (agent, Some(url.as_str())),
            _ => (&self.direct, None),
        }
    }

    /// The ureq agent a request to `url` should use (direct or through a proxy), for callers
    /// that build ureq requests themselves. `None` if `url` does not parse.
    pub fn agent_for(&self, url: &str) -> Option<&Agent> {
        let uri: Uri = url.parse().ok()?;
        Some(&self.route(&uri).0.small)
    }

    /// Whether a request to `url` would go through a proxy.
    pub fn uses_proxy(&self, url: &str) -> bool {
        url.parse::<Uri>().is_ok_and(|uri| self.route(&uri).1.is_some())
    }

    /// Sends one request and returns the response, whatever its status.
    ///
    /// `url` is absolute (`http[s]://host[:port]/path?query`) and already encoded: its path and
    /// query are sent exactly as given. `headers` are sent as given (a `Host` header here
    /// replaces the one ureq would derive from the URL, which is `host` plus `:port` when the
    /// port is not the scheme's default).
    pub fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Body<'_>,
    ) -> Result<Response, HttpError> {
        self.send_with(method, url, headers, body, Traffic::Small)
    }

    /// [`Http::send`] for the given kind of [`Traffic`] (such connections have a pool of
    /// their own).
    pub fn send_with(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Body<'_>,
        traffic: Traffic,
    ) -> Result<Response, HttpError> {
        let uri: Uri = url.parse().map_err(|e: h::uri::InvalidUri| HttpError::InvalidRequest {
            reason: format!("bad URL {:?}: {e}", url_for_message(url)),
        })?;
        if uri.host().is_none() || uri.scheme().is_none() {
            return Err(HttpError::InvalidRequest {
                reason: format!("URL {:?} is not absolute", url_for_message(url)),
            });
        }
        let target = target_of(&uri);
        let (agents, proxy) = self.route(&uri);
        let agent = agents.pick(traffic);
        let method = h::Method::from_bytes(method.as_bytes())
            .map_err(|e| HttpError::InvalidRequest { reason: format!("bad method {method:?}: {e}") })?;
        let mut builder = h::Request::builder().method(method).uri(uri);
        let mut has_length = false;
        for (name, value) in headers {
            has_length |= name.eq_ignore_ascii_case("content-length");
            builder = builder.header(*name, *value);
        }
        let result = match body {
            Body::Empty => builder.body(()).map(|r| agent.run(r)),
            Body::Bytes(bytes) => builder.body(bytes).map(|r| agent.run(r)),
            Body::Reader { reader, length } => {
                if !has_length {
                    builder = builder.header("content-length", length);
                }
                builder.body(ureq::SendBody::from_reader(reader)).map(|r| agent.run(r))
            }
        };
        let response = result
            .map_err(|e| HttpError::InvalidRequest { reason: e.to_string() })?
            .map_err(|e| HttpError::from_ureq(e, &target, proxy))?;
        let (parts, body) = response.into_parts();
        Ok(Response {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
            target,
            stall_window: self.read_timeout,
        })
    }
}

/// ureq's default receive buffer, kept for responses read in small pieces (XML, metadata).
const DEFAULT_INPUT_BUFFER: usize = 128 * 1024;
/// The receive buffer for [`Traffic::Bulk`]: measured on loopback downloads of 1 GiB,
/// 256 KiB took as little CPU as 1 MiB, with less memory per connection.
const BULK_INPUT_BUFFER: usize = 256 * 1024;

/// What a request's connection will carry, which decides how it is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Traffic {
    /// Small requests and answers (the default): a 128 KiB receive buffer, and `TCP_NODELAY`,
    /// so that a small body written after the headers is not held back by Nagle's algorithm
    /// while the server delays its acknowledgement.
    #[default]
    Small,
    /// A large body one way, an object downloaded (read in large pieces) or uploaded: a
    /// 256 KiB receive buffer, and Nagle's algorithm on, so the kernel sends full segments
    /// instead of a short one after every write (a 1 GiB upload on loopback took about a
    /// quarter less CPU).
    Bulk,
}

/// `host:port` of a URL, with the scheme's default port filled in.
fn target_of(uri: &Uri) -> String {
    let https = uri.scheme_str().is_some_and(|s| s.eq_ignore_ascii_case("https"));
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    format!("{}:{port}", uri.host().unwrap_or(""))
}

/// A URL without its query string (a presigned URL's query is a bearer credential).
fn url_for_message(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

fn parse_proxy(url: &str) -> Result<Proxy, HttpError> {
    let invalid = |reason: &str| HttpError::InvalidProxy { url: redact_userinfo(url), reason: reason.to_string() };
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        None | Some("http") | Some("https") => {}
        Some(other) => {
            return Err(invalid(&format!("scheme {other:?} is not supported (only http:// and https:// proxies)")))
        }
    }
    Proxy::new(url).map_err(|_| invalid("not a valid proxy URL"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::ProxyConfig;
    use crate::test_secrets::CleanErr;

    #[test]
    fn bad_proxies_are_errors_without_secrets() {
        for url in ["socks5://u:s3cret@h:1080", "ftp://h:1", "http://u:s3cret@[bad"] {
            let err = Http::new(&HttpConfig {
                proxy: ProxyConfig { https: Some(url.into()), ..Default::default() },
                ..Default::default()
            })
            .clean_err();
            let msg = err.to_string();
            assert!(matches!(err, HttpError::InvalidProxy { .. }), "{msg}");
            assert!(!msg.contains("s3cret"), "{msg}");
        }
    }

    #[test]
    fn routing_follows_scheme_and_no_proxy() {
        let http = Http::new(&HttpConfig {
            proxy: ProxyConfig {
                https: Some("http://127.0.0.1:9".into()),
                http: None,
                no_proxy: NoProxy::parse("internal.test"),
            },
            ..Default::default()
        })
        .unwrap();
        assert!(http.uses_proxy("https://s3.amazonaws.com/b/k"));
        assert!(!http.uses_proxy("http://s3.amazonaws.com/b/k"));
        assert!(!http.uses_proxy("https://bucket.internal.test/k"));
        assert!(http.agent_for("https://x/").is_some());
        assert!(http.agent_for("not a url").is_none());
    }

    #[test]
    fn url_messages_drop_the_query() {
        assert_eq!(url_for_message("https://h/k?X-Amz-Signature=abc"), "https://h/k");
        let err = Http::new(&HttpConfig::default())
            .unwrap()
            .send("GET", "/relative?X-Amz-Signature=abc", &[], Body::Empty)
            .clean_err();
        assert!(!err.to_string().contains("abc"), "{err}");
    }
}
