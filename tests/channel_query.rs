//! The channel API (`Channel::open`, `query`, `download`, `repodata`) on real channels: real
//! `.conda` and `.tar.bz2` packages indexed by py-rattler (`rattler.index.index_fs`, with
//! `repodata.json.zst` and CEP-16 shards), uploaded to s3s-fs (signed) and SeaweedFS (a
//! public-read bucket read over plain http, and its 304 answers for revalidation).
#![cfg(feature = "channel")]

#[path = "support/conda.rs"]
mod conda;
mod support;

use support::secrets::CleanErr;

use std::path::Path;
use std::sync::Arc;

use conda::{files_under, make_channel};
use minis3::channel::cache::{CacheMode, Origin};
use minis3::channel::fetch_error::FetchError;
use minis3::channel::{Channel, ChannelContext, ChannelError, MatchSpec};
use minis3::clock::FixedClock;
use minis3::config::env::Environment;
use minis3::s3::{Client, PutOptions};
use sha2::{Digest, Sha256};
use support::{curl_s3, test_config, unique_bucket, FaultProxy, S3sFs, Seaweed, TestServer, ACCESS_KEY, SECRET_KEY};

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Uploads every file under `dir` to `bucket/prefix/...`, skipping names `skip` says.
fn upload(endpoint: &str, bucket: &str, prefix: &str, dir: &Path, skip: impl Fn(&str) -> bool) {
    let client = Client::new(test_config(endpoint)).unwrap();
    let _ = client.create_bucket(bucket);
    for (rel, path) in files_under(dir) {
        if skip(&rel) {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        client.put_object(bucket, &format!("{prefix}/{rel}"), &data, &PutOptions::default()).unwrap();
    }
}

/// A context with the test keys in its environment, the server as endpoint, path style, a
/// cache in `cache`, no real HOME and a fixed clock.
fn context(endpoint: &str, cache: &Path, home: &Path) -> ChannelContext {
    let env = Environment::from_pairs([
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
        ("AWS_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("HOME", home.to_str().unwrap()),
    ]);
    let mut ctx = ChannelContext::new(env, home);
    ctx.flags.endpoint_url = Some(endpoint.to_owned());
    ctx.flags.force_path_style = true;
    ctx.cache_dir = Some(cache.to_path_buf());
    ctx.clock = Arc::new(FixedClock(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000)));
    ctx
}

fn found(channel: &Channel, spec: &str, platforms: &[&str]) -> Vec<String> {
    let spec = MatchSpec::parse(spec).unwrap();
    channel.query(&spec, platforms).unwrap().into_iter().map(|r| r.filename).collect()
}

const PLATFORMS: &[&str] = &["linux-64", "noarch"];

/// The spec forms of issue 14 and what the test channel holds for each, newest first.
fn check_specs(channel: &Channel) {
    let numpy = [
        "numpy-2.0.0-py312_0.conda",
        "numpy-1.26.4-py312_3.tar.bz2",
        "numpy-1.26.4-py312_0.conda",
        "numpy-1.26.0-py312_0.conda",
        "numpy-1.25.2-py312_0.tar.bz2",
    ];
    assert_eq!(found(channel, "numpy", PLATFORMS), numpy);
    let mut glob = numpy.to_vec();
    glob.push("numpy-base-1.26.4-py312_0.conda");
    assert_eq!(found(channel, "numpy*", PLATFORMS), glob);
    assert_eq!(found(channel, "numpy >=1.26,<2", PLATFORMS), numpy[1..4]);
    assert_eq!(found(channel, "python 3.12.*", PLATFORMS), ["python-3.12.4-h0_0.tar.bz2", "python-3.12.1-h0_0.conda"]);
    // With a build, `=1.26` is the exact version ==1.26 (as rattler reads it), which 1.26.0 is.
    assert_eq!(found(channel, "numpy=1.26=*_0", PLATFORMS), ["numpy-1.26.0-py312_0.conda"]);
    assert_eq!(found(channel, "numpy=1.26", PLATFORMS), numpy[1..4]);
    assert_eq!(found(channel, "numpy[build_number=3]", PLATFORMS), ["numpy-1.26.4-py312_3.tar.bz2"]);
    assert_eq!(found(channel, "six", PLATFORMS), ["six-1.16.0-pyh0_0.tar.bz2"]);
    assert!(found(channel, "six", &["linux-64"]).is_empty(), "noarch not searched");
    assert!(found(channel, "nothing-here", PLATFORMS).is_empty());
    // A platform subdir the channel lacks is empty.
    assert_eq!(found(channel, "tzdata", &["osx-arm64", "noarch"]), ["tzdata-2024a-h0_0.conda"]);
}

fn sha_hex(data: &[u8]) -> String {
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn search_and_download_from_s3_in_every_form() {
    let server = S3sFs::start();
    let ep = server.endpoint();
    let tmp = tempdir();
    let local = tmp.path().join("channel");
    make_channel(&local, true, true);
    let bucket = unique_bucket("conda");
    upload(&ep, &bucket, "ch", &local, |_| false);
    // The same channel through three forms of repodata: shards, .json.zst, .json alone.
    let zst_only = format!("{bucket}z");
    upload(&ep, &zst_only, "ch", &local, |r| r.contains("shards"));
    let json_only = format!("{bucket}j");
    upload(&ep, &json_only, "ch", &local, |r| r.contains("shards") || r.ends_with(".zst"));

    for b in [&bucket, &zst_only, &json_only] {
        let ctx = context(&ep, &tmp.path().join(format!("cache-{b}")), tmp.path());
        let channel = Channel::open(&format!("s3://{b}/ch"), &ctx).unwrap();
        check_specs(&channel);
        let rec = &channel.query(&MatchSpec::parse("numpy").unwrap(), PLATFORMS).unwrap()[0];
        assert_eq!(rec.url, format!("s3://{b}/ch/linux-64/numpy-2.0.0-py312_0.conda"));
        assert_eq!((rec.subdir.as_str(), rec.channel.as_str()), ("linux-64", format!("s3://{b}/ch").as_str()));
        assert_eq!(rec.record.depends, ["python >=3.12,<3.13"]);
    }

    // Download, verified: the bytes are the package's.
    let ctx = context(&ep, &tmp.path().join("cache-dl"), tmp.path());
    let channel = Channel::open(&format!("s3://{bucket}/ch"), &ctx).unwrap();
    let recs = channel.query(&MatchSpec::parse("numpy*").unwrap(), PLATFORMS).unwrap();
    let out = tmp.path().join("pkgs");
    let items: Vec<_> = recs.iter().map(|r| (&channel, r)).collect();
    let results = minis3::channel::download_all(&items, &out, 3, None);
    for (r, res) in recs.iter().zip(results) {
        let path = res.unwrap();
        let want = std::fs::read(local.join("linux-64").join(&r.filename)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), want, "{}", r.filename);
    }
    let names: Vec<String> = files_under(&out).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names.len(), 6, "only the packages, no temporary files: {names:?}");

    // The repodata of a sharded subdir, assembled from the shards: the same records as the
    // indexer's repodata.json.
    let mut doc = Vec::new();
    channel.repodata("linux-64", &mut doc).unwrap();
    let got: serde_json::Value = serde_json::from_slice(&doc).unwrap();
    let want: serde_json::Value =
        serde_json::from_slice(&std::fs::read(local.join("linux-64/repodata.json")).unwrap()).unwrap();
    assert_eq!(got["packages"], want["packages"]);
    assert_eq!(got["packages.conda"], want["packages.conda"]);
    // A missing platform: an empty document.
    let mut doc = Vec::new();
    channel.repodata("win-64", &mut doc).unwrap();
    let empty: serde_json::Value = serde_json::from_slice(&doc).unwrap();
    assert_eq!(empty["packages"], serde_json::json!({}));
}

