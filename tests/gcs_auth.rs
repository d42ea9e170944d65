//! Google application default credentials against small token and metadata endpoints on
//! 127.0.0.1 written here. JWT signatures are checked with `openssl` (an independent RS256
//! implementation) against the public half of a key pair the test generates; claims are checked
//! against the injected clock. No request goes to Google.
#![cfg(feature = "client")]

#[path = "support/secrets.rs"]
mod secrets;
use secrets::CleanErr;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use minis3::clock::{Clock, FixedClock};
use minis3::config::env::{Environment, Platform};
use minis3::credentials::gcs::{
    GcsAuth, GcsAuthError, GcsCredentialSource, GcsOptions, ServiceAccountMode, SCOPE_READ_ONLY, SCOPE_READ_WRITE,
};
use minis3::credentials::ProviderContext;
use minis3::http::HttpConfig;
use minis3::sigv4::base64;

const NOW: u64 = 1_700_000_000;
const SECRETS: &[&str] = &["REFRESHSECRET123", "CLIENTSECRET123", "ACCESSTOKEN123"];

/// A request as the test server saw it.
#[derive(Clone, Debug)]
struct Req {
    method: String,
    target: String,
    headers: BTreeMap<String, String>,
    body: String,
}

type Handler = dyn Fn(&Req) -> (u16, String) + Send + Sync;

/// An HTTP/1.1 server on 127.0.0.1 answering each request with `handler`; records requests.
fn serve(handler: impl Fn(&Req) -> (u16, String) + Send + Sync + 'static) -> (String, Arc<Mutex<Vec<Req>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let log2 = log.clone();
    let handler: Arc<Handler> = Arc::new(handler);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let mut r = BufReader::new(stream);
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                continue;
            }
            let mut parts = line.split_whitespace();
            let method = parts.next().unwrap_or("").to_string();
            let target = parts.next().unwrap_or("").to_string();
            let mut headers = BTreeMap::new();
            loop {
                let mut l = String::new();
                if r.read_line(&mut l).unwrap_or(0) == 0 || l == "\r\n" {
                    break;
                }
                if let Some((k, v)) = l.split_once(':') {
                    headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                }
            }
            let len: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
            let mut b = vec![0; len];
            let _ = r.read_exact(&mut b);
            let req = Req { method, target, headers, body: String::from_utf8_lossy(&b).into_owned() };
            let (status, body) = handler(&req);
            log2.lock().unwrap().push(req);
            let resp = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = r.into_inner().write_all(resp.as_bytes());
        }
    });
    (base, log)
}

/// A port nothing listens on.
fn closed_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    drop(l);
    addr
}

struct Keys {
    dir: tempfile::TempDir,
    /// PKCS#8 PEM of the RSA key.
    pkcs8: String,
    /// The same key as PKCS#1.
    pkcs1: String,
    /// A P-256 key (PKCS#8, but not RSA).
    ec: String,
}

fn openssl(args: &[&str]) {
    let out = Command::new("openssl").args(args).output().expect("openssl must be installed for these tests");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A test-only RSA key pair made once per test binary with openssl.
fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
        openssl(&["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", &p("key.pem")]);
        openssl(&["pkey", "-in", &p("key.pem"), "-pubout", "-out", &p("pub.pem")]);
        openssl(&["rsa", "-in", &p("key.pem"), "-traditional", "-out", &p("rsa1.pem")]);
        openssl(&["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", &p("ec.pem")]);
        let read = |n: &str| std::fs::read_to_string(dir.path().join(n)).unwrap();
        let (pkcs8, pkcs1, ec) = (read("key.pem"), read("rsa1.pem"), read("ec.pem"));
        assert!(
            pkcs8.starts_with("-----BEGIN PRIVATE KEY-----") && pkcs1.starts_with("-----BEGIN RSA PRIVATE KEY-----")
        );
        Keys { dir, pkcs8, pkcs1, ec }
    })
}

