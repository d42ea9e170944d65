//! Package metadata from real packages (made by `tests/support/conda_packages.py`: Python's
//! zipfile/tarfile/zstandard as conda-package-handling lays packages out, and byte for byte the
//! zip layout of rattler's writer), compared field for field with what py-rattler's own indexer
//! (`rattler.index.index_fs`) writes into repodata.json for the same files.
#![cfg(feature = "channel")]

#[path = "support/secrets.rs"]
mod secrets;
use secrets::CleanErr;

#[path = "support/conda.rs"]
mod conda;

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use minis3::channel::package::{
    hash_reader, read_conda, read_tar_bz2, repodata_record, CondaOptions, InfoFiles, Limits, PackageErrorKind,
    ReadStats,
};
use serde_json::{Map, Value};

/// Our metadata for one package file, the record built from it, and what reading cost.
fn ours(path: &Path, options: &CondaOptions) -> (InfoFiles, Map<String, Value>, ReadStats) {
    let name = path.file_name().unwrap().to_str().unwrap();
    let hashes = hash_reader(File::open(path).unwrap()).unwrap();
    let (info, stats, with_run_exports) = if name.ends_with(".conda") {
        let m = read_conda(File::open(path).unwrap(), name, options).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.total_len, hashes.size);
        (m.info, m.stats, true)
    } else {
        let m = read_tar_bz2(BufReader::new(File::open(path).unwrap()), name, &options.limits)
            .unwrap_or_else(|e| panic!("{e}"));
        // rattler's indexer leaves run_exports out of .tar.bz2 records (it stops at index.json).
        (m.info, m.stats, false)
    };
    let index = info.index(name).unwrap();
    let run_exports = info.run_exports(name).unwrap();
    let record = repodata_record(&index, run_exports.as_ref().filter(|_| with_run_exports), &hashes);
    (info, record, stats)
}

fn rattler_record<'a>(repodata: &'a std::collections::BTreeMap<String, Value>, path: &Path) -> &'a Map<String, Value> {
    let subdir = path.parent().unwrap().file_name().unwrap().to_str().unwrap();
    let name = path.file_name().unwrap().to_str().unwrap();
    let key = if name.ends_with(".conda") { "packages.conda" } else { "packages" };
    repodata[subdir][key][name].as_object().unwrap_or_else(|| panic!("rattler did not index {subdir}/{name}"))
}

fn without_indexed_timestamp(record: &Map<String, Value>) -> Map<String, Value> {
    let mut r = record.clone();
    assert!(r.remove("indexed_timestamp").is_some(), "rattler writes indexed_timestamp");
    r
}

#[test]
fn records_equal_rattlers_for_every_layout_and_field_form() {
    let dir = tempfile::tempdir().unwrap();
    let made =
        conda::make_packages(dir.path(), &["--count", "24", "--size", "150000", "--variety", "--layout", "mixed"]);
    let layouts: std::collections::BTreeSet<&str> = made.iter().map(|m| m.layout.as_str()).collect();
    assert_eq!(layouts, ["cph", "comment", "gnu", "pax", "rattler", "zip64"].into_iter().collect());
    let repodata = conda::rattler_index(dir.path());
    let small_tail = CondaOptions { tail_len: 300, ..CondaOptions::default() };
    for m in &made {
        let (info, record, stats) = ours(&m.path, &CondaOptions::default());
        let theirs = without_indexed_timestamp(rattler_record(&repodata, &m.path));
        assert_eq!(
            Value::Object(record.clone()),
            Value::Object(theirs),
            "{} ({}): our record differs from rattler's",
            m.path.display(),
            m.layout
        );
        // What was read is what the generator wrote.
        let index: Value = serde_json::from_slice(&info.index_json).unwrap();
        assert_eq!(index, m.index);
        let run_exports = info.run_exports_json.as_ref().map(|b| serde_json::from_slice::<Value>(b).unwrap());
        assert_eq!(run_exports, m.run_exports, "{}", m.path.display());
        assert!(info.about_json.is_some(), "{}: about.json", m.path.display());
        if m.format == "conda" {
            // One suffix read of 64 KiB holds the end records, the directory and the info member.
            assert_eq!(stats, ReadStats { requests: 1, bytes: 64 * 1024 }, "{}", m.path.display());
            // With a 300-byte tail the member needs one more read (and the directory too when
            // it does not fit), and the answer is the same.
            let (info2, record2, stats2) = ours(&m.path, &small_tail);
            assert_eq!((info2, record2), (info, record));
            assert!((2..=3).contains(&stats2.requests), "{}: {stats2:?}", m.path.display());
            // A 300-byte tail cannot hold the 1000-byte comment: the reader widens it to the
            // longest possible end record (64 KiB + 42) once, which then holds everything.
            let most = if m.layout == "comment" { 64 * 1024 + 300 } else { 16 * 1024 };
            assert!(stats2.bytes < most, "{}: {stats2:?}", m.path.display());
        } else {
            assert_eq!(stats.requests, 1);
            let size = std::fs::metadata(&m.path).unwrap().len();
            assert!(stats.bytes <= size, "{}: {stats:?}", m.path.display());
        }
    }
}

