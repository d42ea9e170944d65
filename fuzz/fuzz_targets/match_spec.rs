//! Parses arbitrary strings as conda versions, version specs and match specs, and checks:
//! no panic; a version displays as its input, equals itself and hashes like its equals; the
//! ordering is antisymmetric; whatever parses can be matched against a few records.
#![no_main]

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use libfuzzer_sys::fuzz_target;
use minis3::channel::{Candidate, MatchSpec, Version, VersionSpec};

fn hash(v: &Version) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let probes: Vec<Version> = ["1.0", "1.2.3", "1!2.0a1+local", "0.0.0dev0", "2.0.post1_"]
        .iter()
        .map(|s| Version::parse(s).unwrap())
        .collect();

    if let Ok(v) = Version::parse(text) {
        assert_eq!(v.to_string(), text);
        assert_eq!(v, v.clone());
        for p in &probes {
            assert_eq!(v.cmp(p), p.cmp(&v).reverse());
            if v == *p {
                assert_eq!(hash(&v), hash(p));
            }
            let _ = v.starts_with(p);
            let _ = v.compatible_with(p);
        }
    }
    // Two versions from one input: antisymmetry, and equal versions hash alike.
    if let Some((a, b)) = text.split_once('\u{0}') {
        if let (Ok(a), Ok(b)) = (Version::parse(a), Version::parse(b)) {
            assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
            if a == b {
                assert_eq!(hash(&a), hash(&b));
            }
        }
    }
    if let Ok(spec) = VersionSpec::parse(text) {
        let _ = spec.to_string();
        for p in &probes {
            let _ = spec.matches(p);
        }
    }
    if let Ok(spec) = MatchSpec::parse(text) {
        for p in &probes {
            let c = Candidate::new("numpy", p, "py312_0", 3, "linux-64");
            let _ = spec.matches(&c);
            let _ = spec.matches_in(&c);
        }
    }
});
