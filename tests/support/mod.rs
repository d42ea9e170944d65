//! Real S3 servers on 127.0.0.1 for the integration tests: s3s-fs (one per test, ~15 ms to
//! start) and SeaweedFS (`weed mini`, one shared per test binary).
//!
//! Both are installed by `scripts/install-servers.sh` into `$MINIS3_SERVERS` (default
//! `~/.cache/minis3/servers`); a missing binary fails the test with that instruction, it never
//! skips.
//!
//! Every server runs under a small `sh` watchdog ([`WATCHDOG`]) whose stdin is a pipe from the
//! test process. When the pipe closes — because the handle was dropped, or because the test
//! process exited or was killed (the kernel closes its descriptors either way) — the watchdog
//! stops the server (TERM, then KILL after 10 s) and removes the server's temporary directory
//! and sockets. This matters for the shared SeaweedFS: it lives in a `static`, and Rust never
//! drops statics, so nothing else would stop it. The pipe is created close-on-exec, so other
//! child processes (curl, other servers) do not inherit it and cannot keep a server alive.
#![allow(dead_code)]

pub mod secrets;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The access key every test server accepts.
pub const ACCESS_KEY: &str = "minis3test";
/// Its secret.
pub const SECRET_KEY: &str = "minis3testsecret0123456789";
/// The region the servers are signed for.
pub const REGION: &str = "us-east-1";

/// The watchdog: `sh -c WATCHDOG sh LOG CLEANUP_DIR EXTRA_FILES CMD ARGS...`.
/// Runs CMD with stdout/stderr to LOG; stops it when stdin reaches EOF; when CMD is gone,
/// prints the end of LOG on stderr (read by the harness only when a start fails), then removes
/// CLEANUP_DIR and EXTRA_FILES (a space-separated list).
const WATCHDOG: &str = r#"
log="$1"; dir="$2"; extra="$3"; shift 3
# fd 4: the pipe to the harness (written once, by tail). The shell's own stderr goes nowhere:
# it reports killed jobs ("Terminated") there, and a write to a closed pipe would kill it
# with SIGPIPE before the cleanup below.
exec 3<&0 4>&2 2>/dev/null
"$@" </dev/null >"$log" 2>&1 3<&- 4>&- &
child=$!
{ read -r _ <&3; kill -TERM "$child"; sleep 10; kill -KILL "$child"; } </dev/null >/dev/null 4>&- &
watcher=$!
exec 3<&-
wait "$child"
status=$?
kill "$watcher"
tail -n 40 "$log" >&4
exec 4>&-
rm -rf "$dir" $extra
exit "$status"
"#;

/// Where the servers are installed.
pub fn servers_root() -> PathBuf {
    match std::env::var_os("MINIS3_SERVERS") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => {
            let home = std::env::var_os("HOME").expect("HOME is not set");
            PathBuf::from(home).join(".cache/minis3/servers")
        }
    }
}

fn require_binary(relative: &str) -> PathBuf {
    let path = servers_root().join(relative);
    if !path.is_file() {
        panic!(
            "test S3 server {} is not installed: run `scripts/install-servers.sh` \
             (installs s3s-fs and SeaweedFS into $MINIS3_SERVERS, default ~/.cache/minis3/servers)",
            path.display()
        );
    }
    path
}

/// A server process under the watchdog.
struct Watched {
    child: Child,
    name: &'static str,
}

impl Watched {
    fn spawn(
        name: &'static str,
        log: &Path,
        cleanup_dir: &Path,
        extra_files: &str,
        cmd: &Path,
        args: &[String],
        envs: &[(&str, &str)],
    ) -> Self {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(WATCHDOG)
            .arg("sh")
            .arg(log)
            .arg(cleanup_dir)
            .arg(extra_files)
            .arg(cmd)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            command.env(k, v);
        }
        let child = command.spawn().unwrap_or_else(|e| panic!("cannot start {name} under sh: {e}"));
        Self { child, name }
    }

    /// `Some(message)` if the server has already exited (with the end of its log).
    fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => {
                let mut tail = String::new();
                if let Some(mut err) = self.child.stderr.take() {
                    let _ = err.read_to_string(&mut tail);
                }
                Some(format!("{} exited during start ({status}); end of its log:\n{tail}", self.name))
            }
            Ok(None) => None,
            Err(e) => Some(format!("cannot check {}: {e}", self.name)),
        }
    }

    /// Closes the watchdog's stdin and waits until the server is stopped and cleaned up.
    fn stop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// A free port on 127.0.0.1 (free when asked; the server may still lose a race for it, which
