//! Loading the shared files from (temporary) disk and resolving S3 settings with sources.

#[path = "support/secrets.rs"]
mod secrets;
use secrets::CleanErr;

use std::path::Path;

use minis3::config::env::{Environment, Platform};
use minis3::config::load::{load_on, LoadError};
use minis3::config::profile::{ProfileSet, Selection};
use minis3::config::resolve::{resolve_s3, AddressingStyle, Overrides, ResolveError, Source};

fn env_for(home: &Path, extra: &[(&str, &str)]) -> Environment {
    let mut env = Environment::from_pairs([("HOME", home.to_str().unwrap())]);
    for (k, v) in extra {
        env.set(*k, *v);
    }
    env
}

fn write(home: &Path, name: &str, text: &[u8]) {
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    std::fs::write(home.join(".aws").join(name), text).unwrap();
}

#[test]
fn missing_files_give_an_empty_set() {
    let dir = tempfile::tempdir().unwrap();
    let set = load_on(&env_for(dir.path(), &[]), Platform::Unix, None).unwrap();
    assert!(set.profiles().is_empty());
    let s = resolve_s3(&Environment::default(), &set, &Overrides::default()).unwrap();
    assert_eq!(s.region, None);
    assert_eq!(s.addressing_style.value, AddressingStyle::Auto);
}

#[test]
fn no_home_means_no_files() {
    let set = load_on(&Environment::default(), Platform::Unix, None).unwrap();
    assert!(set.profiles().is_empty());
}

#[test]
fn malformed_file_error_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "credentials", b"[default]\naws_secret_access_key = s3cr3t\nbroken line s3cr3t\n");
    let err = load_on(&env_for(dir.path(), &[]), Platform::Unix, None).clean_err();
    let msg = err.to_string();
    let path = dir.path().join(".aws/credentials");
    assert!(msg.contains(&format!("{}:3", path.display())), "{msg}");
    assert!(!msg.contains("s3cr3t"), "{msg}");
    assert!(matches!(err, LoadError::Parse(_)));
}

#[test]
fn unreadable_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the config file should be cannot be read as a file.
    std::fs::create_dir_all(dir.path().join(".aws/config")).unwrap();
    let err = load_on(&env_for(dir.path(), &[]), Platform::Unix, None).clean_err();
    assert!(matches!(err, LoadError::Read { .. }));
    assert!(err.to_string().contains(".aws/config"), "{err}");
}