#[test]
fn a_sharded_channel_fetches_only_the_shards_the_spec_needs() {
    let server = S3sFs::start();
    let tmp = tempdir();
    let local = tmp.path().join("channel");
    make_channel(&local, true, true);
    let bucket = unique_bucket("shards");
    upload(&server.endpoint(), &bucket, "ch", &local, |_| false);
    let proxy = FaultProxy::start(server.port(), vec![]);
    let ctx = context(&proxy.endpoint(), &tmp.path().join("cache"), tmp.path());
    let channel = Channel::open(&format!("s3://{bucket}/ch"), &ctx).unwrap();
    assert_eq!(found(&channel, "python 3.11.*", &["linux-64"]), ["python-3.11.9-h0_0.conda"]);
    let shard_gets =
        |p: &FaultProxy| p.heads().iter().filter(|h| h.starts_with("GET") && h.contains("/shards/")).count();
    let all = || proxy.heads().iter().filter(|h| h.starts_with("GET")).count();
    assert_eq!(shard_gets(&proxy), 1, "one name, one shard: {:?}", proxy.heads());
    assert_eq!(all(), 2, "the index and one shard: {:?}", proxy.heads());
    // A glob fetches the shards of the names it matches (numpy and numpy-base), not python's;
    // a second query of the same names is answered from the content-addressed cache.
    assert_eq!(found(&channel, "numpy*", &["linux-64"]).len(), 6);
    assert_eq!(shard_gets(&proxy), 3);
    assert_eq!(found(&channel, "numpy", &["linux-64"]).len(), 5);
    assert_eq!(shard_gets(&proxy), 3, "cached shards cost no request");
}

