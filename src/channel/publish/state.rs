//! The index's own record of what it read: `SUBDIR/.minis3-index.json`, file name to the
//! listing's ETag and size when its record was made. A package whose ETag or size changed
//! (a rebuild re-uploaded under the same name) is read again; rattler's indexer compares
//! names only (rattler #2605).
//!
//! Without an entry (a subdir indexed by another tool), a record is kept when the size
//! matches and the ETag is a plain MD5 equal to the record's `md5` (single-part uploads);
//! otherwise the package is read again. The file is advisory: a missing or unreadable one
//! only costs reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::channel::record::PackageRecord;

/// The sidecar's file name inside a subdir.
pub const STATE_FILE: &str = ".minis3-index.json";

/// What was listed for one file when its record was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// The ETag, quotes included, as listed.
    pub etag: String,
    /// Size in bytes.
    pub size: u64,
}

/// The sidecar document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexState {
    /// Format version (1).
    #[serde(default)]
    pub version: u32,
    /// File name to what was listed.
    #[serde(default)]
    pub files: BTreeMap<String, Seen>,
}

impl IndexState {
    /// Parses a sidecar; an unreadable one is empty.
    pub fn from_slice(bytes: &[u8]) -> IndexState {
        serde_json::from_slice(bytes).unwrap_or_default()
    }

    /// The sidecar as bytes.
    pub fn to_vec(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("the state serializes")
    }

    /// Whether `record` (of `filename`) still describes the listed object (`etag`, `size`).
    pub fn unchanged(&self, filename: &str, record: &PackageRecord, etag: &str, size: u64) -> bool {
        if record.size != Some(size) {
            return false;
        }
        match self.files.get(filename) {
            Some(seen) => seen.etag == etag && seen.size == size,
            None => {
                let e = etag.trim_matches('"');
                e.len() == 32 && record.md5.is_some_and(|m| crate::channel::hex(m).eq_ignore_ascii_case(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_size_or_etag_means_read_again() {
        let mut r = PackageRecord::new("a", "1", "0");
        r.size = Some(10);
        r.md5 = Some([0xab; 16]);
        let md5 = format!("\"{}\"", "ab".repeat(16));
        let empty = IndexState::default();
        assert!(empty.unchanged("a-1-0.conda", &r, &md5, 10));
        assert!(!empty.unchanged("a-1-0.conda", &r, &md5, 11));
        assert!(!empty.unchanged("a-1-0.conda", &r, "\"abc-2\"", 10));
        let mut s = IndexState { version: 1, ..Default::default() };
        s.files.insert("a-1-0.conda".into(), Seen { etag: "\"abc-2\"".into(), size: 10 });
        assert!(s.unchanged("a-1-0.conda", &r, "\"abc-2\"", 10));
        assert!(!s.unchanged("a-1-0.conda", &r, &md5, 10));
        assert_eq!(IndexState::from_slice(&s.to_vec()), s);
        assert_eq!(IndexState::from_slice(b"not json"), IndexState::default());
    }
}
