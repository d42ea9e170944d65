//! The per-name index the cache keeps beside a `repodata.json(.zst)` body: written by the first
//! (cold) query, used by the next ones without reading the body, and never trusted when
//! damaged, truncated or built from another body (the query then reads the verified body and
//! writes the index again). Real packages indexed by py-rattler, on s3s-fs.
#![cfg(feature = "channel")]

#[path = "support/conda.rs"]
mod conda;
mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use conda::{files_under, make_channel};
use minis3::channel::cache::{CacheMode, Origin};
use minis3::channel::{Channel, ChannelContext, MatchSpec};
use minis3::clock::FixedClock;
use minis3::config::env::Environment;
use minis3::s3::{Client, PutOptions};
use support::{test_config, unique_bucket, S3sFs, TestServer, ACCESS_KEY, SECRET_KEY};

fn upload(endpoint: &str, bucket: &str, dir: &Path, skip: impl Fn(&str) -> bool) {
    let client = Client::new(test_config(endpoint)).unwrap();
    let _ = client.create_bucket(bucket);
    for (rel, path) in files_under(dir) {
        if !skip(&rel) {
            let data = std::fs::read(&path).unwrap();
            // Fresh for an hour: a warm query sends no request (s3s-fs does not answer 304).
            let opts = PutOptions { cache_control: Some("max-age=3600".into()), ..PutOptions::default() };
            client.put_object(bucket, &format!("ch/{rel}"), &data, &opts).unwrap();
        }
    }
}

fn context(endpoint: &str, cache: &Path, home: &Path, mode: CacheMode) -> ChannelContext {
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
    ctx.cache_mode = mode;
    ctx.clock = Arc::new(FixedClock(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000)));
    ctx
}

const PLATFORMS: &[&str] = &["linux-64", "noarch"];
const SPECS: &[&str] = &["numpy", "numpy*", "numpy >=1.26,<2", "python 3.12.*", "six", "nothing-here", "tz*"];

fn answers(channel: &Channel) -> Vec<Vec<(String, String, String)>> {
    SPECS
        .iter()
        .map(|s| {
            let spec = MatchSpec::parse(s).unwrap();
            channel
                .query(&spec, PLATFORMS)
                .unwrap()
                .into_iter()
                .map(|r| (r.filename, r.url, serde_json::to_string(&r.record).unwrap()))
                .collect()
        })
        .collect()
}

/// The cache's files ending in `suffix`, sorted.
fn cache_files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    v.retain(|p| p.to_string_lossy().ends_with(suffix));
    v.sort();
    v
}

/// The index of linux-64's repodata (the largest of the two).
fn linux_index(dir: &Path) -> PathBuf {
    cache_files(dir, ".index").into_iter().max_by_key(|p| std::fs::metadata(p).unwrap().len()).expect("an index")
}

fn body_of(index: &Path) -> PathBuf {
    PathBuf::from(index.to_string_lossy().replace(".index", ".body"))
}

fn flip(path: &Path, at: impl Fn(usize) -> usize) {
    let mut v = std::fs::read(path).unwrap();
    let i = at(v.len());
    v[i] ^= 0x20;
    std::fs::write(path, v).unwrap();
}