#[test]
fn a_corrupt_package_is_refused_and_nothing_is_left() {
    let server = S3sFs::start();
    let ep = server.endpoint();
    let tmp = tempdir();
    let local = tmp.path().join("channel");
    make_channel(&local, false, false);
    let bucket = unique_bucket("corrupt");
    upload(&ep, &bucket, "ch", &local, |_| false);
    // Same size, one byte changed.
    let name = "python-3.12.1-h0_0.conda";
    let mut data = std::fs::read(local.join("linux-64").join(name)).unwrap();
    let good = sha_hex(&data);
    let mid = data.len() / 2;
    data[mid] ^= 0xff;
    let bad = sha_hex(&data);
    let client = Client::new(test_config(&ep)).unwrap();
    client.put_object(&bucket, &format!("ch/linux-64/{name}"), &data, &PutOptions::default()).unwrap();
    // And one cut short.
    let short = "python-3.11.9-h0_0.conda";
    let full = std::fs::read(local.join("linux-64").join(short)).unwrap();
    client
        .put_object(&bucket, &format!("ch/linux-64/{short}"), &full[..full.len() - 10], &PutOptions::default())
        .unwrap();

    let ctx = context(&ep, &tmp.path().join("cache"), tmp.path());
    let channel = Channel::open(&format!("s3://{bucket}/ch"), &ctx).unwrap();
    let recs = channel.query(&MatchSpec::parse("python").unwrap(), &["linux-64"]).unwrap();
    let out = tmp.path().join("out");
    let rec = recs.iter().find(|r| r.filename == name).unwrap();
    let err = channel.download(rec, &out).clean_err();
    let msg = err.to_string();
    assert!(matches!(err, ChannelError::ChecksumMismatch { .. }), "{msg}");
    assert!(msg.contains(&rec.url) && msg.contains(&good) && msg.contains(&bad), "{msg}");
    assert!(!msg.contains('\n'));
    let rec = recs.iter().find(|r| r.filename == short).unwrap();
    let err = channel.download(rec, &out).clean_err();
    assert!(matches!(err, ChannelError::SizeMismatch { .. }), "{err}");
    assert!(files_under(&out).is_empty(), "nothing left in the target: {:?}", files_under(&out));
    // The good one still downloads.
    let ok = recs.iter().find(|r| r.filename == "python-3.12.4-h0_0.tar.bz2").unwrap();
    channel.download(ok, &out).unwrap();
    assert_eq!(files_under(&out).len(), 1);
}

