//! The object commands (`ls`, `cp`, `sync`, `head`, `presign`) on `gcs://` and `http(s)://`
//! operands, and a `gcs://` conda channel end to end (`search`, `download`), as a user runs
//! them: the binary with a cleared environment, against fake-gcs-server (Cloud Storage's XML
//! listing, GET/HEAD, the JSON API's media upload, DELETE) with bearer tokens from a local
//! token endpoint (an authorized-user ADC file), `python3 -m http.server` for URLs, and s3s-fs
//! for a `gcs://` bucket with pixi `s3-options` (through the S3 API). Nothing leaves 127.0.0.1.
#![cfg(feature = "cli")]

#[path = "support/conda.rs"]
mod conda;
#[path = "support/remote.rs"]
mod remote;
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use remote::{closed_port, FakeGcs, StaticHttp, TokenServer};
use support::{test_config, unique_bucket, S3sFs, TestServer, ACCESS_KEY, SECRET_KEY};

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

struct Env {
    work: PathBuf,
    vars: Vec<(String, String)>,
}

impl Env {
    fn new(root: &Path, extra: &[(&str, &str)]) -> Self {
        let home = root.join("home");
        let work = root.join("work");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&work).unwrap();
        let mut vars: Vec<(String, String)> = vec![
            ("HOME".into(), home.to_str().unwrap().into()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
            ("PIXI_NO_CONFIG".into(), "1".into()),
            ("GCE_METADATA_HOST".into(), closed_port()),
            ("AWS_CONFIG_FILE".into(), root.join("no-aws-config").to_str().unwrap().into()),
            ("AWS_SHARED_CREDENTIALS_FILE".into(), root.join("no-aws-credentials").to_str().unwrap().into()),
        ];
        vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Env { work, vars }
    }