/// Verifies a compact JWT's RS256 signature with openssl and the test public key; returns its
/// header and claims.
fn verify_jwt(jwt: &str) -> (serde_json::Value, serde_json::Value) {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "not a compact JWT");
    let k = keys();
    let n = std::process::id().to_string() + &format!("{:?}", std::thread::current().id()).replace(['(', ')'], "");
    let data = k.dir.path().join(format!("data{n}"));
    let sig = k.dir.path().join(format!("sig{n}"));
    std::fs::write(&data, format!("{}.{}", parts[0], parts[1])).unwrap();
    std::fs::write(&sig, base64::decode_url(parts[2]).expect("signature is base64url")).unwrap();
    let out = Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(k.dir.path().join("pub.pem"))
        .arg("-signature")
        .arg(&sig)
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("Verified OK"), "bad signature");
    let json = |s: &str| serde_json::from_slice(&base64::decode_url(s).expect("base64url")).expect("JSON");
    (json(parts[0]), json(parts[1]))
}

fn form(body: &str) -> BTreeMap<String, String> {
    body.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), minis3::sigv4::encode::percent_decode(v).unwrap()))
        .collect()
}

fn clock() -> Arc<dyn Clock> {
    Arc::new(FixedClock(UNIX_EPOCH + Duration::from_secs(NOW)))
}

fn ctx_with(env: Environment, clock: Arc<dyn Clock>) -> ProviderContext {
    ProviderContext::new(env, &HttpConfig::default()).unwrap().with_clock(clock)
}

/// An environment with an empty home and the metadata server pointed at a closed port.
fn bare_env(home: &Path) -> Environment {
    Environment::from_pairs([("HOME", home.to_str().unwrap()), ("GCE_METADATA_HOST", closed_port().as_str())])
}

fn service_account_json(token_uri: &str, key: &str) -> String {
    serde_json::json!({
        "type": "service_account",
        "project_id": "p",
        "private_key_id": "kid-1",
        "private_key": key,
        "client_email": "sa@p.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": token_uri,
    })
    .to_string()
}

fn user_json(token_uri: &str) -> String {
    serde_json::json!({
        "type": "authorized_user",
        "client_id": "cid.apps.googleusercontent.com",
        "client_secret": "CLIENTSECRET123",
        "refresh_token": "REFRESHSECRET123",
        "token_uri": token_uri,
        "quota_project_id": "billing-1",
    })
    .to_string()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

fn opts() -> GcsOptions {
    GcsOptions { platform: Platform::Unix, metadata_timeout: Duration::from_secs(2), ..GcsOptions::default() }
}

fn assert_no_secret(text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "secret {s} leaked in: {text}");
    }
    // No piece of the private key either.
    let body: String = keys().pkcs8.lines().nth(3).unwrap().to_string();
    assert!(!text.contains(&body), "private key leaked in: {text}");
}

