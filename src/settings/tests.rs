use crate::test_secrets::CleanErr;
use std::path::{Path, PathBuf};

use super::*;
use crate::address::DEFAULT_REGION;
use crate::s3::Auth;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

fn env(dir: &Path, extra: &[(&str, &str)]) -> Environment {
    let mut pairs: Vec<(String, String)> = vec![
        ("HOME".into(), dir.join("home").display().to_string()),
        ("AWS_CONFIG_FILE".into(), dir.join("aws-config").display().to_string()),
        ("AWS_SHARED_CREDENTIALS_FILE".into(), dir.join("aws-creds").display().to_string()),
        ("PIXI_NO_CONFIG".into(), "true".into()),
        ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
    ];
    pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Environment::from_pairs(pairs)
}

const MANIFEST: &str = r#"
[workspace]
name = "x"
channels = []
platforms = []

[workspace.s3-options.pixi-bucket]
endpoint-url = "http://127.0.0.1:9999"
region = "WEUR"
force-path-style = true
"#;

#[test]
fn flags_then_pixi_then_aws() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    write(&work, "pixi.toml", MANIFEST);
    write(dir.path(), "aws-config", "[default]\nregion = eu-central-1\n");
    let e = env(dir.path(), &[("AWS_ACCESS_KEY_ID", "AKIAENV0001"), ("AWS_SECRET_ACCESS_KEY", "envsecret")]);
    let g = Overrides::default();
    let s = resolve(&Inputs { overrides: &g, env: &e, cwd: &work, target: Some(("pixi-bucket", "k")) }).unwrap();
    assert_eq!(s.region.value, "WEUR");
    assert!(s.region.source.to_string().contains("pixi.toml"), "{}", s.region.source);
    assert_eq!(s.endpoint_url.as_ref().unwrap().value, "http://127.0.0.1:9999");
    assert_eq!(s.addressing_style.value, AddressingStyle::Path);
    // No auth-file entry: the AWS chain (environment).
    assert!(matches!(s.credentials, CredentialPlan::Aws(_)));
    assert_eq!(s.credentials.redacted_access_key().as_deref(), Some("****0001"));

    // Another bucket: the AWS config decides.
    let s = resolve(&Inputs { overrides: &g, env: &e, cwd: &work, target: Some(("other", "")) }).unwrap();
    assert_eq!(s.region.value, "eu-central-1");
    assert!(s.endpoint_url.is_none());
    assert!(s.pixi.is_none());

    // Flags win over both.
    let g =
        Overrides { region: Some("us-west-2".into()), endpoint_url: Some("http://h:1".into()), ..Overrides::default() };
    let s = resolve(&Inputs { overrides: &g, env: &e, cwd: &work, target: Some(("pixi-bucket", "")) }).unwrap();
    assert_eq!((s.region.value.as_str(), &s.region.source), ("us-west-2", &Source::Caller(Setting::Region)));
    assert_eq!(s.endpoint_url.unwrap().value, "http://h:1");
}

/// A workspace (`DIR/work`) whose manifest has s3-options for the bucket `bkt`, and an auth
/// file (returned) with keys `AKIAFILE9999` / `filesecret` and `session_token` (JSON) for it.
fn pixi_bucket_with_keys(dir: &Path, session_token: &str) -> (PathBuf, PathBuf) {
    let work = dir.join("work");
    write(&work, "pixi.toml", MANIFEST.replace("pixi-bucket", "bkt").as_str());
    let keys = format!(
        r#"{{"bkt":{{"S3Credentials":{{"access_key_id":"AKIAFILE9999","secret_access_key":"filesecret","session_token":{session_token}}}}}}}"#
    );
    (work, write(dir, "auth.json", &keys))
}

