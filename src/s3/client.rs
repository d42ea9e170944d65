//! The [`Client`]: built from a [`ClientConfig`], holding the HTTP agent, the signing-key
//! cache and what it learnt from the server (clock offset, bucket regions). Signing an attempt
//! is in `prepare`, the request loop in `execute`.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use super::client_config::ClientConfig;
use super::error::{InputError, S3Error};
use super::skew::ClockSkew;
use crate::address::{Endpoint, RequestUrl, DEFAULT_REGION};
use crate::http::Http;
use crate::sigv4::{self, AmzDate};

/// The smallest multipart part S3 accepts (except the last one).
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// The most parts one multipart upload may have.
pub const MAX_PARTS: u64 = 10_000;

/// An S3 client: `Send + Sync`, one per process is enough (it shares one HTTP agent and one
/// signing-key cache between threads).
///
/// Every operation is a method; see the module documentation for the list.
pub struct Client {
    pub(crate) cfg: ClientConfig,
    pub(crate) endpoint: Endpoint,
    pub(super) http: Http,
    pub(super) keys: sigv4::SigningKeyCache,
    pub(super) skew: ClockSkew,
    pub(super) regions: Mutex<HashMap<String, String>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("endpoint", &self.endpoint.to_string()).field("cfg", &self.cfg).finish()
    }
}

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Client>();
};

impl Client {
    /// Builds a client. Fails on an unusable endpoint URL, HTTP settings (CA bundle, proxy),
    /// a part size below 5 MiB or zero concurrency.
    pub fn new(mut cfg: ClientConfig) -> Result<Self, S3Error> {
        if cfg.region.trim().is_empty() {
            cfg.region = DEFAULT_REGION.to_owned();
        }
        if cfg.part_size < MIN_PART_SIZE {
            return Err(S3Error::InvalidInput(InputError::PartSizeTooSmall {
                part_size: cfg.part_size,
                minimum: MIN_PART_SIZE,
            }));
        }
        if cfg.concurrency == 0 {
            return Err(S3Error::InvalidInput(InputError::ZeroConcurrency));
        }
        cfg.max_attempts = cfg.max_attempts.max(1);
        let endpoint = Endpoint::resolve(cfg.endpoint_url.as_deref(), &cfg.region)?;
        let http = match &cfg.agent {
            Some(agent) => agent.clone(),
            None => Http::new(&cfg.http)?,
        };
        Ok(Self {
            cfg,
            endpoint,
            http,
            keys: sigv4::SigningKeyCache::new(),
            skew: ClockSkew::default(),
            regions: Mutex::new(HashMap::new()),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.cfg
    }

    /// Whether the endpoint is a loopback address (`127.0.0.1`, `::1`, `localhost`).
    pub fn is_loopback(&self) -> bool {
        self.endpoint.is_loopback()
    }

    /// The clock offset learnt from the server, in seconds (0 when none).
    pub fn clock_offset_secs(&self) -> i64 {
        self.skew.offset_secs()
    }

    /// The region requests for `bucket` are signed for (the configured one, or the one the
    /// server redirected us to).
    pub fn region_for(&self, bucket: &str) -> String {
        self.regions.lock().ok().and_then(|m| m.get(bucket).cloned()).unwrap_or_else(|| self.cfg.region.clone())
    }

    pub(super) fn target_for(&self, bucket: &str) -> Result<(String, Endpoint), S3Error> {
        let learnt = self.regions.lock().ok().and_then(|m| m.get(bucket).cloned());
        match learnt {
            Some(r) if self.cfg.endpoint_url.is_none() => Ok((r.clone(), Endpoint::aws(&r)?)),
            Some(r) => Ok((r, self.endpoint.clone())),
            None => Ok((self.cfg.region.clone(), self.endpoint.clone())),
        }
    }

    pub(crate) fn notice(&self, message: &str) {
        self.cfg.notices.notice(message);
    }

    /// The current signing time (our clock corrected by the learnt offset).
    pub(crate) fn now(&self) -> AmzDate {
        AmzDate::from_system_time(self.skew.corrected(self.cfg.clock.now()))
    }

    pub(crate) fn request_url(&self, endpoint: &Endpoint, bucket: &str, key: &str) -> Result<RequestUrl, S3Error> {
        if bucket.is_empty() {
            Ok(endpoint.service_url())
        } else {
            Ok(endpoint.request_url(self.cfg.addressing_style, bucket, key)?)
        }
    }

    /// `scheme://authority/path?query`, with a `connect_to` override applied to the authority.
    pub(crate) fn wire_url(&self, url: &RequestUrl, query: &str) -> String {
        let authority =
            self.cfg.connect_to.iter().find(|(h, _)| h.eq_ignore_ascii_case(url.host())).map(|(_, a)| a.as_str());
        let mut s = format!("{}://{}{}", url.scheme().as_str(), authority.unwrap_or(url.host()), url.path());
        if !query.is_empty() {
            s.push('?');
            s.push_str(query);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::AddressingStyle;
    use crate::s3::Auth;

    #[test]
    fn debug_shows_no_secret() {
        let mut cfg = ClientConfig::new("eu-west-1", Auth::keys("AKIDEXAMPLE", "SECRETSECRETSECRET"));
        cfg.endpoint_url = Some("http://127.0.0.1:9".into());
        let c = Client::new(cfg).unwrap();
        let d = format!("{c:?}");
        assert!(d.contains("AKIDEXAMPLE") && !d.contains("SECRETSECRETSECRET"), "{d}");
    }

    #[test]
    fn connect_to_rewrites_only_the_authority() {
        let mut cfg = ClientConfig::new("us-east-1", Auth::Anonymous);
        cfg.endpoint_url = Some("http://localhost:9000".into());
        cfg.addressing_style = AddressingStyle::Virtual;
        cfg.connect_to = vec![("bkt.localhost:9000".into(), "127.0.0.1:9000".into())];
        let c = Client::new(cfg).unwrap();
        let url = c.request_url(&c.endpoint, "bkt", "k 1").unwrap();
        assert_eq!(url.host(), "bkt.localhost:9000");
        assert_eq!(c.wire_url(&url, "x=1"), "http://127.0.0.1:9000/k%201?x=1");
    }
}
