//! The S3 client against s3s-fs, the strictest signature verifier here (header signatures,
//! presigned URLs, UNSIGNED-PAYLOAD, every aws-chunked chunk and trailer, payload hashes,
//! clock skew). s3s-fs answers some errors with other codes than S3 (a missing bucket is
//! NoSuchKey, a hash mismatch BadDigest): those tests assert the status class. s3s-fs 0.17
//! ignores `If-Match` on GET: conditional requests are tested on SeaweedFS.
#![cfg(feature = "client")]

mod support;

use support::secrets::CleanErr;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use minis3::clock::FixedClock;
use minis3::http::{Body, Http, HttpConfig};
use minis3::s3::{
    Auth, ByteRange, Client, ClientConfig, CollectedNotices, GetOptions, ListEntry, ListOptions, PayloadSigning,
    PutOptions, RecordingSleeper, S3Error, TreeOrder,
};
use minis3::sigv4::ChunkedMode;
use support::{test_bytes, test_config, unique_bucket, Fault, FaultProxy, S3sFs, TestServer};

fn md5(data: &[u8]) -> [u8; 16] {
    <md5::Md5 as md5::Digest>::digest(data).into()
}

fn client(cfg: ClientConfig) -> Client {
    Client::new(cfg).expect("client")
}

/// s3s-fs announces `EncodingType=url` but sends raw keys: ask for raw keys.
fn s3s_config(endpoint: &str) -> ClientConfig {
    let mut cfg = test_config(endpoint);
    cfg.list_url_encoding = false;
    cfg
}

fn keys_of(c: &Client, bucket: &str, opts: &ListOptions) -> Vec<String> {
    c.list_objects(bucket, opts).map(|e| e.expect("list").name().to_owned()).collect()
}

/// Every object operation once, in the given client's addressing style.
fn round_trip(c: &Client, bucket: &str) {
    c.create_bucket(bucket).expect("create bucket");
    c.head_bucket(bucket).expect("head bucket");
    assert!(c.list_buckets().expect("list buckets").buckets.iter().any(|b| b.name == bucket));

    let data = test_bytes(10_000, 1);
    let opts = PutOptions {
        content_type: Some("text/x-test".into()),
        metadata: vec![("Package-Sha256".into(), "abc123".into())],
        ..Default::default()
    };
    let put = c.put_object(bucket, "dir/obj 1.bin", &data, &opts).expect("put");
    let etag = put.etag.expect("etag");
    assert_eq!(etag.trim_matches('"'), hex::encode(md5(&data)));

    let obj = c.get_object(bucket, "dir/obj 1.bin", &GetOptions::default()).expect("get");
    assert_eq!(obj.meta.size, 10_000);
    assert_eq!(obj.meta.content_type.as_deref(), Some("text/x-test"));
    assert_eq!(obj.meta.meta("package-sha256"), Some("abc123"));
    assert!(obj.meta.last_modified_time.is_some());
    assert_eq!(obj.read_to_vec(1 << 20).unwrap(), data);

    let head = c.head_object(bucket, "dir/obj 1.bin").expect("head");
    assert_eq!((head.size, head.etag.as_deref()), (10_000, Some(etag.as_str())));

    let ranged = |r| {
        let o = c.get_object(bucket, "dir/obj 1.bin", &GetOptions { range: Some(r), ..Default::default() }).unwrap();
        (o.meta.range, o.read_to_vec(1 << 20).unwrap())
    };
    assert_eq!(ranged(ByteRange::Inclusive(2, 5)), (Some((2, 5, 10_000)), data[2..6].to_vec()));
    assert_eq!(ranged(ByteRange::Last(3)).1, data[9_997..].to_vec());
    assert_eq!(ranged(ByteRange::From(9_990)).1, data[9_990..].to_vec());

    let copied = c.copy_object(bucket, "dir/obj 1.bin", bucket, "copy/o+b=1", None).expect("copy");
    assert_eq!(copied.etag, etag);
    let (meta, body) = c.get_object_bytes(bucket, "copy/o+b=1", 1 << 20).unwrap();
    assert_eq!(body, data);
    assert_eq!(meta.meta("package-sha256"), Some("abc123"), "copy keeps metadata");

    let replaced = PutOptions { content_type: Some("application/x-new".into()), ..Default::default() };
    c.copy_object(bucket, "dir/obj 1.bin", bucket, "copy/replaced", Some(&replaced)).expect("copy replace");
    assert_eq!(c.head_object(bucket, "copy/replaced").unwrap().content_type.as_deref(), Some("application/x-new"));

    let all = keys_of(c, bucket, &ListOptions::default());
    assert_eq!(all, ["copy/o+b=1", "copy/replaced", "dir/obj 1.bin"]);
    let top: Vec<ListEntry> = c
        .list_objects(bucket, &ListOptions { delimiter: Some("/".into()), ..Default::default() })
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(top, [ListEntry::Prefix("copy/".into()), ListEntry::Prefix("dir/".into())]);
    let paged = c.list_objects(bucket, &ListOptions { max_keys: Some(1), ..Default::default() });
    assert_eq!(paged.map(|e| e.unwrap().name().to_owned()).collect::<Vec<_>>(), all, "pages of one key");
    let after = ListOptions { start_after: Some("copy/replaced".into()), ..Default::default() };
    assert_eq!(keys_of(c, bucket, &after), ["dir/obj 1.bin"]);

    c.delete_object(bucket, "dir/obj 1.bin").expect("delete");
    let err = c.head_object(bucket, "dir/obj 1.bin").clean_err();
    assert_eq!((err.status(), err.code()), (Some(404), Some("NoSuchKey")), "{err}");
    let res = c.delete_objects(bucket, &["copy/o+b=1".into(), "copy/replaced".into()]).expect("delete objects");
    assert!(res.errors.is_empty(), "{res:?}");
    assert!(keys_of(c, bucket, &ListOptions::default()).is_empty());
    c.delete_bucket(bucket).expect("delete bucket");
    assert_eq!(c.head_bucket(bucket).clean_err().status(), Some(404));
}

