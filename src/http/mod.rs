//! The one HTTP agent (ureq with rustls): TLS roots and CA bundle, proxies, timeouts.
//!
//! [`HttpConfig`] is plain data (build it by hand, or take the proxy and CA-bundle settings from
//! an injected [`Environment`](crate::config::env::Environment) with
//! [`HttpConfig::from_env`]); [`Http::new`] turns it into ureq agents, and [`Http::send`] sends
//! one request exactly as given:
//!
//! - the path and query string reach the server byte for byte (`%2B`, `%20`, `~`, `!'()*`, `%3D`
//!   are not re-encoded or decoded: ureq writes `http::Uri::path_and_query()` verbatim, and the
//!   `http` crate only validates it), so a signature computed over that string stays valid;
//! - no header we sign is added or changed: ureq adds `Host` (from the URL) only when the request
//!   has none, `Content-Length` only when the body has a known length and the request sets none,
//!   and `User-Agent` (configurable); no `Accept` and no `Accept-Encoding` are sent;
//! - 4xx/5xx answers are responses, not errors; redirects are never followed (S3 answers a
//!   wrong-region request with a 301 that the client must handle itself).
//!
//! Proxies: ureq 3 has one proxy per agent, always spoken to with `CONNECT` (also for `http://`
//! targets), and its own `NO_PROXY` matching differs from curl's (`example.com` there does not
//! cover `sub.example.com`, entries are not trimmed). So [`Http`] holds up to three agents
//! (direct, through the `http://`-target proxy, through the `https://`-target proxy) and picks one
//! per request with [`NoProxy`], which follows curl's rules.
//!
//! One idea per file: [`HttpConfig`] and [`ProxyConfig`] (`config`), curl's `NO_PROXY` rules
//! (`no_proxy`), [`HttpError`] (`error`), the CA bundle and TLS roots (`tls`), [`Response`]
//! (`response`), and the agents themselves with [`Http`] and [`Body`] (`agent`).

mod agent;
mod config;
mod error;
mod no_proxy;
mod response;
mod tls;

pub use agent::{Body, Http, Traffic};
pub use config::{HttpConfig, ProxyConfig};
pub use error::{HttpError, TimeoutKind};
pub use no_proxy::NoProxy;
pub use response::Response;
pub use tls::load_ca_bundle;
