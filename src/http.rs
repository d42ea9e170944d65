//! The one HTTP agent (ureq with rustls): TLS roots and CA bundle, proxies, timeouts.