#[test]
fn round_trip_path_and_virtual_host_style() {
    let server = S3sFs::start();
    round_trip(&client(s3s_config(&server.endpoint())), &unique_bucket("path"));
    let bucket = unique_bucket("vhost");
    let mut cfg = server.vhost_client_config(&[&bucket]);
    cfg.list_url_encoding = false;
    round_trip(&client(cfg), &bucket);
}

#[test]
fn every_payload_mode_passes_the_verifier() {
    let server = S3sFs::start();
    let c = client(s3s_config(&server.endpoint()));
    let bucket = unique_bucket("payload");
    c.create_bucket(&bucket).unwrap();
    // Several 64 KiB chunks and a short last one.
    let data = test_bytes(200_001, 2);
    let modes = [
        ("auto", PayloadSigning::Auto),
        ("unsigned", PayloadSigning::Unsigned),
        ("chunked", PayloadSigning::Chunked(ChunkedMode::Signed)),
        ("chunked-trailer", PayloadSigning::Chunked(ChunkedMode::SignedWithCrc32cTrailer)),
        ("unsigned-trailer", PayloadSigning::Chunked(ChunkedMode::UnsignedWithCrc32cTrailer)),
    ];
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("src.bin");
    std::fs::write(&file, &data).unwrap();
    for (name, payload) in modes {
        let opts = PutOptions { payload, ..Default::default() };
        c.put_object(&bucket, &format!("mem/{name}"), &data, &opts).unwrap_or_else(|e| panic!("{name}: {e}"));
        c.put_object_from_file(&bucket, &format!("file/{name}"), &file, &opts)
            .unwrap_or_else(|e| panic!("file {name}: {e}"));
        let mut reader: &[u8] = &data;
        c.put_object_from_reader(&bucket, &format!("stream/{name}"), &mut reader, data.len() as u64, &opts)
            .unwrap_or_else(|e| panic!("stream {name}: {e}"));
    }
    let keys = keys_of(&c, &bucket, &ListOptions::default());
    assert_eq!(keys.len(), 15, "{keys:?}");
    for key in keys {
        let (_, body) = c.get_object_bytes(&bucket, &key, 1 << 20).unwrap();
        assert!(body == data, "{key}: the stored bytes differ");
    }
    // Empty bodies, every way.
    c.put_object(&bucket, "empty/mem", b"", &PutOptions::default()).unwrap();
    let mut nothing: &[u8] = b"";
    c.put_object_from_reader(&bucket, "empty/stream", &mut nothing, 0, &PutOptions::default()).unwrap();
    assert_eq!(c.get_object_bytes(&bucket, "empty/stream", 10).unwrap().1, b"");
    // A stream shorter than declared is an error, not a truncated object.
    let mut short: &[u8] = &data[..1000];
    let err = c.put_object_from_reader(&bucket, "short", &mut short, 2000, &PutOptions::default()).clean_err();
    assert!(!c.object_exists(&bucket, "short").unwrap(), "{err}");
}

