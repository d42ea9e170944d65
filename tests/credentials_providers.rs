//! Error lines of the providers, and that secrets (secret keys, session tokens, the SSO access
//! token, web identity and container tokens) never appear in `Debug`, `Display` or errors.
//! All traffic goes to servers on 127.0.0.1.
#![cfg(feature = "client")]

#[path = "support/secrets.rs"]
mod secrets;
use secrets::CleanErr;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use minis3::clock::FixedClock;
use minis3::config::env::Environment;
use minis3::config::profile::{ProfileSet, Selection};
use minis3::credentials::chain::DefaultChain;
use minis3::credentials::profile_provider::ProfileProvider;
use minis3::credentials::sts::AssumeRoleParams;
use minis3::credentials::{CredentialsProvider, ProviderContext, ServiceEndpoints};
use minis3::http::HttpConfig;
use minis3::retry::RecordingSleeper;
use minis3::sigv4::Credentials;

const SECRETS: &[&str] =
    &["SECRETKEY123", "SESSIONTOKEN123", "SSOACCESSTOKEN123", "WEBIDTOKEN123", "CONTAINERTOKEN123"];

fn assert_no_secret(text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "secret {s} leaked in: {text}");
    }
}

/// Answers every request with `status` and `body`; records the raw requests.
fn server(status: u16, body: &'static str) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let log2 = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let mut r = BufReader::new(stream);
            let mut head = String::new();
            let mut len = 0;
            loop {
                let mut l = String::new();
                if r.read_line(&mut l).unwrap_or(0) == 0 || l == "\r\n" {
                    break;
                }
                if let Some(v) = l.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
                head.push_str(&l);
            }
            let mut b = vec![0; len];
            let _ = r.read_exact(&mut b);
            head.push_str(&String::from_utf8_lossy(&b));
            log2.lock().unwrap().push(head);
            let resp =
                format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
            let _ = r.into_inner().write_all(resp.as_bytes());
        }
    });
    (base, log)
}

fn ctx(env: Environment, base: &str) -> ProviderContext {
    let all = Some(base.to_string());
    ProviderContext::new(env, &HttpConfig::default())
        .unwrap()
        .with_clock(Arc::new(FixedClock(UNIX_EPOCH + Duration::from_secs(1_700_000_000))))
        .with_endpoints(ServiceEndpoints { sts: all.clone(), sso: all.clone(), imds: all.clone(), container: all })
}

fn home_with(dir: &Path, config: &str) -> Environment {
    std::fs::create_dir_all(dir.join(".aws/sso/cache")).unwrap();
    std::fs::write(dir.join(".aws/config"), config).unwrap();
    Environment::from_pairs([("HOME", dir.to_str().unwrap()), ("AWS_EC2_METADATA_DISABLED", "true")])
}

fn profile_error(env: Environment, base: &str, profile: &str) -> String {
    let set = minis3::config::load::load(&env, Some(profile)).unwrap();
    let p = ProfileProvider::new(ctx(env, base), Arc::new(set));
    let e = p.credentials().clean_err();
    let line = e.to_string();
    assert!(!line.contains('\n'), "not one line: {line}");
    assert_no_secret(&line);
    assert_no_secret(&format!("{e:?}"));
    line
}

const SSO_CONFIG: &str = "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\n\
[sso-session corp]\nsso_region = eu-west-1\nsso_start_url = https://corp.awsapps.com/start\n";

