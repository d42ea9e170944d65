//! Hostile local trees and keys for the `minis3` binary (issue 16, section 2): a symbolic link
//! inside a download target never redirects a write outside it, and keys that cannot be local
//! file names are skipped one line each while the rest is copied; exit status 2 (skipped, as
//! the AWS CLI's s3 commands), 1 only when something failed.
#![cfg(feature = "cli")]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use support::{unique_bucket, S3sFs, Seaweed, TestServer, ACCESS_KEY, SECRET_KEY};

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {} stdout {:?} stderr {:?}", self.code, self.stdout, self.stderr)
    }
}

/// A temporary HOME and working directory, the test keys and one endpoint.
struct World {
    dir: tempfile::TempDir,
    endpoint: String,
}

impl World {
    fn new(endpoint: &str) -> World {
        let dir = tempfile::tempdir().unwrap();
        for d in ["home", "work"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        World { dir, endpoint: endpoint.to_string() }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn run(&self, args: &[&str]) -> Out {
        let p = |s: &str| self.path(s).display().to_string();
        let out = Command::new(env!("CARGO_BIN_EXE_minis3"))
            .env_clear()
            .env("HOME", p("home"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", p("aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", p("aws-credentials"))
            .env("AWS_REGION", "us-east-1")
            .env("PIXI_NO_CONFIG", "true")
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .args(args)
            .current_dir(self.path("work"))
            .stdin(Stdio::null())
            .output()
            .expect("cannot run minis3");
        support::secrets::assert_clean_output(&format!("minis3 {args:?}"), &out.stdout, &out.stderr);
        let o = Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(!o.stderr.contains("panicked"), "{o:?}");
        o
    }

    fn ok(&self, args: &[&str]) -> Out {
        let o = self.run(args);
        assert_eq!(o.code, 0, "{args:?}: {o:?}");
        o
    }
}

fn write(path: &Path, data: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, data).unwrap();
}

/// Every path under `dir` (not following links), `/`-separated, sorted; links marked `@`.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(dir: &Path, rel: &str, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            let r = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            let t = e.file_type().unwrap();
            if t.is_symlink() {
                out.push(format!("{r}@"));
            } else if t.is_dir() {
                out.push(format!("{r}/"));
                walk(&e.path(), &r, out);
            } else {
                out.push(r);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out);
    out.sort();
    out
}

fn refused_lines(o: &Out) -> Vec<&str> {
    o.stderr.lines().filter(|l| l.contains("download refused")).collect()
}

#[cfg(unix)]
#[test]
fn links_inside_the_target_never_redirect_downloads() {
    use std::os::unix::fs::symlink;
    let server = S3sFs::start();
    let w = World::new(&server.endpoint());
    let b = unique_bucket("links");
    w.ok(&["mb", &format!("s3://{b}")]);
    for key in ["good.txt", "dirlink/x.txt", "dirlink/new/y.txt", "filelink", "sub/ok.txt", "sub/deep/in.txt"] {
        write(&w.path("work/src.txt"), key.as_bytes());
        w.ok(&["cp", "src.txt", &format!("s3://{b}/{key}")]);
    }
    let outside = w.path("outside");
    write(&outside.join("secret"), b"secret");
    let before = tree(&outside);

    let plant = |target: &Path| {
        std::fs::create_dir_all(target.join("sub")).unwrap();
        symlink(&outside, target.join("dirlink")).unwrap();
        symlink(outside.join("secret"), target.join("filelink")).unwrap();
        symlink(&outside, target.join("sub/deep")).unwrap();
    };
    let check = |o: &Out, target: &Path| {
        assert_eq!(o.code, 2, "skipped keys give exit 2: {o:?}");
        let refused = refused_lines(o);
        assert_eq!(refused.len(), 4, "one line per refused key: {o:?}");
        assert!(refused.iter().all(|l| l.contains("symbolic link") && l.starts_with("minis3: ")), "{o:?}");
        assert!(o.stderr.contains("4 object(s) skipped"), "{o:?}");
        assert_eq!(tree(&outside), before, "something was written outside the target");
        assert_eq!(std::fs::read(outside.join("secret")).unwrap(), b"secret");
        assert_eq!(
            tree(target),
            ["dirlink@", "filelink@", "good.txt", "sub/", "sub/deep@", "sub/ok.txt"],
            "the rest of the tree is copied, the links are left alone"
        );
        assert_eq!(std::fs::read(target.join("sub/ok.txt")).unwrap(), b"sub/ok.txt");
    };

    let target = w.path("work/cp-out");
    plant(&target);
    let o = w.run(&["cp", "--recursive", &format!("s3://{b}/"), "cp-out"]);
    check(&o, &target);
    // A dry run says the same and writes nothing.
    let dry = w.path("work/dry-out");
    plant(&dry);
    let o = w.run(&["cp", "--recursive", "--dryrun", &format!("s3://{b}/"), "dry-out"]);
    assert_eq!((o.code, refused_lines(&o).len()), (2, 4), "{o:?}");
    assert_eq!(tree(&dry), ["dirlink@", "filelink@", "sub/", "sub/deep@"]);

    let target = w.path("work/sync-out");
    plant(&target);
    let o = w.run(&["sync", &format!("s3://{b}"), "sync-out"]);
    check(&o, &target);
    // Run again: the same keys are refused, nothing else is transferred.
    let o = w.run(&["sync", &format!("s3://{b}"), "sync-out"]);
    assert_eq!((o.code, refused_lines(&o).len()), (2, 4), "{o:?}");
    assert!(!o.stdout.contains("download:"), "{o:?}");
    check(&o, &target);
}

#[test]
fn keys_that_cannot_be_file_names_are_skipped_and_the_rest_copied() {
    let server = Seaweed::shared();
    let w = World::new(&server.endpoint());
    let b = unique_bucket("names");
    w.ok(&["mb", &format!("s3://{b}")]);
    for key in ["a", "a/b", "ok.txt"] {
        write(&w.path("work/src.txt"), key.as_bytes());
        w.ok(&["cp", "src.txt", &format!("s3://{b}/{key}")]);
    }
    let o = w.run(&["cp", "--recursive", &format!("s3://{b}"), "out"]);
    assert_eq!(o.code, 2, "{o:?}");
    let refused = refused_lines(&o);
    assert_eq!(refused.len(), 1, "{o:?}");
    assert!(refused.iter().any(|l| l.contains("/a/b:") && l.contains("is a file")), "{o:?}");
    assert_eq!(tree(&w.path("work/out")), ["a", "ok.txt"]);
    assert_eq!(std::fs::read(w.path("work/out/a")).unwrap(), b"a");

    // The other order: a directory `a` exists where the object `a` goes.
    std::fs::create_dir_all(w.path("work/out2/a")).unwrap();
    let o = w.run(&["sync", &format!("s3://{b}"), "out2"]);
    assert_eq!(o.code, 2, "{o:?}");
    let refused = refused_lines(&o);
    assert_eq!(refused.len(), 1, "{o:?}");
    assert!(refused.iter().any(|l| l.contains(&format!("s3://{b}/a:")) && l.contains("is a directory")), "{o:?}");
    assert_eq!(tree(&w.path("work/out2")), ["a/", "a/b", "ok.txt"]);

    // A failure besides the skips: exit 1 (a file where the target directory should be).
    write(&w.path("work/blocked"), b"x");
    let o = w.run(&["cp", "--recursive", &format!("s3://{b}"), "blocked"]);
    assert_eq!(o.code, 1, "{o:?}");
}

/// A canned listing (plain HTTP on 127.0.0.1) with keys no server here stores: a segment of
/// 256 bytes (SeaweedFS: KeyTooLongError; s3s-fs keeps keys as file names) and a NUL
/// (`%00` under `encoding-type=url`). Answers ListObjectsV2 of bucket `odd`, GET of
/// `pre/good.txt`, 404 otherwise.
fn odd_keys_server() -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut first = String::new();
            if reader.read_line(&mut first).is_err() {
                continue;
            }
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let target = first.split(' ').nth(1).unwrap_or("").to_string();
            let (status, body) = if target.starts_with("/odd?") || target.starts_with("/odd/?") {
                let keys = [format!("pre/{}", "n".repeat(256)), "pre/nul%00x".into(), "pre/good.txt".into()];
                let contents: String = keys
                    .iter()
                    .map(|k| {
                        format!(
                            "<Contents><Key>{k}</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified>\
                             <ETag>&quot;0&quot;</ETag><Size>4</Size></Contents>"
                        )
                    })
                    .collect();
                (
                    "200 OK",
                    format!(
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>odd</Name>\
                         <Prefix>pre/</Prefix><EncodingType>url</EncodingType><KeyCount>3</KeyCount>\
                         <MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>{contents}</ListBucketResult>"
                    ),
                )
            } else if target.starts_with("/odd/pre/good.txt") {
                ("200 OK", "good".to_string())
            } else {
                ("404 Not Found", "<Error><Code>NoSuchKey</Code><Message>no</Message></Error>".into())
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nETag: \"0\"\r\n\
                 Last-Modified: Mon, 01 Jan 2024 00:00:00 GMT\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(body.as_bytes());
        }
    });
    format!("http://{addr}")
}

#[test]
fn names_too_long_or_with_nul_are_skipped_one_line_each() {
    let w = World::new(&odd_keys_server());
    let commands: [&[&str]; 2] = [&["cp", "--recursive", "s3://odd/pre/", "out"], &["sync", "s3://odd/pre", "out"]];
    for args in commands {
        let mut full = vec!["--no-sign-request", "--force-path-style"];
        full.extend_from_slice(args);
        let o = w.run(&full);
        assert_eq!(o.code, 2, "{o:?}");
        let refused = refused_lines(&o);
        assert_eq!(refused.len(), 2, "{o:?}");
        assert!(refused.iter().any(|l| l.contains("256 bytes long")), "{o:?}");
        assert!(refused.iter().any(|l| l.contains("cannot be in a local file name")), "{o:?}");
        assert_eq!(tree(&w.path("work/out")), ["good.txt"]);
        std::fs::remove_dir_all(w.path("work/out")).unwrap();
    }
}