/// the starters handle by retrying).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("cannot bind 127.0.0.1:0")
}

/// Whether an HTTP server answers on 127.0.0.1:`port` (any status).
fn answers_http(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let req = format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut buf = [0u8; 12];
    s.read_exact(&mut buf).is_ok() && buf.starts_with(b"HTTP/1.")
}

fn temp_dir(prefix: &str) -> PathBuf {
    // Kept (not deleted on drop): the watchdog removes it once the server is gone.
    tempfile::Builder::new().prefix(prefix).tempdir().expect("cannot create a temporary directory").keep()
}

/// What every test server offers (s3s-fs and SeaweedFS alike), so that a test can be written
/// once for either: `fn check(server: &impl TestServer)`.
///
/// Both listen on 127.0.0.1 only, accept [`ACCESS_KEY`] / [`SECRET_KEY`] signed for
/// [`REGION`], and serve virtual-host style under `localhost` (`BUCKET.localhost:PORT`).
pub trait TestServer {
    /// Its name, for messages (`s3s-fs`, `SeaweedFS`).
    fn name(&self) -> &'static str;

    /// The S3 port.
    fn port(&self) -> u16;

    /// `http://127.0.0.1:PORT` (path style).
    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port())
    }

    /// `http://BUCKET.localhost:PORT` (virtual-host style).
    fn vhost_endpoint(&self, bucket: &str) -> String {
        format!("http://{bucket}.localhost:{}", self.port())
    }

    /// [`endpoint`](Self::endpoint) followed by `path_and_query` (already encoded), e.g.
    /// `/bucket/key?versionId=1`.
    fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.endpoint())
    }

    /// One request to this server (path style) signed by curl: [`curl_s3`].
    fn curl(
        &self,
        method: &str,
        path_and_query: &str,
        body: Option<&[u8]>,
        headers: &[(&str, &str)],
    ) -> (u16, Vec<u8>) {
        curl_s3(&self.endpoint(), method, path_and_query, body, headers)
    }

    /// A path-style client for this server: [`test_config`].
    #[cfg(feature = "client")]
    fn client_config(&self) -> minis3::s3::ClientConfig {
        test_config(&self.endpoint())
    }

    /// A virtual-host-style client for these buckets on this server: [`vhost_config`].
    #[cfg(feature = "client")]
    fn vhost_client_config(&self, buckets: &[&str]) -> minis3::s3::ClientConfig {
        vhost_config(self.port(), buckets)
    }
}

impl TestServer for S3sFs {
    fn name(&self) -> &'static str {
        "s3s-fs"
    }

    fn port(&self) -> u16 {
        self.port
    }
}

impl TestServer for Seaweed {
    fn name(&self) -> &'static str {
        "SeaweedFS"
    }

    fn port(&self) -> u16 {
        self.port
    }
}

/// An s3s-fs server on 127.0.0.1, with its own empty data directory; stopped on drop.
///
/// Path style: `http://127.0.0.1:PORT/bucket/key`; virtual-host style:
/// `http://bucket.localhost:PORT/key` (started with `--domain localhost:PORT`; resolve
/// `bucket.localhost` to 127.0.0.1 yourself, e.g. curl `--resolve`).
pub struct S3sFs {
    port: u16,
    dir: PathBuf,
    process: Watched,
}

