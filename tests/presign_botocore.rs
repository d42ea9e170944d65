//! Presigned URLs for custom endpoints, in every addressing style, compared byte for byte with
//! botocore's (the AWS CLI's library) at the same signing time: `auto` (or no setting) with an
//! endpoint URL is path style in both; `virtual` is virtual-host style; AWS's own endpoints
//! keep virtual-host style for `auto`. Both read the same AWS config file; the endpoint comes
//! from the caller (`--endpoint-url` / botocore's `endpoint_url=`) or from the profile.
//!
//! botocore runs in a clean environment (only the temporary config files and
//! `AWS_EC2_METADATA_DISABLED=true`), with its clock fixed by replacing
//! `botocore.auth.get_current_datetime`.
#![cfg(feature = "client")]

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use minis3::clock::FixedClock;
use minis3::config::env::Environment;
use minis3::s3::Client;
use minis3::settings::{self, Inputs, Overrides};

/// 2024-05-06T07:08:09Z.
const SIGNING_TIME: u64 = 1_714_979_289;

const BOTOCORE: &str = r#"
import datetime, json, os, sys
import botocore.auth, botocore.session
fixed = datetime.datetime(2024, 5, 6, 7, 8, 9)
botocore.auth.get_current_datetime = lambda remove_tzinfo=True: fixed
out, clients = [], {}
for c in json.load(sys.stdin):
    # One client per configuration (a session takes a second to start).
    key = (open(c["config"]).read(), c["flag"])
    if key not in clients:
        os.environ["AWS_CONFIG_FILE"] = c["config"]
        os.environ["AWS_SHARED_CREDENTIALS_FILE"] = c["credentials"]
        clients[key] = botocore.session.Session().create_client("s3", endpoint_url=c["flag"])
    s3 = clients[key]
    out.append(s3.generate_presigned_url("get_object", Params={"Bucket": c["bucket"], "Key": c["key"]}, ExpiresIn=3600))
print(json.dumps(out))
"#;

struct Case {
    /// The endpoint given by the caller, if any.
    flag: Option<&'static str>,
    /// `endpoint_url` in the profile, if any.
    profile_endpoint: Option<&'static str>,
    /// `s3 = addressing_style`, if any.
    style: Option<&'static str>,
    bucket: &'static str,
    key: &'static str,
}

fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    let buckets = ["my-bucket", "bucket123", "my.dotted.bucket"];
    for (flag, profile_endpoint) in [
        (Some("https://minio.example.com:9000"), None),
        (Some("http://minio.example.com"), None),
        (None, Some("https://objects.example.org")),
        (Some("http://127.0.0.1:9000"), None),
    ] {
        let ip = flag.is_some_and(|f| f.contains("127.0.0.1"));
        for style in [None, Some("auto"), Some("path"), Some("virtual")] {
            for bucket in buckets {
                // Forced virtual-host style: minis3 refuses an IP endpoint (botocore writes
                // `bucket.127.0.0.1`), and a dotted bucket on https (botocore falls back to
                // path style there; minis3 keeps what was asked for).
                let https = flag.or(profile_endpoint).is_some_and(|e| e.starts_with("https"));
                if style == Some("virtual") && (ip || (bucket.contains('.') && https)) {
                    continue;
                }
                v.push(Case { flag, profile_endpoint, style, bucket, key: "noarch/repodata.json" });
            }
        }
    }
    // AWS's own endpoints (no endpoint URL): auto stays virtual-host where it can.
    for style in [None, Some("auto"), Some("path")] {
        for bucket in buckets {
            v.push(Case { flag: None, profile_endpoint: None, style, bucket, key: "a/b c+d.txt" });
        }
    }
    v
}

fn write_config(dir: &Path, c: &Case) {
    let mut config = String::from("[default]\nregion = eu-west-1\n");
    if let Some(e) = c.profile_endpoint {
        config.push_str(&format!("endpoint_url = {e}\n"));
    }
    config.push_str("s3 =\n  signature_version = s3v4\n");
    if let Some(s) = c.style {
        config.push_str(&format!("  addressing_style = {s}\n"));
    }
    std::fs::write(dir.join("config"), config).unwrap();
    std::fs::write(
        dir.join("credentials"),
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    )
    .unwrap();
}