#[test]
fn the_index_answers_like_the_body_and_damage_is_never_trusted() {
    let server = S3sFs::start();
    let ep = server.endpoint();
    let tmp = tempfile::tempdir().unwrap();
    let local = tmp.path().join("channel");
    make_channel(&local, true, false);
    for (form, skip) in [("zst", "repodata.json"), ("json", ".zst")] {
        let bucket = unique_bucket(&format!("index{form}"));
        upload(&ep, &bucket, &local, |r| r.contains("shards") || r.ends_with(skip));
        let url = format!("s3://{bucket}/ch");
        let cache = tmp.path().join(format!("cache-{form}"));
        // Without a cache: the reference answers (the filtered stream, no index).
        let off = Channel::open(&url, &context(&ep, &cache, tmp.path(), CacheMode::Off)).unwrap();
        let want = answers(&off);
        assert!(cache_files(&cache, "").is_empty(), "{form}: a cache that is off writes nothing");
        assert_eq!(want[0].len(), 5, "{form}: numpy");

        let channel = Channel::open(&url, &context(&ep, &cache, tmp.path(), CacheMode::Normal)).unwrap();
        assert_eq!(answers(&channel), want, "{form}: cold, then warm from the index");
        assert_eq!(cache_files(&cache, ".index").len(), 2, "{form}: one index per subdir");
        assert!(cache_files(&cache, ".tmp").is_empty());

        // A damaged body with an intact index: the query reads the index only, so it answers
        // right; reading the body itself finds the damage, drops the entry and downloads.
        let index = linux_index(&cache);
        let body = body_of(&index);
        flip(&body, |n| n / 2);
        assert_eq!(answers(&channel), want, "{form}: index with a damaged body");
        let mut sub = channel.files().subdir("linux-64").unwrap();
        assert_eq!(sub.body().unwrap().origin, Origin::Downloaded, "{form}: the damaged body is dropped");
        assert!(!index.exists(), "{form}: its index goes with it");
        assert_eq!(answers(&channel), want, "{form}: the index is written again");
        let index = linux_index(&cache);

        // Damaged indexes: each is detected, dropped, and rebuilt from the verified body.
        type Damage = Box<dyn Fn(&Path)>;
        let damages: Vec<(&str, Damage)> = vec![
            (
                "a flipped byte in a block the query reads",
                Box::new(|p: &Path| {
                    let v = std::fs::read(p).unwrap();
                    let at = v.windows(6).position(|w| w == b"numpy-").expect("a numpy record");
                    flip(p, |_| at + 40);
                }),
            ),
            ("a flipped byte in the table", Box::new(|p: &Path| flip(p, |n| n - 10))),
            ("a flipped byte in the header", Box::new(|p: &Path| flip(p, |_| 50))),
            (
                "a truncated index",
                Box::new(|p: &Path| {
                    let n = std::fs::metadata(p).unwrap().len();
                    std::fs::OpenOptions::new().write(true).open(p).unwrap().set_len(n - 1).unwrap();
                }),
            ),
            ("an empty index", Box::new(|p: &Path| std::fs::write(p, b"").unwrap())),
            ("garbage", Box::new(|p: &Path| std::fs::write(p, vec![7u8; 4096]).unwrap())),
            (
                "the index of another body",
                Box::new(|p: &Path| {
                    let other = cache_files(p.parent().unwrap(), ".index").into_iter().find(|o| o != p).unwrap();
                    std::fs::copy(other, p).unwrap();
                }),
            ),
        ];
        for (what, damage) in damages {
            let good = std::fs::read(&index).unwrap();
            damage(&index);
            assert_eq!(answers(&channel), want, "{form}: {what}");
            assert_eq!(std::fs::read(&index).unwrap(), good, "{form}: {what}: rebuilt as it was");
            assert!(cache_files(&cache, ".tmp").is_empty(), "{form}: {what}");
        }

        // --no-cache downloads again and writes the same index.
        let good = std::fs::read(&index).unwrap();
        let refresh = Channel::open(&url, &context(&ep, &cache, tmp.path(), CacheMode::Refresh)).unwrap();
        assert_eq!(answers(&refresh), want, "{form}: --no-cache");
        assert_eq!(std::fs::read(&index).unwrap(), good, "{form}: --no-cache rewrites the same index");
        assert_eq!(cache_files(&cache, ".body").len(), 2);
    }
}

#[test]
fn concurrent_queries_leave_a_valid_index() {
    let server = S3sFs::start();
    let ep = server.endpoint();
    let tmp = tempfile::tempdir().unwrap();
    let local = tmp.path().join("channel");
    make_channel(&local, true, false);
    let bucket = unique_bucket("indexrace");
    upload(&ep, &bucket, &local, |r| r.contains("shards"));
    let url = format!("s3://{bucket}/ch");
    let cache = tmp.path().join("cache");
    let want = answers(&Channel::open(&url, &context(&ep, &cache, tmp.path(), CacheMode::Off)).unwrap());
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let ctx = context(&ep, &cache, tmp.path(), CacheMode::Refresh);
            let (url, want) = (url.clone(), want.clone());
            std::thread::spawn(move || assert_eq!(answers(&Channel::open(&url, &ctx).unwrap()), want))
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(cache_files(&cache, ".index").len(), 2);
    assert_eq!(cache_files(&cache, ".body").len(), 2);
    assert!(cache_files(&cache, ".tmp").is_empty());
    let channel = Channel::open(&url, &context(&ep, &cache, tmp.path(), CacheMode::Normal)).unwrap();
    assert_eq!(answers(&channel), want);
}