impl S3sFs {
    /// Starts one and waits until it answers HTTP (typically ~15 ms).
    pub fn start() -> Self {
        let bin = require_binary("bin/s3s-fs");
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port();
            let dir = temp_dir("minis3-s3s-fs-");
            let data = dir.join("data");
            std::fs::create_dir_all(&data).expect("cannot create the s3s-fs data directory");
            let args = vec![
                "--host".into(),
                "127.0.0.1".into(),
                "--port".into(),
                port.to_string(),
                "--access-key".into(),
                ACCESS_KEY.into(),
                "--secret-key".into(),
                SECRET_KEY.into(),
                "--domain".into(),
                format!("localhost:{port}"),
                data.to_string_lossy().into_owned(),
            ];
            let mut process = Watched::spawn("s3s-fs", &dir.join("server.log"), &dir, "", &bin, &args, &[]);
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if answers_http(port) {
                    return Self { port, dir, process };
                }
                if let Some(msg) = process.exited() {
                    last = msg;
                    break;
                }
                if Instant::now() > deadline {
                    process.stop();
                    last = format!("s3s-fs did not answer on 127.0.0.1:{port} within 10 s");
                    break;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        panic!("cannot start s3s-fs: {last}");
    }

    /// The directory holding the buckets (one sub-directory each).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }
}

impl Drop for S3sFs {
    fn drop(&mut self) {
        self.process.stop();
    }
}

/// The SeaweedFS `weed mini` shared by all tests of one test binary (~300 MB, ~1 s to start).
///
/// Binds 127.0.0.1 only: S3 on PORT, master PORT+1, volume PORT+2, filer PORT+3, admin
/// PORT+4, and their gRPC ports PORT+10000..PORT+10004. WebDAV, Iceberg and Lance are off,
/// telemetry is off, logs and sockets go to its temporary directory (except the gRPC unix
/// sockets, which weed always puts in /tmp as `seaweedfs-*-grpc-PORT.sock`: the watchdog
/// removes exactly those five). Identities: [`ACCESS_KEY`] / [`SECRET_KEY`] as admin.
/// Virtual-host style under `localhost` (`-s3.domainName=localhost`).
///
/// Tests sharing it must use their own buckets ([`unique_bucket`]).
pub struct Seaweed {
    port: u16,
    dir: PathBuf,
    // Never dropped (static): the watchdog stops weed when the test process exits.
    _process: Watched,
}

static SEAWEED: OnceLock<Result<Seaweed, String>> = OnceLock::new();

impl Seaweed {
    /// The shared instance, started on first use. Panics (in every test that asks) if it could
    /// not start.
    pub fn shared() -> &'static Seaweed {
        match SEAWEED.get_or_init(Self::start) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    fn start() -> Result<Seaweed, String> {
        let bin = require_binary("venv/bin/weed");
        require_curl();
        let mut last = String::new();
        for attempt in 0..3 {
            let port = seaweed_ports(attempt);
            let dir = temp_dir("minis3-seaweed-");
            for sub in ["data", "logs"] {
                std::fs::create_dir_all(dir.join(sub)).map_err(|e| e.to_string())?;
            }
            let config = dir.join("s3.json");
            std::fs::write(
                &config,
                format!(
                    r#"{{"identities":[{{"name":"minis3","credentials":[{{"accessKey":"{ACCESS_KEY}","secretKey":"{SECRET_KEY}"}}],"actions":["Admin","Read","Write","List","Tagging"]}}]}}"#
                ),
            )
            .map_err(|e| e.to_string())?;
            let d = |p: &str| dir.join(p).to_string_lossy().into_owned();
            let args: Vec<String> = vec![
                format!("-logdir={}", d("logs")),
                "mini".into(),
                format!("-dir={}", d("data")),
                "-ip=127.0.0.1".into(),
                "-ip.bind=127.0.0.1".into(),
                format!("-s3.port={port}"),
                format!("-master.port={}", port + 1),
                format!("-volume.port={}", port + 2),
                format!("-filer.port={}", port + 3),
                format!("-admin.port={}", port + 4),
                format!("-s3.config={}", config.display()),
                "-s3.domainName=localhost".into(),
                "-webdav=false".into(),
                "-s3.port.iceberg=0".into(),
                "-s3.port.lance=0".into(),
                "-master.telemetry=false".into(),
                format!("-filer.localSocket={}", d("filer.sock")),
                format!("-s3.localSocket={}", d("s3.sock")),
            ];
            let sockets: Vec<String> = ["s3", "master", "volume", "filer", "admin"]
                .iter()
                .zip(0..)
                .map(|(kind, i)| format!("/tmp/seaweedfs-{kind}-grpc-{}.sock", port + 10000 + i))
                .collect();
            let mut process = Watched::spawn(
                "weed mini",
                &dir.join("server.log"),
                &dir,
                &sockets.join(" "),
                &bin,
                &args,
                &[("TMPDIR", &d(""))],
            );
            let deadline = Instant::now() + Duration::from_secs(60);
            let endpoint = format!("http://127.0.0.1:{port}");
            loop {
                // Ready when a real signed PUT works (the S3 port answers before the filer
                // and volume server can store anything).
                if answers_http(port) {
                    let (s1, _) = curl_s3(&endpoint, "PUT", "/minis3-ready", None, &[]);
                    let (s2, _) = curl_s3(&endpoint, "PUT", "/minis3-ready/probe", Some(b"ok"), &[]);
                    if (s1 == 200 || s1 == 409) && s2 == 200 {
                        curl_s3(&endpoint, "DELETE", "/minis3-ready/probe", None, &[]);
                        curl_s3(&endpoint, "DELETE", "/minis3-ready", None, &[]);
                        return Ok(Seaweed { port, dir, _process: process });
                    }
                }
                if let Some(msg) = process.exited() {
                    last = msg;
                    break;
                }
                if Instant::now() > deadline {
                    process.stop();
                    last = format!("weed mini did not accept a PUT on {endpoint} within 60 s");
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        Err(format!("cannot start SeaweedFS: {last}"))
    }

    /// Its temporary directory (data, logs, config).
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// A base port P with P..P+4 and P+10000..P+10004 all free on 127.0.0.1.
fn seaweed_ports(attempt: u32) -> u16 {
    let seed = std::process::id().wrapping_mul(2654435761).wrapping_add(attempt.wrapping_mul(7919)).wrapping_add(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0),
    );
    for i in 0..2000u32 {
        let port = 20000 + ((seed.wrapping_add(i.wrapping_mul(37))) % 30000) as u16;
        let all: Vec<u16> = (0..5).flat_map(|k| [port + k, port + 10000 + k]).collect();
        let held: Vec<TcpListener> = all.iter().filter_map(|p| TcpListener::bind(("127.0.0.1", *p)).ok()).collect();
        if held.len() == all.len() {
            return port;
        }
    }
    panic!("no free block of ports for SeaweedFS on 127.0.0.1");
}

/// A bucket name no other test in this run uses: `PREFIX-PID-N`.
pub fn unique_bucket(prefix: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{n}", std::process::id())
}

fn require_curl() {
    if Command::new("curl").arg("--version").output().is_err() {
        panic!("curl is needed by the S3 test harness (an independent SigV4 signer)");
    }
}

/// One request signed by curl (`--aws-sigv4`, an independent signer) with the test keys.
///
/// `endpoint` is `http://HOST:PORT`; a `HOST` other than 127.0.0.1 (`bucket.localhost`) is
/// resolved to 127.0.0.1 with `--resolve`. `path_and_query` is sent as given (already
/// encoded; curl 7.88 does not sort the query, so give parameters in sorted order). The
/// payload is `UNSIGNED-PAYLOAD`. Returns (status, body); status 0 if curl could not connect.
pub fn curl_s3(
    endpoint: &str,
    method: &str,
    path_and_query: &str,
    body: Option<&[u8]>,
    headers: &[(&str, &str)],
) -> (u16, Vec<u8>) {
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "--path-as-is", "--max-time", "30", "-X", method])
        .args(["--aws-sigv4", &format!("aws:amz:{REGION}:s3")])
        .args(["--user", &format!("{ACCESS_KEY}:{SECRET_KEY}")])
        .args(["-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"])
        .args(["-w", "\n%{http_code}"]);
    if let Some(authority) = endpoint.strip_prefix("http://") {
        if let Some((host, port)) = authority.rsplit_once(':') {
            if host != "127.0.0.1" {
                cmd.args(["--resolve", &format!("{host}:{port}:127.0.0.1")]);
            }
        }
    }
    for (k, v) in headers {
        cmd.args(["-H", &format!("{k}: {v}")]);
    }
    if body.is_some() {
        // Without a content type curl would send a form type (and some servers would then
        // treat the body as a form).
        cmd.args(["-H", "content-type: application/octet-stream"]).args(["--data-binary", "@-"]);
    }
    cmd.arg(format!("{endpoint}{path_and_query}")).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("cannot run curl");
    let mut stdin = child.stdin.take().expect("curl stdin");
    let data = body.unwrap_or_default().to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().expect("curl did not finish");
    let _ = writer.join();
    let mut stdout = out.stdout;
    let split = stdout.iter().rposition(|&b| b == b'\n').unwrap_or(0);
    let status = std::str::from_utf8(&stdout[split..]).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0);
    stdout.truncate(split);
    (status, stdout)
}

/// What [`FaultProxy`] does with one connection (connections are numbered in accept order;
/// those beyond the list pass through).
#[derive(Debug, Clone)]
pub enum Fault {
    /// Forward the request and the response untouched.
    Pass,
    /// Forward the request; forward only the first N bytes of the response (head included),
    /// then cut both connections.
    CutResponseAfter(usize),
    /// Read the request (head and `Content-Length` body) and answer this raw HTTP response
    /// instead of the server; the server never sees the request.
    Respond(String),
    /// Forward the request with the last byte of its body changed (the signature then covers
    /// other bytes than those sent).
    TamperBody,
    /// Forward the request untouched and the response with one bit flipped in the middle of
    /// its body's first piece (the head is untouched).
    TamperResponseBody,
    /// Forward the request with one bit of the middle byte of its body flipped (for
    /// `aws-chunked` bodies, whose last bytes are framing: this lands in the data).
    TamperBodyMiddle,
}

/// A fault-injecting TCP proxy on 127.0.0.1 in front of a test server. It forces one request
/// per connection (`connection: close` added to each request), records every request head,
/// and applies one [`Fault`] per connection.
pub struct FaultProxy {
    port: u16,
    heads: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl FaultProxy {
    /// Starts a proxy to 127.0.0.1:`upstream` (the accept thread lives as long as the test).
    pub fn start(upstream: u16, faults: Vec<Fault>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().unwrap().port();
        let heads = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = heads.clone();
        std::thread::spawn(move || {
            for (i, conn) in listener.incoming().enumerate() {
                let Ok(client) = conn else { continue };
                let fault = faults.get(i).cloned().unwrap_or(Fault::Pass);
                let seen = seen.clone();
                std::thread::spawn(move || proxy_one(client, upstream, fault, &seen));
            }
        });
        Self { port, heads }
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The request heads seen so far (request line and headers, names as sent).
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

/// Reads up to the end of the head (`\r\n\r\n`); returns (head, bytes read past it).
pub fn read_head(s: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = buf.split_off(end + 4);
            return Some((String::from_utf8_lossy(&buf).into_owned(), rest));
        }
        let n = s.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn content_length(head: &str) -> usize {
    head.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case("content-length").then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0)
}

fn proxy_one(mut client: TcpStream, upstream: u16, fault: Fault, seen: &std::sync::Mutex<Vec<String>>) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(30)));
    let Some((head, mut rest)) = read_head(&mut client) else { return };
    seen.lock().unwrap().push(head.clone());
    let body_len = content_length(&head);
    if let Fault::Respond(answer) = &fault {
        // Drain the body so the client is not reset while it writes.
        let mut got = rest.len();
        let mut chunk = [0u8; 65536];
        while got < body_len {
            match client.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => got += n,
            }
        }
        let _ = client.write_all(answer.as_bytes());
        let _ = client.shutdown(std::net::Shutdown::Both);
        return;
    }
    let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)) else { return };
    // One request per connection: drop any Connection header and ask the server to close.
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
    // The request body: what came with the head, then the rest.
    let mut client_r = client.try_clone().unwrap();
    let mut server_w = server.try_clone().unwrap();
    // The index in the request body of the byte to change, if any.
    let tamper = match fault {
        Fault::TamperBody => body_len.checked_sub(1),
        Fault::TamperBodyMiddle => (body_len > 0).then_some(body_len / 2),
        _ => None,
    };
    let up = std::thread::spawn(move || {
        let mut sent = 0usize;
        let mut chunk = vec![0u8; 65536];
        let mut pending = std::mem::take(&mut rest);
        loop {
            if pending.is_empty() {
                if sent >= body_len {
                    break;
                }
                match client_r.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => pending.extend_from_slice(&chunk[..n]),
                }
            }
            if let Some(at) = tamper.filter(|at| (sent..sent + pending.len()).contains(at)) {
                pending[at - sent] ^= 0x01;
            }
            if server_w.write_all(&pending).is_err() {
                break;
            }
            sent += pending.len();
            pending.clear();
        }
    });
    let limit = match fault {
        Fault::CutResponseAfter(n) => n,
        _ => usize::MAX,
    };
    let mut forwarded = 0usize;
    let mut chunk = vec![0u8; 65536];
    // For TamperResponseBody: the response bytes seen before the body starts, until it does.
    let mut flip_pending = matches!(fault, Fault::TamperResponseBody);
    let mut head_seen: Vec<u8> = Vec::new();
    loop {
        let n = match server.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if flip_pending {
            let before = head_seen.len();
            head_seen.extend_from_slice(&chunk[..n]);
            if let Some(end) = head_seen.windows(4).position(|w| w == b"\r\n\r\n") {
                let body_start = end + 4;
                if body_start < head_seen.len() {
                    // The middle of this piece's body bytes.
                    let i = body_start + (head_seen.len() - body_start) / 2;
                    chunk[i - before] ^= 0x10;
                    flip_pending = false;
                }
            }
        }
        let n = n.min(limit - forwarded);
        if client.write_all(&chunk[..n]).is_err() {
            break;
        }
        forwarded += n;
        if forwarded >= limit {
            break;
        }
    }
    let _ = client.shutdown(std::net::Shutdown::Both);
    let _ = server.shutdown(std::net::Shutdown::Both);
    let _ = up.join();
}

