//! Conda channels on S3, GCS and plain https: versions and match specs, repodata records,
//! sharded repodata (CEP-16), package metadata, the reader's fetch order and cache, search,
//! download, upload and index.
//!
//! The layer imports `settings`, `s3`, `http` and below, never the CLI.

pub mod api_error;
pub mod cache;
mod cache_body;
mod cache_fill;
pub mod connect;
pub mod download;
pub mod error;
pub mod fetch_error;
pub mod fetch_order;
pub mod gcs_auth;
pub mod http_transport;
pub mod match_spec;
pub mod msgpack;
mod name_index;
pub mod open;
pub mod package;
pub mod platform;
pub mod publish;
pub mod query;
pub mod record;
pub mod repodata;
pub mod s3_transport;
pub mod shards;
pub mod transport;
pub mod url;
pub mod version;
pub mod version_spec;

pub use api_error::ChannelError;
pub use download::{download_all, DownloadProgress};
pub use match_spec::{compare_newest, newest, Candidate, MatchSpec, MatchSpecError};
pub use open::{default_platforms, machine_platform, Channel, ChannelContext, ChannelRecord};
pub use version::{Version, VersionError};
pub use version_spec::{VersionSpec, VersionSpecError};

/// An input quoted in an error message, cut to 200 characters so that a huge input never
/// floods a terminal.
pub(crate) fn shorten(input: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 200;
    match input.char_indices().nth(MAX) {
        None => input.into(),
        Some((i, _)) => format!("{}...", &input[..i]).into(),
    }
}

/// Lowercase hex of any bytes (digests in repodata, shard names, cache keys).
pub(crate) fn hex(bytes: impl AsRef<[u8]>) -> String {
    crate::sigv4::encode::to_hex(bytes.as_ref())
}

/// Decodes `text` (hex digits of either case) into exactly `out.len()` bytes; `Err(())` when it
/// is not hex of that length.
pub(crate) fn hex_decode_to_slice(text: &str, out: &mut [u8]) -> Result<(), ()> {
    fn digit(b: u8) -> Result<u8, ()> {
        match b {
            b'0'..=b'9' => Ok(b - b'0'),
            b'a'..=b'f' => Ok(b - b'a' + 10),
            b'A'..=b'F' => Ok(b - b'A' + 10),
            _ => Err(()),
        }
    }
    let text = text.as_bytes();
    if text.len() != out.len() * 2 {
        return Err(());
    }
    for (o, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        *o = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Ok(())
}

#[cfg(test)]
mod hex_tests {
    #[test]
    fn hex_round_trips_and_rejects_bad_input() {
        let mut out = [0u8; 3];
        super::hex_decode_to_slice("0aFf10", &mut out).unwrap();
        assert_eq!(out, [0x0a, 0xff, 0x10]);
        assert_eq!(super::hex(out), "0aff10");
        assert!(super::hex_decode_to_slice("0aFf1", &mut out).is_err());
        assert!(super::hex_decode_to_slice("0aFf1g", &mut out).is_err());
    }
}