#[test]
fn service_account_jwt_is_verified_and_exchanged_at_the_token_uri() {
    let (base, log) = serve(|req| {
        assert_eq!((req.method.as_str(), req.target.as_str()), ("POST", "/token"));
        assert_eq!(req.headers["content-type"], "application/x-www-form-urlencoded");
        let f = form(&req.body);
        assert_eq!(f["grant_type"], "urn:ietf:params:oauth:grant-type:jwt-bearer");
        let (header, claims) = verify_jwt(&f["assertion"]);
        assert_eq!(header, serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": "kid-1"}));
        let aud = format!("http://{}/token", req.headers["host"]);
        assert_eq!(
            claims,
            serde_json::json!({"iss": "sa@p.iam.gserviceaccount.com", "scope": SCOPE_READ_WRITE, "aud": aud,
                               "iat": NOW, "exp": NOW + 3600})
        );
        (200, r#"{"access_token":"ACCESSTOKEN123","expires_in":3599,"token_type":"Bearer"}"#.into())
    });
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "sa.json", &service_account_json(&format!("{base}/token"), &keys().pkcs8));
    let mut env = bare_env(dir.path());
    env.set("GOOGLE_APPLICATION_CREDENTIALS", file.to_str().unwrap());
    let o = GcsOptions { service_account_mode: ServiceAccountMode::TokenExchange, ..opts() }
        .with_scopes([SCOPE_READ_WRITE]);
    let auth = GcsAuth::from_adc(&ctx_with(env, clock()), &o).unwrap();
    let t = auth.token().unwrap();
    assert_eq!(t.authorization(), "Bearer ACCESSTOKEN123");
    assert_eq!(t.expiry, Some(UNIX_EPOCH + Duration::from_secs(NOW + 3599)));
    assert_eq!(
        t.source,
        GcsCredentialSource::ServiceAccount { path: file.clone(), client_email: "sa@p.iam.gserviceaccount.com".into() }
    );
    assert_eq!(auth.headers().unwrap(), vec![("authorization", "Bearer ACCESSTOKEN123".to_string())]);
    assert_eq!(log.lock().unwrap().len(), 1, "the second call is served from the cache");
    assert_no_secret(&format!("{auth:?} {t:?} {}", t.source));
}

#[test]
fn service_account_self_signed_jwt_as_google_cloud_auth_makes_it() {
    let dir = tempfile::tempdir().unwrap();
    // The token URI is never contacted in this mode.
    let file =
        write(dir.path(), "sa.json", &service_account_json(&format!("http://{}/token", closed_port()), &keys().pkcs8));
    let mut env = bare_env(dir.path());
    env.set("GOOGLE_APPLICATION_CREDENTIALS", file.to_str().unwrap());
    env.set("GOOGLE_CLOUD_QUOTA_PROJECT", "quota-9");
    let t = GcsAuth::from_adc(&ctx_with(env, clock()), &opts()).unwrap().token().unwrap();
    let (header, claims) = verify_jwt(t.secret());
    assert_eq!(header, serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": "kid-1"}));
    assert_eq!(
        claims,
        serde_json::json!({"iss": "sa@p.iam.gserviceaccount.com", "sub": "sa@p.iam.gserviceaccount.com",
                           "scope": SCOPE_READ_ONLY, "aud": null, "iat": NOW - 10, "exp": NOW + 3610})
    );
    assert_eq!(t.expiry, Some(UNIX_EPOCH + Duration::from_secs(NOW + 3610)));
    assert_eq!(t.headers()[1], ("x-goog-user-project", "quota-9".to_string()));
}

#[test]
fn authorized_user_from_the_gcloud_file_is_refreshed() {
    let (base, log) = serve(|req| {
        assert_eq!(req.headers["content-type"], "application/json");
        let v: serde_json::Value = serde_json::from_str(&req.body).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"grant_type": "refresh_token", "client_id": "cid.apps.googleusercontent.com",
                               "client_secret": "CLIENTSECRET123", "refresh_token": "REFRESHSECRET123",
                               "scopes": SCOPE_READ_ONLY})
        );
        (200, r#"{"access_token":"ACCESSTOKEN123","expires_in":3600,"scope":"x","token_type":"Bearer"}"#.into())
    });
    let dir = tempfile::tempdir().unwrap();
    let file =
        write(dir.path(), ".config/gcloud/application_default_credentials.json", &user_json(&format!("{base}/tok")));
    let auth = GcsAuth::from_adc(&ctx_with(bare_env(dir.path()), clock()), &opts()).unwrap();
    let t = auth.token().unwrap();
    assert_eq!(
        t.headers(),
        vec![("authorization", "Bearer ACCESSTOKEN123".to_string()), ("x-goog-user-project", "billing-1".to_string())]
    );
    assert_eq!(t.source, GcsCredentialSource::AuthorizedUser { path: file });
    assert_eq!(log.lock().unwrap()[0].target, "/tok");
    assert_no_secret(&format!("{auth:?} {t:?} {}", t.source));

    // CLOUDSDK_CONFIG moves the well-known file; GOOGLE_CLOUD_QUOTA_PROJECT wins over the file's.
    let other = tempfile::tempdir().unwrap();
    write(other.path(), "application_default_credentials.json", &user_json(&format!("{base}/other")));
    let mut env = bare_env(dir.path());
    env.set("CLOUDSDK_CONFIG", other.path().to_str().unwrap());
    env.set("GOOGLE_CLOUD_QUOTA_PROJECT", "env-project");
    let t = GcsAuth::from_adc(&ctx_with(env, clock()), &opts()).unwrap().token().unwrap();
    assert_eq!(t.quota_project_id.as_deref(), Some("env-project"));
    assert_eq!(log.lock().unwrap()[1].target, "/other");
}

