//! The HTTP layer against tiny servers on 127.0.0.1 that record the raw bytes they receive.
#![cfg(feature = "client")]

#[path = "support/secrets.rs"]
mod secrets;
use secrets::CleanErr;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use minis3::config::env::Environment;
use minis3::http::{Body, Http, HttpConfig, HttpError, NoProxy, ProxyConfig, TimeoutKind};

/// Reads one request head (up to the blank line) and a `content-length` body, if any.
fn read_request(stream: &mut BufReader<TcpStream>) -> String {
    let mut head = String::new();
    let mut len = 0usize;
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; len];
    let _ = stream.read_exact(&mut body);
    head.push_str(&String::from_utf8_lossy(&body));
    head
}

/// A server that answers `responses.len()` connections, one request each, with the given
/// bytes, and sends what it received on the channel.
fn serve(responses: Vec<&'static [u8]>) -> (u16, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for response in responses {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let mut reader = BufReader::new(stream);
            let req = read_request(&mut reader);
            let _ = tx.send(req);
            let mut stream = reader.into_inner();
            let _ = stream.write_all(response);
            let _ = stream.flush();
        }
    });
    (port, rx)
}

const OK: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";

fn http() -> Http {
    Http::new(&HttpConfig::default()).unwrap()
}

#[test]
fn path_and_query_reach_the_server_byte_identical() {
    let paths = [
        "/bucket/a%2Bb%20c~d!'()*%3D%25/%E2%82%AC/x+y?list-type=2&prefix=a%2Fb%20c&start-after=%3D%26&x=~",
        "/b/.%2E/./..//k?uploads",
        "/b/key%3Fnot-a-query%23frag?versionId=%2B%2F%3D",
        "/b/a:b@c$d,e;f=g&h",
        "/",
    ];
    let (port, rx) = serve(vec![OK; paths.len()]);
    for path in paths {
        let url = format!("http://127.0.0.1:{port}{path}");
        let resp = http().send("GET", &url, &[], Body::Empty).unwrap();
        assert_eq!(resp.status(), 200);
        let req = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        let line = req.lines().next().unwrap();
        assert_eq!(line, format!("GET {path} HTTP/1.1"));
    }
}

#[test]
fn headers_are_sent_as_given_and_nothing_else_is_added() {
    let (port, rx) = serve(vec![OK]);
    let url = format!("http://127.0.0.1:{port}/b/k");
    let resp = http()
        .send(
            "PUT",
            &url,
            &[
                ("Host", "bucket.localhost:9000"),
                ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
                ("x-amz-date", "20250101T000000Z"),
                ("authorization", "AWS4-HMAC-SHA256 Credential=x"),
            ],
            Body::Bytes(b"hello"),
        )
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.read_to_vec(100).unwrap(), b"ok");
    let req = rx.recv().unwrap().to_ascii_lowercase();
    let lines: Vec<&str> = req.lines().collect();
    assert_eq!(lines[0], "put /b/k http/1.1");
    assert!(lines.contains(&"host: bucket.localhost:9000"), "{req}");
    assert!(lines.contains(&"content-length: 5"), "{req}");
    assert!(lines.contains(&"x-amz-content-sha256: unsigned-payload"));
    assert!(lines.iter().any(|l| l.starts_with("user-agent: minis3/")));
    assert!(!req.contains("accept"), "no accept / accept-encoding: {req}");
    assert!(!req.contains("transfer-encoding"), "{req}");
    assert_eq!(lines.iter().filter(|l| l.starts_with("host:")).count(), 1);
    assert!(req.ends_with("\r\n\r\nhello"), "{req}");
}

#[test]
fn host_header_defaults_to_the_url_authority() {
    let (port, rx) = serve(vec![OK]);
    let url = format!("http://127.0.0.1:{port}/");
    http().send("GET", &url, &[], Body::Empty).unwrap();
    let req = rx.recv().unwrap();
    assert!(req.contains(&format!("\r\nhost: 127.0.0.1:{port}\r\n")), "{req}");
}

#[test]
fn reader_bodies_send_a_content_length() {
    let (port, rx) = serve(vec![OK]);
    let url = format!("http://127.0.0.1:{port}/b/k");
    let data = vec![b'x'; 70_000];
    let mut reader = &data[..];
    http().send("PUT", &url, &[], Body::Reader { reader: &mut reader, length: data.len() as u64 }).unwrap();
    let req = rx.recv().unwrap();
    assert!(req.contains("content-length: 70000\r\n"), "{req}");
    assert!(!req.contains("transfer-encoding"));
    assert!(req.ends_with(&"x".repeat(70_000)));
}