#[test]
fn auth_file_wins_for_pixi_buckets_only() {
    let dir = tempfile::tempdir().unwrap();
    let (work, auth) = pixi_bucket_with_keys(dir.path(), "null");
    let e = env(
        dir.path(),
        &[
            ("RATTLER_AUTH_FILE", auth.to_str().unwrap()),
            ("AWS_ACCESS_KEY_ID", "AKIAENV0001"),
            ("AWS_SECRET_ACCESS_KEY", "envsecret"),
        ],
    );
    let g = Overrides::default();
    let s = resolve(&Inputs { overrides: &g, env: &e, cwd: &work, target: Some(("bkt", "")) }).unwrap();
    assert!(matches!(s.credentials, CredentialPlan::AuthFile(_)), "{:?}", s.credentials.source());
    assert_eq!(s.credentials.redacted_access_key().as_deref(), Some("****9999"));
    assert_eq!(s.secrets, ["filesecret"]);
    let debug = format!("{s:?}");
    assert!(!debug.contains("filesecret") && debug.contains("[1 redacted]"), "{debug}");
    // Without s3-options for the bucket, the storage is not read.
    std::fs::remove_file(work.join("pixi.toml")).unwrap();
    let s = resolve(&Inputs { overrides: &g, env: &e, cwd: &work, target: Some(("bkt", "")) }).unwrap();
    assert!(matches!(s.credentials, CredentialPlan::Aws(_)));
    // --no-sign-request: nothing.
    let g = Overrides { unsigned: true, ..Overrides::default() };
    let s = resolve(&Inputs { overrides: &g, env: &e, cwd: &work, target: Some(("bkt", "")) }).unwrap();
    assert!(matches!(s.credentials, CredentialPlan::Anonymous));
    assert!(s.secrets.is_empty());
}

#[test]
fn missing_credentials_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let e = env(dir.path(), &[]);
    let g = Overrides::default();
    let s = resolve(&Inputs { overrides: &g, env: &e, cwd: dir.path(), target: None }).unwrap();
    let CredentialPlan::Missing(why) = &s.credentials else { panic!("{:?}", s.credentials) };
    assert!(!why.pixi_s3_options);
    // Every source was tried; no command-line words (the caller adds its own advice).
    let text = why.to_string();
    assert!(text.contains("AWS_ACCESS_KEY_ID") && !text.contains("--"), "{text}");
    assert_eq!(s.region.value, DEFAULT_REGION);
    assert_eq!(s.region.source, Source::Default);
}

#[test]
fn client_config_maps_every_setting() {
    let dir = tempfile::tempdir().unwrap();
    let (work, auth) = pixi_bucket_with_keys(dir.path(), "\"tok\"");
    write(
        dir.path(),
        "aws-config",
        "[default]\nmax_attempts = 7\nca_bundle = /ca.pem\nrequest_checksum_calculation = WHEN_REQUIRED\n\
         s3 =\n  multipart_threshold = 5MB\n  \
         multipart_chunksize = 6MiB\n  max_concurrent_requests = 3\n  target_bandwidth = 100\n",
    );
    let e = env(
        dir.path(),
        &[("RATTLER_AUTH_FILE", auth.to_str().unwrap()), ("AWS_RESPONSE_CHECKSUM_VALIDATION", "when_supported")],
    );
    let g = Overrides::default();
    let s = resolve(&Inputs { overrides: &g, env: &e, cwd: &work, target: Some(("bkt", "")) }).unwrap();
    assert!(!format!("{s:?}").contains("filesecret") && !format!("{s:?}").contains("\"tok\""));
    let cfg = s.client_config().unwrap();
    assert!(!format!("{cfg:?}").contains("filesecret"));
    assert_eq!(cfg.region, "WEUR");
    assert_eq!(cfg.endpoint_url.as_deref(), Some("http://127.0.0.1:9999"));
    assert_eq!(cfg.addressing_style, AddressingStyle::Path);
    assert_eq!(cfg.http.ca_bundle.as_deref(), Some(Path::new("/ca.pem")));
    assert_eq!(cfg.max_attempts, 7);
    assert_eq!((cfg.multipart_threshold, cfg.loopback_single_put), (5 * 1024 * 1024, false));
    assert_eq!(cfg.part_size, 6 * 1024 * 1024);
    assert_eq!(cfg.concurrency, 3);
    assert_eq!(cfg.target_throughput, 100);
    assert_eq!(cfg.request_checksums, Some(crate::s3::ChecksumWhen::WhenRequired));
    assert_eq!(cfg.response_checksums, Some(crate::s3::ChecksumWhen::WhenSupported));
    let src = &s.response_checksum_validation.as_ref().unwrap().source;
    assert!(format!("{src:?}").contains("AWS_RESPONSE_CHECKSUM_VALIDATION"), "{src:?}");
    let Auth::Signed(p) = &cfg.auth else { panic!("not signed") };
    let c = p.credentials().unwrap().creds;
    assert_eq!((c.access_key_id(), c.session_token()), ("AKIAFILE9999", Some("tok")));

    // The environment's CA bundle wins; without a configured threshold the loopback
    // shortcut stays on.
    std::fs::remove_file(dir.path().join("aws-config")).unwrap();
    let e = env(dir.path(), &[("RATTLER_AUTH_FILE", auth.to_str().unwrap()), ("AWS_CA_BUNDLE", "/env.pem")]);
    let s = resolve(&Inputs { overrides: &g, env: &e, cwd: &work, target: Some(("bkt", "")) }).unwrap();
    let cfg = s.client_config().unwrap();
    assert_eq!(cfg.http.ca_bundle.as_deref(), Some(Path::new("/env.pem")));
    assert!(cfg.loopback_single_put);

    // Unsigned.
    let g = Overrides { unsigned: true, ..Overrides::default() };
    let s = resolve(&Inputs { overrides: &g, env: &e, cwd: &work, target: Some(("bkt", "")) }).unwrap();
    assert!(matches!(s.client_config().unwrap().auth, Auth::Anonymous));
}

