//! The `minis3` binary when the server dies (issue 16, section 3): s3s-fs killed in the middle
//! of `sync` makes the command fail with one clear line, and once the server is back the same
//! command converges to the same tree.
#![cfg(feature = "cli")]

#[path = "support/faults.rs"]
mod faults;
mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use faults::{Cut, CutProxy, RestartableS3sFs};
use minis3::s3::{Client, ListEntry, ListOptions};
use support::{free_port, test_bytes, test_config, ACCESS_KEY, SECRET_KEY};

/// Runs minis3 with the test keys against `endpoint` in `work`: (exit code, stdout, stderr).
fn run(work: &Path, endpoint: &str, args: &[&str]) -> (i32, String, String) {
    let home = work.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_minis3"))
        .env_clear()
        .env("HOME", &home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", home.join("aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("aws-credentials"))
        .env("AWS_REGION", "us-east-1")
        .env("PIXI_NO_CONFIG", "true")
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_MAX_ATTEMPTS", "2")
        .args(args)
        .current_dir(work)
        .stdin(Stdio::null())
        .output()
        .expect("cannot run minis3");
    support::secrets::assert_clean_output(&format!("minis3 {args:?}"), &out.stdout, &out.stderr);
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

fn stored(c: &Client, bucket: &str) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = c
        .list_objects(bucket, &ListOptions::default())
        .map(|e| match e.unwrap() {
            ListEntry::Object(o) => {
                let body = c.get_object_bytes(bucket, &o.key, 1 << 30).unwrap().1;
                (o.key, body)
            }
            other => panic!("{other:?}"),
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_server_killed_in_the_middle_of_sync_fails_with_one_line_and_a_rerun_converges() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Arc::new(Mutex::new(RestartableS3sFs::start(free_port(), &tmp.path().join("data"))));
    let upstream = server.lock().unwrap().port;
    let direct = Client::new({
        let mut cfg = test_config(&server.lock().unwrap().endpoint());
        cfg.list_url_encoding = false;
        cfg
    })
    .unwrap();
    direct.create_bucket("tree").unwrap();
    let work = tmp.path().join("work");
    let mut want = Vec::new();
    for i in 0..40 {
        let rel = format!("d{}/f{i:02}.bin", i % 4);
        let data = test_bytes(100_000 + i * 997, i as u64 + 1);
        std::fs::create_dir_all(work.join("src").join(format!("d{}", i % 4))).unwrap();
        std::fs::write(work.join("src").join(&rel), &data).unwrap();
        want.push((format!("p/{rel}"), data));
    }
    want.sort();

    // The server is killed when the 10th upload arrives (before it is forwarded). The proxy's
    // threads outlive the test, so they hold the server weakly: the test's own reference is
    // the last, and dropping it (at the end, or on a failed assertion) kills the server.
    let puts = AtomicUsize::new(0);
    let killer = Arc::downgrade(&server);
    let proxy = CutProxy::start(upstream, move |_, head| {
        if head.starts_with("PUT") && puts.fetch_add(1, Ordering::SeqCst) + 1 == 10 {
            if let Some(server) = killer.upgrade() {
                server.lock().unwrap().kill();
            }
        }
        Cut::Pass
    });
    let (code, stdout, stderr) = run(&work, &proxy.endpoint(), &["sync", "src", "s3://tree/p"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("minis3: upload failed:") && stderr.contains("run the command again"), "{stderr}");
    let first = stdout.lines().filter(|l| l.starts_with("upload:")).count();
    // Uploads run in parallel: the kill may come before any of them has answered.
    assert!(first < 40, "{stdout}");

    // Back again over the same data: the same command finishes the tree, then has nothing to do.
    // Uploads run in parallel: one the server stored just before it died may have lost its
    // answer, so what the rerun must send is what the server holds, not what was printed.
    server.lock().unwrap().restart();
    let held = stored(&direct, "tree").len();
    assert!(first <= held && held < 40, "{first} printed, {held} stored");
    let (code, stdout, stderr) = run(&work, &proxy.endpoint(), &["sync", "src", "s3://tree/p"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(stdout.lines().count(), 40 - held, "the files not stored yet: {stdout}");
    assert!(stored(&direct, "tree") == want, "the stored tree differs from the local one");
    let (code, stdout, _) = run(&work, &proxy.endpoint(), &["sync", "src", "s3://tree/p"]);
    assert_eq!((code, stdout.as_str()), (0, ""));
}
