//! How fast conda versions parse and match: 200,000 version strings of the kinds repodata
//! holds (a search scans that many records), parsed, sorted and matched against a spec.
//!
//! `cargo run --release --example conda_versions --features channel`

use std::time::Instant;

use minis3::channel::{Version, VersionSpec};

/// CPU time of this thread in seconds: the machine may be shared, wall time would lie.
fn cpu_seconds() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

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

    let (mut best, mut best_cpu) = (f64::MAX, f64::MAX);
    let mut versions = Vec::new();
    for _ in 0..5 {
        let (start, cpu) = (Instant::now(), cpu_seconds());
        versions = texts.iter().map(|t| Version::parse(t).expect("valid")).collect::<Vec<_>>();
        best = best.min(start.elapsed().as_secs_f64());
        best_cpu = best_cpu.min(cpu_seconds() - cpu);
    }
    println!(
        "parse: {} versions ({bytes} bytes): {:.1} ms CPU ({:.0} ns each), {:.1} ms wall (best of 5)",
        versions.len(),
        best_cpu * 1e3,
        best_cpu * 1e9 / versions.len() as f64,
        best * 1e3,
    );

    let spec = VersionSpec::parse(">=1.2,<30|2020.*").expect("valid spec");
    let cpu = cpu_seconds();
    let hits = versions.iter().filter(|v| spec.matches(v)).count();
    println!("match '{spec}': {hits} of {}: {:.1} ms CPU", versions.len(), (cpu_seconds() - cpu) * 1e3);

    let cpu = cpu_seconds();
    versions.sort();
    println!("sort: {:.1} ms CPU", (cpu_seconds() - cpu) * 1e3);
}
