//! The conda channel reader's transports, cache and fetch order against real servers on
//! 127.0.0.1.
//!
//! What the servers do (checked here with curl, Dec 2026): s3s-fs 0.17 started with keys
//! refuses unsigned requests (403 "Signature is required") and answers `If-None-Match` with a
//! full 200, never 304; SeaweedFS 4.48 answers 304 to `If-None-Match` and `If-Modified-Since`,
//! and serves unsigned reads of a bucket whose policy allows `s3:GetObject` to `*`. So the
//! fetch-order, corruption and concurrency tests use s3s-fs (signed), and the 304, anonymous
//! `s3://` and plain `http://` tests use SeaweedFS with a public-read bucket policy: no static
//! file server is written for the tests. Requests are counted with the harness's TCP proxy,
//! which also fakes the one answer no real S3 server gives: `501 Not Implemented` (Artifactory
//! answers the shard index with it).
#![cfg(feature = "channel")]

mod support;

use support::secrets::CleanErr;

use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use minis3::channel::cache::{Cache, CacheMode, Delivery, Origin};
use minis3::channel::connect::{open_transport, ConnectInputs};
use minis3::channel::fetch_error::FetchError;
use minis3::channel::fetch_order::{ChannelFiles, SubdirRepodata};
use minis3::channel::http_transport::HttpTransport;
use minis3::channel::s3_transport::S3Transport;
use minis3::channel::transport::{FetchOptions, Fetched, Transport, Validators};
use minis3::channel::url::ChannelUrl;
use minis3::clock::Clock;
use minis3::config::env::Environment;
use minis3::http::{Http, HttpConfig};
use minis3::s3::{Backoff, Client, RecordingSleeper};
use minis3::settings::Overrides as Flags;
use sha2::{Digest, Sha256};
use support::{curl_s3, test_bytes, test_config, unique_bucket, Fault, FaultProxy, S3sFs, Seaweed, TestServer};

/// A clock the test moves.
#[derive(Debug)]
struct StepClock(Mutex<SystemTime>);

impl StepClock {
    fn new() -> Arc<Self> {
        Arc::new(Self(Mutex::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000))))
    }
    fn advance(&self, secs: u64) {
        *self.0.lock().unwrap() += Duration::from_secs(secs);
    }
}

impl Clock for StepClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

fn make_bucket(endpoint: &str, bucket: &str) {
    let (status, body) = curl_s3(endpoint, "PUT", &format!("/{bucket}"), None, &[]);
    assert!(status == 200 || status == 409, "create bucket {bucket}: {status} {}", String::from_utf8_lossy(&body));
}

fn put(endpoint: &str, bucket: &str, key: &str, body: &[u8], cache_control: Option<&str>) {
    let headers: Vec<(&str, &str)> = cache_control.map(|c| ("cache-control", c)).into_iter().collect();
    let (status, answer) = curl_s3(endpoint, "PUT", &format!("/{bucket}/{key}"), Some(body), &headers);
    assert_eq!(status, 200, "PUT {bucket}/{key}: {}", String::from_utf8_lossy(&answer));
}

fn public_read(endpoint: &str, bucket: &str) {
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"public","Effect":"Allow","Principal":"*","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::{bucket}/*"]}}]}}"#
    );
    let (status, body) = curl_s3(endpoint, "PUT", &format!("/{bucket}?policy="), Some(policy.as_bytes()), &[]);
    assert!(status == 200 || status == 204, "bucket policy: {status} {}", String::from_utf8_lossy(&body));
}

fn s3_transport(endpoint: &str, channel: &str) -> Arc<dyn Transport> {
    let client = Client::new(test_config(endpoint)).expect("client");
    Arc::new(S3Transport::new(Arc::new(client), &ChannelUrl::parse(channel).unwrap()).unwrap())
}

fn files(endpoint: &str, channel: &str, cache: Cache) -> ChannelFiles {
    ChannelFiles::new(ChannelUrl::parse(channel).unwrap(), s3_transport(endpoint, channel), cache)
}

fn read_all(mut r: impl Read) -> Vec<u8> {
    let mut v = Vec::new();
    r.read_to_end(&mut v).expect("read the body");
    v
}

fn sha(b: &[u8]) -> [u8; 32] {
    Sha256::digest(b).into()
}

