//! Many objects through the `minis3` binary against real servers (s3s-fs, which lists keys in
//! byte order, and SeaweedFS, which lists them directory by directory): `sync` both ways
//! and `cp --recursive` give the same trees byte for byte, and a sync of an unchanged tree
//! sends nothing but the listing, counted by a proxy in front of the server (one request per
//! connection, every request head recorded).
#![cfg(feature = "cli")]

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::{unique_bucket, FaultProxy, S3sFs, Seaweed, TestServer, ACCESS_KEY, SECRET_KEY};

/// Runs minis3 with a clean environment: the test keys, `endpoint`, temporary AWS files.
fn minis3(home: &Path, endpoint: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_minis3"))
        .env_clear()
        .env("HOME", home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", home.join("aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("aws-credentials"))
        .env("AWS_REGION", "us-east-1")
        .env("PIXI_NO_CONFIG", "true")
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("AWS_ENDPOINT_URL", endpoint)
        .args(args)
        .current_dir(home)
        .output()
        .expect("cannot run minis3");
    support::secrets::assert_clean_output(&format!("minis3 {args:?}"), &out.stdout, &out.stderr);
    let o = (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(!o.2.contains("panicked"), "{args:?}: {o:?}");
    o
}

fn ok(home: &Path, endpoint: &str, args: &[&str]) -> String {
    let o = minis3(home, endpoint, args);
    assert_eq!(o.0, 0, "{args:?}: {o:?}");
    o.1
}

/// Every file under `root`: path (with `/`) to contents.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// `n` files in 20 directories, with names whose byte order and directory order differ
/// (`a b`, `a-b`, `a.txt` and the directory `a/` side by side), of 1 byte to 3 KiB.
fn make_tree(root: &Path, n: usize) {
    let names = ["a b", "a-b", "a.txt", "a0", "é", "z"];
    for i in 0..n {
        let d = format!("d{:02}", i % 20);
        let name = names[i % names.len()];
        let rel = if i % 5 == 0 { format!("{d}/a/{name}{i}") } else { format!("{d}/{name}{i}") };
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let len = 1 + (i * 37) % 3000;
        let data: Vec<u8> = (0..len).map(|k| (k as u64 * 31 + i as u64) as u8).collect();
        std::fs::write(p, data).unwrap();
    }
}

/// The request lines the proxy saw since `from`.
fn requests(proxy: &FaultProxy, from: usize) -> Vec<String> {
    proxy.heads()[from..].iter().map(|h| h.lines().next().unwrap_or("").to_string()).collect()
}

fn is_listing(line: &str, bucket: &str) -> bool {
    line.starts_with(&format!("GET /{bucket}?")) && line.contains("list-type=2")
}

/// The `prefix` of each `/`-delimited listing request among `sent`, sorted (`None` for a
/// listing without the delimiter).
fn listed_prefixes(sent: &[String]) -> Vec<Option<String>> {
    let mut out: Vec<Option<String>> = sent
        .iter()
        .filter(|l| l.contains("list-type=2"))
        .map(|l| {
            let query = l.split_whitespace().nth(1).unwrap_or("").split_once('?').map_or("", |q| q.1);
            let param = |name: &str| query.split('&').find_map(|kv| kv.strip_prefix(&format!("{name}=")));
            param("delimiter").filter(|d| *d == "%2F").map(|_| param("prefix").unwrap_or("").replace("%2F", "/"))
        })
        .collect();
    out.sort();
    out
}

/// `prefix` and the prefix of every directory under `root` below it, sorted: what a sync lists,
/// each once.
fn directory_prefixes(root: &Path, prefix: &str) -> Vec<Option<String>> {
    let mut dirs = std::collections::BTreeSet::from([prefix.to_string()]);
    for path in tree(root).keys() {
        let mut at = prefix.to_string();
        for segment in path.split('/').rev().skip(1).collect::<Vec<_>>().into_iter().rev() {
            at = format!("{at}{segment}/");
            dirs.insert(at.clone());
        }
    }
    dirs.into_iter().map(Some).collect()
}

fn sync_round_trip(server: &dyn TestServer, files: usize) {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let proxy = FaultProxy::start(server.port(), vec![]);
    let ep = proxy.endpoint();
    let b = unique_bucket("many");
    ok(h, &ep, &["mb", &format!("s3://{b}")]);
    let src: PathBuf = h.join("src");
    make_tree(&src, files);
    let url = format!("s3://{b}/tree/");

    // Up into an empty prefix: one PUT per file, plus the listing.
    let mark = proxy.heads().len();
    let out = ok(h, &ep, &["sync", "src", &url]);
    assert_eq!(out.lines().filter(|l| l.starts_with("upload: ")).count(), files, "{out}");
    let sent = requests(&proxy, mark);
    assert_eq!(sent.iter().filter(|l| l.starts_with("PUT ")).count(), files);
    assert!(sent.iter().all(|l| l.starts_with("PUT ") || is_listing(l, &b)), "{sent:?}");

    // Nothing changed: the listing only, each directory listed once with a `/` delimiter
    // (the root, 20 directories and the `a/` of 4 of them, each one page).
    let mark = proxy.heads().len();
    assert_eq!(ok(h, &ep, &["sync", "src", &url]), "");
    let sent = requests(&proxy, mark);
    assert!(!sent.is_empty() && sent.iter().all(|l| is_listing(l, &b)), "{sent:?}");
    let dirs = directory_prefixes(&src, "tree/");
    assert_eq!(dirs.len(), 25);
    assert_eq!(listed_prefixes(&sent), dirs, "{sent:?}");

    // Down into an empty directory: the same tree, byte for byte.
    let out = ok(h, &ep, &["sync", &url, "down"]);
    assert_eq!(out.lines().count(), files, "{out}");
    assert_eq!(tree(&h.join("down")), tree(&src));
    let mark = proxy.heads().len();
    assert_eq!(ok(h, &ep, &["sync", &url, "down"]), "");
    let sent = requests(&proxy, mark);
    assert!(!sent.is_empty() && sent.iter().all(|l| is_listing(l, &b)), "{sent:?}");
    assert_eq!(listed_prefixes(&sent), dirs, "{sent:?}");

    // One file changed, one gone, one new, with --delete: exactly those requests.
    std::fs::write(src.join("d01/a-b1"), b"changed, and of another size").unwrap();
    std::fs::remove_file(src.join("d00/a/a b0")).unwrap();
    std::fs::write(src.join("d07/new"), b"new").unwrap();
    let mark = proxy.heads().len();
    let out = ok(h, &ep, &["sync", "--delete", "src", &url]);
    let mut lines: Vec<&str> = out.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            format!("delete: s3://{b}/tree/d00/a/a b0"),
            "upload: src/d01/a-b1 to s3://".to_string() + &b + "/tree/d01/a-b1",
            "upload: src/d07/new to s3://".to_string() + &b + "/tree/d07/new",
        ]
    );
    let sent = requests(&proxy, mark);
    assert_eq!(sent.iter().filter(|l| l.starts_with("PUT ")).count(), 2, "{sent:?}");
    assert_eq!(sent.iter().filter(|l| l.starts_with("POST ") && l.contains("?delete")).count(), 1, "{sent:?}");
    assert_eq!(sent.len(), 3 + dirs.len(), "{sent:?}");
    assert_eq!(listed_prefixes(&sent), dirs, "{sent:?}");

    // And down again with --delete: the local copy follows.
    let out = ok(h, &ep, &["sync", "--delete", &url, "down"]);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert_eq!(tree(&h.join("down")), tree(&src));

    // Prefix to prefix: copies, then nothing.
    let copy = format!("s3://{b}/copy/");
    let out = ok(h, &ep, &["sync", &url, &copy]);
    assert_eq!(out.lines().filter(|l| l.starts_with("copy: ")).count(), files, "{out}");
    assert_eq!(ok(h, &ep, &["sync", &url, &copy]), "");
    let out = ok(h, &ep, &["cp", "--recursive", &copy, "copied"]);
    assert_eq!(out.lines().count(), files);
    assert_eq!(tree(&h.join("copied")), tree(&src));
}

