//! Faults, all on 127.0.0.1 and bounded in time (issue 16, section 3): connections cut in
//! downloads and uploads (s3s-fs and SeaweedFS behind a cutting proxy), a server trickling
//! its answer, a server answering 503 forever.
//! (The load test is in `s3_load.rs`, alone in its process, so that its descriptor counts
//! see no other test's.)
#![cfg(feature = "client")]

#[path = "support/faults.rs"]
mod faults;
mod support;

use support::secrets::CleanErr;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use faults::{busy_server, trickle_body_server, trickle_server, Cut, CutProxy};
use minis3::s3::{Client, ClientConfig, PutOptions};
use support::{test_bytes, test_config, unique_bucket, S3sFs, Seaweed, TestServer};

const MIB: usize = 1024 * 1024;

fn s3s_config(endpoint: &str) -> ClientConfig {
    let mut cfg = test_config(endpoint);
    cfg.list_url_encoding = false;
    cfg
}

fn client(cfg: ClientConfig) -> Client {
    Client::new(cfg).expect("client")
}

/// Deterministic offsets in `lo..hi` (xorshift).
fn offsets(n: usize, lo: usize, hi: usize, seed: u64) -> Vec<usize> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            lo + (x as usize) % (hi - lo)
        })
        .collect()
}

/// Runs `f` on a thread and fails the test if it takes longer than `limit` (a hang).
fn bounded<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit).unwrap_or_else(|_| panic!("did not finish within {limit:?}: it hangs"))
}

fn lower(h: &str) -> String {
    h.to_ascii_lowercase()
}

/// A proxy cutting the responses of the first `offsets.len()` GETs at those offsets.
fn cutting_gets(upstream: u16, offsets: Vec<usize>) -> CutProxy {
    let gets = AtomicUsize::new(0);
    CutProxy::start(upstream, move |_, head| {
        if !head.starts_with("GET") {
            return Cut::Pass;
        }
        match offsets.get(gets.fetch_add(1, Ordering::SeqCst)) {
            Some(&n) => Cut::Response(n),
            None => Cut::Pass,
        }
    })
}