#[test]
fn client_config_without_credentials_is_the_one_line_why() {
    let dir = tempfile::tempdir().unwrap();
    let e = env(dir.path(), &[]);
    let s = resolve(&Inputs { overrides: &Overrides::default(), env: &e, cwd: dir.path(), target: None }).unwrap();
    let CredentialPlan::Missing(why) = &s.credentials else { panic!("{:?}", s.credentials.source()) };
    let err = s.client_config().clean_err();
    assert!(matches!(err, SettingsError::NoCredentials(_)));
    assert_eq!(err.to_string(), why.to_string());
}

#[test]
fn auto_with_an_endpoint_url_is_path_style_as_in_the_aws_cli() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    write(&work, "pixi.toml", &MANIFEST.replace("force-path-style = true", "force-path-style = false"));
    let e = env(dir.path(), &[("AWS_ACCESS_KEY_ID", "AKIAENV0001"), ("AWS_SECRET_ACCESS_KEY", "envsecret")]);
    let style = |o: &Overrides, target| {
        let s = resolve(&Inputs { overrides: o, env: &e, cwd: &work, target }).unwrap();
        (s.addressing_style.value, s.addressing_style.source)
    };
    let flag = Overrides { endpoint_url: Some("https://minio.example.com".into()), ..Overrides::default() };
    let auto_default = Source::AutoOnCustomEndpoint { auto: Box::new(Source::Default) };
    // The default `auto` with the caller's endpoint: path style, and the source says why.
    assert_eq!(style(&flag, Some(("other", ""))), (AddressingStyle::Path, auto_default.clone()));
    // No endpoint URL: AWS's endpoint, `auto` stays (virtual-host where it works).
    assert_eq!(style(&Overrides::default(), Some(("other", ""))), (AddressingStyle::Auto, Source::Default));
    // pixi's `force-path-style = false` is `auto` whatever the endpoint.
    let (s, source) = style(&Overrides::default(), Some(("pixi-bucket", "")));
    assert_eq!(s, AddressingStyle::Auto);
    assert!(matches!(source, Source::Pixi { ref key, .. } if key == "force-path-style = false"), "{source:?}");
    // The profile's endpoint and `auto` written out: path style; `virtual`: virtual-host style.
    for (written, want) in [("auto", AddressingStyle::Path), ("virtual", AddressingStyle::Virtual)] {
        write(
            dir.path(),
            "aws-config",
            &format!("[default]\nendpoint_url = https://objects.example.org\ns3 =\n  addressing_style = {written}\n"),
        );
        let (s, source) = style(&Overrides::default(), Some(("other", "")));
        assert_eq!(s, want, "{written}");
        match (written, source) {
            ("auto", Source::AutoOnCustomEndpoint { auto }) => {
                assert!(matches!(*auto, Source::Profile { ref key, .. } if key == "s3.addressing_style"))
            }
            ("virtual", Source::Profile { key, .. }) => assert_eq!(key, "s3.addressing_style"),
            (w, other) => panic!("{w}: {other:?}"),
        }
    }
}