#[test]
fn env_paths_profile_selection_and_sources() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cfg");
    let creds = dir.path().join("creds");
    std::fs::write(
        &config,
        "[profile dev]\nregion = eu-west-1\nca_bundle = C:\\certs\\ca.pem\nmax_attempts = 5\n\
         s3 =\n  addressing_style = path\n  payload_signing_enabled = true\n\
         endpoint_url = http://127.0.0.1:9000\n",
    )
    .unwrap();
    std::fs::write(&creds, "[dev]\nregion = us-west-2\naws_secret_access_key = TOPSECRET\n").unwrap();
    let env = env_for(
        dir.path(),
        &[
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
            ("AWS_SHARED_CREDENTIALS_FILE", creds.to_str().unwrap()),
            ("AWS_DEFAULT_PROFILE", "dev"),
        ],
    );
    let set = load_on(&env, Platform::Unix, None).unwrap();
    assert_eq!(set.selected(), "dev");
    assert_eq!(*set.selection(), Selection::Env("AWS_DEFAULT_PROFILE"));
    let s = resolve_s3(&env, &set, &Overrides::default()).unwrap();
    // The credentials file wins for the same property.
    let region = s.region.unwrap();
    assert_eq!(region.value, "us-west-2");
    assert_eq!(region.source.to_string(), format!("{}:2 (profile dev, region)", creds.display()));
    assert_eq!(s.addressing_style.value, AddressingStyle::Path);
    assert_eq!(
        s.addressing_style.source.to_string(),
        format!("{}:5 (profile dev, s3.addressing_style)", config.display())
    );
    assert_eq!(s.ca_bundle.unwrap().value.to_str(), Some("C:\\certs\\ca.pem"));
    assert_eq!(s.max_attempts.unwrap().value, 5);
    assert!(s.payload_signing_enabled.unwrap().value);
    assert_eq!(s.endpoint_url.unwrap().value, "http://127.0.0.1:9000");
    assert!(!format!("{set:?}").contains("TOPSECRET"));

    // Environment beats the profile; the explicit override beats both.
    let mut env2 = env.clone();
    env2.set("AWS_REGION", "ap-south-1");
    env2.set("AWS_CA_BUNDLE", "/etc/ca.pem");
    env2.set("AWS_EC2_METADATA_DISABLED", "TRUE");
    let s = resolve_s3(&env2, &set, &Overrides::default()).unwrap();
    assert_eq!(s.region.as_ref().unwrap().source, Source::Env("AWS_REGION".into()));
    assert_eq!(s.ca_bundle.unwrap().value.to_str(), Some("/etc/ca.pem"));
    assert!(s.ec2_metadata_disabled.value);
    let o = Overrides { region: Some("us-east-2".into()), ..Default::default() };
    let s = resolve_s3(&env2, &set, &o).unwrap();
    assert_eq!(s.region.unwrap().source, Source::Caller(minis3::config::source::Setting::Region));

    // --profile beats the environment.
    let set = load_on(&env, Platform::Unix, Some("other")).unwrap();
    assert_eq!(set.selected(), "other");
    assert!(matches!(resolve_s3(&env, &set, &Overrides::default()), Err(ResolveError::ProfileNotFound { .. })));
}

#[test]
fn aws_region_before_aws_default_region() {
    let set = ProfileSet::parse(Some("[default]\nregion = from-file\n"), None).unwrap();
    let env = Environment::from_pairs([("AWS_DEFAULT_REGION", "b"), ("AWS_REGION", "a")]);
    let s = resolve_s3(&env, &set, &Overrides::default()).unwrap();
    assert_eq!(s.region.unwrap().value, "a");
    let env = Environment::from_pairs([("AWS_DEFAULT_REGION", "b")]);
    assert_eq!(resolve_s3(&env, &set, &Overrides::default()).unwrap().region.unwrap().value, "b");
    let s = resolve_s3(&Environment::default(), &set, &Overrides::default()).unwrap();
    assert_eq!(s.region.unwrap().value, "from-file");
}

#[test]
fn invalid_values_are_errors_with_their_place() {
    let set = ProfileSet::parse(Some("[default]\ns3 =\n  addressing_style = sideways\n"), None).unwrap();
    let e = resolve_s3(&Environment::default(), &set, &Overrides::default()).clean_err();
    let msg = e.to_string();
    assert!(msg.contains("sideways") && msg.contains("config file line 2"), "{msg}");

    let env = Environment::from_pairs([("AWS_MAX_ATTEMPTS", "0")]);
    let set = ProfileSet::parse(None, None).unwrap();
    let e = resolve_s3(&env, &set, &Overrides::default()).clean_err();
    assert!(e.to_string().contains("AWS_MAX_ATTEMPTS"), "{e}");

    let set = ProfileSet::parse(Some("[default]\nservices = nope\n"), None).unwrap();
    let e = resolve_s3(&Environment::default(), &set, &Overrides::default()).clean_err();
    assert!(matches!(e, ResolveError::MissingServicesSection { .. }), "{e}");
}

