//! Arbitrary bytes as an STS answer (AssumeRole, AssumeRoleWithWebIdentity), with the status
//! from the first two bytes: an error, never a panic, and every error one line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minis3::credentials::sts::parse_response;

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data {
        [a, b, rest @ ..] => (if a & 1 == 0 { 200 } else { 100 + u16::from(*b) * 2 }, rest),
        _ => (200, data),
    };
    for action in ["AssumeRole", "AssumeRoleWithWebIdentity"] {
        match parse_response(status, body, action) {
            Ok(c) => assert!(!c.creds.access_key_id().is_empty()),
            Err(e) => assert!(!e.to_string().contains('\n'), "{e}"),
        }
    }
});
