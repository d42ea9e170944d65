//! Arbitrary bytes into the AWS config and credentials parsers: no panic, and a parsed set
//! resolves without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minis3::config::env::Environment;
use minis3::config::profile::parse::parse_bytes;
use minis3::config::profile::{FileKind, ProfileSet};
use minis3::config::resolve::{resolve_s3, Overrides};

fuzz_target!(|data: &[u8]| {
    // First byte splits the input: config text, then credentials text.
    let (split, rest) = match data.split_first() {
        Some((s, r)) => (*s as usize % (r.len() + 1), r),
        None => (0, data),
    };
    let (config, credentials) = rest.split_at(split);
    let (Ok(config), Ok(credentials)) = (
        parse_bytes(config, FileKind::Config),
        parse_bytes(credentials, FileKind::Credentials),
    ) else {
        return;
    };
    let set = ProfileSet::from_raw(&config, &credentials);
    let _ = format!("{set:?}");
    for name in set.profiles().keys() {
        let set = set
            .clone()
            .with_selected(name.clone(), minis3::config::profile::Selection::Explicit);
        let _ = resolve_s3(&Environment::default(), &set, &Overrides::default());
    }
});
