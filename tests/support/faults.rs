//! Faults for the tests of issue 16, section 3, all on 127.0.0.1: a TCP proxy that cuts
//! connections where a plan says (in the request body or the response), and two plain small
//! servers: one that trickles its answer one byte a second, one that answers 503 forever.
//! Included with `#[path = "support/faults.rs"] mod faults;` beside `mod support;`.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::support::read_head;

/// What [`CutProxy`] does with one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Forward both ways untouched.
    Pass,
    /// Forward the request head and only the first N bytes of its body, then close both sides.
    Request(usize),
    /// Forward the request; forward only the first N bytes of the response (head included),
    /// then close both sides.
    Response(usize),
}

type Plan = dyn Fn(usize, &str) -> Cut + Send + Sync;

/// A proxy to 127.0.0.1:`upstream`, one request per connection (`connection: close`), which
/// asks `plan(connection number, request head)` what to do with each connection and records
/// the heads and the cuts it made.
pub struct CutProxy {
    port: u16,
    heads: Arc<Mutex<Vec<String>>>,
    cuts: Arc<AtomicUsize>,
}

impl CutProxy {
    /// Starts the proxy (its accept thread lives as long as the test process).
    pub fn start(upstream: u16, plan: impl Fn(usize, &str) -> Cut + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().unwrap().port();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let cuts = Arc::new(AtomicUsize::new(0));
        let plan: Arc<Plan> = Arc::new(plan);
        let (h, c) = (heads.clone(), cuts.clone());
        std::thread::spawn(move || {
            for (i, conn) in listener.incoming().enumerate() {
                let Ok(client) = conn else { continue };
                let (plan, h, c) = (plan.clone(), h.clone(), c.clone());
                std::thread::spawn(move || one(client, upstream, i, &*plan, &h, &c));
            }
        });
        CutProxy { port, heads, cuts }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The request heads seen so far.
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }

    /// How many connections were cut.
    pub fn cuts(&self) -> usize {
        self.cuts.load(Ordering::SeqCst)
    }
}

fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

fn one(mut client: TcpStream, upstream: u16, i: usize, plan: &Plan, heads: &Mutex<Vec<String>>, cuts: &AtomicUsize) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(30)));
    let Some((head, rest)) = read_head(&mut client) else { return };
    heads.lock().unwrap().push(head.clone());
    let cut = plan(i, &head);
    let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)) else { return };
    let mut new_head: String = head
        .trim_end_matches("\r\n")
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    new_head.push_str("connection: close\r\n\r\n");
    if server.write_all(new_head.as_bytes()).is_err() {
        return;
    }
    let body_len: usize = header(&head, "content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let request_limit = match cut {
        Cut::Request(n) => n.min(body_len.saturating_sub(1)),
        _ => usize::MAX,
    };
    // The request body, up to the limit.
    let mut sent = 0usize;
    let mut pending = rest;
    let mut chunk = vec![0u8; 65536];
    loop {
        if pending.is_empty() {
            if sent >= body_len {
                break;
            }
            match client.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => pending.extend_from_slice(&chunk[..n]),
            }
        }
        let n = pending.len().min(request_limit - sent);
        if server.write_all(&pending[..n]).is_err() {
            break;
        }
        sent += n;
        pending.clear();
        if sent >= request_limit {
            cuts.fetch_add(1, Ordering::SeqCst);
            let _ = server.shutdown(Shutdown::Both);
            let _ = client.shutdown(Shutdown::Both);
            return;
        }
    }
    let limit = match cut {
        Cut::Response(n) => n,
        _ => usize::MAX,
    };
    let mut forwarded = 0usize;
    loop {
        let n = match server.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let n = n.min(limit - forwarded);
        if client.write_all(&chunk[..n]).is_err() {
            break;
        }
        forwarded += n;
        if forwarded >= limit {
            cuts.fetch_add(1, Ordering::SeqCst);
            break;
        }
    }
    let _ = client.shutdown(Shutdown::Both);
    let _ = server.shutdown(Shutdown::Both);
}