#[test]
fn a_download_survives_ten_cuts_at_random_offsets_pinned_to_the_etag() {
    let server = S3sFs::start();
    let direct = client(s3s_config(&server.endpoint()));
    let bucket = unique_bucket("cuts");
    direct.create_bucket(&bucket).unwrap();
    let data = test_bytes(12 * MIB + 7, 11);
    let etag = direct.put_object(&bucket, "big", &data, &PutOptions::default()).unwrap().etag.unwrap();
    let dir = tempfile::tempdir().unwrap();

    // One stream (the part size is above the object's size), then three parallel ranges.
    for (part_size, seed) in [(16 * MIB as u64, 1), (5 * MIB as u64, 2)] {
        // Past the response head (~500 bytes), so that each cut moves the download forward.
        let proxy = cutting_gets(server.port(), offsets(10, 2_000, 1_000_000, seed));
        let mut cfg = s3s_config(&proxy.endpoint());
        cfg.part_size = part_size;
        cfg.concurrency = 3;
        let c = client(cfg);
        let dest = dir.path().join(format!("big-{part_size}"));
        let res = c.download_to_file(&bucket, "big", &dest).expect("download");
        assert_eq!(proxy.cuts(), 10);
        assert_eq!(res.resumes, 10, "{res:?}");
        assert!(std::fs::read(&dest).unwrap() == data, "the bytes differ");
        let gets: Vec<String> = proxy.heads().into_iter().filter(|h| h.starts_with("GET")).map(|h| lower(&h)).collect();
        assert!(gets.len() >= 11, "{gets:?}");
        let pin = format!("if-match: {}", lower(&etag));
        assert!(gets[1..].iter().all(|h| h.contains(&pin) && h.contains("range: bytes=")), "{gets:?}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), if part_size > 8 * MIB as u64 { 1 } else { 2 });
    }
}

#[test]
fn a_single_put_is_retried_from_the_file_and_never_stored_partly() {
    let server = S3sFs::start();
    let direct = client(s3s_config(&server.endpoint()));
    let bucket = unique_bucket("putcut");
    direct.create_bucket(&bucket).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    let data = test_bytes(3 * MIB + 1, 12);
    std::fs::write(&file, &data).unwrap();

    // Two PUTs cut in the middle of the body, the third goes through.
    let cut = offsets(2, 1, 3 * MIB, 3);
    let puts = AtomicUsize::new(0);
    let proxy = CutProxy::start(server.port(), move |_, head| {
        if !head.starts_with("PUT") {
            return Cut::Pass;
        }
        cut.get(puts.fetch_add(1, Ordering::SeqCst)).map_or(Cut::Pass, |&n| Cut::Request(n))
    });
    let c = client(s3s_config(&proxy.endpoint()));
    c.put_object_from_file(&bucket, "single", &file, &PutOptions::default()).expect("put after two cuts");
    assert_eq!(proxy.cuts(), 2);
    assert_eq!(proxy.heads().iter().filter(|h| h.starts_with("PUT")).count(), 3);
    assert!(direct.get_object_bytes(&bucket, "single", 1 << 30).unwrap().1 == data);

    // Cut forever: the error, and nothing under the key.
    let proxy =
        CutProxy::start(server.port(), |_, head| if head.starts_with("PUT") { Cut::Request(MIB) } else { Cut::Pass });
    let err = client(s3s_config(&proxy.endpoint()))
        .put_object_from_file(&bucket, "never", &file, &PutOptions::default())
        .clean_err();
    assert!(!err.to_string().contains('\n'), "{err}");
    assert!(proxy.cuts() >= 2, "retried before giving up");
    assert!(!direct.object_exists(&bucket, "never").unwrap(), "a cut body was stored");
}

#[test]
fn a_multipart_upload_retries_the_part_and_leaves_no_upload_behind() {
    let server = Seaweed::shared();
    let direct = client(test_config(&server.endpoint()));
    let bucket = unique_bucket("mpucut");
    direct.create_bucket(&bucket).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    let data = test_bytes(12 * MIB + 3, 13);
    std::fs::write(&file, &data).unwrap();
    let small_parts = |endpoint: &str| {
        let mut cfg = test_config(endpoint);
        cfg.part_size = 5 * MIB as u64;
        cfg.multipart_threshold = 5 * MIB as u64;
        cfg
    };

    // The first attempt of every part is cut in its body.
    let seen: Mutex<HashMap<String, usize>> = Mutex::new(HashMap::new());
    let proxy = CutProxy::start(server.port(), move |_, head| {
        let line = head.lines().next().unwrap_or("").to_string();
        if !(line.starts_with("PUT") && line.contains("partNumber=")) {
            return Cut::Pass;
        }
        let mut seen = seen.lock().unwrap();
        let n = seen.entry(line).or_insert(0);
        *n += 1;
        if *n == 1 {
            Cut::Request(MIB + 17)
        } else {
            Cut::Pass
        }
    });
    let put = client(small_parts(&proxy.endpoint()))
        .put_object_from_file(&bucket, "mpu", &file, &PutOptions::default())
        .expect("multipart upload after cuts");
    assert_eq!((put.parts, proxy.cuts()), (3, 3));
    assert!(direct.get_object_bytes(&bucket, "mpu", 1 << 30).unwrap().1 == data);
    assert!(direct.list_multipart_uploads(&bucket, "").unwrap().is_empty());

    // Every part cut, every time: the upload fails, is aborted, nothing is under the key.
    let proxy = CutProxy::start(server.port(), |_, head| {
        let line = head.lines().next().unwrap_or("");
        if line.starts_with("PUT") && line.contains("partNumber=") {
            Cut::Request(MIB)
        } else {
            Cut::Pass
        }
    });
    let err = client(small_parts(&proxy.endpoint()))
        .put_object_from_file(&bucket, "doomed", &file, &PutOptions::default())
        .clean_err();
    assert!(!err.to_string().contains('\n'), "{err}");
    assert!(!direct.object_exists(&bucket, "doomed").unwrap());
    assert!(proxy.heads().iter().any(|h| h.starts_with("DELETE") && h.contains("uploadId=")), "aborted");
    assert!(direct.list_multipart_uploads(&bucket, "").unwrap().is_empty(), "an upload was left behind");

    // The listing follows every page: five uploads, two per page.
    let ids: Vec<(String, String)> = (0..5)
        .map(|i| {
            let key = format!("open/{i}");
            let id = direct.create_multipart_upload(&bucket, &key, &PutOptions::default()).unwrap();
            (key, id)
        })
        .collect();
    let listed = direct.list_multipart_uploads_paged(&bucket, "open/", 2).unwrap();
    let mut got: Vec<(String, String)> = listed.into_iter().map(|u| (u.key, u.upload_id)).collect();
    got.sort();
    assert_eq!(got, ids);
    for (key, id) in &ids {
        direct.abort_multipart_upload(&bucket, key, id).unwrap();
    }
    assert!(direct.list_multipart_uploads_paged(&bucket, "", 2).unwrap().is_empty());
}

/// A GET from a server that trickles (`endpoint`, its request counter) fails as a read timeout
/// well within the bound, after at most `max_attempts` requests.
fn assert_trickle_times_out((endpoint, requests): (String, std::sync::Arc<std::sync::atomic::AtomicUsize>)) {
    let mut cfg = test_config(&endpoint);
    cfg.http.read_timeout = Some(Duration::from_secs(2));
    cfg.max_attempts = 2;
    let started = Instant::now();
    let err = bounded(Duration::from_secs(30), move || client(cfg).get_object_bytes("bkt", "k", 1 << 20).clean_err());
    let took = started.elapsed();
    assert!(err.to_string().to_ascii_lowercase().contains("timed out") || err.to_string().contains("timeout"), "{err}");
    assert!(took < Duration::from_secs(15), "{took:?}");
    assert!(requests.load(Ordering::SeqCst) <= 2);
}

#[test]
fn a_trickling_server_hits_the_read_timeout() {
    assert_trickle_times_out(trickle_server());
}

#[test]
fn a_body_trickling_a_byte_a_second_fails_by_the_low_speed_rule() {
    // Every read gets a byte within the read timeout: only the low-speed rule ends it.
    assert_trickle_times_out(trickle_body_server());
}

#[test]
fn a_server_busy_forever_stops_after_max_attempts_with_the_last_error() {
    let (endpoint, requests) = busy_server();
    let mut cfg = test_config(&endpoint);
    cfg.max_attempts = 4;
    let err = bounded(Duration::from_secs(30), move || client(cfg).get_object_bytes("bkt", "k", 100).clean_err());
    assert_eq!((err.status(), err.code()), (Some(503), Some("SlowDown")), "{err}");
    assert_eq!(requests.load(Ordering::SeqCst), 4);
    let text = err.to_string();
    assert!(text.contains("answer 4") || text.contains("busy-4"), "the last error is shown: {text}");
    assert!(!text.contains('\n'));
}