#[test]
fn sso_missing_or_expired_token_says_to_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let env = home_with(dir.path(), SSO_CONFIG);
    let (base, log) = server(200, "{}");
    let line = profile_error(env.clone(), &base, "dev");
    assert!(line.ends_with("run `aws sso login --profile dev`"), "{line}");
    assert!(line.contains(".aws/sso/cache/"), "{line}");
    // Cache file name: SHA-1 of the session name.
    let name = hex::encode(<sha1::Sha1 as sha1::Digest>::digest(b"corp"));
    let cache = dir.path().join(".aws/sso/cache").join(format!("{name}.json"));
    std::fs::write(&cache, r#"{"accessToken":"SSOACCESSTOKEN123","expiresAt":"2020-01-01T00:00:00Z"}"#).unwrap();
    let line = profile_error(env.clone(), &base, "dev");
    assert!(line.contains("expired") && line.ends_with("run `aws sso login --profile dev`"), "{line}");
    assert!(log.lock().unwrap().is_empty(), "no request with an expired token");
    // A valid token is sent in the header, and a 401 asks for a login again.
    std::fs::write(&cache, r#"{"accessToken":"SSOACCESSTOKEN123","expiresAt":"2099-01-01T00:00:00Z"}"#).unwrap();
    let (base, log) = server(401, r#"{"message":"Session token not found or invalid"}"#);
    let line = profile_error(env, &base, "dev");
    assert!(line.ends_with("run `aws sso login --profile dev`"), "{line}");
    let req = log.lock().unwrap()[0].clone();
    assert!(req.starts_with("GET /federation/credentials?role_name=Dev&account_id=111122223333 "), "{req}");
    assert!(req.contains("x-amz-sso_bearer_token: SSOACCESSTOKEN123"), "{req}");
}

#[test]
fn sso_profile_without_region_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let env = home_with(
        dir.path(),
        "[profile old]\nsso_start_url = https://x/start\nsso_account_id = 1\nsso_role_name = r\n",
    );
    let line = profile_error(env, "http://127.0.0.1:9", "old");
    assert!(line.contains("sso_region is missing"), "{line}");
}

#[test]
fn mfa_serial_is_a_clear_error_without_network() {
    let dir = tempfile::tempdir().unwrap();
    let env = home_with(
        dir.path(),
        "[profile admin]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = base\nmfa_serial = arn:aws:iam::1:mfa/me\n\
         [profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = SECRETKEY123\n",
    );
    let (base, log) = server(200, "");
    let line = profile_error(env, &base, "admin");
    assert!(line.contains("mfa_serial arn:aws:iam::1:mfa/me") && line.contains("does not prompt"), "{line}");
    assert!(log.lock().unwrap().is_empty());
}

#[test]
fn assume_role_request_is_signed_and_sends_settings() {
    let dir = tempfile::tempdir().unwrap();
    let env = home_with(
        dir.path(),
        "[profile r]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = base\nexternal_id = ext-1\nduration_seconds = 900\n\
         role_session_name = me\nregion = eu-central-1\n\
         [profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = SECRETKEY123\naws_session_token = SESSIONTOKEN123\n",
    );
    let (base, log) = server(
        403,
        "<ErrorResponse><Error><Code>AccessDenied</Code><Message>not allowed</Message></Error></ErrorResponse>",
    );
    let line = profile_error(env, &base, "r");
    assert_eq!(line, "STS refused the request (HTTP 403, AccessDenied): not allowed");
    let req = log.lock().unwrap()[0].clone();
    assert!(req.starts_with("POST / "), "{req}");
    assert!(req.contains("Credential=AKIDBASE/20231114/eu-central-1/sts/aws4_request"), "{req}");
    assert!(req.contains("x-amz-security-token: SESSIONTOKEN123"), "{req}");
    assert!(req.ends_with(
        "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa&RoleSessionName=me&ExternalId=ext-1&DurationSeconds=900"
    ), "{req}");
}

#[test]
fn source_profile_loop_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let env = home_with(
        dir.path(),
        "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n",
    );
    let line = profile_error(env, "http://127.0.0.1:9", "a");
    assert!(line.contains("loop: a -> b -> a"), "{line}");
}