const ODD_KEYS: [&str; 6] =
    ["sp ace/a b.txt", "plus/a+b+c", "uni/é漢字🙂.txt", "sym/=&;~()*!'.x", "pct/100%25 %20 lit", "q/what?#frag"];

#[test]
fn odd_keys_round_trip_and_list() {
    let server = S3sFs::start();
    let c = client(s3s_config(&server.endpoint()));
    let bucket = unique_bucket("keys");
    c.create_bucket(&bucket).unwrap();
    for (i, key) in ODD_KEYS.iter().enumerate() {
        c.put_object(&bucket, key, key.as_bytes(), &PutOptions::default()).unwrap_or_else(|e| panic!("{key}: {e}"));
        assert_eq!(c.get_object_bytes(&bucket, key, 100).unwrap().1, key.as_bytes(), "{key}");
        // Copy source encoding.
        c.copy_object(&bucket, key, &bucket, &format!("copies/{i}/{key}"), None).unwrap_or_else(|e| panic!("{e}"));
    }
    for key in ODD_KEYS {
        // A prefix ending inside the odd characters.
        let prefix = &key[..key.char_indices().nth(key.chars().count() - 2).unwrap().0];
        let found = keys_of(&c, &bucket, &ListOptions { prefix: Some(prefix.into()), ..Default::default() });
        assert_eq!(found, [key], "prefix {prefix:?}");
        let copies = keys_of(&c, &bucket, &ListOptions { prefix: Some("copies/".into()), ..Default::default() });
        assert!(copies.iter().any(|k| k.ends_with(key)), "{key} in {copies:?}");
    }
    // Directory by directory: in key order, the flat listing; directories first, the same keys,
    // each directory's together.
    let flat = keys_of(&c, &bucket, &ListOptions::default());
    std::thread::scope(|s| {
        let in_key_order: Vec<String> =
            c.list_tree(s, &bucket, "", 4, TreeOrder::Key).map(|o| o.unwrap().key).collect();
        assert_eq!(in_key_order, flat, "in key order: the flat listing's order");
        let listed: Vec<String> =
            c.list_tree(s, &bucket, "", 4, TreeOrder::DirectoryFirst).map(|o| o.unwrap().key).collect();
        let mut sorted = listed.clone();
        sorted.sort();
        assert_eq!(sorted, flat);
        let tops: Vec<&str> = listed.iter().map(|k| k.split('/').next().unwrap()).collect();
        let mut runs = tops.clone();
        runs.dedup();
        assert_eq!(runs.len(), ODD_KEYS.len() + 1, "{listed:?}");
    });
}

#[test]
fn a_listing_in_key_ranges_is_the_listing() {
    let server = S3sFs::start();
    let c = client(s3s_config(&server.endpoint()));
    let bucket = unique_bucket("ranges");
    c.create_bucket(&bucket).unwrap();
    for k in (0..20).map(|i| format!("k/{i:02}")).chain(["k/sub/x".to_string(), "k/sub/y".into(), "top".into()]) {
        c.put_object(&bucket, &k, b"x", &PutOptions::default()).unwrap();
    }
    // Three keys a page (s3s-fs honours max-keys), one directory level.
    let opts =
        ListOptions { prefix: Some("k/".into()), delimiter: Some("/".into()), max_keys: Some(3), ..Default::default() };
    let want = keys_of(&c, &bucket, &opts);
    assert_eq!(want.len(), 21, "{want:?}");
    let cuts = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    for (splits, parallel) in [
        (cuts(&[]), 4),
        (cuts(&["k/05", "k/10"]), 4),
        (cuts(&["k/10", "k/nothing", "k/sub/zz", "k/05", "k/10"]), 2),
        (cuts(&["k/sub/x", "a", "z"]), 1),
    ] {
        let l = c.list_in_ranges(&bucket, &opts, &splits, parallel).unwrap();
        let got: Vec<&str> = l.entries.iter().map(|e| e.name()).collect();
        assert_eq!(got, want, "cut at {splits:?}");
        assert!(l.pages >= 7, "{} pages for 21 entries at 3 a page", l.pages);
    }
    // A missing bucket is the error, not an empty listing.
    let e = c.list_in_ranges("no-such-bucket-ranges", &opts, &cuts(&["k/05"]), 2).unwrap_err();
    assert_eq!(e.code(), Some("NoSuchBucket"), "{e}");
}