#[test]
fn missing_subdirs_and_broken_repodata() {
    let server = S3sFs::start();
    let ep = server.endpoint();
    let tmp = tempdir();
    let local = tmp.path().join("channel");
    make_channel(&local, false, false);
    let bucket = unique_bucket("broken");
    // No noarch at all.
    upload(&ep, &bucket, "nonoarch", &local, |r| r.starts_with("noarch/"));
    let ctx = context(&ep, &tmp.path().join("cache"), tmp.path());
    let channel = Channel::open(&format!("s3://{bucket}/nonoarch"), &ctx).unwrap();
    assert_eq!(found(&channel, "numpy", &["linux-64"]).len(), 5, "noarch not asked for");
    let err = channel.query(&MatchSpec::parse("numpy").unwrap(), PLATFORMS).clean_err();
    assert!(matches!(err, ChannelError::Fetch(FetchError::MissingNoarch { .. })), "{err}");
    assert!(err.to_string().contains(&format!("s3://{bucket}/nonoarch/noarch/")), "{err}");

    // Malformed and truncated repodata.json, and a corrupt repodata.json.zst.
    let client = Client::new(test_config(&ep)).unwrap();
    let text = std::fs::read(local.join("linux-64/repodata.json")).unwrap();
    let put = |key: &str, body: &[u8]| client.put_object(&bucket, key, body, &PutOptions::default()).unwrap();
    put("cut/noarch/repodata.json", &std::fs::read(local.join("noarch/repodata.json")).unwrap());
    put("cut/linux-64/repodata.json", &text[..text.len() / 2]);
    put("bad/noarch/repodata.json", b"{\"packages\": [1, 2]}");
    put("zst/noarch/repodata.json.zst", b"\x28\xb5\x2f\xfd garbage");
    for (prefix, file) in
        [("cut", "linux-64/repodata.json"), ("bad", "noarch/repodata.json"), ("zst", "noarch/repodata.json.zst")]
    {
        let ch = Channel::open(&format!("s3://{bucket}/{prefix}"), &ctx).unwrap();
        let err = ch.query(&MatchSpec::parse("numpy*").unwrap(), PLATFORMS).clean_err();
        let msg = err.to_string();
        assert!(matches!(err, ChannelError::Format(_)), "{prefix}: {msg}");
        assert!(msg.contains(&format!("s3://{bucket}/{prefix}/{file}")), "{prefix}: {msg}");
        let mut sink = Vec::new();
        let platform = file.split('/').next().unwrap();
        let err = ch.repodata(platform, &mut sink).clean_err();
        assert!(err.to_string().contains(file), "{prefix} repodata: {err}");
    }
}

fn public_read(endpoint: &str, bucket: &str) {
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"public","Effect":"Allow","Principal":"*","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::{bucket}/*"]}}]}}"#
    );
    let (status, body) = curl_s3(endpoint, "PUT", &format!("/{bucket}?policy="), Some(policy.as_bytes()), &[]);
    assert!(status == 200 || status == 204, "bucket policy: {status} {}", String::from_utf8_lossy(&body));
}