#[test]
fn error_statuses_are_responses_and_redirects_are_not_followed() {
    let (port, rx) = serve(vec![
        b"HTTP/1.1 404 Not Found\r\ncontent-length: 7\r\nx-amz-request-id: R1\r\nconnection: close\r\n\r\n<Error>",
        b"HTTP/1.1 301 Moved Permanently\r\nlocation: http://127.0.0.1:1/elsewhere\r\nx-amz-bucket-region: eu-west-1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        b"HTTP/1.1 503 Slow Down\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    ]);
    let url = format!("http://127.0.0.1:{port}/b/k");
    let h = http();
    let r = h.send("GET", &url, &[], Body::Empty).unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.header("X-Amz-Request-Id"), Some("R1"));
    assert_eq!(r.read_to_vec(1000).unwrap(), b"<Error>");
    let r = h.send("GET", &url, &[], Body::Empty).unwrap();
    assert_eq!(r.status(), 301);
    assert_eq!(r.header("x-amz-bucket-region"), Some("eu-west-1"));
    let r = h.send("HEAD", &url, &[], Body::Empty).unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(rx.iter().take(3).count(), 3);
}

#[test]
fn body_limit_is_enforced() {
    let (port, _rx) = serve(vec![b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n0123456789"]);
    let r = http().send("GET", &format!("http://127.0.0.1:{port}/"), &[], Body::Empty).unwrap();
    let err = r.read_to_vec(5).clean_err();
    assert!(matches!(err, HttpError::BodyTooLarge { limit: 5 }), "{err}");
}

#[test]
fn connection_refused_is_clear_and_not_retryable() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = http().send("GET", &format!("http://127.0.0.1:{port}/"), &[], Body::Empty).clean_err();
    assert!(matches!(err, HttpError::ConnectionRefused { .. }), "{err:?}");
    assert!(!err.is_retryable());
    let msg = err.to_string();
    assert!(msg.contains(&format!("127.0.0.1:{port}")) && msg.contains("refused"), "{msg}");
}

#[test]
fn read_timeout_fires_and_is_retryable() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hold = thread::spawn(move || {
        let (s, _) = listener.accept().unwrap();
        thread::sleep(Duration::from_secs(3));
        drop(s);
    });
    let h = Http::new(&HttpConfig { read_timeout: Some(Duration::from_millis(300)), ..Default::default() }).unwrap();
    let start = Instant::now();
    let err = h.send("GET", &format!("http://127.0.0.1:{port}/"), &[], Body::Empty).clean_err();
    assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
    assert!(matches!(err, HttpError::Timeout { kind: TimeoutKind::Read, .. }), "{err:?}");
    assert!(err.is_retryable());
    hold.join().unwrap();
}

#[test]
fn global_timeout_fires_on_a_trickling_body() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        let (s, _) = listener.accept().unwrap();
        let mut r = BufReader::new(s);
        read_request(&mut r);
        let mut s = r.into_inner();
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n");
        for _ in 0..100 {
            if s.write_all(b"x").is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
    });
    let h = Http::new(&HttpConfig {
        read_timeout: Some(Duration::from_secs(2)),
        global_timeout: Some(Duration::from_millis(500)),
        ..Default::default()
    })
    .unwrap();
    let start = Instant::now();
    let resp = h.send("GET", &format!("http://127.0.0.1:{port}/"), &[], Body::Empty).unwrap();
    let err = resp.read_to_vec(1000).clean_err();
    assert!(start.elapsed() < Duration::from_secs(3));
    assert!(matches!(err, HttpError::Timeout { kind: TimeoutKind::Global, .. }), "{err:?}");
}

#[test]
fn connect_timeout_fires_on_a_full_accept_queue() {
    // A listener that never accepts: once its (tiny) accept queue is full, Linux drops further
    // SYNs, so a connect to 127.0.0.1 hangs until the client gives up.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut held = Vec::new();
    let mut saturated = false;
    for _ in 0..4096 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
            Ok(s) => held.push(s),
            Err(_) => {
                saturated = true;
                break;
            }
        }
    }
    assert!(saturated, "could not fill the accept queue of {addr}");
    let h = Http::new(&HttpConfig { connect_timeout: Some(Duration::from_millis(300)), ..Default::default() }).unwrap();
    let start = Instant::now();
    let err = h.send("GET", &format!("http://{addr}/"), &[], Body::Empty).clean_err();
    assert!(start.elapsed() < Duration::from_secs(3), "{:?}", start.elapsed());
    assert!(matches!(err, HttpError::Timeout { kind: TimeoutKind::Connect, .. }), "{err:?}");
    assert!(err.to_string().contains("connect"), "{err}");
    drop(listener);
}

