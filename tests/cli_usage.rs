//! The `minis3` binary without a server: help, version, usage errors (exit 2), and
//! `config show` from the AWS files (sources printed, secrets never).
#![cfg(feature = "cli")]

#[path = "support/secrets.rs"]
mod secrets;

use std::process::Command;

fn run(home: &std::path::Path, extra_env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_minis3"))
        .env_clear()
        .env("HOME", home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", home.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
        .env("PIXI_NO_CONFIG", "true")
        .envs(extra_env.iter().copied())
        .current_dir(home)
        .args(args)
        .output()
        .unwrap();
    secrets::assert_clean_output(&format!("minis3 {args:?}"), &out.stdout, &out.stderr);
    let s = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (out.status.code().unwrap_or(-1), s(out.stdout), s(out.stderr))
}

#[test]
fn help_version_and_usage_errors() {
    let d = tempfile::tempdir().unwrap();
    let (code, out, _) = run(d.path(), &[], &["--help"]);
    assert_eq!(code, 0);
    for c in ["ls", "cp", "sync", "rm", "mb", "rb", "presign", "head", "auth login", "auth logout", "config show"] {
        assert!(out.contains(&format!("    {c} ")), "{c} missing from help");
    }
    assert!(out.contains("--endpoint-url") && out.contains("--no-sign-request"));
    let (code, out, _) = run(d.path(), &[], &["help", "sync"]);
    assert_eq!(code, 0);
    assert!(out.contains("--delete") && out.contains("--exclude") && !out.contains("--expires-in"));
    let (code, out, _) = run(d.path(), &[], &["presign", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("--expires-in") && out.contains("604800"));
    let (code, out, _) = run(d.path(), &[], &["--version"]);
    assert_eq!((code, out.trim()), (0, format!("minis3 {}", env!("CARGO_PKG_VERSION")).as_str()));

    for args in [
        &[][..],
        &["nope"][..],
        &["ls", "--recursive", "s3://b-b", "s3://c-c"][..],
        &["cp", "s3://bkt/k"][..],
        &["sync", "a", "b"][..],
        &["presign", "s3://bkt/k", "--expires-in", "999999"][..],
        &["head", "s3://bkt/"][..],
        &["mb", "s3://x"][..],
        &["auth", "login", "s3://bkt"][..],
        &["config", "frob"][..],
        &["ls", "--region"][..],
        &["help", "nope"][..],
    ] {
        let (code, out, err) = run(d.path(), &[], args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("minis3: ") && err.contains("--help"), "{args:?}: {err}");
    }
}

#[test]
fn config_show_prints_sources_and_never_secrets() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("config"), "[profile dev]\nregion = eu-west-3\ns3 =\n  addressing_style = path\n")
        .unwrap();
    std::fs::write(
        d.path().join("credentials"),
        "[dev]\naws_access_key_id = AKIADEVKEY1234\naws_secret_access_key = dev-secret-never-shown\naws_session_token = dev-token-never-shown\n",
    )
    .unwrap();
    let (code, out, err) =
        run(d.path(), &[("AWS_ENDPOINT_URL", "http://127.0.0.1:9")], &["--profile", "dev", "config", "show"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("eu-west-3") && out.contains("profile dev, region"), "{out}");
    assert!(out.contains("AWS_ENDPOINT_URL"), "{out}");
    assert!(out.contains("path") && out.contains("s3.addressing_style"), "{out}");
    assert!(out.contains("****1234") && out.contains("with a session token"), "{out}");
    for secret in ["dev-secret-never-shown", "dev-token-never-shown", "AKIADEVKEY1234"] {
        assert!(!out.contains(secret) && !err.contains(secret), "{secret} printed: {out}{err}");
    }
    let (code, out, _) =
        run(d.path(), &[], &["--profile", "dev", "--region", "ap-south-1", "config", "show", "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["region"]["value"], "ap-south-1");
    assert_eq!(v["region"]["source"], "--region");
    assert_eq!(v["credentials"]["access_key_id"], "****1234");
    assert!(!out.contains("dev-secret-never-shown"));
    // A profile that does not exist: exit 1, one line.
    let (code, _, err) = run(d.path(), &[], &["--profile", "nope", "config", "show"]);
    assert_eq!(code, 1);
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// The leak check every CLI test's output goes through can fail: a leaking line is caught.
#[test]
fn the_secret_leak_check_catches_leaks() {
    secrets::self_check();
}