/// A client for a test server, with the test keys, path style (unless `vhost`), no real
/// backoff sleeps, and `bucket.localhost:PORT` connected to 127.0.0.1 for virtual-host style.
#[cfg(feature = "client")]
pub fn test_config(endpoint: &str) -> minis3::s3::ClientConfig {
    use minis3::s3::{Auth, ClientConfig, RecordingSleeper};
    let mut cfg = ClientConfig::new(REGION, Auth::keys(ACCESS_KEY, SECRET_KEY));
    cfg.endpoint_url = Some(endpoint.to_owned());
    cfg.addressing_style = minis3::address::AddressingStyle::Path;
    cfg.sleeper = RecordingSleeper::new();
    // The tests choose their multipart thresholds: keep them on 127.0.0.1 too.
    cfg.loopback_single_put = false;
    // Every notice (retries, aborted uploads, with the errors they quote) is checked for the
    // test secrets.
    cfg.notices = CheckedNotices::new();
    cfg
}

/// Notices checked for the test secrets ([`secrets::assert_clean_text`]) as the client gives
/// them, and kept for assertions. [`test_config`] installs one; a test that wants to read the
/// notices installs its own: `let n = CheckedNotices::new(); cfg.notices = n.clone();`.
#[cfg(feature = "client")]
#[derive(Debug, Default)]
pub struct CheckedNotices(minis3::s3::CollectedNotices);