#[test]
fn presigned_urls_work_and_are_checked() {
    let server = S3sFs::start();
    let c = client(s3s_config(&server.endpoint()));
    let bucket = unique_bucket("presign");
    c.create_bucket(&bucket).unwrap();
    let http = Http::new(&HttpConfig::default()).unwrap();
    let key = "pre signed/ü+=.txt";

    let put_url = c.presign_put(&bucket, key, 300).unwrap();
    assert!(put_url.contains("X-Amz-Signature="));
    let r = http.send("PUT", &put_url, &[], Body::Bytes(b"via presigned put")).unwrap();
    assert_eq!(r.status(), 200);

    let get_url = c.presign_get(&bucket, key, 604_800).unwrap();
    let r = http.send("GET", &get_url, &[], Body::Empty).unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.read_to_vec(1000).unwrap(), b"via presigned put");

    // One signature digit changed: refused.
    let last = get_url.chars().last().unwrap();
    let tampered = format!("{}{}", &get_url[..get_url.len() - 1], if last == '0' { '1' } else { '0' });
    assert_eq!(http.send("GET", &tampered, &[], Body::Empty).unwrap().status(), 403);

    for bad in [0, 604_801] {
        assert!(matches!(c.presign_get(&bucket, key, bad), Err(S3Error::InvalidInput(_))), "{bad}");
    }
    // Expired: signed two hours ago for one hour.
    let mut cfg = s3s_config(&server.endpoint());
    cfg.clock = Arc::new(FixedClock(SystemTime::now() - Duration::from_secs(7200)));
    let old = client(cfg).presign_get(&bucket, key, 3600).unwrap();
    assert_eq!(http.send("GET", &old, &[], Body::Empty).unwrap().status(), 403);
}

#[test]
fn wrong_secret_is_a_typed_signature_error() {
    let server = S3sFs::start();
    let good = client(s3s_config(&server.endpoint()));
    let bucket = unique_bucket("secret");
    good.create_bucket(&bucket).unwrap();
    good.put_object(&bucket, "k", b"v", &PutOptions::default()).unwrap();

    let mut cfg = s3s_config(&server.endpoint());
    cfg.auth = Auth::keys(support::ACCESS_KEY, "not-the-secret");
    cfg.debug = true;
    let bad = client(cfg);
    let err = bad.get_object_bytes(&bucket, "k", 10).clean_err();
    assert_eq!((err.status(), err.code()), (Some(403), Some("SignatureDoesNotMatch")), "{err}");
    let line = err.to_string();
    assert!(!line.contains('\n') && line.contains("check the secret access key"), "{line}");
    assert!(!line.contains("not-the-secret"), "the secret leaked: {line}");
    let canonical = err.service().unwrap().canonical_request.clone().expect("debug keeps the canonical request");
    assert!(canonical.starts_with(&format!("GET\n/{bucket}/k\n")), "{canonical}");
    // Not retried: one request only.
    let mut cfg = s3s_config(&server.endpoint());
    cfg.auth = Auth::keys(support::ACCESS_KEY, "not-the-secret");
    let sleeper = RecordingSleeper::new();
    cfg.sleeper = sleeper.clone();
    assert!(client(cfg).head_object(&bucket, "k").clean_err().status() == Some(403));
    assert!(sleeper.waits().is_empty());

    // Anonymous requests to a private bucket: refused.
    let mut cfg = s3s_config(&server.endpoint());
    cfg.auth = Auth::Anonymous;
    let err = client(cfg).get_object_bytes(&bucket, "k", 10).clean_err();
    assert_eq!(err.status(), Some(403), "{err}");
}

