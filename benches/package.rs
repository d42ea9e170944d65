//! Package metadata reading: bytes read and time per package, for `.conda` (ranged reads) and
//! `.tar.bz2` (streamed until info/ is read), and hashing speed for packages without stored
//! checksums. Packages are made by `tests/support/conda_packages.py` (real packages, info/ first,
//! incompressible payload).
//!
//! Run: `cargo bench --features channel --bench package [-- COUNT SIZE_BYTES [ROUNDS]]` (default
//! 40 packages of 1 MB, half .conda; each package read ROUNDS times, default 1, for a steadier
//! time per package and a profile of the reading alone).

#[path = "../tests/support/conda.rs"]
mod conda;

use std::fs::File;
use std::io::BufReader;
use std::time::Instant;

use minis3::channel::package::{hash_reader, read_conda, read_tar_bz2, CondaOptions, Limits};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let count = args.first().map_or("40".to_string(), Clone::clone);
    let size = args.get(1).map_or("1000000".to_string(), Clone::clone);
    let rounds: u32 = args.get(2).map_or(1, |r| r.parse().expect("ROUNDS is a number"));
    let dir = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let made =
        conda::make_packages(dir.path(), &["--count", &count, "--size", &size, "--variety", "--layout", "mixed"]);
    eprintln!("made {} packages of {size} payload bytes in {:.1} s", made.len(), t.elapsed().as_secs_f64());

    for format in ["conda", "tar.bz2"] {
        let files: Vec<_> = made.iter().filter(|m| m.format == format).map(|m| m.path.clone()).collect();
        let total: u64 = files.iter().map(|p| std::fs::metadata(p).unwrap().len()).sum();
        let (mut bytes, mut requests) = (0u64, 0u32);
        let t = Instant::now();
        for p in files.iter().flat_map(|p| std::iter::repeat_n(p, rounds as usize)) {
            let name = p.file_name().unwrap().to_str().unwrap();
            let stats = if format == "conda" {
                read_conda(File::open(p).unwrap(), name, &CondaOptions::default()).unwrap().stats
            } else {
                read_tar_bz2(BufReader::new(File::open(p).unwrap()), name, &Limits::default()).unwrap().stats
            };
            bytes += stats.bytes;
            requests += stats.requests;
        }
        let reads = files.len() as u64 * u64::from(rounds);
        let per = t.elapsed().as_secs_f64() / reads as f64;
        println!(
            "{format:8} {} packages, {total} bytes: read {bytes} bytes ({:.2}% of the packages, {} per package) in {requests} reads, {:.3} ms per package",
            files.len(),
            100.0 * bytes as f64 / (total * u64::from(rounds)) as f64,
            bytes / reads,
            per * 1e3
        );
    }
    let total: u64 = made.iter().map(|m| std::fs::metadata(&m.path).unwrap().len()).sum();
    let t = Instant::now();
    for m in &made {
        hash_reader(File::open(&m.path).unwrap()).unwrap();
    }
    let secs = t.elapsed().as_secs_f64();
    println!("hashing (size, md5, sha256): {total} bytes in {secs:.3} s, {:.0} MB/s", total as f64 / secs / 1e6);
}