#[test]
fn a_big_info_member_costs_one_more_read_of_exactly_it() {
    let dir = tempfile::tempdir().unwrap();
    // 100 kB of incompressible info/test data pushes the member out of the 64 KiB tail.
    let made = conda::make_packages(
        dir.path(),
        &[
            "--count",
            "8",
            "--size",
            "20000",
            "--big-info",
            "100000",
            "--formats",
            "conda",
            "--layout",
            "mixed",
            "--variety",
        ],
    );
    let repodata = conda::rattler_index(dir.path());
    for m in &made {
        let (_, record, stats) = ours(&m.path, &CondaOptions::default());
        assert_eq!(Value::Object(record), Value::Object(without_indexed_timestamp(rattler_record(&repodata, &m.path))));
        assert_eq!(stats.requests, 2, "{}", m.path.display());
        let size = std::fs::metadata(&m.path).unwrap().len();
        // The tail plus the member's part before it: well under the whole file.
        assert!(stats.bytes < 64 * 1024 + 110_000 && stats.bytes < size, "{}: {stats:?} of {size}", m.path.display());
        // A tail holding the whole member needs no second read.
        let wide = CondaOptions { tail_len: 256 * 1024, ..CondaOptions::default() };
        assert_eq!(ours(&m.path, &wide).2.requests, 1);
    }
}

#[test]
fn a_tar_bz2_with_info_first_is_read_only_to_the_block_holding_info() {
    let dir = tempfile::tempdir().unwrap();
    let made =
        conda::make_packages(dir.path(), &["--count", "2", "--size", "1500000", "--formats", "tar.bz2", "--variety"]);
    for m in &made {
        let (_, _, stats) = ours(&m.path, &CondaOptions::default());
        let size = std::fs::metadata(&m.path).unwrap().len();
        // bzip2 decodes whole blocks (up to 900 kB of tar): info/ is in the first one, and the
        // decoder reads ahead by at most 8 KiB.
        assert!(stats.bytes < 920_000, "{}: read {} of {size} bytes", m.path.display(), stats.bytes);
        assert!(size > 1_500_000);
    }
}

fn err_kind(path: &Path) -> (String, PackageErrorKind) {
    let name = path.file_name().unwrap().to_str().unwrap();
    let e = if name.ends_with(".conda") {
        read_conda(File::open(path).unwrap(), name, &CondaOptions::default()).map(|m| m.info).clean_err()
    } else {
        read_tar_bz2(File::open(path).unwrap(), name, &Limits::default()).map(|m| m.info).clean_err()
    };
    let text = e.to_string();
    assert!(text.starts_with(&format!("{name}: ")), "the error names the file: {text}");
    (text, e.kind)
}