    fn run(&self, args: &[&str]) -> Out {
        let out = Command::new(env!("CARGO_BIN_EXE_minis3"))
            .env_clear()
            .envs(self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .args(args)
            .current_dir(&self.work)
            .stdin(Stdio::null())
            .output()
            .expect("run minis3");
        support::secrets::assert_clean_output(&format!("minis3 {args:?}"), &out.stdout, &out.stderr);
        let o = Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
        for secret in [SECRET_KEY, "CLIENTSECRET123", "REFRESHSECRET123", "tok-"] {
            assert!(
                !o.stderr.contains(secret) && !o.stdout.contains(secret),
                "{secret} shown: {}{}",
                o.stdout,
                o.stderr
            );
        }
        o
    }
}

/// The one error line of a failed command.
fn one_line(o: &Out) -> &str {
    assert_eq!(o.code, 1, "stdout {} stderr {}", o.stdout, o.stderr);
    assert_eq!(o.stderr.lines().count(), 1, "{}", o.stderr);
    o.stderr.trim_end()
}

fn write(path: &Path, body: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

fn gcs_env(tmp: &Path, server: &FakeGcs, tokens: &TokenServer) -> Env {
    let adc = tokens.adc_file(tmp);
    Env::new(
        tmp,
        &[("GOOGLE_APPLICATION_CREDENTIALS", adc.to_str().unwrap()), ("STORAGE_EMULATOR_HOST", &server.host())],
    )
}

#[test]
fn gcs_objects_with_a_google_token() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    write(&data.join("gbkt/dir/a.txt"), b"hello\n");
    write(&data.join("gbkt/dir/sub/b.txt"), b"bee");
    write(&data.join("gbkt/top.txt"), b"x");
    let server = FakeGcs::start(&data);
    let tokens = TokenServer::start();
    let env = gcs_env(tmp.path(), &server, &tokens);

    // ls: prefixes then objects, names relative to the prefix; --recursive; --json.
    let o = env.run(&["ls", "gcs://gbkt/"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", o.stdout);
    assert_eq!(lines[0].trim(), "PRE dir/");
    assert!(lines[1].ends_with("          1 top.txt"), "{}", o.stdout);
    let o = env.run(&["ls", "--recursive", "gcs://gbkt/dir/"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let names: Vec<&str> = o.stdout.lines().map(|l| l.rsplit(' ').next().unwrap()).collect();
    assert_eq!(names, ["dir/a.txt", "dir/sub/b.txt"]);
    let o = env.run(&["ls", "--json", "gcs://gbkt/dir/"]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["Contents"][0]["Key"], "dir/a.txt");
    assert_eq!(v["Contents"][0]["Size"], 6);
    assert_eq!(v["CommonPrefixes"][0]["Prefix"], "dir/sub/");
    // Nothing under a prefix: status 1 and no output, as for s3://.
    let o = env.run(&["ls", "gcs://gbkt/nothing/"]);
    assert_eq!((o.code, o.stdout.as_str()), (1, ""), "{}", o.stderr);

    // head.
    let o = env.run(&["head", "gcs://gbkt/dir/a.txt"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.starts_with("Key: gcs://gbkt/dir/a.txt\nContentLength: 6\n"), "{}", o.stdout);
    assert!(o.stdout.contains("ETag: ") && o.stdout.contains("LastModified: "), "{}", o.stdout);
    let o = env.run(&["head", "--json", "gcs://gbkt/top.txt"]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["ContentLength"], 1);
    let e = env.run(&["head", "gcs://gbkt/nope.txt"]);
    assert!(one_line(&e).contains("gbkt/nope.txt: no such object (404)"), "{}", e.stderr);

    // cp one object: to a file, into a directory, to stdout.
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let o = env.run(&["cp", "gcs://gbkt/dir/a.txt", out.join("a-copy.txt").to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stdout.trim(), format!("download: gcs://gbkt/dir/a.txt to {}", out.join("a-copy.txt").display()));
    assert_eq!(std::fs::read(out.join("a-copy.txt")).unwrap(), b"hello\n");
    let o = env.run(&["cp", "gcs://gbkt/top.txt", &format!("{}/", out.display())]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(std::fs::read(out.join("top.txt")).unwrap(), b"x");
    let o = env.run(&["cp", "gcs://gbkt/dir/sub/b.txt", "-"]);
    assert_eq!((o.code, o.stdout.as_str()), (0, "bee"), "{}", o.stderr);
    // A missing object: one line, nothing left behind.
    let e = env.run(&["cp", "gcs://gbkt/nope.txt", out.join("nope.txt").to_str().unwrap()]);
    assert!(one_line(&e).contains("no such object (404)"), "{}", e.stderr);
    assert!(!out.join("nope.txt").exists());
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 2, "no temporary file is left");

    // cp --recursive and sync down.
    let tree = tmp.path().join("tree");
    let o = env.run(&["cp", "--recursive", "gcs://gbkt/dir", tree.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(std::fs::read(tree.join("a.txt")).unwrap(), b"hello\n");
    assert_eq!(std::fs::read(tree.join("sub/b.txt")).unwrap(), b"bee");
    let mirror = tmp.path().join("mirror");
    let o = env.run(&["sync", "gcs://gbkt/", mirror.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stdout.lines().count(), 3, "{}", o.stdout);
    assert_eq!(std::fs::read(mirror.join("dir/sub/b.txt")).unwrap(), b"bee");
    let o = env.run(&["sync", "gcs://gbkt/", mirror.to_str().unwrap()]);
    assert_eq!((o.code, o.stdout.as_str()), (0, ""), "a second sync has nothing to do: {}", o.stderr);
    write(&mirror.join("extra.txt"), b"local only");
    let o = env.run(&["sync", "--delete", "gcs://gbkt/", mirror.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stdout.trim(), format!("delete: {}", mirror.join("extra.txt").display()));
    assert!(!mirror.join("extra.txt").exists());

    // Uploads with a read-write token: cp one file, cp --recursive, sync up with --delete.
    let src = tmp.path().join("src");
    write(&src.join("one.json"), b"{}");
    write(&src.join("deep/two.txt"), b"two");
    let o = env.run(&["cp", src.join("one.json").to_str().unwrap(), "gcs://gbkt/up/"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stdout.trim(), format!("upload: {} to gcs://gbkt/up/one.json", src.join("one.json").display()));
    let o = env.run(&["cp", "gcs://gbkt/up/one.json", "-"]);
    assert_eq!(o.stdout, "{}");
    let o = env.run(&["head", "--json", "gcs://gbkt/up/one.json"]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["ContentType"], "application/json", "{}", o.stdout);
    let o = env.run(&["cp", "--recursive", src.to_str().unwrap(), "gcs://gbkt/rec"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = env.run(&["ls", "--recursive", "gcs://gbkt/rec/"]);
    let names: Vec<&str> = o.stdout.lines().map(|l| l.rsplit(' ').next().unwrap()).collect();
    assert_eq!(names, ["rec/deep/two.txt", "rec/one.json"]);
    let o = env.run(&["sync", src.to_str().unwrap(), "gcs://gbkt/s/"]);
    assert_eq!((o.code, o.stdout.lines().count()), (0, 2), "{}{}", o.stdout, o.stderr);
    let o = env.run(&["sync", src.to_str().unwrap(), "gcs://gbkt/s/"]);
    assert_eq!((o.code, o.stdout.as_str()), (0, ""), "{}", o.stderr);
    std::fs::remove_file(src.join("deep/two.txt")).unwrap();
    let o = env.run(&["sync", "--delete", src.to_str().unwrap(), "gcs://gbkt/s/"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stdout.trim(), "delete: gcs://gbkt/s/deep/two.txt");
    let o = env.run(&["ls", "--recursive", "gcs://gbkt/s/"]);
    assert_eq!(o.stdout.lines().count(), 1, "{}", o.stdout);

    // The bearer token came from the ADC file's token endpoint (one per command at most).
    assert!(tokens.tokens() >= 10, "{} tokens", tokens.tokens());

    // What makes no sense, refused in one line each.
    let e = env.run(&["presign", "gcs://gbkt/top.txt"]);
    let line = one_line(&e);
    assert!(line.contains("cannot presign gcs://gbkt/top.txt") && line.contains("s3-options"), "{line}");
    assert!(line.contains("HMAC"), "{line}");
    let e = env.run(&["cp", "gcs://gbkt/top.txt", "s3://other/top.txt"]);
    assert!(one_line(&e).contains("copy to a local file, then from it"), "{}", e.stderr);
    let e = env.run(&["sync", "gcs://gbkt/", "gcs://gbkt/copy/"]);
    assert!(one_line(&e).contains("not supported"), "{}", e.stderr);
    let e = env.run(&["cp", "-", "gcs://gbkt/k"]);
    assert!(one_line(&e).contains("stdin cannot be uploaded to gcs://"), "{}", e.stderr);
    let e = env.run(&["cp", "gcs://gbkt/", "x"]);
    assert_eq!(e.code, 2, "{}", e.stderr);
    assert!(e.stderr.contains("add --recursive"), "{}", e.stderr);
}

#[test]
fn gcs_without_credentials_says_what_to_configure() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    write(&data.join("gbkt/k"), b"1");
    let server = FakeGcs::start(&data);
    let env = Env::new(tmp.path(), &[("STORAGE_EMULATOR_HOST", &server.host())]);
    let e = env.run(&["cp", "gcs://gbkt/k", "-"]);
    let line = one_line(&e);
    assert!(line.contains("no Google credentials found"), "{line}");
    assert!(line.contains("set GOOGLE_APPLICATION_CREDENTIALS") && line.contains("gcloud auth"), "{line}");
}

#[test]
fn gcs_bucket_with_s3_options_goes_through_the_s3_api() {
    let s3 = S3sFs::start();
    let ep = s3.endpoint();
    let bucket = unique_bucket("gcs-s3");
    let client = minis3::s3::Client::new(test_config(&ep)).unwrap();
    client.create_bucket(&bucket).unwrap();
    client.put_object(&bucket, "ch/a.txt", b"via s3", &Default::default()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    // No Google credentials at all: the s3-options decide, with the AWS keys of the chain.
    let env = Env::new(tmp.path(), &[("AWS_ACCESS_KEY_ID", ACCESS_KEY), ("AWS_SECRET_ACCESS_KEY", SECRET_KEY)]);
    std::fs::write(
        env.work.join("pixi.toml"),
        format!(
            "[workspace]\nname = \"w\"\nchannels = []\nplatforms = []\n\n[workspace.s3-options.{bucket}]\n\
             endpoint-url = \"{ep}\"\nregion = \"us-east-1\"\nforce-path-style = true\n"
        ),
    )
    .unwrap();
    let o = env.run(&["ls", &format!("gcs://{bucket}/ch/")]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.trim_end().ends_with(" 6 a.txt"), "{}", o.stdout);
    let o = env.run(&["cp", &format!("gcs://{bucket}/ch/a.txt"), "-"]);
    assert_eq!((o.code, o.stdout.as_str()), (0, "via s3"), "{}", o.stderr);
    // presign makes sense here: a SigV4 URL at the s3-options endpoint, which s3s-fs accepts.
    let o = env.run(&["presign", &format!("gcs://{bucket}/ch/a.txt")]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let url = o.stdout.trim();
    assert!(url.starts_with(&format!("{ep}/{bucket}/ch/a.txt?")) && url.contains("X-Amz-Signature="), "{url}");
    let got =
        minis3::http::Http::new(&Default::default()).unwrap().send("GET", url, &[], minis3::http::Body::Empty).unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.read_to_vec(1024).unwrap(), b"via s3");
    // And the upload side.
    let f = tmp.path().join("up.txt");
    std::fs::write(&f, b"up").unwrap();
    let o = env.run(&["cp", f.to_str().unwrap(), &format!("gcs://{bucket}/ch/up.txt")]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(client.get_object_bytes(&bucket, "ch/up.txt", 1024).unwrap().1, b"up");

    // A gcs:// channel of that bucket is read through the S3 API too (the settings layer's
    // decision, shared by the channel reader).
    let local = tmp.path().join("channel");
    conda::make_channel(&local, true, false);
    for (rel, path) in conda::files_under(&local) {
        client
            .put_object(&bucket, &format!("conda/{rel}"), &std::fs::read(path).unwrap(), &Default::default())
            .unwrap();
    }
    let channel = format!("gcs://{bucket}/conda");
    let o = env.run(&["search", "--no-cache", "-c", &channel, "-p", "linux-64", "-p", "noarch", "six"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.starts_with("six\n"), "{}", o.stdout);
    assert!(o.stdout.contains(&format!("{channel}/noarch/six-")), "{}", o.stdout);
}

#[test]
fn url_operands_are_plain_unsigned_requests() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    write(&site.join("files/data.bin"), &[7u8; 300_000]);
    write(&site.join("files/note.txt"), b"a note\n");
    let server = StaticHttp::start(&site);
    let base = server.base();
    let env = Env::new(tmp.path(), &[]);
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();

    // cp URL FILE, cp URL DIR/ (the URL's last segment), cp URL -.
    let url = format!("{base}/files/data.bin");
    let o = env.run(&["cp", &url, out.join("d.bin").to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stdout.trim(), format!("download: {url} to {}", out.join("d.bin").display()));
    assert_eq!(std::fs::read(out.join("d.bin")).unwrap(), vec![7u8; 300_000]);
    let o = env.run(&["cp", &format!("{base}/files/note.txt?x=1"), &format!("{}/", out.display())]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(std::fs::read(out.join("note.txt")).unwrap(), b"a note\n");
    let o = env.run(&["cp", &format!("{base}/files/note.txt"), "-"]);
    assert_eq!((o.code, o.stdout.as_str()), (0, "a note\n"), "{}", o.stderr);

    // head prints what head prints for s3://.
    let o = env.run(&["head", &format!("{base}/files/note.txt")]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.starts_with(&format!("Key: {base}/files/note.txt\nContentLength: 7\n")), "{}", o.stdout);
    assert!(o.stdout.contains("LastModified: "), "{}", o.stdout);

    // A missing file: one line naming the URL, nothing written.
    let e = env.run(&["cp", &format!("{base}/files/gone.txt"), out.join("gone.txt").to_str().unwrap()]);
    assert!(one_line(&e).contains(&format!("{base}/files/gone.txt: no such file (404)")), "{}", e.stderr);
    assert!(!out.join("gone.txt").exists());
    let e = env.run(&["head", &format!("{base}/files/gone.txt")]);
    assert!(one_line(&e).contains("no such file (404)"), "{}", e.stderr);

    // What makes no sense with a URL, refused in one line each.
    let e = env.run(&["ls", &format!("{base}/files/")]);
    assert!(one_line(&e).contains("no listing"), "{}", e.stderr);
    let e = env.run(&["presign", &url]);
    assert!(one_line(&e).contains("plain URL with nothing to sign"), "{}", e.stderr);
    let e = env.run(&["sync", &format!("{base}/files/"), out.to_str().unwrap()]);
    assert!(one_line(&e).contains("no listing"), "{}", e.stderr);
    let e = env.run(&["cp", "--recursive", &format!("{base}/files/"), out.to_str().unwrap()]);
    assert!(one_line(&e).contains("no listing"), "{}", e.stderr);
    let e = env.run(&["cp", out.join("d.bin").to_str().unwrap(), &format!("{base}/files/up.bin")]);
    assert!(one_line(&e).contains("does not write to http(s) URLs"), "{}", e.stderr);
    let e = env.run(&["cp", &url, "s3://bkt/k"]);
    assert!(one_line(&e).contains("copy to a local file, then from it"), "{}", e.stderr);
}

#[test]
fn a_gcs_channel_end_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    let local = tmp.path().join("channel");
    conda::make_channel(&local, true, false);
    let data = tmp.path().join("data");
    for (rel, path) in conda::files_under(&local) {
        write(&data.join("conda-bkt/ch").join(&rel), &std::fs::read(path).unwrap());
    }
    let server = FakeGcs::start(&data);
    let tokens = TokenServer::start();
    let env = gcs_env(tmp.path(), &server, &tokens);
    let channel = "gcs://conda-bkt/ch";

    let o = env.run(&["search", "--no-cache", "-c", channel, "-p", "linux-64", "-p", "noarch", "numpy >=1.26,<2"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(lines[0], "numpy");
    assert!(lines[1].contains("1.26.4") && lines[1].contains("linux-64"), "{}", o.stdout);
    // The package's URL is where it is fetched from: the XML API's path on the emulator.
    assert_eq!(lines[3].trim(), format!("http://{}/conda-bkt/ch/linux-64/numpy-1.26.4-py312_3.tar.bz2", server.host()));
    assert!(tokens.tokens() >= 1, "the channel was read with a token");

    let dl = tmp.path().join("dl");
    let o = env.run(&[
        "download",
        "-c",
        channel,
        "-p",
        "linux-64",
        "-p",
        "noarch",
        "numpy",
        "six",
        "-o",
        dl.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    for line in o.stdout.lines() {
        let path = PathBuf::from(line.rsplit_once(" to ").unwrap().1);
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        assert!(name.starts_with("numpy-") || name.starts_with("six-"), "{line}");
        let original = ["linux-64", "noarch"].iter().map(|d| local.join(d).join(&name)).find(|p| p.exists()).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), std::fs::read(original).unwrap(), "{name} downloaded whole");
    }
    assert_eq!(o.stdout.lines().count(), 2, "{}", o.stdout);

    // A missing noarch names the gcs:// URL.
    let o = env.run(&["search", "--no-cache", "-c", "gcs://conda-bkt/nothing", "numpy"]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("conda-bkt/nothing/noarch/"), "{}", o.stderr);
}
