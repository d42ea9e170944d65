//! Arbitrary bytes as the SSO token cache file and as the portal's GetRoleCredentials answer:
//! an error, never a panic, and every error one line.
#![no_main]

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use minis3::credentials::profile::SsoSettings;
use minis3::credentials::sso::{parse_role_credentials, read_cached_token};

fuzz_target!(|data: &[u8]| {
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = read_cached_token(text, Path::new("cache.json"), now) {
            assert!(!e.contains('\n'), "{e}");
        }
    }
    let settings = SsoSettings {
        profile: "p".into(),
        start_url: "https://example.awsapps.com/start".into(),
        region: "us-east-1".into(),
        account_id: Some("123456789012".into()),
        role_name: Some("r".into()),
        session: None,
    };
    let status = match data.first() {
        Some(b) if b & 1 == 1 => 200 + u16::from(*b),
        _ => 200,
    };
    match parse_role_credentials(status, data, &settings) {
        Ok(c) => assert!(!c.creds.access_key_id().is_empty()),
        Err(e) => assert!(!e.to_string().contains('\n'), "{e}"),
    }
});