#[test]
fn transfer_settings_from_the_s3_block() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "config",
        b"[default]\nregion = r\ns3 =\n  multipart_threshold = 64MB\n  multipart_chunksize = 16MiB\n  \
          max_concurrent_requests = 20\n  target_bandwidth = 10Gb/s\n",
    );
    let env = env_for(dir.path(), &[]);
    let set = load_on(&env, Platform::Unix, None).unwrap();
    let s = resolve_s3(&env, &set, &Overrides::default()).unwrap();
    let threshold = s.multipart_threshold.unwrap();
    assert_eq!(threshold.value, 64 * 1024 * 1024);
    let config = dir.path().join(".aws/config");
    assert_eq!(
        threshold.source.to_string(),
        format!("{}:3 (profile default, s3.multipart_threshold)", config.display())
    );
    assert_eq!(s.multipart_chunksize.unwrap().value, 16 * 1024 * 1024);
    assert_eq!(s.max_concurrent_requests.unwrap().value, 20);
    assert_eq!(s.target_bandwidth.unwrap().value, (10u64 << 30) / 8);

    // Not set: none of them.
    let set = ProfileSet::parse(Some("[default]\ns3 =\n  addressing_style = path\n"), None).unwrap();
    let s = resolve_s3(&Environment::default(), &set, &Overrides::default()).unwrap();
    assert_eq!((s.multipart_threshold, s.multipart_chunksize, s.max_concurrent_requests), (None, None, None));
    assert_eq!(s.target_bandwidth, None);

    // A rate that is not one: the setting, the value and the expected form.
    let set = ProfileSet::parse(Some("[default]\ns3 =\n  target_bandwidth = fast\n"), None).unwrap();
    let e = resolve_s3(&Environment::default(), &set, &Overrides::default()).clean_err().to_string();
    assert!(e.contains("s3.target_bandwidth") && e.contains("fast") && e.contains("10Gb/s"), "{e}");
}

#[test]
fn bad_transfer_settings_are_errors_with_their_place() {
    for (line, words) in [
        ("multipart_chunksize = 4MB", ["multipart_chunksize", "4MB", "at least 5MiB"]),
        ("multipart_chunksize = 1.5GB", ["multipart_chunksize", "1.5GB", "KiB"]),
        ("multipart_threshold = lots", ["multipart_threshold", "lots", "number of bytes"]),
        ("max_concurrent_requests = 0", ["max_concurrent_requests", "'0'", "at least 1"]),
        ("max_concurrent_requests = 4MB", ["max_concurrent_requests", "4MB", "whole number"]),
    ] {
        let text = format!("[default]\nregion = r\ns3 =\n  {line}\n");
        let set = ProfileSet::parse(Some(&text), None).unwrap();
        let e = resolve_s3(&Environment::default(), &set, &Overrides::default()).clean_err();
        assert!(matches!(e, ResolveError::InvalidValue { .. }), "{e}");
        let msg = e.to_string();
        assert!(msg.contains("config file line 3"), "{msg}");
        assert!(!msg.contains('\n'), "{msg}");
        for w in words {
            assert!(msg.contains(w), "{w:?} in {msg}");
        }
    }
}

#[test]
fn secrets_never_in_debug() {
    let set = ProfileSet::parse(
        Some("[default]\naws_session_token = TOK123\nregion = r\n"),
        Some("[default]\naws_secret_access_key = SEC456\nmy_custom_secret = SEC789\n"),
    )
    .unwrap();
    let dbg = format!("{set:?}");
    for secret in ["TOK123", "SEC456", "SEC789"] {
        assert!(!dbg.contains(secret), "{dbg}");
    }
    assert!(dbg.contains("\"r\""), "non-secret values are shown: {dbg}");
}

proptest::proptest! {
    // The parsers never panic on arbitrary bytes (a stable-Rust stand-in for the fuzz target).
    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256)) {
        use minis3::config::profile::{parse::parse_bytes, FileKind};
        let c = parse_bytes(&data, FileKind::Config);
        let k = parse_bytes(&data, FileKind::Credentials);
        if let (Ok(c), Ok(k)) = (c, k) {
            let set = ProfileSet::from_raw(&c, &k);
            let _ = resolve_s3(&Environment::default(), &set, &Overrides::default());
        }
    }
}