#[test]
fn google_application_credentials_wins_over_the_gcloud_file() {
    let (base, log) = serve(|_| (200, r#"{"access_token":"ACCESSTOKEN123","expires_in":3600}"#.into()));
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".config/gcloud/application_default_credentials.json", &user_json(&format!("{base}/wellknown")));
    let env_file = write(dir.path(), "explicit.json", &user_json(&format!("{base}/explicit")));
    let mut env = bare_env(dir.path());
    env.set("GOOGLE_APPLICATION_CREDENTIALS", env_file.to_str().unwrap());
    GcsAuth::from_adc(&ctx_with(env, clock()), &opts()).unwrap().token().unwrap();
    assert_eq!(log.lock().unwrap()[0].target, "/explicit");
}

#[test]
fn metadata_server_through_gce_metadata_host() {
    let (base, log) = serve(|req| {
        if req.headers.get("metadata-flavor").map(String::as_str) != Some("Google") {
            return (403, "Missing Metadata-Flavor:Google header.".into());
        }
        (200, r#"{"access_token":"ACCESSTOKEN123","expires_in":3599,"token_type":"Bearer"}"#.into())
    });
    let dir = tempfile::tempdir().unwrap();
    let mut env = bare_env(dir.path());
    env.set("GCE_METADATA_HOST", base.trim_start_matches("http://"));
    let auth = GcsAuth::from_adc(&ctx_with(env, clock()), &opts()).unwrap();
    let t = auth.token().unwrap();
    assert_eq!(t.authorization(), "Bearer ACCESSTOKEN123");
    assert_eq!(t.source, GcsCredentialSource::Metadata { url: base.clone() });
    let r = log.lock().unwrap()[0].clone();
    assert_eq!(r.method, "GET");
    assert_eq!(
        r.target,
        "/computeMetadata/v1/instance/service-accounts/default/token?scopes=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fdevstorage.read_only"
    );
    assert_no_secret(&format!("{auth:?} {t:?}"));
}

#[derive(Debug)]
struct Stepped(AtomicU64);
impl Clock for Stepped {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.0.load(Ordering::SeqCst))
    }
}

#[test]
fn one_token_request_until_near_expiry_then_a_refresh() {
    let n = Arc::new(AtomicU64::new(0));
    let n2 = n.clone();
    let (base, log) = serve(move |_| {
        let i = n2.fetch_add(1, Ordering::SeqCst) + 1;
        (200, format!(r#"{{"access_token":"TOKEN{i}","expires_in":3600}}"#))
    });
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".config/gcloud/application_default_credentials.json", &user_json(&format!("{base}/t")));
    let clock = Arc::new(Stepped(AtomicU64::new(NOW)));
    let auth = GcsAuth::from_adc(&ctx_with(bare_env(dir.path()), clock.clone()), &opts()).unwrap();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let a = auth.clone();
            std::thread::spawn(move || (0..10).map(|_| a.token().unwrap().secret().to_string()).collect::<Vec<_>>())
        })
        .collect();
    for t in threads {
        assert!(t.join().unwrap().iter().all(|s| s == "TOKEN1"));
    }
    assert_eq!(log.lock().unwrap().len(), 1);
    clock.0.store(NOW + 3600 - 241, Ordering::SeqCst);
    assert_eq!(auth.token().unwrap().secret(), "TOKEN1");
    assert_eq!(log.lock().unwrap().len(), 1);
    clock.0.store(NOW + 3600 - 239, Ordering::SeqCst);
    assert_eq!(auth.token().unwrap().secret(), "TOKEN2");
    assert_eq!(auth.token().unwrap().secret(), "TOKEN2");
    assert_eq!(log.lock().unwrap().len(), 2);
    auth.invalidate();
    assert_eq!(auth.token().unwrap().secret(), "TOKEN3");
}