#[cfg(feature = "client")]
impl CheckedNotices {
    /// A new, shareable one.
    pub fn new() -> std::sync::Arc<Self> {
        std::sync::Arc::new(Self::default())
    }

    /// The notices so far.
    pub fn all(&self) -> Vec<String> {
        self.0.all()
    }
}

#[cfg(feature = "client")]
impl minis3::s3::Notices for CheckedNotices {
    fn notice(&self, message: &str) {
        secrets::assert_clean_text("a client notice", message);
        self.0.notice(message);
    }
}

/// [`test_config`] for virtual-host style on `http://localhost:PORT`: requests go to
/// `BUCKET.localhost:PORT`, connected to 127.0.0.1:PORT (nothing resolves `*.localhost` here).
#[cfg(feature = "client")]
pub fn vhost_config(port: u16, buckets: &[&str]) -> minis3::s3::ClientConfig {
    let mut cfg = test_config(&format!("http://localhost:{port}"));
    cfg.addressing_style = minis3::address::AddressingStyle::Virtual;
    cfg.connect_to = buckets
        .iter()
        .map(|b| (format!("{b}.localhost:{port}"), format!("127.0.0.1:{port}")))
        .chain([(format!("localhost:{port}"), format!("127.0.0.1:{port}"))])
        .collect();
    cfg
}

/// Deterministic pseudo-random bytes (xorshift), cheap to generate.
pub fn test_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}
