//! Shared helpers for the vector-driven tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The vectors directory: `MINIS3_VECTORS`, else `../shared/vectors` next to the crate.
/// Panics with a clear message when it is missing (the tests must not pass silently).
pub fn vectors_dir() -> PathBuf {
    let dir = match std::env::var_os("MINIS3_VECTORS") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors"),
    };
    assert!(dir.is_dir(), "test vectors not found at {}: set MINIS3_VECTORS to the vectors directory", dir.display());
    dir
}

/// Reads and parses a JSON vector file (relative to the vectors directory).
pub fn read_json(relative: &str) -> serde_json::Value {
    let path = vectors_dir().join(relative);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read vector file {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("vector file {} is not JSON: {e}", path.display()))
}
