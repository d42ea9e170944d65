//! Load (issue 16, section 3): one `Client` shared by 16 threads doing 10,000 mixed
//! get/put/list/delete operations on SeaweedFS, every byte verified against each thread's own
//! model, and the process's open descriptors (all, and sockets) back to their starting count
//! once the client is dropped. Alone in its test binary, so that no other test's sockets count.
#![cfg(feature = "client")]

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use minis3::s3::{Client, ListEntry, ListOptions, PutOptions};
use support::{test_bytes, test_config, unique_bucket, Seaweed, TestServer};

fn client(cfg: minis3::s3::ClientConfig) -> Client {
    Client::new(cfg).expect("client")
}

/// The open file descriptors of this process: (all, sockets).
fn open_fds() -> (usize, usize) {
    let mut all = 0;
    let mut sockets = 0;
    for e in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        all += 1;
        if std::fs::read_link(e.path()).map(|l| l.to_string_lossy().starts_with("socket:")).unwrap_or(false) {
            sockets += 1;
        }
    }
    (all, sockets)
}

#[cfg(target_os = "linux")]
#[test]
fn one_client_shared_by_16_threads_under_load() {
    const THREADS: usize = 16;
    const OPS: usize = 10_000;
    let server = Seaweed::shared();
    let bucket = unique_bucket("load");
    client(test_config(&server.endpoint())).create_bucket(&bucket).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let before = open_fds();
    let c = Arc::new(client(test_config(&server.endpoint())));
    let done = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (c, bucket, done) = (c.clone(), bucket.clone(), done.clone());
            std::thread::spawn(move || {
                let prefix = format!("t{t}/");
                let mut model: HashMap<String, (u64, usize)> = HashMap::new();
                let mut x = (t as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                for i in 0..OPS / THREADS {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let key = format!("{prefix}k{}", x % 24);
                    match x % 10 {
                        0..=3 => {
                            let len = (x >> 20) as usize % 8_000;
                            let seed = x ^ i as u64;
                            c.put_object(&bucket, &key, &test_bytes(len, seed), &PutOptions::default()).unwrap();
                            model.insert(key, (seed, len));
                        }
                        4..=6 => match (model.get(&key), c.get_object_bytes(&bucket, &key, 1 << 20)) {
                            (Some(&(seed, len)), Ok((_, body))) => {
                                assert!(body == test_bytes(len, seed), "{key}: wrong bytes")
                            }
                            (None, Err(e)) if e.status() == Some(404) => {}
                            (want, got) => panic!("{key}: expected {want:?}, got {:?}", got.map(|(_, b)| b.len())),
                        },
                        7 => {
                            let opts = ListOptions { prefix: Some(prefix.clone()), ..Default::default() };
                            let mut listed: Vec<(String, u64)> = c
                                .list_objects(&bucket, &opts)
                                .map(|e| match e.unwrap() {
                                    ListEntry::Object(o) => (o.key, o.size),
                                    other => panic!("{other:?}"),
                                })
                                .collect();
                            listed.sort();
                            let mut want: Vec<(String, u64)> =
                                model.iter().map(|(k, &(_, len))| (k.clone(), len as u64)).collect();
                            want.sort();
                            assert_eq!(listed, want);
                        }
                        _ => {
                            c.delete_object(&bucket, &key).unwrap();
                            model.remove(&key);
                        }
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("a worker failed");
    }
    assert_eq!(done.load(Ordering::SeqCst), OPS);
    let took = started.elapsed();
    let during = open_fds();
    let idle_limit = c.config().http.max_idle_connections;
    assert!(during.1 <= before.1 + idle_limit, "sockets {before:?} -> {during:?} with the client alive");
    drop(c);
    let after = open_fds();
    assert_eq!(after, before, "descriptors (all, sockets) before and after; {OPS} operations in {took:?}");
    eprintln!("{OPS} operations from {THREADS} threads in {took:?}; fds {before:?} -> {during:?} -> {after:?}");
}