#[test]
fn connection_closed_mid_body_is_retryable() {
    let (port, _rx) = serve(vec![b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly-part"]);
    let r = http().send("GET", &format!("http://127.0.0.1:{port}/"), &[], Body::Empty).unwrap();
    let err = r.read_to_vec(1000).clean_err();
    assert!(err.is_retryable(), "{err:?}");
}

/// A fake CONNECT proxy: records the CONNECT request, answers 200, then plays the origin
/// server itself inside the tunnel (plain HTTP) and records that request too.
fn fake_proxy(connections: usize) -> (u16, mpsc::Receiver<(String, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for _ in 0..connections {
            let Ok((s, _)) = listener.accept() else {
                return;
            };
            let mut r = BufReader::new(s);
            let connect = read_request(&mut r);
            r.get_mut().write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").unwrap();
            let inner = read_request(&mut r);
            let _ = r.get_mut().write_all(OK);
            let _ = tx.send((connect, inner));
        }
    });
    (port, rx)
}

#[test]
fn proxy_from_the_environment_is_used_with_connect() {
    let (pport, rx) = fake_proxy(1);
    let env = Environment::from_pairs([
        ("HTTP_PROXY", format!("http://user:s3cret@127.0.0.1:{pport}")),
        ("NO_PROXY", "localhost,.internal".to_string()),
    ]);
    let h = Http::new(&HttpConfig::from_env(&env)).unwrap();
    // The target name is never resolved locally: the proxy gets it as written.
    let url = "http://s3.proxied.invalid:9000/b/a%2Bb?prefix=%20";
    assert!(h.uses_proxy(url));
    let resp = h.send("GET", url, &[], Body::Empty).unwrap();
    assert_eq!(resp.status(), 200);
    let (connect, inner) = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    let first = connect.lines().next().unwrap();
    assert_eq!(first, "CONNECT s3.proxied.invalid:9000 HTTP/1.1");
    // Basic auth for the proxy, from the URL's user info.
    assert!(connect.contains("Proxy-Authorization: Basic dXNlcjpzM2NyZXQ="), "{connect}");
    assert_eq!(inner.lines().next().unwrap(), "GET /b/a%2Bb?prefix=%20 HTTP/1.1");
    assert!(inner.contains("host: s3.proxied.invalid:9000\r\n"), "{inner}");
    assert!(!inner.to_ascii_lowercase().contains("proxy-authorization"));
}

#[test]
fn https_targets_use_the_https_proxy() {
    let (pport, rx) = fake_proxy(1);
    let env = Environment::from_pairs([("https_proxy", format!("127.0.0.1:{pport}"))]);
    let h = Http::new(&HttpConfig::from_env(&env)).unwrap();
    assert!(!h.uses_proxy("http://example.invalid/"));
    // The fake proxy does not speak TLS inside the tunnel: the request fails after CONNECT.
    let err = h.send("GET", "https://bucket.s3.amazonaws.invalid/k", &[], Body::Empty).clean_err();
    let (connect, _) = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(connect.lines().next().unwrap(), "CONNECT bucket.s3.amazonaws.invalid:443 HTTP/1.1");
    assert!(!err.to_string().is_empty());
}

#[test]
fn proxy_refusal_is_a_proxy_error_without_credentials() {
    let (pport, _rx) = serve(vec![b"HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n"]);
    let h = Http::new(&HttpConfig {
        proxy: ProxyConfig { http: Some(format!("http://me:s3cret@127.0.0.1:{pport}")), ..Default::default() },
        ..Default::default()
    })
    .unwrap();
    let err = h.send("GET", "http://target.invalid/", &[], Body::Empty).clean_err();
    assert!(matches!(err, HttpError::Proxy { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("407") && !msg.contains("s3cret"), "{msg}");
    assert!(!format!("{err:?}").contains("s3cret"));
}

#[test]
fn no_proxy_hosts_go_direct() {
    // The "proxy" records any connection it gets; there must be none.
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    let pport = proxy.local_addr().unwrap().port();
    proxy.set_nonblocking(true).unwrap();
    let (port, rx) = serve(vec![OK, OK]);
    for no_proxy in ["127.0.0.1", "*"] {
        let env = Environment::from_pairs([
            ("http_proxy", format!("http://127.0.0.1:{pport}")),
            ("no_proxy", format!("example.com, {no_proxy}")),
        ]);
        let h = Http::new(&HttpConfig::from_env(&env)).unwrap();
        let url = format!("http://127.0.0.1:{port}/direct");
        assert!(!h.uses_proxy(&url));
        assert_eq!(h.send("GET", &url, &[], Body::Empty).unwrap().status(), 200);
        let req = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert!(req.starts_with("GET /direct HTTP/1.1\r\n"), "{req}");
    }
    assert!(proxy.accept().is_err(), "the proxy was contacted");
    // localhost is not bypassed implicitly.
    let h = Http::new(&HttpConfig {
        proxy: ProxyConfig {
            http: Some(format!("http://127.0.0.1:{pport}")),
            https: None,
            no_proxy: NoProxy::parse("other.host"),
        },
        ..Default::default()
    })
    .unwrap();
    assert!(h.uses_proxy(&format!("http://127.0.0.1:{port}/")));
    assert!(h.uses_proxy("http://localhost:1/"));
}

#[test]
fn bad_ca_bundles_fail_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-bundle.pem");
    let env = Environment::from_pairs([("AWS_CA_BUNDLE", missing.to_str().unwrap())]);
    let err = Http::new(&HttpConfig::from_env(&env)).clean_err();
    assert!(matches!(err, HttpError::CaBundleRead { .. }), "{err:?}");
    assert!(err.to_string().contains("no-such-bundle.pem"), "{err}");

    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n").unwrap();
    let err = Http::new(&HttpConfig { ca_bundle: Some(junk), ..Default::default() }).clean_err();
    assert!(matches!(err, HttpError::CaBundleInvalid { .. }), "{err:?}");
    assert!(err.to_string().contains("junk.pem"), "{err}");
}
