//! Malformed, truncated and corrupt repodata, shard indexes and shards give a typed error
//! naming the file, never a panic and never a silent partial result.
#![cfg(feature = "channel")]

#[path = "support/secrets.rs"]
mod secrets;
use secrets::CleanErr;

use minis3::channel::error::{FormatError, FormatErrorKind};
use minis3::channel::record::PackageRecord;
use minis3::channel::repodata::{
    compress_repodata, read_repodata, read_repodata_zst, repodata_to_vec, stream_repodata, stream_repodata_zst,
    AllRecords, NameFilter, RepoData,
};
use minis3::channel::shards::{decode_shard, decode_shard_index, encode_shard, encode_shard_index, Shard, ShardIndex};

const NAME: &str = "https://example.invalid/chan/linux-64/repodata.json";

fn sample() -> RepoData {
    let mut data = RepoData {
        info: Some(minis3::channel::repodata::ChannelInfo {
            subdir: Some("linux-64".into()),
            base_url: None,
            extra: Default::default(),
        }),
        ..RepoData::default()
    };
    for i in 0..40 {
        let mut r = PackageRecord::new(&format!("pkg{}", i % 7), &format!("1.{i}"), "h_0");
        r.depends = vec!["python >=3.9".into(), format!("dep\"{i}\\")];
        r.sha256 = Some([i as u8; 32]);
        r.md5 = Some([i as u8; 16]);
        r.subdir = "linux-64".into();
        r.license = Some("MIT \u{e9}\u{1F600}".into());
        let filename = format!("pkg{}-1.{i}-h_0", i % 7);
        if i % 2 == 0 {
            data.conda_packages.insert(format!("{filename}.conda"), r);
        } else {
            data.packages.insert(format!("{filename}.tar.bz2"), r);
        }
    }
    data.removed.insert("pkg1-0.1-h_0.conda".into());
    data.repodata_version = Some(1);
    data
}

fn assert_names_file(e: &FormatError) {
    assert_eq!(e.source_name, NAME);
    let line = e.to_string();
    assert!(line.starts_with(NAME), "{line}");
    assert!(!line.contains('\n'), "{line}");
}

#[test]
fn every_truncation_of_repodata_json_is_an_error() {
    let json = repodata_to_vec(&sample());
    assert_eq!(read_repodata(&json[..], NAME).unwrap(), sample());
    // Trailing whitespace is fine; anything short of the closing brace is not.
    for cut in 0..json.len() {
        let e = read_repodata(&json[..cut], NAME).clean_expect_err(&format!("cut at {cut}"));
        assert_names_file(&e);
        let e = stream_repodata(&json[..cut], NAME, &mut NameFilter::new("pkg3"), |_| {})
            .clean_expect_err(&format!("streaming, cut at {cut}"));
        assert_names_file(&e);
    }
}

#[test]
fn every_truncation_of_repodata_zst_is_an_error() {
    let zst = compress_repodata(&repodata_to_vec(&sample())).unwrap();
    assert!(read_repodata_zst(&zst[..], NAME).is_ok());
    for cut in 0..zst.len() {
        let e =
            stream_repodata_zst(&zst[..cut], NAME, &mut AllRecords, |_| {}).clean_expect_err(&format!("cut at {cut}"));
        assert_names_file(&e);
        read_repodata_zst(&zst[..cut], NAME).clean_expect_err(&format!("cut at {cut}"));
    }
    let mut bad = zst.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0xff;
    bad[mid + 1] ^= 0x55;
    let e = stream_repodata_zst(&bad[..], NAME, &mut AllRecords, |_| {}).clean_err();
    assert_names_file(&e);
    let e = stream_repodata_zst(&b"not zstd at all"[..], NAME, &mut AllRecords, |_| {}).clean_err();
    assert!(matches!(e.kind, FormatErrorKind::Zstd(_)), "{e}");
}

#[test]
fn wrong_types_and_garbage_are_errors() {
    let cases: &[&str] = &[
        "",
        "[]",
        "null",
        r#"{"packages": []}"#,
        r#"{"packages": {"a-1-0.tar.bz2": 3}}"#,
        r#"{"packages": {"a-1-0.tar.bz2": {"name": 1, "version": "1", "build": "0", "build_number": 0}}}"#,
        r#"{"packages": {"a-1-0.tar.bz2": {"name": "a"}}}"#,
        r#"{"packages": {"a-1-0.tar.bz2": {"name": "a", "version": "1", "build": "0", "build_number": -1}}}"#,
        r#"{"packages.conda": {"a-1-0.conda": {"name": "a", "version": "1", "build": "0", "build_number": 0, "sha256": "xyz"}}}"#,
        r#"{"info": 5}"#,
        r#"{"info": {"subdir": 5}}"#,
        r#"{"removed": {"a": 1}}"#,
        r#"{"repodata_version": "two"}"#,
        r#"{"packages": {}} {}"#,
        r#"{"packages": {"a-1-0.tar.bz2": {"x": [}]}}}"#,
        r#"{"packages" {}}"#,
        r#"{"packages": {} "x": 1}"#,
        "{\"bad\u{1}key\": 1}",
        r#"{"\ud800": 1}"#,
        r#"{"a": tru"#,
        "{\"packages\": {\"\u{0}\": {}}}",
    ];
    for case in cases {
        let e = read_repodata(case.as_bytes(), NAME).clean_expect_err(case);
        assert_names_file(&e);
    }
    // A skipped record is not built: it need not be a valid record, only well nested.
    let skipped = r#"{"packages": {"other-1-0.tar.bz2": {"name": 1}}}"#;
    stream_repodata(skipped.as_bytes(), NAME, &mut NameFilter::new("a"), |_| {}).unwrap();
    // Invalid UTF-8 in a key.
    let e = read_repodata(&b"{\"\xff\": 1}"[..], NAME).clean_err();
    assert_names_file(&e);
}