#[test]
fn sync_against_s3s_fs_lists_only_when_nothing_changed() {
    let server = S3sFs::start();
    sync_round_trip(&server, 500);
}

#[test]
fn sync_against_seaweedfs_lists_only_when_nothing_changed() {
    sync_round_trip(Seaweed::shared(), 500);
}

#[test]
fn recursive_copies_both_ways_with_a_configured_concurrency() {
    let server = S3sFs::start();
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    std::fs::write(h.join("aws-config"), "[default]\ns3 =\n  max_concurrent_requests = 2\n").unwrap();
    let ep = server.endpoint();
    let b = unique_bucket("cpmany");
    ok(h, &ep, &["mb", &format!("s3://{b}")]);
    make_tree(&h.join("src"), 120);
    // A larger file among them: parallel ranges on the way down.
    let big: Vec<u8> = (0..12 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(h.join("src/d05/big.bin"), &big).unwrap();
    let url = format!("s3://{b}/cp/");
    let out = ok(h, &ep, &["cp", "--recursive", "src", &url]);
    assert_eq!(out.lines().count(), 121, "{out}");
    let out = ok(h, &ep, &["cp", "--recursive", &url, "back"]);
    assert_eq!(out.lines().count(), 121, "{out}");
    assert_eq!(tree(&h.join("back")), tree(&h.join("src")));
    // --exclude applies while listing.
    let out = ok(h, &ep, &["cp", "--recursive", "--exclude", "*/a/*", &url, "some"]);
    assert_eq!(out.lines().count(), 121 - 24, "{out}");
}
