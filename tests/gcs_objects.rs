//! Cloud Storage object GET/HEAD (`minis3::gcs`): against fake-gcs-server (a real Cloud
//! Storage emulator, installed by `scripts/install-servers.sh fake-gcs`) serving the XML API's
//! `/BUCKET/KEY` paths on 127.0.0.1, and, for what the emulator does not check (the bearer
//! header, `If-None-Match`, a 401 answered with a fresh token), a small server written here.
//!
//! S3 servers cannot stand in: s3s-fs refuses an `Authorization: Bearer` header as a malformed
//! SigV4 header, and refuses anonymous requests.
#![cfg(feature = "client")]

mod support;

use support::secrets::CleanErr;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use minis3::clock::SystemClock;
use minis3::credentials::gcs::{GcsAuth, GcsAuthError, GcsCredentialSource, GcsToken, TokenSource};
use minis3::gcs::{GcsClient, GcsError, GetOptions, GetOutcome};
use minis3::http::{Http, HttpConfig};

/// fake-gcs-server on 127.0.0.1 with the objects under `data/` (`data/BUCKET/KEY`); killed on
/// drop.
struct FakeGcs {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl FakeGcs {
    fn start(objects: &[(&str, &str, &[u8])]) -> Self {
        let bin = support::servers_root().join("bin/fake-gcs-server");
        assert!(
            bin.exists(),
            "{} is missing: run `bash scripts/install-servers.sh fake-gcs` (or `all`)",
            bin.display()
        );
        let dir = tempfile::tempdir().unwrap();
        for (bucket, key, body) in objects {
            let p: PathBuf = dir.path().join("data").join(bucket).join(key);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, body).unwrap();
        }
        let port = support::free_port();
        let child = Command::new(&bin)
            .args(["-scheme", "http", "-host", "127.0.0.1", "-port", &port.to_string()])
            .args(["-public-host", &format!("127.0.0.1:{port}"), "-backend", "memory", "-log-level", "error"])
            .arg("-data")
            .arg(dir.path().join("data"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Self { child, port, _dir: dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "fake-gcs-server did not listen on 127.0.0.1:{port} within 10 s");
            std::thread::sleep(Duration::from_millis(10));
        }
        server
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for FakeGcs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Hands out `TOKEN1`, `TOKEN2`, ... and counts.
#[derive(Debug, Default)]
struct Counting(AtomicU64);

impl TokenSource for Counting {
    fn token(&self) -> Result<GcsToken, GcsAuthError> {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        let mut t = GcsToken::new(format!("TOKEN{n}"), GcsCredentialSource::Explicit);
        t.quota_project_id = Some("billing-1".into());
        Ok(t)
    }
}

fn client(endpoint: &str) -> GcsClient {
    let http = Http::new(&HttpConfig::default()).unwrap();
    let auth = GcsAuth::new(Box::new(Counting::default()), Arc::new(SystemClock));
    GcsClient::new(http, Some(auth)).with_endpoint(endpoint)
}

fn body(outcome: GetOutcome) -> (minis3::gcs::ObjectMeta, Vec<u8>) {
    match outcome {
        GetOutcome::Body { meta, body } => (meta, body.read_to_vec(1 << 20).unwrap()),
        GetOutcome::NotModified { meta } => panic!("unexpected 304: {meta:?}"),
    }
}

#[test]
fn get_head_and_ranges_from_a_cloud_storage_emulator() {
    let repodata = br#"{"info":{"subdir":"noarch"},"packages":{},"packages.conda":{}}"#;
    let server = FakeGcs::start(&[("chan-bkt", "conda/noarch/repodata.json", repodata)]);
    let c = client(&server.endpoint());

    let (meta, got) = body(c.get("chan-bkt", "conda/noarch/repodata.json", &GetOptions::default()).unwrap());
    assert_eq!((meta.status, got.as_slice()), (200, &repodata[..]));
    assert_eq!(meta.content_length, Some(repodata.len() as u64));
    let etag = meta.etag.clone().expect("an ETag");

    let (meta, got) = body(
        c.get(
            "chan-bkt",
            "/conda/noarch/repodata.json",
            &GetOptions { range: Some((2, Some(5))), ..Default::default() },
        )
        .unwrap(),
    );
    assert_eq!((meta.status, got.as_slice()), (206, &repodata[2..=5]));
    assert_eq!(meta.content_range.as_deref(), Some(format!("bytes 2-5/{}", repodata.len()).as_str()));

    let (_, got) = body(
        c.get("chan-bkt", "conda/noarch/repodata.json", &GetOptions { range: Some((10, None)), ..Default::default() })
            .unwrap(),
    );
    assert_eq!(got, &repodata[10..]);

    let (meta, got) = body(c.head("chan-bkt", "conda/noarch/repodata.json", &GetOptions::default()).unwrap());
    assert_eq!(
        (meta.status, meta.content_length, meta.etag.as_deref(), got.len()),
        (200, Some(repodata.len() as u64), Some(etag.as_str()), 0)
    );

    let e = c.get("chan-bkt", "conda/linux-64/repodata.json", &GetOptions::default()).clean_err();
    assert!(e.is_not_found(), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!("{}/chan-bkt/conda/linux-64/repodata.json: no such object (404)", server.endpoint())
    );
    let e = c.head("other-bkt", "conda/noarch/repodata.json", &GetOptions::default()).clean_err();
    assert!(e.is_not_found(), "{e:?}");
}

/// A request as the header-checking server saw it.
#[derive(Clone, Debug)]
struct Req {
    method: String,
    target: String,
    headers: BTreeMap<String, String>,
}

fn serve(
    handler: impl Fn(&Req) -> (u16, Vec<(&'static str, String)>, String) + Send + 'static,
) -> (String, Arc<Mutex<Vec<Req>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let log2 = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let mut r = BufReader::new(stream);
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                continue;
            }
            let mut parts = line.split_whitespace();
            let (method, target) = (parts.next().unwrap_or("").to_string(), parts.next().unwrap_or("").to_string());
            let mut headers = BTreeMap::new();
            loop {
                let mut l = String::new();
                if r.read_line(&mut l).unwrap_or(0) == 0 || l == "\r\n" {
                    break;
                }
                if let Some((k, v)) = l.split_once(':') {
                    headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                }
            }
            let req = Req { method, target, headers };
            let (status, extra, body) = handler(&req);
            log2.lock().unwrap().push(req);
            let mut resp = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n", body.len());
            for (k, v) in extra {
                resp.push_str(&format!("{k}: {v}\r\n"));
            }
            resp.push_str("\r\n");
            resp.push_str(&body);
            let _ = r.into_inner().write_all(resp.as_bytes());
        }
    });
    (base, log)
}

#[test]
fn bearer_token_conditions_and_a_401_answered_with_a_fresh_token() {
    let (base, log) = serve(|req| {
        match req.headers.get("authorization").map(String::as_str) {
            Some("Bearer TOKEN1") => return (401, vec![], "<Error><Code>AuthenticationRequired</Code></Error>".into()),
            Some("Bearer TOKEN2") => {}
            other => panic!("unexpected authorization {other:?}"),
        }
        if req.target.contains("secret") {
            let xml = "<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code><Message>sa@p does not \
                       have storage.objects.get access.</Message></Error>";
            return (403, vec![], xml.into());
        }
        if req.headers.get("if-none-match").map(String::as_str) == Some("\"abc\"") {
            return (304, vec![("etag", "\"abc\"".into())], String::new());
        }
        (
            200,
            vec![("etag", "\"abc\"".into()), ("last-modified", "Tue, 01 Dec 2026 10:00:00 GMT".into())],
            "hello".into(),
        )
    });
    let c = client(&base);
    let (meta, got) = body(c.get("b", "dir/a b+c.txt", &GetOptions::default()).unwrap());
    assert_eq!((meta.etag.as_deref(), got.as_slice()), (Some("\"abc\""), &b"hello"[..]));
    assert_eq!(meta.last_modified.as_deref(), Some("Tue, 01 Dec 2026 10:00:00 GMT"));
    {
        let log = log.lock().unwrap();
        assert_eq!(log.len(), 2, "one 401, then the same request with a new token");
        assert_eq!(log[1].method, "GET");
        assert_eq!(log[1].target, "/b/dir/a%20b%2Bc.txt");
        assert_eq!(log[1].headers["x-goog-user-project"], "billing-1");
    }
    let opts = GetOptions {
        if_none_match: Some("\"abc\"".into()),
        if_modified_since: Some("Tue, 01 Dec 2026 10:00:00 GMT".into()),
        ..Default::default()
    };
    match c.get("b", "k", &opts).unwrap() {
        GetOutcome::NotModified { meta } => assert_eq!((meta.status, meta.etag.as_deref()), (304, Some("\"abc\""))),
        GetOutcome::Body { meta, .. } => panic!("expected 304, got {meta:?}"),
    }
    assert_eq!(log.lock().unwrap()[2].headers["if-modified-since"], "Tue, 01 Dec 2026 10:00:00 GMT");
    let e = c.get("b", "secret/x", &GetOptions::default()).clean_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{base}/b/secret/x: HTTP 403 AccessDenied: sa@p does not have storage.objects.get access.; the Google \
             account in use lacks access: grant it storage.objects.get on the bucket"
        )
    );
    assert!(!format!("{e:?}").contains("TOKEN"), "{e:?}");

    for (bucket, key) in [("", "k"), ("a/b", "k"), ("b", ""), ("b", "/")] {
        assert!(
            matches!(c.get(bucket, key, &GetOptions::default()), Err(GcsError::InvalidName { .. })),
            "{bucket:?} {key:?}"
        );
    }
    let bad = GetOptions { range: Some((5, Some(2))), ..Default::default() };
    assert_eq!(c.get("b", "k", &bad).clean_err().to_string(), "invalid byte range 5-2: the end is before the start");
}

#[test]
fn an_unauthenticated_client_sends_no_token_and_says_the_bucket_is_not_public() {
    let (base, log) = serve(|_| (403, vec![], "<Error><Code>AccessDenied</Code></Error>".into()));
    let c = GcsClient::new(Http::new(&HttpConfig::default()).unwrap(), None).with_endpoint(&base);
    let e = c.get("b", "k", &GetOptions::default()).clean_err();
    assert_eq!(
        e.to_string(),
        format!("{base}/b/k: HTTP 403 AccessDenied; the bucket is not public: configure Google credentials")
    );
    assert!(!log.lock().unwrap()[0].headers.contains_key("authorization"));
}