#[test]
fn damaged_and_foreign_files_are_typed_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let made = conda::make_packages(dir.path(), &["--count", "2", "--size", "50000", "--layout", "cph"]);
    let (conda_pkg, bz2_pkg) = (&made[0].path, &made[1].path);
    let bytes = std::fs::read(conda_pkg).unwrap();
    let bz2 = std::fs::read(bz2_pkg).unwrap();
    let write = |name: &str, data: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, data).unwrap();
        p
    };

    let (text, kind) = err_kind(&write("cut.conda", &bytes[..bytes.len() - 10]));
    assert!(matches!(kind, PackageErrorKind::Zip(_)), "{text}");
    let (text, kind) = err_kind(&write("empty.conda", b""));
    assert!(matches!(kind, PackageErrorKind::Zip(_)), "{text}");
    // A byte flipped inside the info member (the last member, before the directory).
    let mut flipped = bytes.clone();
    let eocd = bytes.len() - 22;
    let cd = u32::from_le_bytes(bytes[eocd + 16..eocd + 20].try_into().unwrap()) as usize;
    flipped[cd - 40] ^= 0xff;
    let (text, kind) = err_kind(&write("flipped.conda", &flipped));
    assert!(matches!(kind, PackageErrorKind::Zip(_) | PackageErrorKind::Zstd(_) | PackageErrorKind::Tar(_)), "{text}");
    let (text, kind) = err_kind(&write("bz2-named.conda", &bz2));
    assert!(matches!(kind, PackageErrorKind::Zip(_)), "{text}");

    let (text, kind) = err_kind(&write("zip-named.tar.bz2", &bytes));
    assert!(matches!(kind, PackageErrorKind::Bzip2(_)), "{text}");
    let mut bad = bz2.clone();
    bad[2000] ^= 0x55;
    let (text, kind) = err_kind(&write("flipped.tar.bz2", &bad));
    assert!(matches!(kind, PackageErrorKind::Bzip2(_) | PackageErrorKind::Tar(_)), "{text}");
    let (text, kind) = err_kind(&write("cut.tar.bz2", &bz2[..1000]));
    assert!(matches!(kind, PackageErrorKind::Bzip2(_) | PackageErrorKind::Tar(_)), "{text}");

    // Deflated members: a zip, but not a .conda.
    let deflated =
        conda::make_packages(&dir.path().join("d"), &["--count", "1", "--size", "1000", "--layout", "deflate"]);
    let (text, kind) = err_kind(&deflated[0].path);
    assert!(matches!(kind, PackageErrorKind::NotStored { method: 8, .. }), "{text}");
    assert!(text.contains("is compressed (zip method 8)"), "{text}");

    // Valid archives without info/index.json.
    let no_index_bz2 = dir.path().join("noindex-1-0.tar.bz2");
    let no_index_conda = dir.path().join("noindex-1-0.conda");
    conda::python_run(
        "import io, sys, tarfile, zipfile, bz2, zstandard\n\
         def tar(files):\n\
         \x20   b = io.BytesIO()\n\
         \x20   with tarfile.open(fileobj=b, mode='w') as t:\n\
         \x20       for n, d in files.items():\n\
         \x20           ti = tarfile.TarInfo(n); ti.size = len(d); t.addfile(ti, io.BytesIO(d))\n\
         \x20   return b.getvalue()\n\
         open(sys.argv[1], 'wb').write(bz2.compress(tar({'info/about.json': b'{}', 'lib/x': b'x'})))\n\
         with zipfile.ZipFile(sys.argv[2], 'w') as z:\n\
         \x20   z.writestr('metadata.json', '{}')\n\
         \x20   z.writestr('info-noindex-1-0.tar.zst', zstandard.ZstdCompressor().compress(tar({'info/about.json': b'{}'})))\n",
        &[&no_index_bz2, &no_index_conda],
    );
    for p in [&no_index_bz2, &no_index_conda] {
        let (text, kind) = err_kind(p);
        assert!(matches!(kind, PackageErrorKind::NoIndexJson), "{text}");
        assert!(text.ends_with("not a conda package: no info/index.json"), "{text}");
    }
    // A .conda with no info member at all.
    let (text, kind) = err_kind(&write("tiny.conda", b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"));
    assert!(matches!(kind, PackageErrorKind::NoInfoMember), "{text}");
}
