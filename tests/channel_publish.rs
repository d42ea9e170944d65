//! Publishing a channel on real servers (s3s-fs, SeaweedFS): `minis3 upload s3 --index` of
//! real packages, the repodata compared field by field with py-rattler's local indexer
//! (`rattler.index.index_fs` on a local copy), py-rattler's Gateway reading the channel over
//! S3 (repodata and shards), then incremental re-indexing, same-name re-uploads, overwrite
//! refusal and an unreadable package.
#![cfg(feature = "channel")]

#[path = "support/conda.rs"]
mod conda;
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use minis3::channel::publish::{index_channel, upload_packages, IndexOptions, UploadOptions};
use minis3::channel::repodata::read_repodata;
use minis3::channel::shards::{decode_shard, decode_shard_index};
use minis3::s3::{Client, PutOptions};
use serde_json::Value;
use support::{unique_bucket, S3sFs, Seaweed, TestServer, ACCESS_KEY, REGION, SECRET_KEY};

/// `minis3 ARGS` with a clean environment (HOME in `home`, no AWS or pixi configuration).
fn minis3(home: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_minis3"))
        .env_clear()
        .env("HOME", home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("PIXI_NO_CONFIG", "true")
        .env("AWS_CONFIG_FILE", home.join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("none"))
        .args(args)
        .current_dir(home)
        .output()
        .expect("run minis3");
    support::secrets::assert_clean_output(&format!("minis3 {args:?}"), &out.stdout, &out.stderr);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn creds(server: &impl TestServer) -> Vec<String> {
    [
        "--endpoint-url",
        &server.endpoint(),
        "--region",
        REGION,
        "--access-key-id",
        ACCESS_KEY,
        "--secret-access-key",
        SECRET_KEY,
        "--addressing-style",
        "path",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn repodata_json(client: &Client, bucket: &str, key: &str) -> Value {
    let (_, bytes) = client.get_object_bytes(bucket, key, 1 << 30).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// Records without `indexed_timestamp` (the time of indexing differs by nature).
fn comparable(repodata: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for section in ["packages", "packages.conda"] {
        for (name, r) in repodata[section].as_object().cloned().unwrap_or_default() {
            let mut r = r.as_object().unwrap().clone();
            assert!(r.remove("indexed_timestamp").is_some_and(|t| t.as_i64().is_some()), "{name}");
            out.insert(format!("{section}/{name}"), Value::Object(r));
        }
    }
    out
}

fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in std::fs::read_dir(dir).unwrap() {
        for f in std::fs::read_dir(sub.unwrap().path()).unwrap() {
            out.push(f.unwrap().path());
        }
    }
    out.sort();
    out
}

fn py_read(server: &impl TestServer, home: &Path, channel: &str, sharded: bool, names: &[String]) -> Value {
    let cache = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/rattler_read_s3.py");
    let out = Command::new(conda::python())
        .arg(script)
        .arg(server.endpoint())
        .arg(channel)
        .arg(if sharded { "1" } else { "0" })
        .arg(cache.path())
        .args(names)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("RATTLER_AUTH_FILE", home.join("auth.json"))
        .env("HOME", home)
        .output()
        .unwrap();
    assert!(out.status.success(), "py-rattler read failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn publish_round_trip(server: &impl TestServer) {
    let work = tempfile::tempdir().unwrap();
    let home = work.path();
    let client = Client::new(server.client_config()).unwrap();
    let bucket = unique_bucket("pub");
    client.create_bucket(&bucket).unwrap();
    let pkgs = home.join("pkgs");
    conda::make_packages(&pkgs, &["--count", "10", "--size", "30000", "--layout", "mixed", "--variety"]);
    let files = all_files(&pkgs);
    let channel = format!("s3://{bucket}/chan");

    // Not a package: refused before anything is uploaded.
    std::fs::write(home.join("junk-1-0.conda"), b"not a zip").unwrap();
    let mut args: Vec<String> = vec!["upload".into(), "s3".into(), "-c".into(), channel.clone()];
    args.extend(creds(server));
    let mut bad = args.clone();
    bad.push(files[0].display().to_string());
    bad.push(home.join("junk-1-0.conda").display().to_string());
    let (code, _, err) = minis3(home, &bad.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("junk-1-0.conda"), "{err}");
    assert!(client.list_objects(&bucket, &Default::default()).next().is_none(), "something was uploaded");

    // Upload everything and index.
    let mut up = args.clone();
    up.extend(files.iter().map(|f| f.display().to_string()));
    up.push("--index".into());
    let (code, out, err) = minis3(home, &up.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("indexed") && out.contains("package(s) read"), "{out}");

    // Stored metadata as rattler-build writes it.
    let first = &files[0];
    let sub = first.parent().unwrap().file_name().unwrap().to_str().unwrap();
    let name = first.file_name().unwrap().to_str().unwrap();
    let key = format!("chan/{sub}/{name}");
    let head = client.head_object(&bucket, &key).unwrap();
    let hashes = minis3::channel::package::hash_reader(std::fs::File::open(first).unwrap()).unwrap();
    assert_eq!(head.meta("package-sha256"), Some(hashes.sha256_hex().as_str()));
    assert_eq!(head.meta("package-md5"), Some(hashes.md5_hex().as_str()));

    // A second upload is refused, naming the object and --force.
    let mut again = args.clone();
    again.push(first.display().to_string());
    let (code, _, err) = minis3(home, &again.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 1);
    assert!(err.contains(&format!("s3://{bucket}/{key}")) && err.contains("--force"), "{err}");

    // Same records as py-rattler's local indexer, field by field.
    let local = home.join("local");
    std::fs::create_dir_all(&local).unwrap();
    for f in &files {
        let sub = f.parent().unwrap().file_name().unwrap();
        std::fs::create_dir_all(local.join(sub)).unwrap();
        std::fs::copy(f, local.join(sub).join(f.file_name().unwrap())).unwrap();
    }
    let theirs = conda::rattler_index(&local);
    let mut names = Vec::new();
    for (subdir, their) in &theirs {
        let ours = repodata_json(&client, &bucket, &format!("chan/{subdir}/repodata.json"));
        assert_eq!(ours["info"], their["info"], "{subdir}");
        assert_eq!(ours["repodata_version"], their["repodata_version"], "{subdir}");
        let (o, t) = (comparable(&ours), comparable(their));
        assert_eq!(o.keys().collect::<Vec<_>>(), t.keys().collect::<Vec<_>>(), "{subdir}");
        for (k, v) in &t {
            assert_eq!(&o[k], v, "{subdir} {k}");
        }
        for r in o.values() {
            names.push(r["name"].as_str().unwrap().to_string());
        }
        // The zst is the same document; the shards hold the same records.
        let (_, zst) = client.get_object_bytes(&bucket, &format!("chan/{subdir}/repodata.json.zst"), 1 << 30).unwrap();
        let unz = zstd::stream::decode_all(&zst[..]).unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&unz).unwrap(), ours);
        let (_, idx) =
            client.get_object_bytes(&bucket, &format!("chan/{subdir}/repodata_shards.msgpack.zst"), 1 << 30).unwrap();
        let index = decode_shard_index(&idx, "index").unwrap();
        let mut in_shards = 0;
        for (n, digest) in &index.shards {
            let k = format!("chan/{subdir}/shards/{}.msgpack.zst", minis3_hex(digest));
            let head = client.head_object(&bucket, &k).unwrap();
            assert!(head.cache_control.as_deref().unwrap_or("").contains("immutable") || server.name() != "s3s-fs");
            let (_, bytes) = client.get_object_bytes(&bucket, &k, 1 << 30).unwrap();
            let shard = decode_shard(&bytes, Some(digest), n).unwrap();
            in_shards += shard.packages.len() + shard.conda_packages.len();
        }
        assert_eq!(in_shards, o.len(), "{subdir}");
    }
    assert!(theirs.contains_key("noarch") && theirs.contains_key("linux-64"));

    // py-rattler reads the channel over S3, through repodata and through shards.
    let auth = format!(
        r#"{{"{bucket}": {{"S3Credentials": {{"access_key_id": "{ACCESS_KEY}", "secret_access_key": "{SECRET_KEY}"}}}}}}"#
    );
    std::fs::write(home.join("auth.json"), auth).unwrap();
    names.sort();
    names.dedup();
    for sharded in [false, true] {
        let found = py_read(server, home, &channel, sharded, &names);
        let found = found.as_object().unwrap();
        assert_eq!(found.len(), files.len(), "sharded={sharded}: {found:?}");
        for f in &files {
            let h = minis3::channel::package::hash_reader(std::fs::File::open(f).unwrap()).unwrap();
            let name = f.file_name().unwrap().to_str().unwrap();
            assert_eq!(found[name]["sha256"], h.sha256_hex(), "sharded={sharded} {name}");
        }
    }

    // Incremental: nothing changed -> nothing read or written.
    let now = 1_700_000_000_000;
    let s = index_channel(&client, &bucket, "chan", &IndexOptions::new(now)).unwrap();
    assert_eq!((s.packages_read, s.subdirs_written, s.packages_kept), (0, 0, files.len()), "{}", s.line());

    // One new package: only it is read.
    let more = home.join("more");
    conda::make_packages(&more, &["--count", "1", "--size", "30000", "--seed", "99", "--formats", "conda"]);
    let new_files = all_files(&more);
    let renamed = new_files[0].with_file_name("extra-9.9-h0_0.conda");
    std::fs::rename(&new_files[0], &renamed).unwrap();
    let up =
        upload_packages(&client, &bucket, "chan", std::slice::from_ref(&renamed), &UploadOptions::default()).unwrap();
    assert!(up[0].is_ok(), "{:?}", up[0]);
    let s = index_channel(&client, &bucket, "chan", &IndexOptions::new(now)).unwrap();
    assert_eq!((s.packages_read, s.stored_checksums, s.packages_kept), (1, 1, files.len()), "{}", s.line());
    assert_eq!(s.subdirs_written, 1, "{}", s.line());
    assert!(s.bytes_read < 200_000, "{}", s.line());

    // A same-name re-upload with other bytes gets its new hashes.
    let replaced = &files[1];
    let sub = replaced.parent().unwrap().file_name().unwrap().to_str().unwrap().to_string();
    let name = replaced.file_name().unwrap().to_str().unwrap().to_string();
    let other = home.join("other");
    conda::make_packages(&other, &["--count", "3", "--size", "40000", "--seed", "7", "--variety"]);
    let same_format = all_files(&other)
        .into_iter()
        .find(|f| f.to_str().unwrap().ends_with(if name.ends_with(".conda") { ".conda" } else { ".tar.bz2" }))
        .unwrap();
    let bytes = std::fs::read(&same_format).unwrap();
    client.put_object(&bucket, &format!("chan/{sub}/{name}"), &bytes, &PutOptions::default()).unwrap();
    let s = index_channel(&client, &bucket, "chan", &IndexOptions::new(now)).unwrap();
    assert_eq!(s.packages_read, 1, "{}", s.line());
    assert_eq!(s.stored_checksums, 0, "{}", s.line());
    let doc = repodata_json(&client, &bucket, &format!("chan/{sub}/repodata.json"));
    let section = if name.ends_with(".conda") { "packages.conda" } else { "packages" };
    let h = minis3::channel::package::hash_reader(&bytes[..]).unwrap();
    assert_eq!(doc[section][&name]["sha256"], h.sha256_hex());
    assert_eq!(doc[section][&name]["size"], h.size);
    assert_eq!(doc[section][&name]["indexed_timestamp"], now);

    // An unreadable package is reported and skipped; the rest is indexed; exit status 1.
    client.put_object(&bucket, "chan/linux-64/broken-1-0.conda", b"garbage", &PutOptions::default()).unwrap();
    let mut idx: Vec<String> = vec!["index".into(), "s3".into(), channel.clone()];
    idx.extend(creds(server));
    let (code, out, err) = minis3(home, &idx.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("broken-1-0.conda"), "{err}");
    let doc = repodata_json(&client, &bucket, "chan/linux-64/repodata.json");
    assert!(doc["packages.conda"].get("broken-1-0.conda").is_none());

    // --force re-reads everything and keeps indexed_timestamp.
    let before =
        read_repodata(&client.get_object_bytes(&bucket, "chan/noarch/repodata.json", 1 << 30).unwrap().1[..], "before")
            .unwrap();
    let mut opts = IndexOptions::new(now + 1000);
    opts.force = true;
    let s = index_channel(&client, &bucket, "chan", &opts).unwrap();
    assert_eq!(s.packages_kept, 0, "{}", s.line());
    let after =
        read_repodata(&client.get_object_bytes(&bucket, "chan/noarch/repodata.json", 1 << 30).unwrap().1[..], "after")
            .unwrap();
    assert_eq!(before, after);
}

fn minis3_hex(d: &[u8; 32]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn publish_on_s3s_fs() {
    publish_round_trip(&S3sFs::start());
}

#[test]
fn publish_on_seaweedfs() {
    publish_round_trip(Seaweed::shared());
}

#[test]
fn partial_settings_are_refused() {
    let home = tempfile::tempdir().unwrap();
    let (code, _, err) = minis3(home.path(), &["index", "s3", "s3://bkt/c", "--endpoint-url", "http://127.0.0.1:1"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("--region"), "{err}");
    let (code, _, err) = minis3(
        home.path(),
        &["index", "s3", "s3://bkt/c", "--endpoint-url", "http://127.0.0.1:1", "--region", "r", "--access-key-id", "k"],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("--secret-access-key"), "{err}");
    let (code, _, err) = minis3(home.path(), &["upload", "s3", "x-1-0.conda"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("S3_CHANNEL"), "{err}");
}
