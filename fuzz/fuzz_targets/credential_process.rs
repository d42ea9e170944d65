//! Arbitrary bytes as a `credential_process` program's output, and as its command line:
//! an error, never a panic, and every error one line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minis3::credentials::process::{parse_output, split_command_line};

fuzz_target!(|data: &[u8]| {
    match parse_output(data, "p", "helper", Some("999")) {
        Ok(c) => assert!(!c.creds.access_key_id().is_empty() && c.account_id.is_some()),
        Err(e) => assert!(!e.to_string().contains('\n'), "{e}"),
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = split_command_line(text);
    }
});