/// Files in the cache directory by kind: (metadata, bodies, temporary).
fn cache_files(dir: &Path) -> (usize, usize, usize) {
    let mut out = (0, 0, 0);
    for e in std::fs::read_dir(dir).map(|d| d.flatten().collect::<Vec<_>>()).unwrap_or_default() {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.ends_with(".tmp") {
            out.2 += 1;
        } else if n.ends_with(".body") {
            out.1 += 1;
        } else if n.ends_with(".json") {
            out.0 += 1;
        }
    }
    out
}

/// Requests the proxy saw for which `pred` holds on the request line.
fn requests(proxy: &FaultProxy, pred: impl Fn(&str) -> bool) -> usize {
    proxy.heads().iter().filter(|h| pred(h.lines().next().unwrap_or(""))).count()
}

#[test]
fn fetch_order_takes_the_first_form_present() {
    let server = S3sFs::start();
    let ep = server.endpoint();
    let b = unique_bucket("order");
    make_bucket(&ep, &b);
    let json = br#"{"packages":{}}"#.to_vec();
    let zst = test_bytes(3000, 1);
    let index = test_bytes(500, 2);
    put(&ep, &b, "ch/noarch/repodata.json", &json, None);
    put(&ep, &b, "ch/linux-64/repodata.json", &json, None);
    put(&ep, &b, "ch/linux-64/repodata.json.zst", &zst, None);
    put(&ep, &b, "ch/osx-arm64/repodata.json", &json, None);
    put(&ep, &b, "ch/osx-arm64/repodata.json.zst", &zst, None);
    put(&ep, &b, "ch/osx-arm64/repodata_shards.msgpack.zst", &index, None);
    let dir = tempfile::tempdir().unwrap();
    let f = files(&ep, &format!("s3://{b}/ch/"), Cache::new(dir.path(), StepClock::new()));

    let mut got = f.subdir("noarch").unwrap();
    assert!(matches!(got, SubdirRepodata::Json(_)), "{got:?}");
    assert_eq!(read_all(got.body().unwrap()), json);
    let mut got = f.subdir("linux-64").unwrap();
    assert!(matches!(got, SubdirRepodata::JsonZst(_)), "{got:?}");
    assert_eq!(read_all(got.body().unwrap()), zst);
    let mut got = f.subdir("osx-arm64").unwrap();
    assert!(matches!(got, SubdirRepodata::Sharded(_)), "{got:?}");
    assert_eq!(got.file_name(), Some("repodata_shards.msgpack.zst"));
    assert_eq!(read_all(got.body().unwrap()), index);
    // Sharding off: the next form.
    let mut got = f.clone().with_shards(false).subdir("osx-arm64").unwrap();
    assert!(matches!(got, SubdirRepodata::JsonZst(_)), "{got:?}");
    assert_eq!(read_all(got.body().unwrap()), zst);
    // A missing platform subdir is empty.
    assert!(matches!(f.subdir("win-64").unwrap(), SubdirRepodata::Missing));
    assert!(matches!(f.subdir("a/b"), Err(FetchError::InvalidPath { .. })));

    // A channel without noarch: an error naming the subdir's URL.
    put(&ep, &b, "ch2/linux-64/repodata.json", &json, None);
    let f2 = files(&ep, &format!("s3://{b}/ch2"), Cache::new(dir.path(), StepClock::new()));
    assert!(matches!(f2.subdir("linux-64").unwrap(), SubdirRepodata::Json(_)));
    let err = f2.subdir("noarch").clean_err();
    assert!(matches!(err, FetchError::MissingNoarch { .. }), "{err}");
    assert!(err.to_string().contains(&format!("s3://{b}/ch2/noarch/")), "{err}");
}

