//! Local servers for `gcs://` and `http(s)://` operands: fake-gcs-server (a Cloud Storage
//! emulator), a small OAuth token endpoint, and `python3 -m http.server` as a static file
//! server. All on 127.0.0.1; each is stopped on drop.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn wait_listening(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not listen on 127.0.0.1:{port} within 15 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// fake-gcs-server on 127.0.0.1 with the files under `data` (`data/BUCKET/KEY`) as objects.
pub struct FakeGcs {
    child: Child,
    /// Its port.
    pub port: u16,
}

impl FakeGcs {
    /// Starts the emulator with the objects in `data` (loaded at start).
    pub fn start(data: &Path) -> Self {
        let bin = crate::support::servers_root().join("bin/fake-gcs-server");
        assert!(bin.exists(), "{} is missing: run `bash scripts/install-servers.sh fake-gcs`", bin.display());
        let port = crate::support::free_port();
        let child = Command::new(&bin)
            .args(["-scheme", "http", "-host", "127.0.0.1", "-port", &port.to_string()])
            .args(["-public-host", &format!("127.0.0.1:{port}"), "-backend", "memory", "-log-level", "error"])
            .arg("-data")
            .arg(data)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let s = Self { child, port };
        wait_listening(port, "fake-gcs-server");
        s
    }

    /// `127.0.0.1:PORT`, as `STORAGE_EMULATOR_HOST` takes it.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for FakeGcs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An OAuth token endpoint: every `POST` gets `{"access_token": "tok-N", ...}`; counts them.
pub struct TokenServer {
    /// `http://127.0.0.1:PORT/token`.
    pub uri: String,
    count: Arc<AtomicU64>,
}

impl TokenServer {
    /// Starts it on a thread (it lives as long as the test process).
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let uri = format!("http://{}/token", listener.local_addr().unwrap());
        let count = Arc::new(AtomicU64::new(0));
        let c = count.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let mut r = BufReader::new(stream);
                let mut len = 0usize;
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; len];
                let _ = r.read_exact(&mut body);
                let n = c.fetch_add(1, Ordering::SeqCst) + 1;
                let json = format!(r#"{{"access_token":"tok-{n}","expires_in":3600,"token_type":"Bearer"}}"#);
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{json}",
                    json.len()
                );
                let _ = r.into_inner().write_all(resp.as_bytes());
            }
        });
        Self { uri, count }
    }

    /// Tokens handed out so far.
    pub fn tokens(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }

    /// Writes an authorized-user ADC file refreshed here, for `GOOGLE_APPLICATION_CREDENTIALS`.
    pub fn adc_file(&self, dir: &Path) -> PathBuf {
        let p = dir.join("adc.json");
        let json = serde_json::json!({
            "type": "authorized_user",
            "client_id": "cid.apps.googleusercontent.com",
            "client_secret": "CLIENTSECRET123",
            "refresh_token": "REFRESHSECRET123",
            "token_uri": self.uri,
        });
        std::fs::write(&p, json.to_string()).unwrap();
        p
    }
}

/// `python3 -m http.server` serving `dir` on 127.0.0.1 (a static file server: GET, HEAD,
/// Content-Length, Last-Modified, 404; no listing API, no credentials).
pub struct StaticHttp {
    child: Child,
    /// Its port.
    pub port: u16,
}

impl StaticHttp {
    /// Starts it.
    pub fn start(dir: &Path) -> Self {
        let port = crate::support::free_port();
        let child = Command::new("python3")
            .args(["-m", "http.server", "--bind", "127.0.0.1", &port.to_string(), "--directory"])
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m http.server");
        let s = Self { child, port };
        wait_listening(port, "python3 -m http.server");
        s
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for StaticHttp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on (for `GCE_METADATA_HOST`, so no metadata server is reached).
pub fn closed_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    drop(l);
    addr
}
