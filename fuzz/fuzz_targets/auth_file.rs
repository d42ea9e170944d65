//! Arbitrary text as a rattler authentication file: entries parse or fail with one line,
//! decoded S3 keys survive a round trip through the writer's encoding, lookup keys of any
//! `s3://` URL never panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use minis3::config::auth_file::{decode_entry, encode_entry, lookup_keys, parse_entries};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("credentials.json");
    match parse_entries(text, path) {
        Ok(entries) => {
            for (key, value) in &entries {
                match decode_entry(value, key, path) {
                    Ok(c) => assert_eq!(decode_entry(&encode_entry(&c), key, path).unwrap(), c),
                    Err(e) => assert!(!e.to_string().contains('\n'), "{e}"),
                }
                let _ = lookup_keys(&format!("s3://{key}"));
            }
        }
        Err(e) => assert!(!e.to_string().contains('\n'), "{e}"),
    }
    if let Ok(keys) = lookup_keys(text) {
        assert!(!keys.is_empty());
    }
});
