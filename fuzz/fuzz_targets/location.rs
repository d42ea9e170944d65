//! Parses arbitrary strings as locations, endpoints and URLs, builds URLs from whatever parses,
//! and checks: no panic, the canonical form parses back to the same location (and URL), and
//! the key survives location -> request path -> percent-decoding unaltered.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minis3::address::{AddressingStyle, Endpoint, Location, Url};
use minis3::sigv4::encode::percent_decode;

const ENDPOINTS: &[&str] = &[
    "https://s3.eu-west-1.amazonaws.com",
    "http://127.0.0.1:9000",
    "http://localhost:9000",
    "https://gw.example.com:8443/prefix",
    "http://s3.internal.test",
];

fn check_key(endpoint: &Endpoint, style: AddressingStyle, bucket: &str, key: &str) {
    let Ok(url) = endpoint.request_url(style, bucket, key) else {
        return;
    };
    let path = url.path();
    assert!(path
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'?' && b != b'#'));
    let after_prefix = &path[endpoint.path_prefix().len()..];
    let encoded_key = match url.style() {
        AddressingStyle::Path => {
            let rest = after_prefix
                .strip_prefix('/')
                .and_then(|r| r.strip_prefix(bucket))
                .expect("path style starts with /bucket");
            if key.is_empty() {
                assert!(rest.is_empty());
                return;
            }
            rest.strip_prefix('/').expect("/bucket/key")
        }
        AddressingStyle::Virtual => {
            assert!(url.host().starts_with(&format!("{bucket}.")));
            after_prefix
                .strip_prefix('/')
                .expect("virtual path starts with /")
        }
        AddressingStyle::Auto => panic!("a built URL has a resolved style"),
    };
    assert_eq!(percent_decode(encoded_key).as_deref(), Some(key));
    let full = url.to_url_string();
    assert!(full.ends_with(path));
}

/// A URL that parses prints as ASCII, parses back to itself, and joins without panicking;
/// an error is one line.
fn check_url(input: &str) {
    let url = match Url::parse(input) {
        Ok(u) => u,
        Err(e) => {
            assert!(!e.to_string().contains('\n'));
            return;
        }
    };
    assert!(url.as_str().is_ascii());
    let again = Url::parse(url.as_str()).expect("a URL's text parses");
    assert_eq!(again.as_str(), url.as_str());
    assert!(url.as_str().starts_with(url.scheme()));
    for reference in ["", "../x/", "./a", "/b?c", "//h.example/d", "#f", input] {
        if let Ok(joined) = url.join(reference) {
            assert_eq!(Url::parse(joined.as_str()).expect("a joined URL parses").as_str(), joined.as_str());
        }
    }
    let with_slash = url.with_trailing_slash();
    assert!(with_slash.path().ends_with('/'));
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Endpoint::parse(input);
    check_url(input);
    // Also try the input as what follows s3://, so the fuzzer need not find the prefix.
    for candidate in [input.to_owned(), format!("s3://{input}")] {
        let parsed = Location::parse(&candidate);
        let loc = match parsed {
            Ok(loc) => loc,
            Err(e) => {
                assert!(!e.to_string().contains('\n'));
                continue;
            }
        };
        assert_eq!(Location::parse(&loc.to_string()).as_ref(), Ok(&loc));
        let (Some(bucket), Some(key)) = (loc.bucket(), loc.key()) else {
            continue;
        };
        // The key is taken literally: everything after the bucket's '/'.
        let rest = &candidate[candidate.find("://").expect("parsed") + 3..];
        assert!(rest == bucket || rest == format!("{bucket}/{key}"));
        for e in ENDPOINTS {
            let endpoint = Endpoint::parse(e).expect("fixed endpoints parse");
            for style in [
                AddressingStyle::Auto,
                AddressingStyle::Path,
                AddressingStyle::Virtual,
            ] {
                check_key(&endpoint, style, bucket, key);
            }
        }
        check_key(&Endpoint::gcs(), AddressingStyle::Path, bucket, key);
    }
});