#[test]
fn clock_skew_is_learnt_then_requests_succeed() {
    let server = S3sFs::start();
    let bucket = unique_bucket("skew");
    client(s3s_config(&server.endpoint())).create_bucket(&bucket).unwrap();
    for shift in [3600i64, -7200] {
        let mut cfg = s3s_config(&server.endpoint());
        let now = SystemTime::now();
        let skewed = if shift > 0 {
            now + Duration::from_secs(shift as u64)
        } else {
            now - Duration::from_secs((-shift) as u64)
        };
        cfg.clock = Arc::new(FixedClock(skewed));
        let notices = CollectedNotices::new();
        cfg.notices = notices.clone();
        let c = client(cfg);
        c.put_object(&bucket, "k", b"skewed", &PutOptions::default()).expect("corrected put");
        let off = c.clock_offset_secs();
        assert!((off + shift).abs() < 120, "offset {off} for a shift of {shift}");
        assert!(notices.all().iter().any(|n| n.contains("clock")), "{:?}", notices.all());
        // Later requests use the learnt offset directly (no new correction).
        assert_eq!(c.get_object_bytes(&bucket, "k", 10).unwrap().1, b"skewed");
        assert_eq!(notices.all().len(), 1);
    }
    // A HEAD error has no body: the skew is read from the Date header.
    let mut cfg = s3s_config(&server.endpoint());
    cfg.clock = Arc::new(FixedClock(SystemTime::now() + Duration::from_secs(5400)));
    let c = client(cfg);
    assert_eq!(c.head_object(&bucket, "k").expect("corrected head").size, 6);
    assert!((c.clock_offset_secs() + 5400).abs() < 120);
    // Correction off: the typed error.
    let mut cfg = s3s_config(&server.endpoint());
    cfg.clock = Arc::new(FixedClock(SystemTime::now() + Duration::from_secs(3600)));
    cfg.correct_clock_skew = false;
    let err = client(cfg).get_object_bytes(&bucket, "k", 10).clean_err();
    assert_eq!((err.status(), err.code()), (Some(403), Some("RequestTimeTooSkewed")), "{err}");
    assert!(err.to_string().contains("clock"), "{err}");
}

#[test]
fn tampered_payload_is_refused_and_not_stored() {
    let server = S3sFs::start();
    let direct = client(s3s_config(&server.endpoint()));
    let bucket = unique_bucket("tamper");
    direct.create_bucket(&bucket).unwrap();
    let proxy = FaultProxy::start(server.port(), vec![Fault::TamperBody, Fault::TamperBody, Fault::TamperBody]);
    let via = client(s3s_config(&proxy.endpoint()));
    let data = test_bytes(5000, 3);
    let err = via.put_object(&bucket, "tampered", &data, &PutOptions::default()).clean_err();
    let status = err.status().unwrap_or(0);
    assert!((400..500).contains(&status), "{err}");
    assert!(!direct.object_exists(&bucket, "tampered").unwrap(), "a tampered body was stored");
    // An aws-chunked body with a flipped byte is refused too.
    let opts = PutOptions { payload: PayloadSigning::Chunked(ChunkedMode::Signed), ..Default::default() };
    let err = via.put_object(&bucket, "tampered-chunked", &data, &opts).clean_err();
    assert!((400..500).contains(&err.status().unwrap_or(0)), "{err}");
    assert!(!direct.object_exists(&bucket, "tampered-chunked").unwrap());
    assert!(proxy.heads().len() >= 2);
}

#[test]
fn interrupted_download_resumes_pinned_to_the_etag() {
    let server = S3sFs::start();
    let direct = client(s3s_config(&server.endpoint()));
    let bucket = unique_bucket("resume");
    direct.create_bucket(&bucket).unwrap();
    let data = test_bytes(3 * 1024 * 1024 + 17, 4);
    let etag = direct.put_object(&bucket, "big", &data, &PutOptions::default()).unwrap().etag.unwrap();

    let proxy = FaultProxy::start(server.port(), vec![Fault::CutResponseAfter(1_000_000)]);
    let notices = CollectedNotices::new();
    let mut cfg = s3s_config(&proxy.endpoint());
    cfg.notices = notices.clone();
    let c = client(cfg);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("big.bin");
    let res = c.download_to_file(&bucket, "big", &dest).expect("download");
    assert_eq!(std::fs::read(&dest).unwrap(), data);
    assert_eq!((res.bytes, res.resumes), (data.len() as u64, 1));
    // Checked once, by the CRC32C s3s-fs stored (it sends it with a range covering the whole
    // object), not by the MD5 as well.
    assert!(res.crc32c_checked && !res.md5_checked, "{res:?}");
    let heads = proxy.heads();
    assert_eq!(heads.len(), 2, "{heads:?}");
    let resumed = heads[1].to_ascii_lowercase();
    assert!(resumed.contains("range: bytes="), "{resumed}");
    assert!(!resumed.contains("range: bytes=0-"), "resumes where it stopped: {resumed}");
    assert!(resumed.contains(&format!("if-match: {}", etag.to_ascii_lowercase())), "{resumed}");
    assert!(notices.all().iter().any(|n| n.contains("resuming")));
    // Only the target is left in the directory (no temporary file).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn large_download_in_parallel_ranges_with_a_cut() {
    let server = S3sFs::start();
    let direct = client(s3s_config(&server.endpoint()));
    let bucket = unique_bucket("ranges");
    direct.create_bucket(&bucket).unwrap();
    let data = test_bytes(16 * 1024 * 1024 + 5, 5);
    direct.put_object(&bucket, "big", &data, &PutOptions::default()).unwrap();
    // The third connection (a range after the first) is cut after 300 kB.
    let proxy = FaultProxy::start(server.port(), vec![Fault::Pass, Fault::Pass, Fault::CutResponseAfter(300_000)]);
    let mut cfg = s3s_config(&proxy.endpoint());
    cfg.part_size = 5 * 1024 * 1024;
    cfg.concurrency = 3;
    let c = client(cfg);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("big.bin");
    std::fs::write(&dest, b"old content is replaced").unwrap();
    let res = c.download_to_file(&bucket, "big", &dest).expect("download");
    assert!(std::fs::read(&dest).unwrap() == data, "downloaded bytes differ");
    assert_eq!((res.requests, res.resumes), (5, 1), "4 ranges and one resume");
    // Several ranges: not read back for the MD5 (the size and If-Match pin the content).
    assert!(!res.md5_checked, "a ranged download is not re-read to hash it");
    assert_eq!(res.bytes, data.len() as u64);
    assert!(proxy.heads().iter().skip(1).all(|h| h.to_ascii_lowercase().contains("if-match:")));
}

