//! The repodata and shard readers and writers against py-rattler 0.28's local indexer:
//! tests/py/mkchannel.py builds real .conda and .tar.bz2 packages and runs
//! `rattler.index.index_fs` (shards and .zst on); our writers must reproduce its files
//! byte for byte (the .zst: its content), and python's msgpack + zstandard must read the shards we write.
#![cfg(feature = "channel")]

use std::path::{Path, PathBuf};
use std::process::Command;

use minis3::channel::record::PackageRecord;
use minis3::channel::repodata::{
    compress_repodata, read_repodata, read_repodata_zst, record_to_json, repodata_to_vec, stream_repodata,
    stream_repodata_zst, AllRecords, NameFilter, NamePredicate, Section,
};
use minis3::channel::shards::{
    decode_shard, decode_shard_index, encode_shard, encode_shard_index, repodata_from_shards, shards_from_repodata,
    subdir_url, ShardIndex, ShardIndexInfo,
};

fn python() -> PathBuf {
    let root = match std::env::var_os("MINIS3_SERVERS") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(std::env::var_os("HOME").expect("HOME is not set")).join(".cache/minis3/servers"),
    };
    let py = root.join("pyvenv/bin/python");
    assert!(
        py.is_file(),
        "py-rattler's venv {} is missing: run `bash scripts/install-servers.sh py-rattler`",
        py.display()
    );
    py
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py").join(name)
}

fn run_python(args: &[&Path]) -> Vec<u8> {
    let out = Command::new(python()).args(args).env("AWS_EC2_METADATA_DISABLED", "true").output().expect("python runs");
    assert!(out.status.success(), "python {:?} failed: {}", args, String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// One channel indexed by py-rattler, shared by the tests of this file.
fn channel() -> &'static Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        run_python(&[&script("mkchannel.py"), dir.path()]);
        dir
    })
    .path()
}

const SUBDIRS: [&str; 2] = ["linux-64", "noarch"];

#[test]
fn repodata_json_is_rewritten_byte_for_byte() {
    for subdir in SUBDIRS {
        let path = channel().join(subdir).join("repodata.json");
        let theirs = std::fs::read(&path).unwrap();
        let data = read_repodata(&theirs[..], &path.display().to_string()).unwrap();
        assert!(data.packages.len() + data.conda_packages.len() >= 3, "{subdir}");
        assert_eq!(repodata_to_vec(&data), theirs, "{subdir}: whole document");

        // The .zst holds the same document. Ours decompresses to rattler's bytes, is as small
        // within a few bytes (the same level; ours holds the content size, 1 to 8 bytes, and
        // zstd's tables are sized to the input), and says its content size.
        let zst = std::fs::read(channel().join(subdir).join("repodata.json.zst")).unwrap();
        assert_eq!(read_repodata_zst(&zst[..], "zst").unwrap(), data);
        let ours = compress_repodata(&theirs).unwrap();
        assert_eq!(zstd::stream::decode_all(&ours[..]).unwrap(), theirs, "{subdir}");
        assert!(ours.len() <= zst.len() + 16, "{subdir}: {} bytes against rattler's {}", ours.len(), zst.len());
        assert_eq!(
            zstd::zstd_safe::get_frame_content_size(&ours).ok().flatten(),
            Some(theirs.len() as u64),
            "{subdir}"
        );

        // Every record, built from its own JSON and written again, equals rattler's text.
        let mut seen = 0;
        stream_repodata(&theirs[..], "json", &mut AllRecords, |e| {
            assert_eq!(record_to_json(&e.record), e.raw, "{}", e.filename);
            let again: PackageRecord = serde_json::from_slice(e.raw).unwrap();
            assert_eq!(again, e.record);
            seen += 1;
        })
        .unwrap();
        assert_eq!(seen, data.packages.len() + data.conda_packages.len());
    }
}

#[test]
fn fields_rattler_writes_are_typed() {
    let path = channel().join("linux-64/repodata.json");
    let data = read_repodata(std::fs::File::open(&path).unwrap(), "linux-64").unwrap();
    let a = &data.conda_packages["alpha-1.2.3-h1234_0.conda"];
    assert_eq!(a.constrains, ["beta >=2"]);
    assert_eq!(a.license_family.as_deref(), Some("MIT"));
    assert_eq!(a.timestamp, Some(1_700_000_000_123));
    assert!(a.indexed_timestamp.is_some());
    let re = a.run_exports.as_ref().unwrap();
    assert_eq!(re.weak, ["alpha >=1.2.3,<1.3.0a0"]);
    assert_eq!(re.strong, ["libalpha 1.*"]);
    assert!(a.extra.is_empty(), "{:?}", a.extra);
    let b = &data.packages["alpha-1.2.2-h1234_1.tar.bz2"];
    assert_eq!(b.track_features, ["featx", "featy"]);
    assert_eq!(b.features.as_deref(), Some("blas_mkl"));
    assert_eq!(b.timestamp, Some(1_690_000_000));
    // rattler 0.28 drops run_exports of .tar.bz2 packages.
    assert!(b.run_exports.is_none());
    let py = &data.conda_packages["python-3.12.1-h0_1_cpython.conda"];
    assert_eq!(py.python_site_packages_path.as_deref(), Some("lib/python3.12/site-packages"));
    assert_eq!(data.info.as_ref().unwrap().subdir.as_deref(), Some("linux-64"));
    assert_eq!(data.repodata_version, Some(1));
}

