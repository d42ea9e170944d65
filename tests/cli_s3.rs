//! The `minis3` binary against real S3 servers (s3s-fs per test, the shared SeaweedFS), run
//! with a controlled environment: `env_clear()`, a temporary `HOME`, AWS files in a temporary
//! directory, no instance metadata.
#![cfg(feature = "cli")]

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use support::{unique_bucket, S3sFs, Seaweed, TestServer, ACCESS_KEY, SECRET_KEY};

/// A temporary world for one test: HOME, AWS files, a working directory.
struct World {
    dir: tempfile::TempDir,
    vars: Vec<(String, String)>,
}

struct Out {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

impl Out {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {} stdout {:?} stderr {:?}", self.code, self.text(), self.stderr)
    }
}

impl World {
    /// With the test keys in the environment and `endpoint` as AWS_ENDPOINT_URL.
    fn new(endpoint: &str) -> World {
        let mut w = World::bare();
        w.set("AWS_ACCESS_KEY_ID", ACCESS_KEY);
        w.set("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
        w.set("AWS_ENDPOINT_URL", endpoint);
        w
    }

    /// No credentials, no endpoint.
    fn bare() -> World {
        let dir = tempfile::tempdir().unwrap();
        for d in ["home", "work"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        let p = |s: &str| dir.path().join(s).display().to_string();
        let vars = vec![
            ("HOME".to_string(), p("home")),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
            ("AWS_CONFIG_FILE".into(), p("aws-config")),
            ("AWS_SHARED_CREDENTIALS_FILE".into(), p("aws-credentials")),
            ("AWS_REGION".into(), "us-east-1".into()),
            ("PIXI_NO_CONFIG".into(), "true".into()),
        ];
        World { dir, vars }
    }

    fn set(&mut self, k: &str, v: &str) {
        self.vars.retain(|(n, _)| n != k);
        self.vars.push((k.into(), v.into()));
    }

    fn unset(&mut self, k: &str) {
        self.vars.retain(|(n, _)| n != k);
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn work(&self) -> PathBuf {
        self.path("work")
    }

    fn run_with(&self, args: &[&str], stdin: Option<&[u8]>) -> Out {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_minis3"));
        cmd.env_clear().envs(self.vars.iter().map(|(k, v)| (k, v))).args(args).current_dir(self.work());
        cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("cannot run minis3");
        if let Some(data) = stdin {
            let mut input = child.stdin.take().unwrap();
            let data = data.to_vec();
            std::thread::spawn(move || {
                let _ = input.write_all(&data);
            });
        }
        let out = child.wait_with_output().unwrap();
        let o = Out {
            code: out.status.code().unwrap_or(-1),
            stdout: out.stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(!o.stderr.contains("panicked"), "{o:?}");
        support::secrets::assert_clean_output(&format!("minis3 {args:?}"), &o.stdout, o.stderr.as_bytes());
        o
    }

    fn run(&self, args: &[&str]) -> Out {
        self.run_with(args, None)
    }

    /// Runs and asserts exit status 0.
    fn ok(&self, args: &[&str]) -> Out {
        let o = self.run(args);
        assert_eq!(o.code, 0, "{args:?}: {o:?}");
        o
    }

    /// Runs and asserts exit status 1 with exactly one `minis3: ` line per failure, none empty.
    fn fails(&self, args: &[&str]) -> Out {
        let o = self.run(args);
        assert_eq!(o.code, 1, "{args:?}: {o:?}");
        assert!(o.stderr.lines().all(|l| l.starts_with("minis3: ") && l.len() > 10), "{o:?}");
        o
    }
}

fn write(path: &Path, data: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, data).unwrap();
}

fn s3s() -> (S3sFs, World) {
    let server = S3sFs::start();
    let w = World::new(&server.endpoint());
    (server, w)
}

fn keys_of(w: &World, url: &str) -> Vec<String> {
    let o = w.ok(&["ls", "--recursive", "--json", url]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["Contents"].as_array().unwrap().iter().map(|c| c["Key"].as_str().unwrap().to_string()).collect()
}

fn cat(w: &World, url: &str) -> Vec<u8> {
    w.ok(&["cp", url, "-"]).stdout
}

fn set_mtime(path: &Path, t: SystemTime) {
    std::fs::File::options().write(true).open(path).unwrap().set_modified(t).unwrap();
}

#[test]
fn ls_buckets_prefixes_recursive_and_json() {
    let (_server, w) = s3s();
    let b = unique_bucket("ls");
    assert_eq!(w.ok(&["mb", &format!("s3://{b}")]).text(), format!("make_bucket: {b}\n"));
    write(&w.path("work/f.txt"), b"hello");
    w.ok(&["cp", "f.txt", &format!("s3://{b}/dir/sub/a.txt")]);
    w.ok(&["cp", "f.txt", &format!("s3://{b}/dir/b.txt")]);
    w.ok(&["cp", "f.txt", &format!("s3://{b}/top.txt")]);

    let buckets = w.ok(&["ls"]).text();
    assert!(buckets.lines().any(|l| l.ends_with(&format!(" {b}")) && l.len() == 20 + b.len()), "{buckets}");
    let json: serde_json::Value = serde_json::from_slice(&w.ok(&["ls", "--json"]).stdout).unwrap();
    assert!(json.as_array().unwrap().iter().any(|x| x["Name"] == b.as_str()));

    let root = w.ok(&["ls", &format!("s3://{b}")]).text();
    let lines: Vec<&str> = root.lines().collect();
    assert_eq!(lines.len(), 2, "{root}");
    assert_eq!(lines[0], "                           PRE dir/");
    assert!(lines[1].ends_with("          5 top.txt"), "{root}");

    let dir = w.ok(&["ls", &format!("s3://{b}/dir/")]).text();
    assert!(dir.contains("PRE sub/") && dir.contains(" b.txt"), "names relative to the prefix: {dir}");
    let partial = w.ok(&["ls", &format!("s3://{b}/di")]).text();
    assert_eq!(partial.trim(), "PRE dir/");

    let rec = w.ok(&["ls", "--recursive", &format!("s3://{b}")]).text();
    let names: Vec<&str> = rec.lines().map(|l| l.rsplit(' ').next().unwrap()).collect();
    assert_eq!(names, ["dir/b.txt", "dir/sub/a.txt", "top.txt"]);

    let json: serde_json::Value =
        serde_json::from_slice(&w.ok(&["ls", "--json", &format!("s3://{b}/dir/")]).stdout).unwrap();
    assert_eq!(json["CommonPrefixes"][0]["Prefix"], "dir/sub/");
    assert_eq!(json["Contents"][0]["Key"], "dir/b.txt");
    assert_eq!(json["Contents"][0]["Size"], 5);

    // Nothing under a prefix: status 1, as the AWS CLI.
    let o = w.run(&["ls", &format!("s3://{b}/nothing-here/")]);
    assert_eq!(o.code, 1, "{o:?}");
}

/// `ls --recursive` lists directory by directory; its order must still be a flat listing's,
/// key order by UTF-8 bytes, with keys that sort beside a directory of the same name (`.`
/// and `-` before `/`, `0` after it) and beyond ASCII. (No key is also a directory's name:
/// s3s-fs keeps objects as files.)
fn ls_recursive_is_in_key_order(w: &World) {
    let b = unique_bucket("lsorder");
    w.ok(&["mb", &format!("s3://{b}")]);
    write(&w.path("work/f.txt"), b"x");
    let keys = [
        "a.txt",
        "a-b",
        "a/x",
        "a/y/z",
        "a/y0",
        "a0",
        "b/c/d/e",
        "b/c.d",
        "b0/f",
        "dir.txt",
        "dir/sub/deep/f",
        "z",
        "\u{fc}.txt",
        "\u{fc}/n",
    ];
    for k in keys {
        w.ok(&["cp", "f.txt", &format!("s3://{b}/{k}")]);
    }
    let names = |url: &str| -> Vec<String> {
        let text = w.ok(&["ls", "--recursive", url]).text();
        // "YYYY-MM-DD HH:MM:SS" and the size in 10 columns, then the key.
        text.lines().map(|l| l.get(31..).unwrap_or_default().to_string()).collect()
    };
    let mut want: Vec<&str> = keys.to_vec();
    want.sort();
    assert_eq!(names(&format!("s3://{b}")), want);
    assert_eq!(keys_of(w, &format!("s3://{b}/")), want, "--json: the same order");
    let under_a: Vec<&str> = want.iter().copied().filter(|k| k.starts_with('a')).collect();
    assert_eq!(names(&format!("s3://{b}/a")), under_a, "a prefix that is not a directory");
    let under_dir: Vec<&str> = want.iter().copied().filter(|k| k.starts_with("dir/")).collect();
    assert_eq!(names(&format!("s3://{b}/dir/")), under_dir);
}

#[test]
fn ls_recursive_is_in_key_order_on_s3s_fs() {
    let (_server, w) = s3s();
    ls_recursive_is_in_key_order(&w);
}

#[test]
fn ls_recursive_is_in_key_order_on_seaweedfs() {
    let w = World::new(&Seaweed::shared().endpoint());
    ls_recursive_is_in_key_order(&w);
}

#[test]
fn cp_in_every_direction() {
    let (_server, w) = s3s();
    let b = unique_bucket("cp");
    let b2 = unique_bucket("cp2");
    w.ok(&["mb", &format!("s3://{b}")]);
    w.ok(&["mb", &format!("s3://{b2}")]);
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    write(&w.path("work/data.bin"), &data);

    // Local → S3: explicit key, prefix ending in '/', bucket root; content type and metadata.
    let o = w.ok(&[
        "cp",
        "data.bin",
        &format!("s3://{b}/k.bin"),
        "--content-type",
        "application/x-test",
        "--metadata",
        "Owner=me,n=1",
    ]);
    assert_eq!(o.text(), format!("upload: data.bin to s3://{b}/k.bin\n"));
    w.ok(&["cp", "data.bin", &format!("s3://{b}/dir/")]);
    w.ok(&["cp", "data.bin", &format!("s3://{b}")]);
    assert_eq!(keys_of(&w, &format!("s3://{b}")), ["data.bin", "dir/data.bin", "k.bin"]);
    let head: serde_json::Value =
        serde_json::from_slice(&w.ok(&["head", "--json", &format!("s3://{b}/k.bin")]).stdout).unwrap();
    assert_eq!(head["ContentLength"], 100_000);
    assert_eq!(head["ContentType"], "application/x-test");
    assert_eq!(head["Metadata"]["owner"], "me");
    assert_eq!(head["Metadata"]["n"], "1");
    let text = w.ok(&["head", &format!("s3://{b}/k.bin")]).text();
    assert!(text.contains("ContentLength: 100000") && text.contains("Metadata: owner=me"), "{text}");

    // S3 → local: a file path with missing parents, an existing directory, a path ending in '/'.
    w.ok(&["cp", &format!("s3://{b}/k.bin"), "out/deep/x.bin"]);
    assert_eq!(std::fs::read(w.path("work/out/deep/x.bin")).unwrap(), data);
    std::fs::create_dir_all(w.path("work/existing")).unwrap();
    let o = w.ok(&["cp", &format!("s3://{b}/dir/data.bin"), "existing"]);
    assert_eq!(o.text(), format!("download: s3://{b}/dir/data.bin to existing/data.bin\n"));
    assert_eq!(std::fs::read(w.path("work/existing/data.bin")).unwrap(), data);
    w.ok(&["cp", &format!("s3://{b}/k.bin"), "newdir/"]);
    assert_eq!(std::fs::read(w.path("work/newdir/k.bin")).unwrap(), data);
    // Overwrites an existing file.
    write(&w.path("work/over.bin"), b"old");
    w.ok(&["cp", &format!("s3://{b}/k.bin"), "over.bin"]);
    assert_eq!(std::fs::read(w.path("work/over.bin")).unwrap(), data);

    // S3 → S3, same and other bucket, with a prefix destination.
    w.ok(&["cp", &format!("s3://{b}/k.bin"), &format!("s3://{b2}/copied/")]);
    assert_eq!(cat(&w, &format!("s3://{b2}/copied/k.bin")), data);
    let o = w.ok(&["cp", &format!("s3://{b}/k.bin"), &format!("s3://{b}/k2.bin")]);
    assert_eq!(o.text(), format!("copy: s3://{b}/k.bin to s3://{b}/k2.bin\n"));

    // stdin → S3 and S3 → stdout (small, and above one 8 MiB part: streamed multipart).
    let o = w.run_with(&["cp", "-", &format!("s3://{b}/from-stdin")], Some(b"piped bytes"));
    assert_eq!(o.code, 0, "{o:?}");
    assert_eq!(cat(&w, &format!("s3://{b}/from-stdin")), b"piped bytes");
    let big: Vec<u8> = (0..(9 * 1024 * 1024 + 17) as u32).map(|i| (i.wrapping_mul(31) >> 3) as u8).collect();
    let o = w.run_with(&["cp", "-", &format!("s3://{b}/big-stdin")], Some(&big));
    assert_eq!(o.code, 0, "{o:?}");
    let back = cat(&w, &format!("s3://{b}/big-stdin"));
    assert!(back == big, "multipart stdin upload differs ({} vs {} bytes)", back.len(), big.len());

    // Errors: a missing source file, a directory without --recursive, a missing object.
    let o = w.fails(&["cp", "nope.bin", &format!("s3://{b}/x")]);
    assert!(o.stderr.contains("nope.bin"), "{o:?}");
    let o = w.fails(&["cp", "existing", &format!("s3://{b}/x")]);
    assert!(o.stderr.contains("--recursive"), "{o:?}");
    let o = w.fails(&["cp", &format!("s3://{b}/missing"), "m.bin"]);
    assert!(o.stderr.contains("NoSuchKey") || o.stderr.contains("404"), "{o:?}");
    assert!(!w.path("work/m.bin").exists());
    let o = w.fails(&["cp", &format!("s3://{b}/missing"), "-"]);
    assert!(o.stdout.is_empty());
}

#[test]
fn transfer_settings_from_the_aws_config_are_used_and_shown() {
    let (_server, w) = s3s();
    let b = unique_bucket("xfercfg");
    w.ok(&["mb", &format!("s3://{b}")]);
    // With the defaults (16 MiB threshold) an 11 MiB file is one PUT; with these, three parts.
    write(
        &w.path("aws-config"),
        b"[default]\ns3 =\n  multipart_threshold = 5MB\n  multipart_chunksize = 5MiB\n  max_concurrent_requests = 2\n  target_bandwidth = 200MB/s\n",
    );
    let data: Vec<u8> = (0..11 * 1024 * 1024u32).map(|i| (i % 253) as u8).collect();
    write(&w.path("work/big.bin"), &data);
    w.ok(&["cp", "big.bin", &format!("s3://{b}/big.bin")]);
    let head: serde_json::Value =
        serde_json::from_slice(&w.ok(&["head", "--json", &format!("s3://{b}/big.bin")]).stdout).unwrap();
    assert!(head["ETag"].as_str().unwrap().ends_with("-3\""), "{head}");
    assert_eq!(cat(&w, &format!("s3://{b}/big.bin")), data);

    let t = w.ok(&["config", "show"]).text();
    let config = w.path("aws-config").display().to_string();
    assert!(t.contains(&format!("threshold        5242880 bytes ({config}:2")), "{t}");
    assert!(t.contains("part-size        5242880 bytes") && t.contains("s3.multipart_chunksize"), "{t}");
    assert!(t.contains("concurrency      2 (") && t.contains("s3.max_concurrent_requests"), "{t}");
    assert!(t.contains("target-bandwidth 209715200 bytes/s (") && t.contains("s3.target_bandwidth"), "{t}");
    let v: serde_json::Value = serde_json::from_slice(&w.ok(&["config", "show", "--json"]).stdout).unwrap();
    assert_eq!(v["multipart_chunksize"]["value"], 5 * 1024 * 1024);
    assert_eq!(v["max_concurrent_requests"]["value"], 2);
    assert_eq!(v["target_bandwidth"]["value"], 200 * 1024 * 1024);

    // A part size below S3's minimum: one line naming the file and line.
    write(&w.path("aws-config"), b"[default]\nregion = us-east-1\ns3 =\n  multipart_chunksize = 1MB\n");
    let o = w.fails(&["cp", "big.bin", &format!("s3://{b}/again.bin")]);
    assert!(o.stderr.contains(&format!("{config}:3")) && o.stderr.contains("at least 5MiB"), "{o:?}");
}

#[test]
fn cp_recursive_with_filters_both_ways() {
    let (_server, w) = s3s();
    let b = unique_bucket("rec");
    w.ok(&["mb", &format!("s3://{b}")]);
    for (p, d) in [("src/a.txt", "a"), ("src/b.log", "bb"), ("src/sub/c.txt", "ccc"), ("src/sub/d.bin", "dddd")] {
        write(&w.path(&format!("work/{p}")), d.as_bytes());
    }
    let o = w.ok(&["cp", "--recursive", "src", &format!("s3://{b}/up"), "--exclude", "*.log"]);
    assert_eq!(o.text().lines().count(), 3, "{o:?}");
    assert_eq!(keys_of(&w, &format!("s3://{b}")), ["up/a.txt", "up/sub/c.txt", "up/sub/d.bin"]);

    // Download with exclude-all then include: only .txt.
    w.ok(&["cp", "--recursive", &format!("s3://{b}/up/"), "down", "--exclude", "*", "--include", "*.txt"]);
    assert_eq!(std::fs::read(w.path("work/down/a.txt")).unwrap(), b"a");
    assert_eq!(std::fs::read(w.path("work/down/sub/c.txt")).unwrap(), b"ccc");
    assert!(!w.path("work/down/sub/d.bin").exists());

    // S3 → S3 recursive.
    w.ok(&["cp", "--recursive", &format!("s3://{b}/up"), &format!("s3://{b}/copy/")]);
    assert_eq!(keys_of(&w, &format!("s3://{b}/copy/")), ["copy/a.txt", "copy/sub/c.txt", "copy/sub/d.bin"]);

    // --dryrun changes nothing.
    let o = w.ok(&["cp", "--recursive", "--dryrun", "src", &format!("s3://{b}/dry/")]);
    assert!(o.text().lines().all(|l| l.starts_with("(dryrun) upload: ")), "{o:?}");
    assert_eq!(w.run(&["ls", &format!("s3://{b}/dry/")]).code, 1);
}

#[test]
fn sync_both_ways_with_changes_deletions_filters_and_dryrun() {
    let (_server, w) = s3s();
    let b = unique_bucket("sync");
    w.ok(&["mb", &format!("s3://{b}")]);
    let site = w.path("work/site");
    for (p, d) in [("index.html", "<h1>"), ("css/a.css", "body{}"), ("keep.log", "log"), ("old.txt", "old")] {
        write(&site.join(p), d.as_bytes());
    }
    let dest = format!("s3://{b}/site");
    let o = w.ok(&["sync", "site", &dest, "--exclude", "*.log"]);
    assert_eq!(o.text().lines().count(), 3, "{o:?}");
    // Nothing changed: nothing to do.
    assert_eq!(w.ok(&["sync", "site", &dest, "--exclude", "*.log"]).text(), "");

    // A size change, and a same-size file with a newer local time, are uploaded.
    write(&site.join("index.html"), b"<h1>changed</h1>");
    let future = SystemTime::now() + Duration::from_secs(3600);
    write(&site.join("css/a.css"), b"BODY{}");
    set_mtime(&site.join("css/a.css"), future);
    std::fs::remove_file(site.join("old.txt")).unwrap();
    // --dryrun first: reported, not done.
    let o = w.ok(&["sync", "--dryrun", "--delete", "site", &dest, "--exclude", "*.log"]);
    let t = o.text();
    assert!(t.contains("(dryrun) upload: site/index.html") && t.contains("(dryrun) upload: site/css/a.css"), "{t}");
    assert!(t.contains(&format!("(dryrun) delete: s3://{b}/site/old.txt")), "{t}");
    assert_eq!(cat(&w, &format!("{dest}/index.html")), b"<h1>");
    let o = w.ok(&["sync", "--delete", "site", &dest, "--exclude", "*.log"]);
    assert_eq!(o.text().lines().count(), 3, "{o:?}");
    assert_eq!(cat(&w, &format!("{dest}/index.html")), b"<h1>changed</h1>");
    assert_eq!(cat(&w, &format!("{dest}/css/a.css")), b"BODY{}");
    assert_eq!(keys_of(&w, &dest), ["site/css/a.css", "site/index.html"]);

    // S3 → local: fresh directory gets everything, with the objects' times.
    let o = w.ok(&["sync", &dest, "mirror"]);
    assert_eq!(o.text().lines().count(), 2, "{o:?}");
    assert_eq!(std::fs::read(w.path("work/mirror/index.html")).unwrap(), b"<h1>changed</h1>");
    assert_eq!(w.ok(&["sync", &dest, "mirror"]).text(), "", "a second sync downloads nothing");
    // A changed object (size) comes down; an extra local file goes with --delete, unless excluded.
    w.run_with(&["cp", "-", &format!("{dest}/index.html")], Some(b"v3"));
    write(&w.path("work/mirror/extra.txt"), b"x");
    write(&w.path("work/mirror/notes.md"), b"x");
    let o = w.ok(&["sync", "--delete", "--exclude", "*.md", &dest, "mirror"]);
    let t = o.text();
    assert!(t.contains("download: ") && t.contains("delete: mirror/extra.txt"), "{t}");
    assert_eq!(std::fs::read(w.path("work/mirror/index.html")).unwrap(), b"v3");
    assert!(!w.path("work/mirror/extra.txt").exists());
    assert!(w.path("work/mirror/notes.md").exists(), "excluded files are not deleted");
    // A local file newer than the object (same size) is downloaded again (AWS CLI rule).
    write(&w.path("work/mirror/index.html"), b"zz");
    set_mtime(&w.path("work/mirror/index.html"), future);
    w.ok(&["sync", &dest, "mirror"]);
    assert_eq!(std::fs::read(w.path("work/mirror/index.html")).unwrap(), b"v3");

    // S3 → S3.
    let o = w.ok(&["sync", &dest, &format!("s3://{b}/backup/")]);
    assert_eq!(o.text().lines().count(), 2, "{o:?}");
    assert_eq!(w.ok(&["sync", &dest, &format!("s3://{b}/backup/")]).text(), "");
    assert_eq!(keys_of(&w, &format!("s3://{b}/backup/")), ["backup/css/a.css", "backup/index.html"]);

    // A missing source directory is an error.
    w.fails(&["sync", "no-such-dir", &dest]);
}

#[test]
fn rm_mb_rb() {
    let (_server, w) = s3s();
    let b = unique_bucket("rm");
    w.ok(&["mb", &format!("s3://{b}")]);
    write(&w.path("work/f"), b"1");
    for k in ["a/1", "a/2", "a/3.log", "b/1"] {
        w.ok(&["cp", "f", &format!("s3://{b}/{k}")]);
    }
    assert_eq!(w.ok(&["rm", &format!("s3://{b}/b/1")]).text(), format!("delete: s3://{b}/b/1\n"));
    let o = w.ok(&["rm", "--recursive", &format!("s3://{b}/a"), "--exclude", "*.log"]);
    assert_eq!(o.text().lines().count(), 2, "{o:?}");
    assert_eq!(keys_of(&w, &format!("s3://{b}")), ["a/3.log"]);
    // --force empties the bucket first.
    let o = w.ok(&["rb", "--force", &format!("s3://{b}")]);
    assert!(o.text().ends_with(&format!("remove_bucket: {b}\n")), "{o:?}");
    assert!(!w.ok(&["ls"]).text().contains(&b));
}

/// `rm --recursive` of more keys than one DeleteObjects request takes: deleted a batch at a
/// time while the listing goes on (three requests for 2,500 keys, the first sent before the
/// last directories are listed: the walk lists 8 directories ahead of the keys it hands out),
/// every key printed once.
#[test]
fn rm_recursive_deletes_in_batches_while_listing() {
    let (_server, w) = s3s();
    let b = unique_bucket("rmbatch");
    w.ok(&["mb", &format!("s3://{b}")]);
    for d in 0..20 {
        std::fs::create_dir_all(w.path(&format!("work/tree/d{d:02}"))).unwrap();
        for i in 0..125 {
            write(&w.path(&format!("work/tree/d{d:02}/f{i:03}")), b"x");
        }
    }
    w.ok(&["sync", "tree", &format!("s3://{b}/t"), "--quiet"]);
    assert_eq!(keys_of(&w, &format!("s3://{b}")).len(), 2500);
    let o = w.ok(&["rm", "--recursive", &format!("s3://{b}/t"), "--debug"]);
    let text = o.text();
    let mut printed: Vec<&str> = text.lines().collect();
    assert_eq!(printed.len(), 2500, "{o:?}");
    printed.sort_unstable();
    printed.dedup();
    assert_eq!(printed.len(), 2500);
    let requests: Vec<&str> =
        o.stderr.lines().filter(|l| l.contains("debug: GET ") || l.contains("debug: POST ")).collect();
    let is_delete = |l: &str| l.contains("debug: POST ") && l.contains("?delete");
    assert_eq!(requests.iter().filter(|l| is_delete(l)).count(), 3, "{}", o.stderr);
    let first_delete = requests.iter().position(|l| is_delete(l)).unwrap();
    let last_listing = requests.iter().rposition(|l| l.contains("list-type=2")).unwrap();
    assert!(first_delete < last_listing, "{}", o.stderr);
    assert!(keys_of(&w, &format!("s3://{b}")).is_empty());
}

#[test]
fn presign_get_and_put_then_fetch() {
    let (_server, w) = s3s();
    let b = unique_bucket("pre");
    w.ok(&["mb", &format!("s3://{b}")]);
    let data = b"presigned body \x00\x01\x02";
    w.run_with(&["cp", "-", &format!("s3://{b}/p/obj")], Some(data));
    let url = w.ok(&["presign", &format!("s3://{b}/p/obj"), "--expires-in", "300"]).text().trim().to_string();
    assert!(url.contains("X-Amz-Expires=300") && url.contains("X-Amz-Signature="), "{url}");
    let got = Command::new("curl").args(["-sS", "--fail", &url]).output().unwrap();
    assert!(got.status.success(), "{}", String::from_utf8_lossy(&got.stderr));
    assert_eq!(got.stdout, data);

    let url = w.ok(&["presign", "--method", "PUT", &format!("s3://{b}/p/put")]).text().trim().to_string();
    assert!(url.contains("X-Amz-Expires=3600"), "default expiry: {url}");
    let put = Command::new("curl")
        .args(["-sS", "--fail", "-X", "PUT", "--data-binary", "uploaded via url", &url])
        .output()
        .unwrap();
    assert!(put.status.success(), "{}", String::from_utf8_lossy(&put.stderr));
    assert_eq!(cat(&w, &format!("s3://{b}/p/put")), b"uploaded via url");
}

#[test]
fn auth_login_then_ls_through_pixi_s3_options_then_logout() {
    let server = S3sFs::start();
    let b = unique_bucket("pixi");
    // Create the bucket with the real keys.
    World::new(&server.endpoint()).ok(&["mb", &format!("s3://{b}")]);

    // No AWS keys and no endpoint in the environment: pixi's s3-options and the auth file decide.
    let mut w = World::bare();
    w.unset("AWS_REGION");
    write(
        &w.path("work/pixi.toml"),
        format!(
            "[workspace]\nname = \"t\"\nchannels = []\nplatforms = []\n\n[workspace.s3-options.{b}]\n\
             endpoint-url = \"{}\"\nregion = \"us-east-1\"\nforce-path-style = true\n",
            server.endpoint()
        )
        .as_bytes(),
    );
    let o = w.fails(&["ls", &format!("s3://{b}")]);
    assert!(o.stderr.contains("auth login"), "says what to do: {o:?}");

    let o = w.ok(&[
        "auth",
        "login",
        &format!("s3://{b}/channel"),
        "--s3-access-key-id",
        ACCESS_KEY,
        "--s3-secret-access-key",
        SECRET_KEY,
    ]);
    assert!(o.text().contains("****test"), "{o:?}");
    let file = w.path("home/.rattler/credentials.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({b.as_str(): {"S3Credentials": {"access_key_id": ACCESS_KEY, "secret_access_key": SECRET_KEY, "session_token": null}}})
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    write(&w.path("work/f.txt"), b"via pixi");
    w.ok(&["cp", "f.txt", &format!("s3://{b}/f.txt")]);
    let o = w.ok(&["ls", &format!("s3://{b}")]);
    assert!(o.text().contains(" f.txt"), "{o:?}");

    // config show: the sources, never the secret.
    let o = w.ok(&["config", "show", &format!("s3://{b}")]);
    let t = o.text();
    assert!(t.contains("pixi.toml"), "{t}");
    assert!(t.contains("credentials.json") && t.contains("****test"), "{t}");
    assert!(!t.contains(SECRET_KEY) && !t.contains(ACCESS_KEY), "{t}");
    let o = w.ok(&["config", "show", "--json", &format!("s3://{b}")]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["credentials"]["access_key_id"], "****test");
    assert_eq!(v["endpoint_url"]["value"], server.endpoint());
    assert!(v["region"]["source"].as_str().unwrap().contains("pixi.toml"));
    assert_eq!(v["addressing_style"]["value"], "path");

    // The auth file wins over AWS keys in the environment (wrong ones here).
    w.set("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONG");
    w.set("AWS_SECRET_ACCESS_KEY", "wrong-secret-wrong");
    w.ok(&["ls", &format!("s3://{b}")]);

    // After logout the AWS chain is used: the wrong keys fail, right ones work.
    let o = w.ok(&["auth", "logout", &format!("s3://{b}")]);
    assert!(o.text().contains("removed"), "{o:?}");
    w.fails(&["ls", &format!("s3://{b}")]);
    w.set("AWS_ACCESS_KEY_ID", ACCESS_KEY);
    w.set("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
    w.ok(&["ls", &format!("s3://{b}")]);
    // Logging out twice: nothing to remove.
    w.fails(&["auth", "logout", &format!("s3://{b}")]);

    // pixi's page spelling of the flags, into RATTLER_AUTH_FILE.
    let other = w.path("auth.json");
    w.set("RATTLER_AUTH_FILE", other.to_str().unwrap());
    w.ok(&[
        "auth",
        "login",
        &format!("s3://{b}"),
        "--aws-access-key-id",
        "AKIA1234",
        "--aws-secret-access-key",
        "s3cr3t-s3cr3t",
        "--aws-session-token",
        "tok-tok-tok",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&other).unwrap()).unwrap();
    assert_eq!(json[b.as_str()]["S3Credentials"]["session_token"], "tok-tok-tok");
    let o = w.ok(&["config", "show", &format!("s3://{b}")]);
    assert!(!o.text().contains("s3cr3t-s3cr3t") && !o.text().contains("tok-tok-tok"), "{o:?}");
    assert!(o.text().contains("****1234 with a session token"), "{o:?}");
}

/// A directory this process cannot create files in (a 0555 directory; as root, which ignores
/// modes, sysfs's /sys/kernel).
fn read_only_dir(w: &World) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let d = w.path("ro");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o555)).unwrap();
    let probe = |dir: &Path| std::fs::write(dir.join(".minis3-probe"), b"x").is_err();
    if probe(&d) {
        return d;
    }
    let _ = std::fs::remove_file(d.join(".minis3-probe"));
    let sys = PathBuf::from("/sys/kernel");
    assert!(probe(&sys), "no read-only directory available for this test");
    sys
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn failures_exit_1_with_one_line_and_leave_nothing_partial() {
    let (_server, w) = s3s();
    let b = unique_bucket("fail");
    w.ok(&["mb", &format!("s3://{b}")]);
    write(&w.path("work/f"), &vec![7u8; 50_000]);
    w.ok(&["cp", "f", &format!("s3://{b}/obj")]);

    // A read-only target directory.
    let ro = read_only_dir(&w);
    let before = entries(&ro);
    let target = ro.join("minis3-download");
    let o = w.fails(&["cp", &format!("s3://{b}/obj"), target.to_str().unwrap()]);
    assert_eq!(o.stderr.lines().count(), 1, "{o:?}");
    assert!(o.stderr.contains("writable") || o.stderr.contains("denied"), "{o:?}");
    assert_eq!(entries(&ro), before, "nothing partial left");

    // A missing bucket.
    let o = w.fails(&["ls", "s3://no-such-bucket-minis3"]);
    assert_eq!(o.stderr.lines().count(), 1, "{o:?}");

    // Wrong credentials; --debug shows the canonical request, never the secret.
    let mut bad = World::new(&_server.endpoint());
    bad.set("AWS_SECRET_ACCESS_KEY", "not-the-secret-at-all");
    let o = bad.fails(&["--debug", "ls", &format!("s3://{b}")]);
    assert!(o.stderr.contains("SignatureDoesNotMatch") || o.stderr.contains("403"), "{o:?}");
    assert!(!o.stderr.contains("not-the-secret-at-all"), "{o:?}");
    assert!(o.stderr.contains("canonical request"), "{o:?}");
    // ... and one line per request: method, URL, status, time.
    assert!(o.stderr.contains(&format!("GET {}/{b}?", _server.endpoint())) && o.stderr.contains("-> 403 ("), "{o:?}");
    let o = w.ok(&["--debug", "ls", &format!("s3://{b}")]);
    assert!(o.stderr.contains("list-type=2") && o.stderr.contains("-> 200 ("), "{o:?}");

    // No credentials at all.
    let mut none = World::new(&_server.endpoint());
    none.unset("AWS_ACCESS_KEY_ID");
    none.unset("AWS_SECRET_ACCESS_KEY");
    let o = none.fails(&["ls", &format!("s3://{b}")]);
    assert!(o.stderr.contains("--no-sign-request"), "{o:?}");
    // Unsigned requests to a private bucket are refused by the server.
    none.fails(&["--no-sign-request", "ls", &format!("s3://{b}")]);

    // Usage errors: exit 2, one line naming the help.
    for args in [
        vec!["head".to_string(), format!("s3://{b}/")],
        vec!["cp".into()],
        vec!["rm".into(), format!("s3://{b}")],
        vec!["bogus".into()],
        vec!["ls".into(), "--frobnicate".into()],
    ] {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = w.run(&a);
        assert_eq!(o.code, 2, "{a:?}: {o:?}");
        assert_eq!(o.stderr.lines().count(), 1, "{o:?}");
        assert!(o.stderr.starts_with("minis3: ") && o.stderr.contains("--help"), "{o:?}");
    }
}

/// A canned S3 endpoint (plain HTTP on 127.0.0.1) whose listing holds keys no real server
/// here accepts (`..` segments, a leading `/` after the prefix), to prove that a recursive
/// download never writes outside its directory. Answers: ListObjectsV2 for bucket `evil`, and
/// GET of `pre/good.txt`; everything else 404.
fn evil_server() -> String {
    use std::io::{BufRead, BufReader};
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
            let obj = |k: &str| {
                format!(
                    "<Contents><Key>{k}</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified>\
                     <ETag>&quot;0&quot;</ETag><Size>4</Size></Contents>"
                )
            };
            let (status, ctype, body) = if target.starts_with("/evil?") || target.starts_with("/evil/?") {
                let keys = ["pre/../../escaped.txt", "pre/a/../../../escaped2.txt", "pre//abs.txt", "pre/good.txt"];
                let contents: String = keys.iter().map(|k| obj(k)).collect();
                (
                    "200 OK",
                    "application/xml",
                    format!(
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult \
                         xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>evil</Name><Prefix>pre/</Prefix>\
                         <KeyCount>4</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>{contents}\
                         </ListBucketResult>"
                    ),
                )
            } else if target.starts_with("/evil/pre/good.txt") {
                ("200 OK", "text/plain", "good".to_string())
            } else {
                (
                    "404 Not Found",
                    "application/xml",
                    "<Error><Code>NoSuchKey</Code><Message>no</Message></Error>".into(),
                )
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nETag: \"0\"\r\n\
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
fn unsafe_keys_are_refused_in_recursive_downloads() {
    let mut w = World::bare();
    w.set("AWS_ENDPOINT_URL", &evil_server());
    let out = w.path("work/out");
    let o = w.run(&["--no-sign-request", "--force-path-style", "cp", "--recursive", "s3://evil/pre/", "out"]);
    assert_eq!(o.code, 2, "skipped keys: exit 2, as the AWS CLI: {o:?}");
    let refused: Vec<&str> = o.stderr.lines().filter(|l| l.contains("download refused")).collect();
    assert_eq!(refused.len(), 3, "one line per refused key: {o:?}");
    assert!(o.stderr.contains("'..'") && o.stderr.contains("absolute"), "{o:?}");
    assert_eq!(std::fs::read(out.join("good.txt")).unwrap(), b"good", "the others are downloaded");
    assert_eq!(entries(&out), ["good.txt"]);
    for p in ["escaped.txt", "escaped2.txt", "work/escaped.txt", "work/escaped2.txt", "abs.txt"] {
        assert!(!w.path(p).exists(), "{p} was written");
    }
    assert!(!Path::new("/abs.txt").exists());
    // The same through sync.
    let o = w.run(&["--no-sign-request", "--force-path-style", "sync", "s3://evil/pre", "synced"]);
    assert_eq!(o.code, 2, "{o:?}");
    assert_eq!(o.stderr.lines().filter(|l| l.contains("download refused")).count(), 3, "{o:?}");
    assert_eq!(entries(&w.path("work/synced")), ["good.txt"]);
}

#[test]
fn seaweed_error_codes_and_literal_keys() {
    let server = Seaweed::shared();
    let w = World::new(&server.endpoint());
    let b = unique_bucket("sw");
    w.ok(&["mb", &format!("s3://{b}")]);
    // Literal keys: s3://b/a%20b is the key 'a%20b'.
    w.run_with(&["cp", "-", &format!("s3://{b}/lit/a%20b")], Some(b"pct"));
    assert_eq!(keys_of(&w, &format!("s3://{b}/lit/")), ["lit/a%20b"]);
    assert_eq!(cat(&w, &format!("s3://{b}/lit/a%20b")), b"pct");
    let (status, body) = server.curl("GET", &format!("/{b}/lit/a%2520b"), None, &[]);
    assert_eq!((status, body.as_slice()), (200, &b"pct"[..]));
    // A missing bucket: exact code, one line.
    let o = w.fails(&["ls", "s3://no-such-bucket-minis3-sw"]);
    assert!(o.stderr.contains("NoSuchBucket"), "{o:?}");
    assert_eq!(o.stderr.lines().count(), 1);
    // (A PUT into a missing bucket is no test here: both servers create the bucket for an
    // admin identity.) Reading from one fails.
    let o = w.fails(&["cp", "s3://no-such-bucket-minis3-sw/k", "x"]);
    assert_eq!(o.stderr.lines().count(), 1, "{o:?}");
    assert!(!w.path("work/x").exists());
    // (Both servers delete a non-empty bucket, so `rb` without --force refusing it is not
    // testable here.)
    w.ok(&["rb", "--force", &format!("s3://{b}")]);
    // mb of an existing bucket fails.
    let b2 = unique_bucket("sw2");
    w.ok(&["mb", &format!("s3://{b2}")]);
    w.fails(&["mb", &format!("s3://{b2}")]);
    w.ok(&["rb", &format!("s3://{b2}")]);
}

/// `minis3 cp` through a proxy that flips one bit of every body: the upload is refused by the
/// server and the download detected; exit 1 with one line each, nothing stored or written.
#[test]
fn cp_through_a_corrupting_proxy_fails_with_one_line() {
    use support::{Fault, FaultProxy};
    let server = S3sFs::start();
    let w = World::new(&server.endpoint());
    w.ok(&["mb", "s3://crc"]);
    let data = support::test_bytes(3 * 1024 * 1024 + 1, 9);
    write(&w.work().join("f.bin"), &data);
    w.ok(&["cp", "f.bin", "s3://crc/good"]);

    let proxy = FaultProxy::start(server.port(), vec![Fault::TamperBody; 8]);
    let mut bad = World::new(&proxy.endpoint());
    bad.set("AWS_MAX_ATTEMPTS", "1");
    write(&bad.work().join("f.bin"), &data);
    let o = bad.fails(&["cp", "f.bin", "s3://crc/bad"]);
    assert_eq!(o.stderr.lines().count(), 1, "{o:?}");
    assert!(w.run(&["ls", "s3://crc/bad"]).code != 0 || !w.ok(&["ls", "s3://crc/"]).text().contains("bad"));

    let proxy = FaultProxy::start(server.port(), vec![Fault::TamperResponseBody; 8]);
    let bad = World::new(&proxy.endpoint());
    let o = bad.fails(&["cp", "s3://crc/good", "out.bin"]);
    assert_eq!(o.stderr.lines().count(), 1, "{o:?}");
    assert!(o.stderr.contains("CRC32C"), "{o:?}");
    assert!(std::fs::read_dir(bad.work()).unwrap().next().is_none(), "something was left in the work dir");
}