#[test]
fn shards_are_content_addressed() {
    let server = S3sFs::start();
    let ep = server.endpoint();
    let b = unique_bucket("shards");
    make_bucket(&ep, &b);
    let shard = test_bytes(2000, 3);
    let digest = sha(&shard);
    let key = format!("ch/linux-64/shards/{}.msgpack.zst", hex::encode(digest));
    put(&ep, &b, &key, &shard, None);
    let dir = tempfile::tempdir().unwrap();
    let f = files(&ep, &format!("s3://{b}/ch"), Cache::new(dir.path(), StepClock::new()));
    let got = f.shard("linux-64", "./shards/", &digest).unwrap();
    assert_eq!(got.origin, Origin::Downloaded);
    assert_eq!(read_all(got), shard);
    // Stored for good: even with the object gone from the server, no request is needed.
    let (status, _) = curl_s3(&ep, "DELETE", &format!("/{b}/{key}"), None, &[]);
    assert_eq!(status, 204);
    let got = f.shard("linux-64", "./shards/", &digest).unwrap();
    assert_eq!(got.origin, Origin::Fresh);
    assert_eq!(read_all(got), shard);

    // A shard whose bytes do not match its name: refused, nothing stored.
    let other = test_bytes(100, 4);
    let wrong = [7u8; 32];
    put(&ep, &b, &format!("ch/linux-64/{}.msgpack.zst", hex::encode(wrong)), &other, None);
    let before = cache_files(dir.path());
    let err = f.shard("linux-64", "", &wrong).clean_err();
    let FetchError::DigestMismatch { expected, actual, url } = &err else { panic!("{err}") };
    assert_eq!((expected.as_str(), actual.as_str()), (hex::encode(wrong).as_str(), hex::encode(sha(&other)).as_str()));
    assert!(url.starts_with(&format!("s3://{b}/ch/linux-64/")), "{url}");
    assert_eq!(cache_files(dir.path()), before);
    // A missing shard names its URL.
    let err = f.shard("linux-64", "./shards/", &[9u8; 32]).clean_err();
    assert!(err.to_string().contains(&hex::encode([9u8; 32])), "{err}");
}

#[test]
fn a_501_for_the_shard_index_falls_back() {
    let server = S3sFs::start();
    let ep = server.endpoint();
    let b = unique_bucket("n501");
    make_bucket(&ep, &b);
    let zst = test_bytes(1000, 5);
    put(&ep, &b, "ch/noarch/repodata.json.zst", &zst, None);
    let not_implemented = "HTTP/1.1 501 Not Implemented\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_string();
    let proxy = FaultProxy::start(server.port(), vec![Fault::Respond(not_implemented.clone())]);
    let dir = tempfile::tempdir().unwrap();
    let f = files(&proxy.endpoint(), &format!("s3://{b}/ch"), Cache::new(dir.path(), StepClock::new()));
    let mut got = f.subdir("noarch").unwrap();
    assert!(matches!(got, SubdirRepodata::JsonZst(_)), "{got:?}");
    assert_eq!(read_all(got.body().unwrap()), zst);
    assert_eq!(requests(&proxy, |l| l.contains("repodata_shards.msgpack.zst")), 1);

    // Over http too; and a 501 for anything but the shard index is an error.
    public_read_seaweed_channel(
        |ep, b| put(ep, b, "ch/noarch/repodata.json.zst", &zst, None),
        |port, b| {
            let proxy = FaultProxy::start(port, vec![Fault::Respond(not_implemented.clone())]);
            let url = format!("{}/{b}/ch", proxy.endpoint());
            let t = HttpTransport::new(Http::new(&HttpConfig::default()).unwrap(), &url);
            let f = ChannelFiles::new(
                ChannelUrl::parse(&url).unwrap(),
                Arc::new(t),
                Cache::new(dir.path(), StepClock::new()),
            );
            assert!(matches!(f.subdir("noarch").unwrap(), SubdirRepodata::JsonZst(_)));
            let proxy = FaultProxy::start(port, vec![Fault::Pass, Fault::Respond(not_implemented.clone())]);
            let url = format!("{}/{b}/ch", proxy.endpoint());
            let t = HttpTransport::new(Http::new(&HttpConfig::default()).unwrap(), &url);
            let f = ChannelFiles::new(
                ChannelUrl::parse(&url).unwrap(),
                Arc::new(t),
                Cache::new(dir.path(), StepClock::new()),
            );
            let err = f.subdir("noarch").clean_err();
            assert_eq!(err.status(), Some(501), "{err}");
            assert!(err.to_string().contains("noarch/repodata.json.zst"), "{err}");
        },
    );
}

/// A SeaweedFS bucket readable by anyone, filled by `fill(endpoint, bucket)`, then `test(port, bucket)`.
fn public_read_seaweed_channel(fill: impl FnOnce(&str, &str), test: impl FnOnce(u16, &str)) {
    let s = Seaweed::shared();
    let b = unique_bucket("pub");
    make_bucket(&s.endpoint(), &b);
    public_read(&s.endpoint(), &b);
    fill(&s.endpoint(), &b);
    test(s.port(), &b);
}