#[test]
fn a_public_channel_over_plain_http_and_a_stale_cache_revalidated() {
    let server = Seaweed::shared();
    let ep = server.endpoint();
    let tmp = tempdir();
    let local = tmp.path().join("channel");
    make_channel(&local, true, false);
    let bucket = unique_bucket("public");
    upload(&ep, &bucket, "ch", &local, |_| false);
    public_read(&ep, &bucket);

    // No credentials anywhere: an empty environment.
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut ctx = ChannelContext::new(Environment::from_pairs([("HOME", home.to_str().unwrap())]), &home);
    ctx.cache_dir = Some(tmp.path().join("cache"));
    ctx.clock = Arc::new(FixedClock(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000)));
    let url = format!("{ep}/{bucket}/ch");
    let channel = Channel::open(&url, &ctx).unwrap();
    check_specs(&channel);
    let rec = channel.query(&MatchSpec::parse("tzdata").unwrap(), PLATFORMS).unwrap().remove(0);
    assert_eq!(rec.url, format!("{url}/noarch/tzdata-2024a-h0_0.conda"));
    let path = channel.download(&rec, &tmp.path().join("dl")).unwrap();
    assert_eq!(std::fs::read(path).unwrap(), std::fs::read(local.join("noarch/tzdata-2024a-h0_0.conda")).unwrap());

    // The cache holds repodata.json.zst without max-age: the next use revalidates (304).
    let mut again = channel.files().subdir("linux-64").unwrap();
    assert_eq!(again.body().unwrap().origin, Origin::Revalidated);
    assert_eq!(found(&channel, "numpy", &["linux-64"]).len(), 5);
    // --no-cache (Refresh) downloads again.
    let mut fresh_ctx = ctx.clone();
    fresh_ctx.cache_mode = CacheMode::Refresh;
    let refreshed = Channel::open(&url, &fresh_ctx).unwrap();
    let mut body = refreshed.files().subdir("linux-64").unwrap();
    assert_eq!(body.body().unwrap().origin, Origin::Downloaded);

    // Anonymous s3:// with `unsigned` reads the same bucket.
    let mut anon = ctx.clone();
    anon.flags.unsigned = true;
    anon.flags.endpoint_url = Some(ep.clone());
    anon.flags.force_path_style = true;
    anon.flags.region = Some("us-east-1".into());
    let s3 = Channel::open(&format!("s3://{bucket}/ch"), &anon).unwrap();
    assert_eq!(found(&s3, "numpy >=1.26,<2", &["linux-64"]).len(), 3);
}

/// A symbolic link inside the download directory, under a package's name (to a file outside)
/// or under its temporary name, is never written through: that package is refused with one
/// error, the others download, the files outside are untouched (issue 16, section 2).
#[cfg(unix)]
#[test]
fn links_in_the_download_directory_are_never_written_through() {
    let server = S3sFs::start();
    let ep = server.endpoint();
    let tmp = tempdir();
    let local = tmp.path().join("channel");
    make_channel(&local, false, false);
    let bucket = unique_bucket("links");
    upload(&ep, &bucket, "ch", &local, |_| false);
    let ctx = context(&ep, &tmp.path().join("cache"), tmp.path());
    let channel = Channel::open(&format!("s3://{bucket}/ch"), &ctx).unwrap();
    let recs = channel.query(&MatchSpec::parse("python").unwrap(), &["linux-64"]).unwrap();
    assert!(recs.len() >= 2);
    let out = tmp.path().join("out");
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("victim"), b"victim").unwrap();
    std::os::unix::fs::symlink(outside.join("victim"), out.join(&recs[0].filename)).unwrap();
    std::os::unix::fs::symlink(&outside, out.join("dirlink")).unwrap();
    let items: Vec<_> = recs.iter().map(|r| (&channel, r)).collect();
    let results = minis3::channel::download_all(&items, &out, 2, None);
    let err = results[0].as_ref().clean_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert!(!err.to_string().contains('\n'));
    for (r, res) in recs.iter().zip(&results).skip(1) {
        let path = res.as_ref().unwrap();
        assert_eq!(std::fs::read(path).unwrap(), std::fs::read(local.join("linux-64").join(&r.filename)).unwrap());
    }
    assert_eq!(std::fs::read(outside.join("victim")).unwrap(), b"victim");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 1, "nothing new outside");
    assert!(std::fs::symlink_metadata(out.join(&recs[0].filename)).unwrap().file_type().is_symlink());
}