#[test]
fn retries_a_503_once_then_succeeds() {
    let server = S3sFs::start();
    let direct = client(s3s_config(&server.endpoint()));
    let bucket = unique_bucket("retry");
    direct.create_bucket(&bucket).unwrap();
    direct.put_object(&bucket, "k", b"value", &PutOptions::default()).unwrap();
    let body =
        "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>";
    let canned = format!(
        "HTTP/1.1 503 Slow Down\r\ncontent-type: application/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let proxy = FaultProxy::start(server.port(), vec![Fault::Respond(canned.clone()), Fault::Respond(canned.clone())]);
    let sleeper = RecordingSleeper::new();
    let mut cfg = s3s_config(&proxy.endpoint());
    cfg.sleeper = sleeper.clone();
    let c = client(cfg);
    assert_eq!(c.get_object_bytes(&bucket, "k", 100).unwrap().1, b"value");
    assert_eq!(proxy.heads().len(), 3);
    assert_eq!(sleeper.waits().len(), 2, "two backoff waits");

    // A connection closed before any answer: retried.
    let proxy = FaultProxy::start(server.port(), vec![Fault::CutResponseAfter(0)]);
    let c = client(s3s_config(&proxy.endpoint()));
    assert_eq!(c.get_object_bytes(&bucket, "k", 100).unwrap().1, b"value");
    assert_eq!(proxy.heads().len(), 2);

    // A PUT with a replayable body is retried too; max_attempts 1 gives the typed error.
    let proxy = FaultProxy::start(server.port(), vec![Fault::Respond(canned)]);
    let mut cfg = s3s_config(&proxy.endpoint());
    cfg.max_attempts = 1;
    let err = client(cfg).put_object(&bucket, "k2", b"x", &PutOptions::default()).clean_err();
    assert_eq!((err.status(), err.code()), (Some(503), Some("SlowDown")), "{err}");
    assert!(!direct.object_exists(&bucket, "k2").unwrap());

    // A streamed body cannot be replayed: not retried.
    let canned = "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_string();
    let proxy = FaultProxy::start(server.port(), vec![Fault::Respond(canned)]);
    let mut data: &[u8] = b"streamed";
    let err = client(s3s_config(&proxy.endpoint()))
        .put_object_from_reader(&bucket, "k3", &mut data, 8, &PutOptions::default())
        .clean_err();
    assert_eq!(err.status(), Some(503), "{err}");
    assert_eq!(proxy.heads().len(), 1);
}

#[test]
fn wrong_region_is_retried_in_the_bucket_region() {
    let server = S3sFs::start();
    let direct = client(s3s_config(&server.endpoint()));
    let bucket = unique_bucket("region");
    direct.create_bucket(&bucket).unwrap();
    direct.put_object(&bucket, "k", b"value", &PutOptions::default()).unwrap();
    // S3's answer to a HEAD in the wrong region: 301, no body, no Location.
    let canned =
        "HTTP/1.1 301 Moved Permanently\r\nx-amz-bucket-region: eu-west-1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
    let proxy = FaultProxy::start(server.port(), vec![Fault::Respond(canned.into())]);
    let notices = CollectedNotices::new();
    let mut cfg = s3s_config(&proxy.endpoint());
    cfg.notices = notices.clone();
    let c = client(cfg);
    assert_eq!(c.head_object(&bucket, "k").unwrap().size, 5);
    let heads = proxy.heads();
    assert!(heads[0].contains("/us-east-1/s3/aws4_request"), "{}", heads[0]);
    assert!(heads[1].contains("/eu-west-1/s3/aws4_request"), "{}", heads[1]);
    assert_eq!(c.region_for(&bucket), "eu-west-1");
    assert!(notices.all().iter().any(|n| n.contains("eu-west-1")), "{:?}", notices.all());
    // Remembered: the next request goes to eu-west-1 directly.
    c.get_object_bytes(&bucket, "k", 10).unwrap();
    assert!(proxy.heads()[2].contains("/eu-west-1/s3/aws4_request"));

    // A 400 AuthorizationHeaderMalformed naming the region in its body.
    let body = "<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region 'us-east-1' is wrong; \
                expecting 'eu-central-1'</Message><Region>eu-central-1</Region></Error>";
    let canned400 =
        format!("HTTP/1.1 400 Bad Request\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
    let proxy = FaultProxy::start(server.port(), vec![Fault::Respond(canned400)]);
    let c = client(s3s_config(&proxy.endpoint()));
    assert_eq!(c.get_object_bytes(&bucket, "k", 10).unwrap().1, b"value");
    assert!(proxy.heads()[1].contains("/eu-central-1/s3/aws4_request"));

    // With redirects off: the typed error names the region.
    let proxy = FaultProxy::start(server.port(), vec![Fault::Respond(canned.into())]);
    let mut cfg = s3s_config(&proxy.endpoint());
    cfg.follow_region_redirects = false;
    let err = client(cfg).head_object(&bucket, "k").clean_err();
    assert_eq!((err.status(), err.code()), (Some(301), Some("PermanentRedirect")));
    assert!(err.to_string().contains("eu-west-1"), "{err}");
}

#[test]
fn bad_input_is_refused_cleanly() {
    let server = S3sFs::start();
    let c = client(s3s_config(&server.endpoint()));
    let bucket = unique_bucket("bad");
    c.create_bucket(&bucket).unwrap();
    c.put_object(&bucket, "k", b"value", &PutOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();

    // A missing bucket (s3s-fs says NoSuchKey; SeaweedFS tests check NoSuchBucket).
    let err = c.get_object_bytes("no-such-bucket-here", "k", 10).clean_err();
    assert_eq!(err.status(), Some(404), "{err}");
    // Empty keys and bucket names never reach the server.
    assert!(matches!(c.get_object(&bucket, "", &GetOptions::default()), Err(S3Error::InvalidInput(_))));
    assert!(matches!(c.put_object(&bucket, "", b"x", &PutOptions::default()), Err(S3Error::InvalidInput(_))));
    assert!(matches!(c.delete_object("", "k"), Err(S3Error::InvalidInput(_))));
    assert!(matches!(c.create_bucket("no spaces allowed"), Err(S3Error::Address(_))));
    // A directory as destination.
    let err = c.download_to_file(&bucket, "k", dir.path()).clean_err();
    assert!(matches!(err, S3Error::InvalidInput(_)), "{err}");
    // A directory as upload source.
    assert!(matches!(
        c.put_object_from_file(&bucket, "d", dir.path(), &PutOptions::default()),
        Err(S3Error::InvalidInput(_))
    ));
    // A missing object: no file, no temporary file.
    let dest = dir.path().join("out");
    let err = c.download_to_file(&bucket, "missing", &dest).clean_err();
    assert_eq!(err.code(), Some("NoSuchKey"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // A read-only target directory (as root, permissions do not stop us: /proc refuses).
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let mut perms = std::fs::metadata(&ro).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o555);
    std::fs::set_permissions(&ro, perms).unwrap();
    let unwritable = if std::fs::write(ro.join("probe"), b"").is_ok() {
        std::fs::remove_file(ro.join("probe")).unwrap();
        std::path::PathBuf::from("/proc")
    } else {
        ro.clone()
    };
    let err = c.download_to_file(&bucket, "k", &unwritable.join("out")).clean_err();
    assert!(matches!(err, S3Error::Io { .. }), "{err}");
    assert!(err.to_string().contains("temporary file"), "{err}");
    assert_eq!(std::fs::read_dir(&ro).unwrap().count(), 0);
    // A missing target directory.
    let err = c.download_to_file(&bucket, "k", &dir.path().join("nope/out")).clean_err();
    assert!(matches!(err, S3Error::InvalidInput(_)), "{err}");
    // A bad range.
    let r = GetOptions { range: Some(ByteRange::Inclusive(5, 2)), ..Default::default() };
    assert!(matches!(c.get_object(&bucket, "k", &r), Err(S3Error::InvalidInput(_))));
    let r = GetOptions { range: Some(ByteRange::From(100)), ..Default::default() };
    assert_eq!(c.get_object(&bucket, "k", &r).clean_err().status(), Some(416));
    // Part size below 5 MiB.
    let mut cfg = s3s_config(&server.endpoint());
    cfg.part_size = 1024;
    assert!(matches!(Client::new(cfg), Err(S3Error::InvalidInput(_))));
}

#[derive(Debug, Default)]
struct ByteCount(std::sync::atomic::AtomicU64);

impl minis3::s3::Progress for ByteCount {
    fn advance(&self, bytes: u64) {
        self.0.fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
    }
}

#[test]
fn progress_reports_every_byte_of_uploads_and_downloads() {
    use std::sync::atomic::Ordering;
    let server = S3sFs::start();
    let count = Arc::new(ByteCount::default());
    let mut cfg = s3s_config(&server.endpoint());
    cfg.part_size = 5 * 1024 * 1024;
    cfg.multipart_threshold = 6 * 1024 * 1024;
    cfg.progress = Some(count.clone());
    let c = client(cfg);
    let bucket = unique_bucket("progress");
    c.create_bucket(&bucket).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (i, len) in [(0usize, 3 * 1024 * 1024 + 7), (1, 11 * 1024 * 1024 + 3)] {
        // Below the threshold a single streamed PUT, above it multipart parts.
        let src = dir.path().join(format!("src{i}"));
        std::fs::write(&src, test_bytes(len, i as u64 + 40)).unwrap();
        count.0.store(0, Ordering::Relaxed);
        c.put_object_from_file(&bucket, "obj", &src, &PutOptions::default()).unwrap();
        assert_eq!(count.0.load(Ordering::Relaxed), len as u64, "upload of {len} bytes");
        count.0.store(0, Ordering::Relaxed);
        c.download_to_file(&bucket, "obj", &dir.path().join("back")).unwrap();
        assert_eq!(count.0.load(Ordering::Relaxed), len as u64, "download of {len} bytes");
    }
}

#[test]
fn large_files_go_as_one_unsigned_put_to_a_loopback_endpoint() {
    let server = S3sFs::start();
    let direct = client(s3s_config(&server.endpoint()));
    let bucket = unique_bucket("loopback");
    direct.create_bucket(&bucket).unwrap();
    let proxy = FaultProxy::start(server.port(), vec![Fault::Pass; 4]);
    let mut cfg = s3s_config(&proxy.endpoint());
    cfg.loopback_single_put = true; // the default of ClientConfig::new
    cfg.part_size = 5 * 1024 * 1024;
    cfg.multipart_threshold = 6 * 1024 * 1024;
    let c = client(cfg);
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("big");
    let data = test_bytes(20 * 1024 * 1024 + 11, 77);
    std::fs::write(&src, &data).unwrap();
    let res = c.put_object_from_file(&bucket, "big", &src, &PutOptions::default()).unwrap();
    assert!(!res.etag.as_deref().unwrap_or("").contains('-'), "one PUT, not multipart: {:?}", res.etag);
    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "a single request: {heads:?}");
    let h = heads[0].to_ascii_lowercase();
    assert!(h.starts_with("put "), "{h}");
    // Not hashed: sent in one pass, the CRC32C in an unsigned trailer.
    assert!(h.contains("x-amz-content-sha256: streaming-unsigned-payload-trailer"), "{h}");
    assert!(direct.get_object_bytes(&bucket, "big", 1 << 30).unwrap().1 == data, "stored bytes differ");
}

#[test]
fn durable_download_is_flushed_and_complete() {
    let server = S3sFs::start();
    let mut cfg = s3s_config(&server.endpoint());
    cfg.sync_downloads = true;
    let c = client(cfg);
    let bucket = unique_bucket("durable");
    c.create_bucket(&bucket).unwrap();
    let data = test_bytes(1_000_003, 9);
    c.put_object(&bucket, "k", &data, &PutOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("k");
    let res = c.download_to_file(&bucket, "k", &dest).unwrap();
    assert!(res.crc32c_checked, "{res:?}");
    assert!(std::fs::read(&dest).unwrap() == data);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
}
