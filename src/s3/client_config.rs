//! [`ClientConfig`]: everything a [`Client`] is built from, with its defaults.

use std::sync::Arc;

use super::credentials::Auth;
use super::notices::{NoNotices, Notices};
use super::retry::{Backoff, Sleeper, ThreadSleeper};
#[cfg(doc)]
use super::Client;
use crate::address::AddressingStyle;
use crate::clock::{Clock, SystemClock};
use crate::http::{Http, HttpConfig};

/// Everything a [`Client`] is built from. Start from [`ClientConfig::new`] and change fields.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// A custom endpoint URL (`http://127.0.0.1:9000`, `https://s3.example.com`); `None` for
    /// AWS (the endpoint of [`region`](Self::region)).
    pub endpoint_url: Option<String>,
    /// The signing region (and, for AWS, the endpoint's region).
    pub region: String,
    /// Path or virtual-host style.
    pub addressing_style: AddressingStyle,
    /// Signed with credentials, or anonymous.
    pub auth: Auth,
    /// The HTTP agent settings.
    pub http: HttpConfig,
    /// An agent built already (from `http`, or one shared with other users such as the
    /// credential providers); `None` (the default): the client builds one from `http`.
    pub agent: Option<Http>,
    /// The clock requests are signed with.
    pub clock: Arc<dyn Clock>,
    /// How many times a request is tried in all (at least 1; default 3, like `AWS_MAX_ATTEMPTS`).
    pub max_attempts: u32,
    /// Backoff between attempts.
    pub backoff: Backoff,
    /// How backoff waits are slept.
    pub sleeper: Arc<dyn Sleeper>,
    /// Multipart part size and download range size (at least 5 MiB; default 8 MiB).
    pub part_size: u64,
    /// Uploads and downloads at least this large use multipart / parallel ranges (default 16 MiB).
    pub multipart_threshold: u64,
    /// On a loopback endpoint (`127.0.0.1`, `localhost`), upload files of up to 5 GiB as one
    /// PUT whatever `multipart_threshold` says: there is no network latency for parallel parts
    /// to hide, and a multipart upload costs the server a second pass over the object.
    /// Default `true`; set `false` when the threshold was chosen on purpose.
    pub loopback_single_put: bool,
    /// `fsync` a downloaded file before renaming it into place (durable across a power loss).
    /// Default `false`.
    pub sync_downloads: bool,
    /// Parallel part uploads / range downloads (default 8; a stream that cannot be re-read keeps
    /// at most 3 parts in memory whatever this says).
    pub concurrency: usize,
    /// The rate (bytes per second) a parallel download aims at. The first range's rate decides
    /// how many of the `concurrency` streams the rest of the object gets: a server that sends
    /// one stream at 800 MiB/s gets 2, one that sends 100 MiB/s gets 8. Default 1.25 GB/s
    /// (10 Gb/s, the AWS CLI's CRT default `target_bandwidth`); 0 always uses `concurrency`.
    pub target_throughput: u64,
    /// Learn the clock offset from `RequestTimeTooSkewed` and re-sign (default on).
    pub correct_clock_skew: bool,
    /// Retry once in the bucket's region when S3 says it is elsewhere (default on).
    pub follow_region_redirects: bool,
    /// Ask listings for `encoding-type=url` and decode the answer (default on). Turn off for
    /// servers that announce the encoding but send raw keys (s3s-fs 0.17).
    pub list_url_encoding: bool,
    /// Keep the canonical request of each signature, to show it when the server says the
    /// signature does not match (`--debug`).
    pub debug: bool,
    /// Where notices go.
    pub notices: Arc<dyn Notices>,
    /// Like curl's `--connect-to`: `(host[:port] as in the Host header, address:port to
    /// connect to)`. The `Host` header and the signature keep the original name. Plain HTTP
    /// only in practice (TLS would check the certificate against the address).
    pub connect_to: Vec<(String, String)>,
    /// Told how many bytes each transfer moved (downloads to files, upload bodies), e.g. to
    /// draw a progress line. `None` (the default): nothing is reported.
    pub progress: Option<Arc<dyn super::Progress>>,
}

impl ClientConfig {
    /// Defaults for `region` with `auth`: AWS endpoint, auto addressing, 3 attempts, 8 MiB
    /// parts, 8 threads.
    ///
    /// ```
    /// use minis3::s3::{Auth, Client, ClientConfig};
    /// let mut cfg = ClientConfig::new("us-east-1", Auth::keys("AKID", "SECRET"));
    /// cfg.endpoint_url = Some("http://127.0.0.1:9000".into());
    /// let client = Client::new(cfg).unwrap();
    /// # let _ = client;
    /// ```
    pub fn new(region: impl Into<String>, auth: Auth) -> Self {
        Self {
            endpoint_url: None,
            region: region.into(),
            addressing_style: AddressingStyle::Auto,
            auth,
            http: HttpConfig::default(),
            agent: None,
            clock: Arc::new(SystemClock),
            max_attempts: 3,
            backoff: Backoff::default(),
            sleeper: Arc::new(ThreadSleeper),
            part_size: 8 * 1024 * 1024,
            multipart_threshold: 16 * 1024 * 1024,
            loopback_single_put: true,
            sync_downloads: false,
            concurrency: 8,
            target_throughput: 1_250_000_000,
            correct_clock_skew: true,
            follow_region_redirects: true,
            list_url_encoding: true,
            debug: false,
            notices: Arc::new(NoNotices),
            connect_to: Vec::new(),
            progress: None,
        }
    }
}