/// Reads one request (head and `Content-Length` body) from `s`.
fn drain_request(s: &mut TcpStream) -> Option<String> {
    let (head, rest) = read_head(s)?;
    let len: usize = header(&head, "content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut got = rest.len();
    let mut chunk = [0u8; 65536];
    while got < len {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => got += n,
        }
    }
    Some(head)
}

/// A server that answers every request with a 200 whose bytes (head included) come one a
/// second, forever; returns its endpoint and a counter of requests received.
pub fn trickle_server() -> (String, Arc<AtomicUsize>) {
    trickle(false)
}

/// Like [`trickle_server`], but the response head arrives at once and only the body trickles.
pub fn trickle_body_server() -> (String, Arc<AtomicUsize>) {
    trickle(true)
}

fn trickle(head_at_once: bool) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let r = requests.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let r = r.clone();
            std::thread::spawn(move || {
                if drain_request(&mut conn).is_none() {
                    return;
                }
                r.fetch_add(1, Ordering::SeqCst);
                let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\n";
                if head_at_once && conn.write_all(answer).is_err() {
                    return;
                }
                let head = if head_at_once { &answer[..0] } else { &answer[..] };
                for b in head.iter().chain(std::iter::repeat(&b'x')) {
                    if conn.write_all(&[*b]).is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_secs(1));
                }
            });
        }
    });
    (format!("http://{addr}"), requests)
}

/// A server that answers every request `503 SlowDown` (an S3 error document), forever;
/// returns its endpoint and a counter of requests received.
pub fn busy_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let r = requests.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let r = r.clone();
            std::thread::spawn(move || {
                while drain_request(&mut conn).is_some() {
                    let n = r.fetch_add(1, Ordering::SeqCst) + 1;
                    let body = format!(
                        "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message>Please reduce your request \
                         rate (answer {n}).</Message><RequestId>busy-{n}</RequestId></Error>"
                    );
                    let answer = format!(
                        "HTTP/1.1 503 Slow Down\r\ncontent-type: application/xml\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if conn.write_all(answer.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (format!("http://{addr}"), requests)
}

/// An s3s-fs this test starts itself on a port and data directory it chooses, so that it can
/// be killed in the middle of a command and started again over the same data. Killed on drop.
pub struct RestartableS3sFs {
    child: Option<std::process::Child>,
    /// Its port.
    pub port: u16,
    data: std::path::PathBuf,
}

impl RestartableS3sFs {
    /// Starts s3s-fs on 127.0.0.1:`port` over `data` and waits until it accepts connections.
    pub fn start(port: u16, data: &std::path::Path) -> Self {
        let mut s = RestartableS3sFs { child: None, port, data: data.to_path_buf() };
        s.restart();
        s
    }

    /// Starts it again (after [`kill`](Self::kill)) on the same port and data.
    pub fn restart(&mut self) {
        let bin = crate::support::servers_root().join("bin/s3s-fs");
        assert!(bin.is_file(), "{} is not installed: run scripts/install-servers.sh", bin.display());
        std::fs::create_dir_all(&self.data).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let mut child = std::process::Command::new(&bin)
                .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
                .args(["--access-key", crate::support::ACCESS_KEY, "--secret-key", crate::support::SECRET_KEY])
                .arg(&self.data)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("cannot start s3s-fs");
            loop {
                if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                    self.child = Some(child);
                    return;
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break; // the port is not free yet: try again
                }
                assert!(std::time::Instant::now() < deadline, "s3s-fs did not start on port {}", self.port);
                std::thread::sleep(Duration::from_millis(10));
            }
            assert!(std::time::Instant::now() < deadline, "s3s-fs did not start on port {}", self.port);
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Kills it (SIGKILL) and waits until it is gone.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for RestartableS3sFs {
    fn drop(&mut self) {
        self.kill();
    }
}
