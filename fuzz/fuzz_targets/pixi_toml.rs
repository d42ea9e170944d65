//! Arbitrary text through pixi's s3-options TOML parsers and the rattler auth-file JSON parser:
//! they must return errors, never panic, and errors must be one line.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use minis3::config::auth_file::{decode_entry, parse_entries};
use minis3::config::pixi::{manifest_s3_options, parse_config_file, ManifestKind};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("fuzz.toml");
    match parse_config_file(text, path) {
        Ok(c) => {
            for entry in c.s3_options.values() {
                assert!(entry.line >= 1 && entry.line <= text.lines().count().max(1) + 1);
            }
        }
        Err(e) => assert!(!e.to_string().contains('\n')),
    }
    for kind in [ManifestKind::Pixi, ManifestKind::Pyproject] {
        if let Err(e) = manifest_s3_options(text, path, kind) {
            assert!(!e.to_string().contains('\n'));
        }
    }
    match parse_entries(text, Path::new("auth.json")) {
        Ok(entries) => {
            for (key, value) in &entries {
                let _ = decode_entry(value, key, Path::new("auth.json"));
            }
        }
        Err(e) => assert!(!e.to_string().contains('\n')),
    }
});
