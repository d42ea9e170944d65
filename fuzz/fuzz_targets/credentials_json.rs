//! Arbitrary bytes as the credentials JSON the container endpoint (ECS, EKS) and EC2 instance
//! metadata answer with: an error, never a panic, and every error one line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minis3::credentials::container::parse_credentials_json;
use minis3::credentials::CredentialSource;

fuzz_target!(|data: &[u8]| {
    for (service, source) in [
        ("IMDS", CredentialSource::Imds { role: "r".into() }),
        ("container credentials endpoint", CredentialSource::Container { url: "http://127.0.0.1/c".into() }),
    ] {
        match parse_credentials_json(serde_json::from_slice(data), service, source) {
            Ok(c) => assert!(!c.creds.access_key_id().is_empty()),
            Err(e) => assert!(!e.to_string().contains('\n'), "{e}"),
        }
    }
});