#[test]
fn random_cuts_and_flips_never_panic() {
    let json = repodata_to_vec(&sample());
    let zst = compress_repodata(&json).unwrap();
    let shard = Shard { conda_packages: sample().conda_packages, ..Shard::default() };
    let (shard_zst, _) = encode_shard(&shard).unwrap();
    let mut index = ShardIndex::default();
    index.shards.insert("pkg0".into(), [9; 32]);
    let index_zst = encode_shard_index(&index).unwrap();
    let shard_raw = zstd::stream::decode_all(&shard_zst[..]).unwrap();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..400 {
        for input in [&json, &zst, &shard_zst, &index_zst, &shard_raw] {
            let mut bytes = input.clone();
            for _ in 0..(next() % 4) {
                let at = (next() as usize) % bytes.len();
                bytes[at] ^= (next() as u8) | 1;
            }
            let cut = (next() as usize) % (bytes.len() + 1);
            bytes.truncate(cut);
            let _ = read_repodata(&bytes[..], NAME);
            let _ = stream_repodata_zst(&bytes[..], NAME, &mut AllRecords, |_| {});
            let _ = decode_shard_index(&bytes, NAME);
            let _ = decode_shard(&bytes, None, NAME);
            let recompressed = zstd::stream::encode_all(&bytes[..], 1).unwrap();
            if let Err(e) = decode_shard(&recompressed, None, NAME) {
                assert_names_file(&e);
            }
        }
    }
}

#[test]
fn shard_and_index_errors_name_the_file() {
    let (zst, _) = encode_shard(&Shard::default()).unwrap();
    for cut in 0..zst.len() {
        assert_names_file(&decode_shard(&zst[..cut], None, NAME).clean_expect_err("cut"));
    }
    let idx = encode_shard_index(&ShardIndex::default()).unwrap();
    for cut in 0..idx.len() {
        assert_names_file(&decode_shard_index(&idx[..cut], NAME).clean_expect_err("cut"));
    }
    // Valid zstd, invalid msgpack; valid msgpack, wrong shape.
    let not_msgpack = zstd::stream::encode_all(&[0xc1u8, 0, 0][..], 3).unwrap();
    let e = decode_shard_index(&not_msgpack, NAME).clean_err();
    assert!(matches!(e.kind, FormatErrorKind::Msgpack { .. }), "{e}");
    let array = zstd::stream::encode_all(&[0x90u8][..], 3).unwrap();
    let e = decode_shard(&array, None, NAME).clean_err();
    assert!(matches!(e.kind, FormatErrorKind::Shape(_)), "{e}");
    let no_shards = zstd::stream::encode_all(&[0x81u8, 0xa4, b'i', b'n', b'f', b'o', 0x80][..], 3).unwrap();
    assert_names_file(&decode_shard_index(&no_shards, NAME).clean_err());
    // A record of the wrong type inside a shard names the record.
    let mut e = minis3::channel::msgpack::Encoder::default();
    e.map(1);
    e.str("packages");
    e.map(1);
    e.str("a-1-0.tar.bz2");
    e.map(1);
    e.str("name");
    e.uint(3);
    let z = zstd::stream::encode_all(&e.out[..], 3).unwrap();
    let err = decode_shard(&z, None, NAME).clean_err();
    assert!(matches!(&err.kind, FormatErrorKind::Record { filename, .. } if filename == "a-1-0.tar.bz2"), "{err}");
}

/// Found by the repodata fuzz target: serde_json's message quotes the decoded key, and a JSON
/// `\n` escape in it made the error two lines. Every control character is escaped now.
#[test]
fn an_error_quoting_the_document_stays_one_line() {
    let doc = br#"{"ibuildldnoarchep\ndsdd a":{:}}"#;
    let e = read_repodata(&doc[..], NAME).clean_err();
    assert_names_file(&e);
    let line = e.to_string();
    assert!(!line.contains('\n') && line.contains("\\n"), "{line}");
}