#[test]
fn web_identity_and_container_tokens_stay_secret() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "WEBIDTOKEN123\n").unwrap();
    let (base, log) = server(400, "<ErrorResponse><Error><Code>InvalidIdentityToken</Code></Error></ErrorResponse>");
    let env = Environment::from_pairs([
        ("AWS_WEB_IDENTITY_TOKEN_FILE", token.to_str().unwrap()),
        ("AWS_ROLE_ARN", "arn:aws:iam::1:role/w"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]);
    let c = ctx(env, &base);
    let set = Arc::new(ProfileSet::parse(None, None).unwrap());
    let e = DefaultChain::with_profiles(&c, set.clone()).unwrap().credentials().clean_err();
    assert!(e.to_string().contains("InvalidIdentityToken"), "{e}");
    assert_no_secret(&format!("{e} {e:?}"));
    let req = log.lock().unwrap()[0].clone();
    assert!(req.contains("WebIdentityToken=WEBIDTOKEN123") && !req.to_ascii_lowercase().contains("authorization:"));

    let (base, log) = server(403, r#"{"Code":"AccessDenied","Message":"bad token"}"#);
    let env = Environment::from_pairs([
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/creds"),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "CONTAINERTOKEN123"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]);
    let chain = DefaultChain::with_profiles(&ctx(env, &base), set).unwrap();
    let e = chain.credentials().clean_err();
    assert_eq!(e.to_string(), "container credentials endpoint refused the request (HTTP 403, AccessDenied): bad token");
    assert_no_secret(&format!("{e:?} {chain:?}"));
    assert!(log.lock().unwrap()[0].contains("authorization: CONTAINERTOKEN123"));
}

#[test]
fn credential_calls_retry_through_the_injected_sleeper() {
    // The container endpoint and STS answer 503 every time: three attempts each, and the two
    // waits between them go to the context's sleeper (nothing sleeps on the thread).
    let set = Arc::new(ProfileSet::parse(None, None).unwrap());
    let (base, log) = server(503, r#"{"Code":"Busy"}"#);
    let env = Environment::from_pairs([
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/creds"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]);
    let sleeper = RecordingSleeper::new();
    let c = ctx(env, &base).with_sleeper(sleeper.clone());
    let e = DefaultChain::with_profiles(&c, set.clone()).unwrap().credentials().clean_err();
    assert!(e.to_string().contains("HTTP 503"), "{e}");
    assert_eq!(log.lock().unwrap().len(), 3);
    let waits = sleeper.waits();
    assert_eq!(waits.len(), 2, "{waits:?}");
    assert!(waits[0] <= Duration::from_millis(100) && waits[1] <= Duration::from_millis(200), "{waits:?}");

    let (base, log) = server(503, "<ErrorResponse><Error><Code>ServiceUnavailable</Code></Error></ErrorResponse>");
    let sleeper = RecordingSleeper::new();
    let sts = ctx(Environment::default(), &base).with_sleeper(sleeper.clone()).sts(&set).unwrap();
    let e = sts.assume_role(&Credentials::new("AKID", "SECRETKEY123"), &AssumeRoleParams::default()).clean_err();
    assert!(e.to_string().contains("ServiceUnavailable") && e.is_retryable(), "{e}");
    assert_eq!((log.lock().unwrap().len(), sleeper.waits().len()), (3, 2));
}

#[test]
fn nothing_configured_lists_what_was_tried() {
    let c = ctx(Environment::from_pairs([("AWS_EC2_METADATA_DISABLED", "true")]), "http://127.0.0.1:9");
    let set = ProfileSet::parse(None, None).unwrap().with_selected("default", Selection::Default);
    let e = DefaultChain::with_profiles(&c, Arc::new(set)).unwrap().credentials().clean_err().to_string();
    assert!(e.starts_with("no AWS credentials found (tried: environment:"), "{e}");
    assert!(e.contains("imds: disabled by AWS_EC2_METADATA_DISABLED"), "{e}");
    // An explicitly selected profile that does not exist is an error, not "not set up".
    let set = ProfileSet::parse(Some("[profile other]\nregion = x\n"), None)
        .unwrap()
        .with_selected("nope", Selection::Explicit);
    let e = DefaultChain::with_profiles(&c, Arc::new(set)).unwrap().credentials().clean_err().to_string();
    assert!(e.contains("profile nope is in neither"), "{e}");
}

#[test]
fn static_profile_keys_debug_and_source() {
    let set = ProfileSet::parse(None, Some("[default]\naws_access_key_id = AKIDX\naws_secret_access_key = SECRETKEY123\naws_session_token = SESSIONTOKEN123\n")).unwrap();
    let p = ProfileProvider::new(ctx(Environment::default(), "http://127.0.0.1:9"), Arc::new(set));
    let c = p.credentials().unwrap();
    assert_eq!(c.creds.session_token(), Some("SESSIONTOKEN123"));
    assert_eq!(c.source.to_string(), "profile default");
    assert_no_secret(&format!("{c:?} {p:?} {:?}", p.plan()));
}
