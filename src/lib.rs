//! minis3: a small, fast, dependency-light S3 client.
//!
//! Layers (data flows down; nothing imports upward):
//!
//! ```text
//! cli                 the `minis3` binary                                   [feature "cli"]
//! channel             conda channels: repodata, shards, search, download    [feature "channel"]
//! settings            a bucket's settings, each with its source; the one agent  [feature "client"]
//! s3                  Client and operations, XML, multipart, retries       [feature "client"]
//! gcs                 Cloud Storage object GET/HEAD with a Google token     [feature "client"]
//! credentials         providers and the chain (STS, SSO, IMDS, ECS)         [feature "client"]
//! http                the one ureq agent: TLS roots, CA bundle, proxies     [feature "client"]
//! retry, xml, clock   primitives shared by s3 and credentials               [feature "client"]
//! config              AWS config/credentials files, env, pixi s3-options, auth file
//! sigv4, address      pure signing; URL and location rules; no I/O, no clock
//! ```
//!
//! With `default-features = false` the crate is the signer, addressing and AWS config-file
//! parsing alone.
// Three modules need `unsafe`: fallocate(2) in s3/preallocate.rs, the SSE4.2 CRC32C
// intrinsics in sigv4/crc32c_hw.rs (behind run-time feature detection), and the SSE2 loads
// of channel/repodata/json_blocks.rs (SSE2 is in every x86-64 target).
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod address;
pub mod config;
pub mod sigv4;

#[cfg(feature = "channel")]
pub mod channel;
#[cfg(feature = "client")]
pub mod clock;
#[cfg(feature = "client")]
pub mod credentials;
#[cfg(feature = "client")]
pub mod gcs;
#[cfg(feature = "client")]
pub mod http;
#[cfg(feature = "client")]
pub mod retry;
#[cfg(feature = "client")]
pub mod s3;
#[cfg(feature = "client")]
pub mod safe_path;
#[cfg(feature = "client")]
pub mod settings;
#[cfg(feature = "client")]
pub mod xml;

#[cfg(test)]
mod test_secrets;

/// The README's examples, compiled as doc tests.
#[cfg(all(doctest, feature = "channel"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