#[test]
fn filters_select_without_building_the_rest() {
    let json = std::fs::read(channel().join("linux-64/repodata.json")).unwrap();
    let zst = std::fs::read(channel().join("linux-64/repodata.json.zst")).unwrap();
    let mut names = Vec::new();
    let summary = stream_repodata(&json[..], "json", &mut NameFilter::new("alpha"), |e| {
        names.push((e.section, e.filename.to_owned()));
    })
    .unwrap();
    assert_eq!(
        names,
        [
            (Section::TarBz2, "alpha-1.2.2-h1234_1.tar.bz2".to_owned()),
            (Section::Conda, "alpha-1.2.3-h1234_0.conda".to_owned())
        ]
    );
    assert_eq!((summary.entries_seen, summary.entries_built), (4, 2));
    assert_eq!(summary.info.unwrap().subdir.as_deref(), Some("linux-64"));

    let mut got = Vec::new();
    let mut glob = NamePredicate(|n: &str| n.starts_with("gamma"));
    stream_repodata_zst(&zst[..], "zst", &mut glob, |e| got.push(e.record.name)).unwrap();
    assert_eq!(got, ["gamma-utils"]);
    // "alpha" must not match "alpha-beta"-style prefixes of other names.
    let mut none = 0;
    stream_repodata(&json[..], "json", &mut NameFilter::new("gamma"), |_| none += 1).unwrap();
    assert_eq!(none, 0);
}

#[test]
fn rattler_shards_decode_and_ours_are_identical() {
    for subdir in SUBDIRS {
        let dir = channel().join(subdir);
        let index_bytes = std::fs::read(dir.join("repodata_shards.msgpack.zst")).unwrap();
        let index = decode_shard_index(&index_bytes, "index").unwrap();
        assert_eq!(index.info.subdir, subdir);
        assert_eq!(index.info.base_url, "");
        assert_eq!(index.info.shards_base_url, "./shards/");
        assert!(index.info.created_at.is_some());

        // The channel directory as an https:// URL; shard URLs map back to files below it.
        let base = "https://channel.test/";
        let sub = subdir_url(base, subdir).unwrap();
        let repodata = read_repodata(std::fs::File::open(dir.join("repodata.json")).unwrap(), "r").unwrap();
        let ours = shards_from_repodata(&repodata);
        assert_eq!(ours.keys().collect::<Vec<_>>(), index.shards.keys().collect::<Vec<_>>());
        let mut decoded = Vec::new();
        for (name, digest) in &index.shards {
            let url = index.shard_url(&sub, name).unwrap().unwrap();
            let file = channel().join(url.as_str().strip_prefix(base).expect("inside the channel"));
            let bytes = std::fs::read(&file).unwrap();
            let shard = decode_shard(&bytes, Some(digest), url.as_str()).unwrap();
            assert_eq!(shard, ours[name], "{name}");
            let (zst, d) = encode_shard(&ours[name]).unwrap();
            assert_eq!(&d, digest, "{subdir}/{name}: our shard hashes differently");
            assert_eq!(zst, bytes);
            decoded.push(shard);
        }
        // Assembled from the shards, the subdir's repodata equals rattler's repodata.json
        // (apart from its empty "v3" key, which shards do not carry).
        let mut assembled = repodata_from_shards(&index.info, decoded);
        assembled.extra = repodata.extra.clone();
        assert_eq!(assembled, repodata);
    }
}

#[test]
fn python_reads_the_shards_we_write() {
    let out = tempfile::tempdir().unwrap();
    let json = std::fs::read(channel().join("noarch/repodata.json")).unwrap();
    let repodata = read_repodata(&json[..], "noarch").unwrap();
    let sub = out.path().join("noarch");
    std::fs::create_dir_all(sub.join("shards")).unwrap();
    let mut index = ShardIndex {
        info: ShardIndexInfo {
            subdir: "noarch".into(),
            base_url: String::new(),
            shards_base_url: "./shards/".into(),
            created_at: Some("2026-12-01T00:00:00Z".into()),
            extra: Vec::new(),
        },
        ..ShardIndex::default()
    };
    for (name, shard) in shards_from_repodata(&repodata) {
        let (zst, digest) = encode_shard(&shard).unwrap();
        std::fs::write(sub.join(format!("shards/{}.msgpack.zst", hex::encode(digest))), zst).unwrap();
        index.shards.insert(name, digest);
    }
    std::fs::write(sub.join("repodata_shards.msgpack.zst"), encode_shard_index(&index).unwrap()).unwrap();
    let printed = run_python(&[&script("read_shards.py"), &sub]);
    let theirs: serde_json::Value = serde_json::from_slice(&printed).unwrap();
    assert_eq!(theirs["info"]["subdir"], "noarch");
    assert_eq!(theirs["info"]["created_at"], "2026-12-01T00:00:00Z");
    let original: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let shards = theirs["shards"].as_object().unwrap();
    assert_eq!(shards.len(), 2);
    for section in ["packages", "packages.conda"] {
        for (filename, record) in original[section].as_object().unwrap() {
            let name = record["name"].as_str().unwrap();
            assert_eq!(&shards[name][section][filename], record, "{filename}");
        }
    }
}