fn minis3_presign(dir: &Path, c: &Case) -> String {
    let env = Environment::from_pairs([
        ("HOME".to_string(), dir.display().to_string()),
        ("AWS_CONFIG_FILE".to_string(), dir.join("config").display().to_string()),
        ("AWS_SHARED_CREDENTIALS_FILE".to_string(), dir.join("credentials").display().to_string()),
        ("AWS_EC2_METADATA_DISABLED".to_string(), "true".to_string()),
        ("PIXI_NO_CONFIG".to_string(), "true".to_string()),
    ]);
    let overrides = Overrides { endpoint_url: c.flag.map(str::to_string), ..Overrides::default() };
    let s = settings::resolve(&Inputs { overrides: &overrides, env: &env, cwd: dir, target: Some((c.bucket, c.key)) })
        .unwrap();
    let mut cfg = s.client_config().unwrap();
    cfg.clock = Arc::new(FixedClock(UNIX_EPOCH + Duration::from_secs(SIGNING_TIME)));
    Client::new(cfg).unwrap().presign("GET", c.bucket, c.key, 3600).unwrap()
}

/// The python interpreter that has botocore, as an absolute path (found once through PATH).
fn python() -> String {
    let out = Command::new("python3")
        .args(["-c", "import sys, botocore; print(sys.executable)"])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "botocore (the AWS CLI's library) is needed for this test: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn presigned_urls_match_botocore_in_every_style() {
    let root = tempfile::tempdir().unwrap();
    let cases = cases();
    let mut ours = Vec::new();
    let mut input = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let dir = root.path().join(i.to_string());
        std::fs::create_dir_all(&dir).unwrap();
        write_config(&dir, c);
        ours.push(minis3_presign(&dir, c));
        input.push(serde_json::json!({
            "config": dir.join("config"),
            "credentials": dir.join("credentials"),
            "flag": c.flag,
            "bucket": c.bucket,
            "key": c.key,
        }));
    }
    let mut child = Command::new(python())
        .args(["-c", BOTOCORE])
        .env_clear()
        .env("HOME", root.path())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(serde_json::Value::Array(input).to_string().as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "botocore failed: {}", String::from_utf8_lossy(&out.stderr));
    let theirs: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(theirs.len(), ours.len());
    let mut differ = Vec::new();
    for ((c, a), b) in cases.iter().zip(&ours).zip(&theirs) {
        let aws = c.flag.is_none() && c.profile_endpoint.is_none();
        if aws && a.starts_with(&format!("https://{}.s3.eu-west-1.amazonaws.com/", c.bucket)) {
            // botocore presigns virtual-host URLs on AWS with the legacy global host
            // (`BUCKET.s3.amazonaws.com`), minis3 with the regional one: both virtual-host
            // style, the same path and query but for the signature (which covers the host).
            let strip = |u: &str| {
                let unsigned = u.split("&X-Amz-Signature=").next().unwrap_or(u);
                unsigned.replacen(".s3.eu-west-1.amazonaws.com/", ".s3.amazonaws.com/", 1)
            };
            if strip(a) != strip(b) {
                differ.push(format!(
                    "AWS endpoint, style {:?} bucket {}:\n  minis3   {a}\n  botocore {b}",
                    c.style, c.bucket
                ));
            }
            continue;
        }
        if a != b {
            differ.push(format!(
                "flag {:?} profile {:?} style {:?} bucket {}:\n  minis3   {a}\n  botocore {b}",
                c.flag, c.profile_endpoint, c.style, c.bucket
            ));
        }
    }
    assert!(differ.is_empty(), "{} of {} differ:\n{}", differ.len(), cases.len(), differ.join("\n"));
    // The rule itself, on a few: auto on a custom endpoint is path style, virtual is not.
    let find = |flag, style, bucket| {
        let i = (cases.iter())
            .position(|c| c.flag == flag && c.profile_endpoint.is_none() && c.style == style && c.bucket == bucket)
            .unwrap();
        ours[i].split('?').next().unwrap().to_string()
    };
    let minio = Some("https://minio.example.com:9000");
    assert_eq!(find(minio, None, "my-bucket"), "https://minio.example.com:9000/my-bucket/noarch/repodata.json");
    assert_eq!(find(minio, Some("auto"), "my-bucket"), "https://minio.example.com:9000/my-bucket/noarch/repodata.json");
    assert_eq!(
        find(minio, Some("virtual"), "my-bucket"),
        "https://my-bucket.minio.example.com:9000/noarch/repodata.json"
    );
    assert_eq!(find(None, None, "my-bucket"), "https://my-bucket.s3.eu-west-1.amazonaws.com/a/b%20c%2Bd.txt");
}
