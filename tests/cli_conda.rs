//! `minis3 search`, `download` and `repodata` as a user runs them: the binary with a cleared
//! environment (test keys and a temporary HOME only), against a channel of real packages
//! indexed by py-rattler and uploaded to s3s-fs.
#![cfg(all(feature = "cli", feature = "channel"))]

#[path = "support/conda.rs"]
mod conda;
mod support;

use std::path::Path;
use std::process::{Command, Stdio};

use conda::{files_under, make_channel};
use minis3::s3::{Client, PutOptions};
use support::{test_config, unique_bucket, S3sFs, TestServer, ACCESS_KEY, SECRET_KEY};

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, home: &Path, args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_minis3"))
        .env_clear()
        .envs([
            ("HOME", home.to_str().unwrap()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
            ("AWS_REGION", "us-east-1"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("PIXI_NO_CONFIG", "1"),
        ])
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run minis3");
    let o = Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
    support::secrets::assert_clean_output(&format!("minis3 {args:?}"), o.stdout.as_bytes(), o.stderr.as_bytes());
    o
}

#[test]
fn search_download_and_repodata_on_an_s3_channel() {
    let server = S3sFs::start();
    let ep = server.endpoint();
    let tmp = tempfile::tempdir().unwrap();
    let local = tmp.path().join("channel");
    make_channel(&local, true, false);
    let bucket = unique_bucket("cli");
    let client = Client::new(test_config(&ep)).unwrap();
    client.create_bucket(&bucket).unwrap();
    for (rel, path) in files_under(&local) {
        client
            .put_object(&bucket, &format!("ch/{rel}"), &std::fs::read(path).unwrap(), &PutOptions::default())
            .unwrap();
    }
    let home = tmp.path().join("home");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    let channel = format!("s3://{bucket}/ch");
    let base = ["--endpoint-url", ep.as_str(), "--force-path-style", "-c", channel.as_str()];
    let with = |extra: &[&str]| -> Vec<String> { base.iter().chain(extra).map(|s| s.to_string()).collect() };
    let go = |args: Vec<String>| run(&work, &home, &args.iter().map(String::as_str).collect::<Vec<_>>());

    // search: newest first, with build, subdir, license, dependencies and the URL.
    let o = go(with(&["search", "--platform", "linux-64", "--platform", "noarch", "numpy >=1.26,<2"]));
    assert_eq!(o.code, 0, "{}", o.stderr);
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(lines[0], "numpy");
    assert!(
        lines[1].contains("1.26.4") && lines[1].contains("py312_3") && lines[1].contains("linux-64"),
        "{}",
        o.stdout
    );
    assert!(lines[1].contains("BSD-3-Clause"), "{}", o.stdout);
    assert!(lines[2].contains("depends: python >=3.12,<3.13"), "{}", o.stdout);
    assert_eq!(lines[3].trim(), format!("{channel}/linux-64/numpy-1.26.4-py312_3.tar.bz2"));
    assert_eq!(o.stdout.matches("numpy-1.").count(), 3, "{}", o.stdout);

    // --json.
    let o = go(with(&["search", "-p", "linux-64", "-p", "noarch", "--json", "python 3.12.*"]));
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let versions: Vec<&str> = v.as_array().unwrap().iter().map(|r| r["version"].as_str().unwrap()).collect();
    assert_eq!(versions, ["3.12.4", "3.12.1"]);
    assert_eq!(v[0]["license"], "PSF-2.0");
    assert!(v[0]["sha256"].as_str().unwrap().len() == 64 && v[0]["size"].as_u64().unwrap() > 0);

    // No match: exit 1, one line naming the spec.
    let o = go(with(&["search", "-p", "linux-64", "-p", "noarch", "nosuchpkg"]));
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("nosuchpkg") && o.stderr.lines().count() == 1, "{}", o.stderr);
    // A bad spec: exit 1 with the forms a spec takes.
    let o = go(with(&["search", "numpy >=>1"]));
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("invalid match spec"), "{}", o.stderr);

    // download: the newest match per spec, and an exact file name.
    let dl = tmp.path().join("dl");
    let o = go(with(&[
        "download",
        "-p",
        "linux-64",
        "-p",
        "noarch",
        "numpy",
        "python-3.11.9-h0_0.conda",
        "six",
        "-o",
        dl.to_str().unwrap(),
    ]));
    assert_eq!(o.code, 0, "{}", o.stderr);
    let got: Vec<String> = files_under(&dl).into_iter().map(|(n, _)| n).collect();
    assert_eq!(got, ["numpy-2.0.0-py312_0.conda", "python-3.11.9-h0_0.conda", "six-1.16.0-pyh0_0.tar.bz2"]);
    for n in &got {
        let sub = if n.starts_with("six") { "noarch" } else { "linux-64" };
        assert_eq!(std::fs::read(dl.join(n)).unwrap(), std::fs::read(local.join(sub).join(n)).unwrap());
    }
    assert_eq!(o.stdout.lines().count(), 3, "{}", o.stdout);
    // Without -o: a usage error (exit 2).
    let o = go(with(&["download", "numpy"]));
    assert_eq!(o.code, 2, "{}", o.stderr);

    // repodata: stdout and -o FILE give the stored document.
    let want: serde_json::Value =
        serde_json::from_slice(&std::fs::read(local.join("linux-64/repodata.json")).unwrap()).unwrap();
    let o = go(with(&["repodata", "--platform", "linux-64"]));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&o.stdout).unwrap(), want);
    let file = tmp.path().join("r.json");
    let o = go(with(&["repodata", "--platform", "linux-64", "--no-cache", "-o", file.to_str().unwrap()]));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&std::fs::read(&file).unwrap()).unwrap(), want);
    let o = go(with(&["repodata"]));
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("--platform"), "{}", o.stderr);

    // Without -c: the pixi workspace's channels, with its s3-options for the bucket.
    std::fs::write(
        work.join("pixi.toml"),
        format!(
            "[workspace]\nname = \"w\"\nchannels = [\"{channel}\"]\nplatforms = [\"linux-64\"]\n\n\
             [workspace.s3-options.{bucket}]\nendpoint-url = \"{ep}\"\nregion = \"us-east-1\"\nforce-path-style = true\n"
        ),
    )
    .unwrap();
    let o = run(&work, &home, &["search", "-p", "linux-64", "numpy[build_number=3]"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("numpy-1.26.4-py312_3.tar.bz2"), "{}", o.stdout);
    // A workspace without channels: exit 1 saying to give -c.
    std::fs::write(work.join("pixi.toml"), "[workspace]\nname = \"w\"\n").unwrap();
    let o = run(&work, &home, &["search", "numpy"]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("-c CHANNEL"), "{}", o.stderr);
    // A missing noarch names the URL.
    let o = go(vec![
        "--endpoint-url".into(),
        ep.clone(),
        "--force-path-style".into(),
        "-c".into(),
        format!("s3://{bucket}/nothing"),
        "search".into(),
        "numpy".into(),
    ]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains(&format!("s3://{bucket}/nothing/noarch/")), "{}", o.stderr);
}
