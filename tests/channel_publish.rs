//! Publishing a channel on real servers (s3s-fs, SeaweedFS): `minis3 upload s3 --index` of
//! real packages, the repodata compared field by field with py-rattler's local indexer
//! (`rattler.index.index_fs` on a local copy), py-rattler's Gateway reading the channel over
//! S3 (repodata and shards), then incremental re-indexing, same-name re-uploads, overwrite
//! refusal and an unreadable package.
#![cfg(feature = "channel")]

#[path = "support/conda.rs"]
mod conda;
mod support;

use support::secrets::CleanErr;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use minis3::channel::publish::{index_channel, upload_packages, IndexOptions, PublishError, UploadOptions};
use minis3::channel::repodata::read_repodata;
use minis3::channel::shards::{decode_shard, decode_shard_index, encode_shard, shards_from_repodata};
use minis3::s3::{Client, PutOptions};
use serde_json::Value;
use support::{
    test_config, unique_bucket, Fault, FaultProxy, S3sFs, Seaweed, TestServer, ACCESS_KEY, REGION, SECRET_KEY,
};

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

/// The subdir's shard index names exactly the shards its repodata.json makes (the digests a
/// full re-encoding gives), and every shard it names is there: an incremental index that
/// encodes only the touched names keeps the others right.
fn assert_shards_match_repodata(client: &Client, bucket: &str, subdir: &str) {
    let (_, json) = client.get_object_bytes(bucket, &format!("chan/{subdir}/repodata.json"), 1 << 30).unwrap();
    let repodata = read_repodata(&json[..], "repodata.json").unwrap();
    let (_, idx) =
        client.get_object_bytes(bucket, &format!("chan/{subdir}/repodata_shards.msgpack.zst"), 1 << 30).unwrap();
    let index = decode_shard_index(&idx, "index").unwrap();
    let want: BTreeMap<String, [u8; 32]> =
        shards_from_repodata(&repodata).iter().map(|(n, s)| (n.clone(), encode_shard(s).unwrap().1)).collect();
    assert_eq!(index.shards, want, "{subdir}: the shard index after incremental indexing");
    for digest in index.shards.values() {
        client.head_object(bucket, &format!("chan/{subdir}/shards/{}.msgpack.zst", minis3_hex(digest))).unwrap();
    }
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

    // minis3's own reader finds and downloads (verifying size and sha256) every package.
    let dl = home.join("dl");
    let mut get: Vec<String> = ["--endpoint-url", &server.endpoint(), "--force-path-style", "-c", &channel, "download"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    get.extend(["-p", "linux-64", "-p", "noarch", "-o", dl.to_str().unwrap()].iter().map(|s| s.to_string()));
    get.extend(files.iter().map(|f| f.file_name().unwrap().to_str().unwrap().to_string()));
    let out = Command::new(env!("CARGO_BIN_EXE_minis3"))
        .env_clear()
        .env("HOME", home)
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("AWS_REGION", REGION)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("PIXI_NO_CONFIG", "true")
        .env("AWS_CONFIG_FILE", home.join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("none"))
        .args(&get)
        .current_dir(home)
        .output()
        .unwrap();
    assert!(out.status.success(), "minis3 download: {}", String::from_utf8_lossy(&out.stderr));
    for f in &files {
        let got = std::fs::read(dl.join(f.file_name().unwrap())).unwrap();
        assert_eq!(got, std::fs::read(f).unwrap(), "{}", f.display());
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
    assert_shards_match_repodata(&client, &bucket, "linux-64");

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
    assert_shards_match_repodata(&client, &bucket, &sub);

    // An unreadable package is reported and skipped; the rest is indexed; exit status 1.
    client.put_object(&bucket, "chan/linux-64/broken-1-0.conda", b"garbage", &PutOptions::default()).unwrap();
    let mut idx: Vec<String> = vec!["index".into(), "s3".into(), channel.clone()];
    idx.extend(creds(server));
    let (code, out, err) = minis3(home, &idx.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("broken-1-0.conda"), "{err}");
    let doc = repodata_json(&client, &bucket, "chan/linux-64/repodata.json");
    assert!(doc["packages.conda"].get("broken-1-0.conda").is_none());
    // A package removed: its record and (when it was the name's last) its shard go.
    let gone = &files[0];
    let gone_sub = gone.parent().unwrap().file_name().unwrap().to_str().unwrap().to_string();
    let gone_key = format!("chan/{gone_sub}/{}", gone.file_name().unwrap().to_str().unwrap());
    client.delete_object(&bucket, &gone_key).unwrap();
    let s = index_channel(&client, &bucket, "chan", &IndexOptions::new(now)).unwrap();
    assert_eq!(s.packages_removed, 1, "{}", s.line());
    for sub in ["noarch", "linux-64"] {
        assert_shards_match_repodata(&client, &bucket, sub);
    }

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

/// Every multipart upload in `bucket` still open, over all pages of ListMultipartUploads
/// (signed by curl, not by minis3; one upload per page so that paging is exercised).
fn open_uploads(server: &impl TestServer, bucket: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let (mut key_marker, mut id_marker) = (String::new(), String::new());
    for _ in 0..100 {
        let mut q = format!("/{bucket}?");
        if !key_marker.is_empty() {
            q.push_str(&format!("key-marker={key_marker}&"));
        }
        q.push_str("max-uploads=1");
        if !id_marker.is_empty() {
            q.push_str(&format!("&upload-id-marker={id_marker}"));
        }
        q.push_str("&uploads=");
        let (status, body) = server.curl("GET", &q, None, &[]);
        let body = String::from_utf8_lossy(&body).into_owned();
        assert_eq!(status, 200, "{body}");
        let tag = |name: &str, from: &str| -> Vec<String> {
            from.split(&format!("<{name}>"))
                .skip(1)
                .filter_map(|t| t.split(&format!("</{name}>")).next())
                .map(str::to_string)
                .collect()
        };
        for upload in tag("Upload", &body) {
            keys.extend(tag("Key", &upload));
        }
        if tag("IsTruncated", &body).first().map(String::as_str) != Some("true") {
            return keys;
        }
        key_marker = tag("NextKeyMarker", &body).pop().unwrap_or_default();
        id_marker = tag("NextUploadIdMarker", &body).pop().unwrap_or_default();
    }
    panic!("ListMultipartUploads kept saying IsTruncated");
}

/// A package whose multipart upload fails half-way (one part refused with 403) leaves no
/// multipart upload open, on any page of ListMultipartUploads, and no object.
#[test]
fn a_failed_multipart_upload_leaves_nothing_behind() {
    let server = Seaweed::shared();
    let work = tempfile::tempdir().unwrap();
    let bucket = unique_bucket("pubmp");
    Client::new(server.client_config()).unwrap().create_bucket(&bucket).unwrap();
    // An upload left open by someone else (another key): it must be listed, and stay.
    let direct = Client::new(server.client_config()).unwrap();
    let other = direct.create_multipart_upload(&bucket, "elsewhere/partial.bin", &PutOptions::default()).unwrap();
    assert_eq!(open_uploads(server, &bucket), vec!["elsewhere/partial.bin".to_string()]);

    let pkgs = work.path().join("pkgs");
    conda::make_packages(&pkgs, &["--count", "1", "--size", "12000000", "--formats", "conda"]);
    let file = all_files(&pkgs).into_iter().next().unwrap();
    let body = "<Error><Code>AccessDenied</Code><Message>injected</Message></Error>";
    let denied = format!(
        "HTTP/1.1 403 Forbidden\r\ncontent-type: application/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    // 0: HEAD (exists?), 1: CreateMultipartUpload, 2..: the parts; the second part is refused.
    let proxy = FaultProxy::start(server.port(), vec![Fault::Pass, Fault::Pass, Fault::Pass, Fault::Respond(denied)]);
    let mut cfg = test_config(&proxy.endpoint());
    cfg.multipart_threshold = 5 << 20;
    cfg.part_size = 5 << 20;
    let client = Client::new(cfg).unwrap();
    let results =
        upload_packages(&client, &bucket, "chan", std::slice::from_ref(&file), &UploadOptions::default()).unwrap();
    let err = results.into_iter().next().unwrap().clean_err();
    assert!(matches!(err, PublishError::S3(_)), "{err}");
    let heads = proxy.heads();
    assert!(heads[1].starts_with("POST ") && heads[1].contains("uploads"), "{heads:?}");
    assert!(heads[3].contains("partNumber="), "{heads:?}");
    assert!(heads.iter().any(|h| h.starts_with("DELETE ") && h.contains("uploadId=")), "not aborted: {heads:?}");

    assert_eq!(open_uploads(server, &bucket), vec!["elsewhere/partial.bin".to_string()], "an upload was left behind");
    let key = format!("chan/linux-64/{}", file.file_name().unwrap().to_str().unwrap());
    let e = direct.head_object(&bucket, &key).clean_err();
    assert_eq!(e.status(), Some(404), "{e}");
    direct.abort_multipart_upload(&bucket, "elsewhere/partial.bin", &other).unwrap();
    assert!(open_uploads(server, &bucket).is_empty());
}

/// `minis3 ARGS` on a pseudo-terminal (`script`): what the terminal showed.
fn minis3_on_tty(home: &Path, args: &[String]) -> String {
    let quoted: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_minis3").to_string())
        .chain(args.iter().cloned())
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let out = Command::new("script")
        .args(["-qfec", &quoted.join(" "), "/dev/null"])
        .env_clear()
        .env("HOME", home)
        .env("PATH", "/usr/bin:/bin")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("PIXI_NO_CONFIG", "true")
        .env("AWS_CONFIG_FILE", home.join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("none"))
        .current_dir(home)
        .output()
        .expect("run script(1)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    text
}

/// Progress: drawn on a terminal for upload and index (packages done of total), never on a
/// pipe; the index ends with its summary line either way.
#[test]
fn progress_on_a_terminal_only() {
    let server = S3sFs::start();
    let work = tempfile::tempdir().unwrap();
    let home = work.path();
    let bucket = unique_bucket("pubtty");
    Client::new(server.client_config()).unwrap().create_bucket(&bucket).unwrap();
    let pkgs = home.join("pkgs");
    conda::make_packages(&pkgs, &["--count", "3", "--size", "20000"]);
    let files: Vec<String> = all_files(&pkgs).iter().map(|f| f.display().to_string()).collect();
    let channel = format!("s3://{bucket}/chan");
    let mut up: Vec<String> = vec!["upload".into(), "s3".into(), "-c".into(), channel.clone()];
    up.extend(creds(&server));
    let mut piped = up.clone();
    piped.push(files[0].clone());
    let (code, out, err) = minis3(home, &piped.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("package(s)") && !err.contains('\r'), "progress on a pipe: {err:?}");

    up.extend(files[1..].iter().cloned());
    let tty = minis3_on_tty(home, &up);
    assert!(tty.contains("upload: 2 of 2 package(s)") && tty.contains("\r\x1b[2K"), "{tty:?}");

    let mut idx: Vec<String> = vec!["index".into(), "s3".into(), channel.clone()];
    idx.extend(creds(&server));
    let tty = minis3_on_tty(home, &idx);
    assert!(tty.contains("index linux-64: 3 of 3 package(s) read"), "{tty:?}");
    assert!(tty.contains("3 package(s) read (3 with stored checksums)"), "{tty:?}");
    // Nothing left to read: on a pipe, only the summary line.
    let (code, out, err) = minis3(home, &idx.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("indexed ") && out.contains(" bytes received") && out.trim_end().ends_with(" s"), "{out}");
    assert!(err.is_empty(), "{err:?}");
}

/// Another indexer (and an upload) writing the subdir while an index run reads it: the run's
/// `If-Match` write of the repodata is refused, the subdir is listed and indexed again, and
/// the result holds every package, the one uploaded meanwhile included.
fn racing_writer(server: &impl TestServer) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let work = tempfile::tempdir().unwrap();
    let client = Client::new(server.client_config()).unwrap();
    let bucket = unique_bucket("pubrace");
    client.create_bucket(&bucket).unwrap();
    let pkgs = work.path().join("pkgs");
    conda::make_packages(&pkgs, &["--count", "4", "--size", "20000"]);
    let files = all_files(&pkgs);
    let up = |f: &[PathBuf]| {
        for r in upload_packages(&client, &bucket, "chan", f, &UploadOptions::default()).unwrap() {
            r.unwrap();
        }
    };
    up(&files[..2]);
    index_channel(&client, &bucket, "chan", &IndexOptions::new(1)).unwrap();
    up(&files[2..3]);
    let raced = AtomicBool::new(false);
    let race = |_: minis3::channel::publish::IndexProgress<'_>| {
        if !raced.swap(true, Ordering::SeqCst) {
            up(&files[3..4]);
            let s = index_channel(&client, &bucket, "chan", &IndexOptions::new(2)).unwrap();
            assert_eq!(s.packages_read, 2, "{}", s.line());
        }
    };
    let mut opts = IndexOptions::new(3);
    opts.max_parallel = 1;
    let s = minis3::channel::publish::index_channel_with(&client, &bucket, "chan", &opts, &race).unwrap();
    assert!(raced.load(Ordering::SeqCst));
    assert!(s.retries >= 1, "{}: the stale write was not refused: {}", server.name(), s.line());
    let doc = repodata_json(&client, &bucket, "chan/linux-64/repodata.json");
    let mut names: Vec<String> = doc["packages"]
        .as_object()
        .unwrap()
        .keys()
        .chain(doc["packages.conda"].as_object().unwrap().keys())
        .cloned()
        .collect();
    names.sort();
    let mut expected: Vec<String> =
        files.iter().map(|f| f.file_name().unwrap().to_str().unwrap().to_string()).collect();
    expected.sort();
    assert_eq!(names, expected, "{}", server.name());
    if server.name() == "SeaweedFS" {
        for f in ["repodata.json", "repodata.json.zst", "repodata_shards.msgpack.zst"] {
            let head = client.head_object(&bucket, &format!("chan/linux-64/{f}")).unwrap();
            assert_eq!(head.cache_control.as_deref(), Some("public, max-age=300"), "{f}");
        }
    }
}

#[test]
fn racing_writer_on_s3s_fs() {
    racing_writer(&S3sFs::start());
}

#[test]
fn racing_writer_on_seaweedfs() {
    racing_writer(Seaweed::shared());
}

/// A subdir whose listing takes several pages: 1,200 other files beside the packages, and a
/// sidecar that names 2,000 packages (its names only cut the listing into ranges; a cut need
/// not be a key). Every package is found, the first time and incrementally.
#[test]
fn a_subdir_listed_in_ranges_finds_every_package() {
    let server = Seaweed::shared();
    let work = tempfile::tempdir().unwrap();
    let client = Client::new(server.client_config()).unwrap();
    let bucket = unique_bucket("pubranges");
    client.create_bucket(&bucket).unwrap();
    let pkgs = work.path().join("pkgs");
    conda::make_packages(&pkgs, &["--count", "6", "--size", "20000"]);
    let files = all_files(&pkgs);
    for r in upload_packages(&client, &bucket, "chan", &files, &UploadOptions::default()).unwrap() {
        r.unwrap();
    }
    let subdir = files[0].parent().unwrap().file_name().unwrap().to_str().unwrap().to_string();
    let others: Vec<String> = (0..1200).map(|i| format!("chan/{subdir}/a-note-{i:04}.txt")).collect();
    std::thread::scope(|s| {
        for chunk in others.chunks(150) {
            let (client, bucket) = (&client, &bucket);
            s.spawn(move || {
                for k in chunk {
                    client.put_object(bucket, k, b"", &PutOptions::default()).unwrap();
                }
            });
        }
    });
    let names: BTreeMap<String, Value> = (0..2000)
        .map(|i| (format!("a-note-{i:04}-1-0.conda"), serde_json::json!({"etag": "\"x\"", "size": 1})))
        .collect();
    let sidecar = serde_json::json!({"version": 1, "files": names}).to_string();
    client
        .put_object(&bucket, &format!("chan/{subdir}/.minis3-index.json"), sidecar.as_bytes(), &PutOptions::default())
        .unwrap();
    let in_subdir = files.iter().filter(|f| f.parent().unwrap().ends_with(&subdir)).count();

    // First pages of 1,000 keys, as AWS sends them whatever is asked: the rest of the
    // subdir is listed in ranges.
    let aws_pages = IndexOptions { first_page_keys: 1000, ..IndexOptions::new(1) };
    let s = index_channel(&client, &bucket, "chan", &aws_pages).unwrap();
    assert_eq!(s.packages_read, files.len(), "{}", s.line());
    let doc = repodata_json(&client, &bucket, &format!("chan/{subdir}/repodata.json"));
    let records = doc["packages"].as_object().unwrap().len() + doc["packages.conda"].as_object().unwrap().len();
    assert_eq!(records, in_subdir);
    // Again: nothing read, every package kept (the sidecar is ours now, the listing still in
    // several pages).
    let again = IndexOptions { first_page_keys: 1000, ..IndexOptions::new(2) };
    let s = index_channel(&client, &bucket, "chan", &again).unwrap();
    assert_eq!((s.packages_read, s.packages_kept, s.subdirs_written), (0, files.len(), 0), "{}", s.line());
    // With the default first page of up to 10,000 keys, which SeaweedFS sends whole, the
    // subdir's 1,200-odd keys are one listing request, fewer requests than a first page of
    // 1,000 and the rest in ranges.
    let s2 = index_channel(&client, &bucket, "chan", &IndexOptions::new(3)).unwrap();
    assert_eq!((s2.packages_read, s2.packages_kept, s2.subdirs_written), (0, files.len(), 0), "{}", s2.line());
    assert!(s2.requests < s.requests, "{} / {}", s2.line(), s.line());
}