#[test]
fn stale_entries_are_revalidated_with_304_and_fresh_ones_need_no_request() {
    let body = test_bytes(50_000, 6);
    let short = test_bytes(4000, 7);
    public_read_seaweed_channel(
        |ep, b| {
            put(ep, b, "ch/noarch/repodata.json", &body, None);
            put(ep, b, "ch/linux-64/repodata.json", &short, Some("public, max-age=300"));
        },
        |port, b| {
            let proxy = FaultProxy::start(port, vec![]);
            let clock = StepClock::new();
            for (name, transport) in [
                ("s3", s3_transport(&proxy.endpoint(), &format!("s3://{b}/ch"))),
                (
                    "http",
                    Arc::new(HttpTransport::new(
                        Http::new(&HttpConfig::default()).unwrap(),
                        format!("{}/{b}/ch", proxy.endpoint()),
                    )) as Arc<dyn Transport>,
                ),
            ] {
                let dir = tempfile::tempdir().unwrap();
                let cache = Cache::new(dir.path(), clock.clone());
                let n0 = proxy.heads().len();
                // No Cache-Control: stored, then revalidated on every use.
                let got = cache.get(transport.as_ref(), "noarch/repodata.json", false).unwrap().unwrap();
                assert_eq!((got.origin, got.size), (Origin::Downloaded, Some(body.len() as u64)), "{name}");
                assert_eq!(read_all(got), body, "{name}");
                let got = cache.get(transport.as_ref(), "noarch/repodata.json", false).unwrap().unwrap();
                assert_eq!(got.origin, Origin::Revalidated, "{name}");
                assert_eq!(read_all(got), body, "{name}");
                let heads = proxy.heads();
                assert_eq!(heads.len() - n0, 2, "{name}: {heads:#?}");
                let last = heads.last().unwrap().to_ascii_lowercase();
                assert!(last.contains("if-none-match: \""), "{name}: {last}");

                // max-age=300: no request within it, revalidated after it.
                let got = cache.get(transport.as_ref(), "linux-64/repodata.json", false).unwrap().unwrap();
                assert_eq!(got.origin, Origin::Downloaded);
                let n1 = proxy.heads().len();
                clock.advance(299);
                let got = cache.get(transport.as_ref(), "linux-64/repodata.json", false).unwrap().unwrap();
                assert_eq!(got.origin, Origin::Fresh, "{name}");
                assert_eq!(read_all(got), short);
                assert_eq!(proxy.heads().len(), n1, "{name}: a fresh entry sent a request");
                clock.advance(2);
                let got = cache.get(transport.as_ref(), "linux-64/repodata.json", false).unwrap().unwrap();
                assert_eq!(got.origin, Origin::Revalidated, "{name}");
                assert_eq!(read_all(got), short);
                assert_eq!(proxy.heads().len(), n1 + 1, "{name}");
                // The 304 restarted the period.
                clock.advance(100);
                let got = cache.get(transport.as_ref(), "linux-64/repodata.json", false).unwrap().unwrap();
                assert_eq!(got.origin, Origin::Fresh, "{name}");

                // --no-cache: a request without validators, and the entry refreshed.
                let refresh = cache.clone().with_mode(CacheMode::Refresh);
                let got = refresh.get(transport.as_ref(), "linux-64/repodata.json", false).unwrap().unwrap();
                assert_eq!(got.origin, Origin::Downloaded, "{name}");
                assert_eq!(read_all(got), short);
                let last = proxy.heads().last().unwrap().to_ascii_lowercase();
                assert!(!last.contains("if-none-match") && !last.contains("if-modified-since"), "{name}: {last}");
                assert_eq!(proxy.heads().len(), n1 + 2, "{name}");
                let got = cache.get(transport.as_ref(), "linux-64/repodata.json", false).unwrap().unwrap();
                assert_eq!(got.origin, Origin::Fresh, "{name}");
                // Cache off: always a request, nothing written.
                let off = Cache::disabled(clock.clone());
                let got = off.get(transport.as_ref(), "linux-64/repodata.json", false).unwrap().unwrap();
                assert_eq!((got.origin, read_all(got)), (Origin::Downloaded, short.clone()));
                assert_eq!(proxy.heads().len(), n1 + 3, "{name}");
            }
        },
    );
}