fn build_error(env: Environment) -> GcsAuthError {
    GcsAuth::from_adc(&ctx_with(env, clock()), &opts()).clean_err()
}

fn with_file(dir: &Path, text: &str) -> Environment {
    let f = write(dir, "creds.json", text);
    let mut env = bare_env(dir);
    env.set("GOOGLE_APPLICATION_CREDENTIALS", f.to_str().unwrap());
    env
}

#[test]
fn file_errors_name_the_file_and_never_quote_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("creds.json").display().to_string();
    let cases: Vec<(String, &str)> = vec![
        (r#"{"type": "authorized_user", "refresh_token": "REFRESHSECRET123""#.into(), "is not valid JSON (line 1"),
        ("[1, 2]".into(), "is not a JSON object"),
        (r#"{"client_secret": "CLIENTSECRET123"}"#.into(), "without a `type` field"),
        (
            r#"{"type":"authorized_user","client_secret":"CLIENTSECRET123","refresh_token":"REFRESHSECRET123"}"#.into(),
            "(type authorized_user) has no string field `client_id`",
        ),
        (
            r#"{"type":"authorized_user","client_id":"c","client_secret":"CLIENTSECRET123","refresh_token":7}"#.into(),
            "has no string field `refresh_token`",
        ),
        (
            serde_json::json!({"type":"service_account","private_key": keys().pkcs8}).to_string(),
            "(type service_account) has no string field `client_email`",
        ),
        (r#"{"type":"service_account","client_email":"a@b"}"#.into(), "has no string field `private_key`"),
        (service_account_json("http://127.0.0.1:1/t", &keys().pkcs1), "is a PKCS#1"),
        (service_account_json("http://127.0.0.1:1/t", &keys().ec), "not a PKCS#8 RSA key"),
        (service_account_json("http://127.0.0.1:1/t", "REFRESHSECRET123"), "no \"-----BEGIN PRIVATE KEY-----\""),
        (
            r#"{"type":"external_account","audience":"x"}"#.into(),
            "has type \"external_account\", which minis3 does not support",
        ),
    ];
    for (text, want) in cases {
        let e = build_error(with_file(dir.path(), &text));
        let shown = format!("{e} {e:?}");
        assert!(e.to_string().contains(want), "want {want:?} in: {e}");
        assert!(e.to_string().contains(&path), "no path in: {e}");
        assert_no_secret(&shown);
        assert!(!e.to_string().contains('\n'), "not one line: {e}");
    }
    let mut env = bare_env(dir.path());
    env.set("GOOGLE_APPLICATION_CREDENTIALS", dir.path().join("nope.json").to_str().unwrap());
    let e = build_error(env).to_string();
    assert!(
        e.starts_with("GOOGLE_APPLICATION_CREDENTIALS names ") && e.contains("nope.json, which does not exist"),
        "{e}"
    );
}

#[test]
fn token_endpoint_errors_are_one_actionable_line() {
    let (base, log) = serve(|_| {
        (400, r#"{"error":"invalid_grant","error_description":"Token has been expired or revoked."}"#.into())
    });
    let dir = tempfile::tempdir().unwrap();
    let env = with_file(dir.path(), &user_json(&format!("{base}/token")));
    let auth = GcsAuth::from_adc(&ctx_with(env, clock()), &opts()).unwrap();
    let e = auth.token().clean_err();
    assert_eq!(
        e.to_string(),
        format!(
            "Google token endpoint {base}/token refused the token request with HTTP 400 (invalid_grant: Token has \
             been expired or revoked.); the refresh token may be expired or revoked: run `gcloud auth \
             application-default login` again"
        )
    );
    assert!(!e.is_retryable());
    assert_eq!(log.lock().unwrap().len(), 1, "a 400 is not retried");
    assert_no_secret(&format!("{e:?}"));

    // 503 is retried (three attempts), then reported.
    let (base, log) = serve(|_| (503, "busy".into()));
    let env = with_file(dir.path(), &service_account_json(&format!("{base}/token"), &keys().pkcs8));
    let o = GcsOptions { service_account_mode: ServiceAccountMode::TokenExchange, ..opts() };
    let e = GcsAuth::from_adc(&ctx_with(env, clock()), &o).unwrap().token().clean_err();
    assert!(e.to_string().contains("HTTP 503 (busy)") && e.is_retryable(), "{e}");
    assert_eq!(log.lock().unwrap().len(), 3);

    // A 200 without a token.
    let (base, _) = serve(|_| (200, r#"{"token_type":"Bearer"}"#.into()));
    let env = with_file(dir.path(), &user_json(&format!("{base}/token")));
    let e = GcsAuth::from_adc(&ctx_with(env, clock()), &opts()).unwrap().token().clean_err();
    assert_eq!(
        e.to_string(),
        format!("Google token endpoint {base}/token answered badly: the answer has no access_token")
    );
}

#[test]
fn nothing_configured_says_what_was_tried_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let env = bare_env(dir.path());
    let md = format!("http://{}", env.var("GCE_METADATA_HOST").unwrap());
    let started = std::time::Instant::now();
    let e = GcsAuth::from_adc(&ctx_with(env, clock()), &opts()).unwrap().token().clean_err();
    assert!(started.elapsed() < Duration::from_secs(2), "an absent metadata server is found out quickly");
    let s = e.to_string();
    assert!(matches!(e, GcsAuthError::NotConfigured { .. }), "{e:?}");
    let well_known = dir.path().join(".config/gcloud/application_default_credentials.json");
    for want in [
        "no Google credentials found (GOOGLE_APPLICATION_CREDENTIALS is not set; ".to_string(),
        format!("{} does not exist; ", well_known.display()),
        format!("no metadata server answered at {md} ("),
        "run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS".to_string(),
    ] {
        assert!(s.contains(&want), "want {want:?} in: {s}");
    }
    // Without HOME the message says so.
    let e =
        GcsAuth::from_adc(&ctx_with(Environment::from_pairs([("GCE_METADATA_HOST", closed_port())]), clock()), &opts())
            .unwrap()
            .token()
            .clean_err();
    assert!(e.to_string().contains("HOME is not set"), "{e}");
}

#[test]
fn metadata_server_errors() {
    let (base, _) = serve(|_| (404, "Not Found".into()));
    let dir = tempfile::tempdir().unwrap();
    let mut env = bare_env(dir.path());
    env.set("GCE_METADATA_HOST", base.trim_start_matches("http://"));
    let e = GcsAuth::from_adc(&ctx_with(env, clock()), &opts()).unwrap().token().clean_err();
    let s = e.to_string();
    assert!(s.starts_with(&format!("Google metadata server {base}/computeMetadata/v1/")), "{s}");
    assert!(s.contains("HTTP 404 (Not Found); check that the instance has a service account"), "{s}");
}

#[test]
fn files_without_token_uri_use_googles_and_debug_hides_secrets() {
    use minis3::credentials::gcs::service_account::ServiceAccountKey;
    use minis3::credentials::gcs::user::AuthorizedUser;
    use minis3::credentials::gcs::DEFAULT_TOKEN_URI;
    let p = Path::new("/x/creds.json");
    let mut sa: serde_json::Value = serde_json::from_str(&service_account_json("", &keys().pkcs8)).unwrap();
    sa.as_object_mut().unwrap().remove("token_uri");
    let key = ServiceAccountKey::from_json(p, &sa).unwrap();
    assert_eq!((key.token_uri.as_str(), key.private_key_id.as_deref()), (DEFAULT_TOKEN_URI, Some("kid-1")));
    let mut user: serde_json::Value = serde_json::from_str(&user_json("")).unwrap();
    user.as_object_mut().unwrap().remove("token_uri");
    let u = AuthorizedUser::from_json(p, &user).unwrap();
    assert_eq!(u.token_uri, DEFAULT_TOKEN_URI);
    assert_eq!(u.quota_project_id.as_deref(), Some("billing-1"));
    let shown = format!("{key:?} {u:?}");
    assert!(shown.contains("sa@p.iam.gserviceaccount.com") && shown.contains("cid.apps.googleusercontent.com"));
    assert_no_secret(&shown);
}
