//! How fast conda versions parse and match: 200,000 version strings of the kinds repodata
//! holds (a search scans that many records), parsed, sorted and matched against a spec.
//!
//! `cargo run --release --example conda_versions --features channel`

use std::time::Instant;

use minis3::channel::{Version, VersionSpec};

fn main() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let suffixes = ["", "", "", "rc1", ".post1", "a2", ".dev0", "+local.1", "_1", "b3"];
    let texts: Vec<String> = (0..200_000)
        .map(|i| {
            let (a, b, c) = (next() % 40, next() % 30, next() % 200);
            let suffix = suffixes[(next() % suffixes.len() as u64) as usize];
            match i % 4 {
                0 => format!("{a}.{b}.{c}{suffix}"),
                1 => format!("20{}.{b}.{c}", 10 + a % 15),
                2 => format!("{a}.{b}{suffix}"),
                _ => format!("1!{a}.{b}.{c}.{}{suffix}", next() % 9),
            }
        })
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();

    let mut best = f64::MAX;
    let mut versions = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        versions = texts.iter().map(|t| Version::parse(t).expect("valid")).collect::<Vec<_>>();
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "parse: {} versions ({bytes} bytes) in {:.1} ms (best of 5), {:.0} ns each",
        versions.len(),
        best * 1e3,
        best * 1e9 / versions.len() as f64
    );

    let spec = VersionSpec::parse(">=1.2,<30|2020.*").expect("valid spec");
    let start = Instant::now();
    let hits = versions.iter().filter(|v| spec.matches(v)).count();
    println!("match '{spec}': {hits} of {} in {:.1} ms", versions.len(), start.elapsed().as_secs_f64() * 1e3);

    let start = Instant::now();
    versions.sort();
    println!("sort: {:.1} ms", start.elapsed().as_secs_f64() * 1e3);
}