#[test]
fn http_conditions_redirects_and_retries() {
    let body = test_bytes(3000, 8);
    public_read_seaweed_channel(
        |ep, b| put(ep, b, "ch/noarch/repodata.json", &body, None),
        |port, b| {
            let http = Http::new(&HttpConfig::default()).unwrap();
            let base = format!("http://127.0.0.1:{port}/{b}/ch");
            let t = HttpTransport::new(http.clone(), &base);
            let Fetched::Body(first) = t.fetch("noarch/repodata.json", &FetchOptions::default()).unwrap() else {
                panic!("no body")
            };
            let lm = first.meta.last_modified.clone().expect("Last-Modified");
            // If-Modified-Since alone is answered 304 by SeaweedFS.
            let only_date = FetchOptions {
                validators: Validators { etag: None, last_modified: Some(lm) },
                ..FetchOptions::default()
            };
            assert!(matches!(t.fetch("noarch/repodata.json", &only_date).unwrap(), Fetched::NotModified(_)));
            let head = t.head("noarch/repodata.json").unwrap().unwrap();
            assert_eq!(head.content_length, Some(body.len() as u64));
            assert!(t.head("noarch/missing.json").unwrap().is_none());
            assert!(matches!(t.fetch("noarch/missing.json", &FetchOptions::default()).unwrap(), Fetched::NotFound));
            let range = FetchOptions { range: Some(minis3::s3::ByteRange::Inclusive(10, 19)), ..Default::default() };
            let Fetched::Body(part) = t.fetch("noarch/repodata.json", &range).unwrap() else { panic!() };
            assert_eq!(part.meta.content_range, Some((10, 19, body.len() as u64)));
            assert_eq!(read_all(part.reader), &body[10..20]);

            // A redirect is followed; a 503 is retried with backoff.
            let redirect = format!(
                "HTTP/1.1 302 Found\r\nlocation: /{b}/ch/noarch/repodata.json\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
            let busy = "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_string();
            let proxy = FaultProxy::start(port, vec![Fault::Respond(redirect), Fault::Respond(busy)]);
            let sleeper = RecordingSleeper::new();
            let t = HttpTransport::new(http.clone(), format!("{}/{b}/ch", proxy.endpoint())).with_retries(
                3,
                Backoff::default(),
                sleeper.clone(),
            );
            let Fetched::Body(got) = t.fetch("noarch/elsewhere.json", &FetchOptions::default()).unwrap() else {
                panic!()
            };
            assert_eq!(read_all(got.reader), body);
            assert_eq!(sleeper.waits().len(), 1);
            assert_eq!(proxy.heads().len(), 3);

            // A body cut short: an error, and no cache entry.
            let proxy = FaultProxy::start(port, vec![Fault::CutResponseAfter(1500)]);
            let t = HttpTransport::new(http, format!("{}/{b}/ch", proxy.endpoint()));
            let dir = tempfile::tempdir().unwrap();
            let cache = Cache::new(dir.path(), StepClock::new());
            let err = cache.get(&t, "noarch/repodata.json", false).clean_err();
            assert!(matches!(err, FetchError::Read { .. }), "{err}");
            assert!(err.to_string().contains("noarch/repodata.json"), "{err}");
            assert_eq!(cache_files(dir.path()), (0, 0, 0));
        },
    );
}

#[test]
fn damaged_entries_are_dropped_and_refetched() {
    let server = S3sFs::start();
    let ep = server.endpoint();
    let b = unique_bucket("corrupt");
    make_bucket(&ep, &b);
    let body = test_bytes(20_000, 9);
    put(&ep, &b, "ch/noarch/repodata.json", &body, Some("max-age=3600"));
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(dir.path(), StepClock::new());
    let t = s3_transport(&ep, &format!("s3://{b}/ch"));
    let fetch = || {
        let got = cache.get(t.as_ref(), "noarch/repodata.json", false).unwrap().unwrap();
        (got.origin, read_all(got))
    };
    assert_eq!(fetch(), (Origin::Downloaded, body.clone()));
    assert_eq!(fetch(), (Origin::Fresh, body.clone()));
    let find = |suffix: &str| {
        std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with(suffix))
            .unwrap_or_else(|| panic!("no {suffix} file"))
    };
    type Damage = Box<dyn Fn(&Path, &Path)>;
    let damages: Vec<(&str, Damage)> = vec![
        (
            "a flipped byte",
            Box::new(|body: &Path, _: &Path| {
                let mut v = std::fs::read(body).unwrap();
                v[12345] ^= 1;
                std::fs::write(body, v).unwrap();
            }),
        ),
        (
            "a truncated body",
            Box::new(|body: &Path, _: &Path| {
                std::fs::OpenOptions::new().write(true).open(body).unwrap().set_len(100).unwrap();
            }),
        ),
        ("a missing body", Box::new(|body: &Path, _: &Path| std::fs::remove_file(body).unwrap())),
        ("bad metadata JSON", Box::new(|_: &Path, meta: &Path| std::fs::write(meta, b"{\"format\":1,").unwrap())),
        (
            "metadata naming another body",
            Box::new(|_: &Path, meta: &Path| {
                let text = std::fs::read_to_string(meta).unwrap();
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                let sha = v["sha256"].as_str().unwrap().to_owned();
                std::fs::write(meta, text.replace(&sha, &"0".repeat(64))).unwrap();
            }),
        ),
        (
            "a wrong size",
            Box::new(|_: &Path, meta: &Path| {
                let text = std::fs::read_to_string(meta).unwrap();
                std::fs::write(meta, text.replace("\"size\": 20000", "\"size\": 20001")).unwrap();
            }),
        ),
    ];
    for (what, damage) in damages {
        damage(&find(".body"), &find(".json"));
        assert_eq!(fetch(), (Origin::Downloaded, body.clone()), "{what}");
        assert_eq!(cache_files(dir.path()), (1, 1, 0), "{what}");
        assert_eq!(fetch(), (Origin::Fresh, body.clone()), "{what}");
    }
    // A vanished object drops its entry.
    let (status, _) = curl_s3(&ep, "DELETE", &format!("/{b}/ch/noarch/repodata.json"), None, &[]);
    assert_eq!(status, 204);
    let refresh = cache.clone().with_mode(CacheMode::Refresh);
    assert!(refresh.get(t.as_ref(), "noarch/repodata.json", false).unwrap().is_none());
    assert_eq!(cache_files(dir.path()), (0, 0, 0));
}

