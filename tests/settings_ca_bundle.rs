//! The settings layer builds one HTTP agent, and the AWS chain's STS calls go through it: a
//! profile's `ca_bundle` (not only `AWS_CA_BUNDLE`) is trusted by AssumeRole. The STS server is
//! a local https server whose certificate is signed by a test CA (tests/data/tls) that only the
//! profile's `ca_bundle` names.
#![cfg(feature = "client")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use minis3::config::env::Environment;
use minis3::settings::{self, ChainError, CredentialPlan, Inputs, Overrides};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

fn tls_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tls")
}

const ASSUME_ROLE_OK: &str =
    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>\
<Credentials><AccessKeyId>ASIASTSROLE7777</AccessKeyId><SecretAccessKey>stssecret</SecretAccessKey>\
<SessionToken>ststoken</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>\
<AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn>\
</AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>";

/// An https server on 127.0.0.1 answering every request with a successful AssumeRole; returns
/// its base URL and the request lines it served (a failed handshake serves nothing).
fn https_sts() -> (String, Arc<Mutex<Vec<String>>>) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(tls_dir().join("server.pem")).unwrap().collect::<Result<_, _>>().unwrap();
    let key = PrivateKeyDer::from_pem_file(tls_dir().join("server.key")).unwrap();
    let config = Arc::new(rustls::ServerConfig::builder().with_no_client_auth().with_single_cert(certs, key).unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("https://{}", listener.local_addr().unwrap());
    let served = Arc::new(Mutex::new(Vec::new()));
    let log = served.clone();
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(mut tcp) = tcp else { return };
            let Ok(conn) = rustls::ServerConnection::new(config.clone()) else { return };
            let mut tls = rustls::StreamOwned::new(conn, &mut tcp);
            let mut r = BufReader::new(&mut tls);
            let mut first = String::new();
            if r.read_line(&mut first).unwrap_or(0) == 0 {
                continue; // the client refused our certificate
            }
            let mut len = 0;
            loop {
                let mut l = String::new();
                if r.read_line(&mut l).unwrap_or(0) == 0 || l == "\r\n" {
                    break;
                }
                if let Some(v) = l.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; len];
            let _ = r.read_exact(&mut body);
            log.lock().unwrap().push(format!("{} {}", first.trim_end(), String::from_utf8_lossy(&body)));
            let resp = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{ASSUME_ROLE_OK}",
                ASSUME_ROLE_OK.len()
            );
            let _ = tls.write_all(resp.as_bytes());
            let _ = tls.flush();
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    (base, served)
}

/// A home with a profile `r` that assumes a role from static keys, with `extra` added to it.
fn env_with_role_profile(dir: &Path, sts: &str, extra: &str) -> Environment {
    let config = dir.join("config");
    std::fs::write(
        &config,
        format!(
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\nregion = us-east-1\n{extra}\
             [profile base]\naws_access_key_id = AKIDBASE0001\naws_secret_access_key = basesecret\n"
        ),
    )
    .unwrap();
    Environment::from_pairs([
        ("HOME".to_string(), dir.display().to_string()),
        ("AWS_CONFIG_FILE".to_string(), config.display().to_string()),
        ("AWS_SHARED_CREDENTIALS_FILE".to_string(), dir.join("credentials").display().to_string()),
        ("AWS_EC2_METADATA_DISABLED".to_string(), "true".to_string()),
        ("AWS_ENDPOINT_URL_STS".to_string(), sts.to_string()),
        ("PIXI_NO_CONFIG".to_string(), "true".to_string()),
    ])
}

fn resolve(env: &Environment, dir: &Path) -> settings::Settings {
    let overrides = Overrides { profile: Some("r".into()), ..Overrides::default() };
    settings::resolve(&Inputs { overrides: &overrides, env, cwd: dir, target: None }).unwrap()
}

#[test]
fn assume_role_trusts_the_profiles_ca_bundle() {
    let (sts, served) = https_sts();
    let dir = tempfile::tempdir().unwrap();
    let ca = tls_dir().join("ca.pem");
    let env = env_with_role_profile(dir.path(), &sts, &format!("ca_bundle = {}\n", ca.display()));
    let s = resolve(&env, dir.path());
    assert_eq!(s.ca_bundle.as_ref().map(|v| v.value.clone()), Some(ca.clone()));
    assert_eq!(s.http_config.ca_bundle.as_deref(), Some(ca.as_path()));
    let CredentialPlan::Aws(keys) = &s.credentials else { panic!("no keys: {}", s.credentials.source()) };
    assert_eq!(keys.credentials.access_key_id(), "ASIASTSROLE7777");
    assert_eq!(keys.credentials.session_token(), Some("ststoken"));
    let served = served.lock().unwrap().clone();
    assert_eq!(served.len(), 1, "{served:?}");
    assert!(served[0].starts_with("POST / HTTP/1.1 Action=AssumeRole&"), "{served:?}");
    // The client is built on the same agent.
    let cfg = s.client_config().unwrap();
    assert!(cfg.agent.is_some() && cfg.http.ca_bundle.as_deref() == Some(ca.as_path()));
}

#[test]
fn assume_role_without_the_ca_bundle_refuses_the_server() {
    let (sts, served) = https_sts();
    let dir = tempfile::tempdir().unwrap();
    let env = env_with_role_profile(dir.path(), &sts, "");
    let s = resolve(&env, dir.path());
    let CredentialPlan::Missing(why) = &s.credentials else { panic!("{:?}", s.credentials) };
    assert!(matches!(why.chain, Some(ChainError::Provider(_))), "{why:?}");
    let text = why.to_string().to_ascii_lowercase();
    assert!(text.contains("certificate") || text.contains("tls"), "{text}");
    assert!(served.lock().unwrap().is_empty());
}
