//! Generates a large synthetic repodata.json and queries it for one name with the streaming
//! reader (issue 14's benchmark, local part).
//!
//! ```text
//! cargo run --release --features channel --example repodata_bench -- gen DIR [RECORDS] [NAMES]
//! cargo run --release --features channel --example repodata_bench -- query FILE NAME
//! ```
//! `gen` writes DIR/repodata.json and DIR/repodata.json.zst (zstd 19, as rattler writes it):
//! by default 200,000 records over 20,000 names (`synthNNNNN`, a Zipf-like spread).
//! `query` reads FILE (`.zst` decompressed on a second thread) and prints the records of
//! NAME found and the time taken; run it under `/usr/bin/time -v` for the peak RSS.

use std::time::Instant;

use minis3::channel::record::PackageRecord;
use minis3::channel::repodata::{
    compress_repodata, stream_repodata, stream_repodata_zst, write_repodata, ChannelInfo, NameFilter, RepoData,
};

fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

fn generate(dir: &str, records: usize, names: usize) {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    // Zipf-like: name i gets a weight 1/(i+1); counts scaled to sum to `records`.
    let h: f64 = (1..=names).map(|i| 1.0 / i as f64).sum();
    let mut counts: Vec<usize> = (0..names).map(|i| ((records as f64) / h / (i + 1) as f64).floor() as usize).collect();
    let mut total: usize = counts.iter().sum();
    let mut i = 0;
    while total < records {
        counts[i % names] += 1;
        total += 1;
        i += 7;
    }
    let mut data = RepoData {
        info: Some(ChannelInfo { subdir: Some("linux-64".into()), ..ChannelInfo::default() }),
        repodata_version: Some(1),
        ..RepoData::default()
    };
    for (n, count) in counts.iter().enumerate() {
        let name = format!("synth{n:05}");
        for k in 0..*count {
            let version = format!("{}.{}.{}", k / 100, (k / 10) % 10, k % 10);
            let build = format!("h{:08x}_{}", next(&mut seed) as u32, k % 3);
            let mut r = PackageRecord::new(&name, &version, &build);
            r.build_number = (k % 3) as u64;
            r.depends = (0..(2 + next(&mut seed) % 5))
                .map(|_| {
                    let d = next(&mut seed) as usize % names;
                    format!("synth{d:05} >={}.{},<{}.0a0", k % 4, k % 9, k % 4 + 1)
                })
                .collect();
            if k % 4 == 0 {
                r.constrains = vec![format!("synth{:05}-extra >=1", n)];
            }
            r.license = Some(["MIT", "BSD-3-Clause", "Apache-2.0"][k % 3].into());
            r.arch = Some("x86_64".into());
            r.platform = Some("linux".into());
            r.subdir = "linux-64".into();
            let mut md5 = [0u8; 16];
            md5.iter_mut().for_each(|b| *b = next(&mut seed) as u8);
            let mut sha = [0u8; 32];
            sha.iter_mut().for_each(|b| *b = next(&mut seed) as u8);
            r.md5 = Some(md5);
            r.sha256 = Some(sha);
            r.size = Some(10_000 + next(&mut seed) % 50_000_000);
            r.timestamp = Some(1_600_000_000_000 + (next(&mut seed) % 200_000_000_000) as i64);
            let filename = format!("{name}-{version}-{build}");
            if k % 2 == 0 {
                data.conda_packages.insert(format!("{filename}.conda"), r);
            } else {
                data.packages.insert(format!("{filename}.tar.bz2"), r);
            }
        }
    }
    std::fs::create_dir_all(dir).expect("create the output directory");
    let path = format!("{dir}/repodata.json");
    let mut json = Vec::new();
    write_repodata(&mut json, &data, &path).expect("serialize");
    std::fs::write(&path, &json).expect("write repodata.json");
    let t = Instant::now();
    let zst = compress_repodata(&json).expect("compress");
    std::fs::write(format!("{path}.zst"), &zst).expect("write repodata.json.zst");
    println!(
        "{path}: {records} records, {names} names, {} bytes; .zst {} bytes (level 19 in {:.1} s)",
        json.len(),
        zst.len(),
        t.elapsed().as_secs_f64()
    );
}

fn query(path: &str, name: &str) {
    let t = Instant::now();
    let file = std::fs::File::open(path).expect("open the repodata file");
    let mut filter = NameFilter::new(name);
    let mut found = 0usize;
    let mut newest = String::new();
    let visit = |e: minis3::channel::repodata::Entry<'_>| {
        found += 1;
        newest = e.filename.to_owned();
    };
    let summary = if path.ends_with(".zst") {
        stream_repodata_zst(file, path, &mut filter, visit)
    } else {
        stream_repodata(file, path, &mut filter, visit)
    };
    match summary {
        Ok(s) => println!(
            "{path}: {found} records of {name} among {} entries ({} built) in {:.3} s; last {newest}",
            s.entries_seen,
            s.entries_built,
            t.elapsed().as_secs_f64()
        ),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["gen", dir, rest @ ..] => {
            let records = rest.first().map_or(200_000, |s| s.parse().expect("RECORDS"));
            let names = rest.get(1).map_or(20_000, |s| s.parse().expect("NAMES"));
            generate(dir, records, names);
        }
        ["query", file, name] => query(file, name),
        _ => {
            eprintln!("usage: repodata_bench gen DIR [RECORDS] [NAMES] | query FILE NAME");
            std::process::exit(2);
        }
    }
}