#[test]
fn concurrent_fills_leave_one_valid_entry() {
    let server = S3sFs::start();
    let ep = server.endpoint();
    let b = unique_bucket("race");
    make_bucket(&ep, &b);
    let body = test_bytes(3 * 1024 * 1024, 10);
    put(&ep, &b, "ch/noarch/repodata.json", &body, Some("max-age=3600"));
    let dir = tempfile::tempdir().unwrap();
    let t = s3_transport(&ep, &format!("s3://{b}/ch"));
    let clock = StepClock::new();
    for delivery in [Delivery::FileFirst, Delivery::Tee] {
        std::fs::remove_dir_all(dir.path()).ok();
        let threads: Vec<_> = (0..6)
            .map(|_| {
                let (t, clock, path, body) = (t.clone(), clock.clone(), dir.path().to_owned(), body.clone());
                std::thread::spawn(move || {
                    let cache = Cache::new(path, clock).with_mode(CacheMode::Refresh).with_delivery(delivery);
                    let got = cache.get(t.as_ref(), "noarch/repodata.json", false).unwrap().unwrap();
                    assert!(read_all(got) == body, "{delivery:?}: wrong bytes");
                })
            })
            .collect();
        for th in threads {
            th.join().unwrap();
        }
        assert_eq!(cache_files(dir.path()), (1, 1, 0), "{delivery:?}");
        let cache = Cache::new(dir.path(), clock.clone());
        let got = cache.get(t.as_ref(), "noarch/repodata.json", false).unwrap().unwrap();
        assert_eq!(got.origin, Origin::Fresh, "{delivery:?}");
        assert!(read_all(got) == body);
    }
}

#[test]
fn tee_delivery_commits_only_a_complete_read() {
    let server = S3sFs::start();
    let ep = server.endpoint();
    let b = unique_bucket("tee");
    make_bucket(&ep, &b);
    let body = test_bytes(1024 * 1024, 11);
    put(&ep, &b, "ch/noarch/repodata.json", &body, Some("max-age=3600"));
    let dir = tempfile::tempdir().unwrap();
    let t = s3_transport(&ep, &format!("s3://{b}/ch"));
    let cache = Cache::new(dir.path(), StepClock::new()).with_delivery(Delivery::Tee);
    // Half read, then dropped: nothing kept.
    let mut got = cache.get(t.as_ref(), "noarch/repodata.json", false).unwrap().unwrap();
    let mut half = vec![0u8; 512 * 1024];
    got.read_exact(&mut half).unwrap();
    drop(got);
    assert_eq!(cache_files(dir.path()), (0, 0, 0));
    // Read to the end: committed.
    let got = cache.get(t.as_ref(), "noarch/repodata.json", false).unwrap().unwrap();
    assert_eq!(got.origin, Origin::Downloaded);
    assert!(read_all(got) == body);
    assert_eq!(cache_files(dir.path()), (1, 1, 0));
    let got = cache.get(t.as_ref(), "noarch/repodata.json", false).unwrap().unwrap();
    assert_eq!(got.origin, Origin::Fresh);
    // A body cut short fails the caller's last read, and leaves no entry.
    let proxy = FaultProxy::start(server.port(), vec![Fault::CutResponseAfter(300_000)]);
    let t = s3_transport(&proxy.endpoint(), &format!("s3://{b}/ch"));
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(dir.path(), StepClock::new()).with_delivery(Delivery::Tee);
    let mut got = cache.get(t.as_ref(), "noarch/repodata.json", false).unwrap().unwrap();
    let mut sink = Vec::new();
    assert!(got.read_to_end(&mut sink).is_err());
    drop(got);
    assert_eq!(cache_files(dir.path()), (0, 0, 0));
}

/// An environment with nothing in it but a home and a cache directory under `dir`.
fn bare_env(dir: &Path) -> Environment {
    Environment::from_pairs([
        ("HOME", dir.join("home").display().to_string()),
        ("XDG_CACHE_HOME", dir.join("xdg-cache").display().to_string()),
        ("AWS_CONFIG_FILE", dir.join("no-aws-config").display().to_string()),
        ("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-aws-credentials").display().to_string()),
        ("PIXI_NO_CONFIG", "true".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
    ])
}

#[test]
fn anonymous_s3_and_plain_http_need_no_credentials() {
    let json = br#"{"info":{"subdir":"noarch"},"packages":{}}"#.to_vec();
    public_read_seaweed_channel(
        |ep, b| put(ep, b, "ch/noarch/repodata.json", &json, None),
        |port, b| {
            let dir = tempfile::tempdir().unwrap();
            let env = bare_env(dir.path());
            let cache_dir = Cache::user_dir(&env).unwrap();
            assert_eq!(cache_dir, dir.path().join("xdg-cache/minis3/channel"));
            let endpoint = format!("http://127.0.0.1:{port}");
            let anonymous = Flags {
                endpoint_url: Some(endpoint.clone()),
                force_path_style: true,
                unsigned: true,
                ..Flags::default()
            };
            for (url, flags) in
                [(format!("s3://{b}/ch"), anonymous.clone()), (format!("{endpoint}/{b}/ch/"), Flags::default())]
            {
                let channel = ChannelUrl::parse(&url).unwrap();
                let inputs =
                    ConnectInputs { flags: &flags, env: &env, cwd: dir.path(), http: None, gcs_authorization: None };
                let transport = open_transport(&channel, &inputs).unwrap();
                let f = ChannelFiles::new(channel, transport, Cache::from_env(&env, StepClock::new()));
                let mut got = f.subdir("noarch").unwrap();
                assert!(matches!(got, SubdirRepodata::Json(_)), "{url}: {got:?}");
                assert_eq!(read_all(got.body().unwrap()), json, "{url}");
                assert!(matches!(f.subdir("linux-64").unwrap(), SubdirRepodata::Missing), "{url}");
            }
            assert_eq!(cache_files(&cache_dir).0, 2);
            // Signed s3:// without any credentials: the settings error says what to do.
            let signed = Flags { unsigned: false, ..anonymous };
            let channel = ChannelUrl::parse(&format!("s3://{b}/ch")).unwrap();
            let inputs =
                ConnectInputs { flags: &signed, env: &env, cwd: dir.path(), http: None, gcs_authorization: None };
            let err = open_transport(&channel, &inputs).clean_err();
            assert!(matches!(err, FetchError::Settings { .. }), "{err}");
            // The library names no CLI flag; it says which variables to set.
            assert!(err.to_string().contains("AWS_ACCESS_KEY_ID"), "{err}");
        },
    );
}
