//! rattler's authentication file: locations, lookup order, login/logout, file shape, secrets.
#![cfg(feature = "client")]

#[path = "support/secrets.rs"]
mod secrets;
use secrets::CleanErr;

use std::fs;
use std::path::{Path, PathBuf};

use minis3::config::auth_file::{
    login, logout, lookup_keys, parse_entries, AuthFileError, AuthFileOrigin, AuthFiles, S3Credentials,
};
use minis3::config::env::Environment;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "FwoGZXIvYXdzEXAMPLETOKEN";

fn creds(token: Option<&str>) -> S3Credentials {
    S3Credentials::new("AKIAIOSFODNN7EXAMPLE", SECRET, token.map(str::to_string))
}

fn s3_entry(id: &str) -> String {
    format!(r#"{{"S3Credentials":{{"access_key_id":"{id}","secret_access_key":"{SECRET}","session_token":null}}}}"#)
}

struct Files {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Files {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        Files { _dir: dir, root }
    }
    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, text).unwrap();
        p
    }
}

fn files(paths: &[&Path]) -> AuthFiles {
    // Build the search order from RATTLER_AUTH_FILE, the override file and HOME.
    let home = paths[2].parent().unwrap().parent().unwrap();
    let env =
        Environment::from_pairs([("RATTLER_AUTH_FILE", paths[0].to_str().unwrap()), ("HOME", home.to_str().unwrap())]);
    AuthFiles::resolve(&env, Some(paths[1]))
}

#[test]
fn path_precedence() {
    let env = Environment::from_pairs([("HOME", "/home/u"), ("RATTLER_AUTH_FILE", "/r/auth.json")]);
    let f = AuthFiles::resolve(&env, Some(Path::new("/o/override.json")));
    let got: Vec<_> = f.files.iter().map(|f| (f.path.clone(), f.origin)).collect();
    assert_eq!(
        got,
        vec![
            (PathBuf::from("/r/auth.json"), AuthFileOrigin::RattlerAuthFile),
            (PathBuf::from("/o/override.json"), AuthFileOrigin::OverrideFile),
            (PathBuf::from("/home/u/.rattler/credentials.json"), AuthFileOrigin::Default),
        ]
    );
    // pixi auth login writes to RATTLER_AUTH_FILE, else the default file (never the override).
    assert_eq!(f.login_target(), Some(Path::new("/r/auth.json")));
    let env = Environment::from_pairs([("HOME", "/home/u"), ("RATTLER_AUTH_FILE", "")]);
    let f = AuthFiles::resolve(&env, Some(Path::new("/o/override.json")));
    assert_eq!(f.files.len(), 2);
    assert_eq!(f.login_target(), Some(Path::new("/home/u/.rattler/credentials.json")));
    let f = AuthFiles::resolve(&Environment::default(), None);
    assert!(f.files.is_empty());
    assert_eq!(f.login_target(), None);
}

#[test]
fn lookup_key_forms_in_rattler_order() {
    assert_eq!(
        lookup_keys("s3://bkt/channel/noarch/repodata.json").unwrap(),
        vec!["bkt", "s3://bkt/channel/noarch/repodata.json", "s3://bkt/channel/noarch", "s3://bkt/channel", "s3://bkt",]
    );
    assert_eq!(lookup_keys("s3://bkt/ch/").unwrap(), vec!["bkt", "s3://bkt/ch/", "s3://bkt/ch", "s3://bkt"]);
    assert_eq!(lookup_keys("s3://bkt").unwrap(), vec!["bkt", "s3://bkt"]);
    assert!(matches!(lookup_keys("https://bkt/x"), Err(AuthFileError::NotS3Url { .. })));
    assert!(matches!(lookup_keys("s3:///x"), Err(AuthFileError::NotS3Url { .. })));
    // Keys are literal: what the `url` crate percent-encodes is encoded as it does.
    assert_eq!(lookup_keys("s3://bkt/a b/c").unwrap(), vec!["bkt", "s3://bkt/a%20b/c", "s3://bkt/a%20b", "s3://bkt"]);
    assert_eq!(lookup_keys("S3://bkt/\u{fc}").unwrap(), vec!["bkt", "s3://bkt/%C3%BC", "s3://bkt"]);
    // A bucket is ASCII: anything else is not an s3:// URL (and never a panic).
    for bad in ["s3://b\u{fc}ck/x", "s3://b k/x", "s3://", "s3:", "bkt/x", "s3://u@/x"] {
        assert!(matches!(lookup_keys(bad), Err(AuthFileError::NotS3Url { .. })), "{bad:?}");
    }
}

#[test]
fn bucket_key_first_then_url_prefixes_longest_first() {
    let t = Files::new();
    let first = t.write(
        "r/auth.json",
        &format!(r#"{{"s3://bkt/ch":{},"s3://bkt":{}}}"#, s3_entry("PREFIX-CH"), s3_entry("PREFIX-BKT")),
    );
    let over = t.write("o/override.json", "{}");
    let default = t.write("home/.rattler/credentials.json", &format!(r#"{{"bkt":{}}}"#, s3_entry("BUCKET-DEFAULT")));
    let f = files(&[&first, &over, &default]);
    // The bucket name in a later file beats a URL key in an earlier file.
    let found = f.find_s3("s3://bkt/ch/noarch/repodata.json").unwrap().unwrap();
    assert_eq!(found.credentials.access_key_id, "BUCKET-DEFAULT");
    assert_eq!(found.key, "bkt");
    assert_eq!(found.file.origin, AuthFileOrigin::Default);
    assert_eq!(found.credentials.secret_access_key(), SECRET);
    assert_eq!(found.credentials.session_token(), None);

    fs::write(&default, "{}").unwrap();
    let found = f.find_s3("s3://bkt/ch/noarch/repodata.json").unwrap().unwrap();
    assert_eq!(found.credentials.access_key_id, "PREFIX-CH");
    assert_eq!(found.key, "s3://bkt/ch");
    let found = f.find_s3("s3://bkt/other/noarch").unwrap().unwrap();
    assert_eq!(found.key, "s3://bkt");
    assert!(f.find_s3("s3://another/ch").unwrap().is_none());
}

#[test]
fn same_key_earlier_file_wins() {
    let t = Files::new();
    let r = t.write("r/auth.json", &format!(r#"{{"bkt":{}}}"#, s3_entry("FROM-RATTLER-AUTH-FILE")));
    let o = t.write("o/override.json", &format!(r#"{{"bkt":{}}}"#, s3_entry("FROM-OVERRIDE")));
    let d = t.write("home/.rattler/credentials.json", &format!(r#"{{"bkt":{}}}"#, s3_entry("FROM-DEFAULT")));
    let f = files(&[&r, &o, &d]);
    assert_eq!(f.find_s3("s3://bkt").unwrap().unwrap().credentials.access_key_id, "FROM-RATTLER-AUTH-FILE");
    fs::remove_file(&r).unwrap(); // a missing file is empty
    assert_eq!(f.find_s3("s3://bkt").unwrap().unwrap().credentials.access_key_id, "FROM-OVERRIDE");
}

#[test]
fn non_s3_entry_for_the_bucket_is_an_error() {
    let t = Files::new();
    let p = t.write(
        "home/.rattler/credentials.json",
        &format!(
            r#"{{"bkt":{{"BasicHTTP":{{"username":"u","password":"hunter2-password"}}}},"s3://bkt":{}}}"#,
            s3_entry("X")
        ),
    );
    let env = Environment::from_pairs([("HOME", t.root.join("home").to_str().unwrap())]);
    let f = AuthFiles::resolve(&env, None);
    let e = f.find_s3("s3://bkt/ch").clean_err();
    assert!(
        matches!(e, AuthFileError::NonS3Entry { ref kind, ref key, .. } if kind == "BasicHTTP" && key == "bkt"),
        "{e:?}"
    );
    let s = e.to_string();
    assert!(s.contains("non-S3 entry for the bucket"), "{s}");
    assert!(s.contains(&p.display().to_string()), "{s}");
    assert!(!s.contains("hunter2"), "{s}");
    for kind in [r#"{"BearerToken":"tok"}"#, r#"{"CondaToken":"tok"}"#] {
        fs::write(&p, format!(r#"{{"bkt":{kind}}}"#)).unwrap();
        assert!(matches!(f.find_s3("s3://bkt").clean_err(), AuthFileError::NonS3Entry { .. }));
    }
}

#[test]
fn nothing_found_mentions_the_keyring_and_rattler_auth_file() {
    let t = Files::new();
    let env = Environment::from_pairs([("HOME", t.root.to_str().unwrap())]);
    let f = AuthFiles::resolve(&env, None);
    let e = f.require_s3("s3://bkt/channel").clean_err();
    let s = e.to_string();
    assert!(matches!(e, AuthFileError::NotFound { .. }));
    assert!(s.contains("keyring"), "{s}");
    assert!(s.contains("RATTLER_AUTH_FILE"), "{s}");
    assert!(s.contains("\"bkt\""), "{s}");
    assert!(s.contains(".rattler/credentials.json"), "{s}");
    assert!(!s.contains('\n'));
}

#[test]
fn reads_the_file_pixi_writes() {
    // What `pixi auth login s3://my-bucket/channel --s3-access-key-id ... --s3-secret-access-key
    // ...` leaves in RATTLER_AUTH_FILE next to other logins: rattler serializes a BTreeMap of its
    // Authentication enum with serde_json::to_writer (compact, keys sorted).
    let t = Files::new();
    let text = concat!(
        r#"{"*.prefix.dev":{"BearerToken":"pfx_token"},"#,
        r#""my-bucket":{"S3Credentials":{"access_key_id":"AKIAIOSFODNN7EXAMPLE","secret_access_key":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","session_token":null}},"#,
        r#""repo.example.com":{"BasicHTTP":{"username":"user","password":"pw"}},"#,
        r#""token.example.com":{"CondaToken":"ct"}}"#
    );
    let p = t.write("auth.json", text);
    let env = Environment::from_pairs([("RATTLER_AUTH_FILE", p.to_str().unwrap())]);
    let f = AuthFiles::resolve(&env, None);
    let found = f.require_s3("s3://my-bucket/channel/noarch/repodata.json").unwrap();
    assert_eq!(found.credentials, creds(None));
    assert_eq!(found.key, "my-bucket");

    // pixi's own tests hand-write pretty JSON keyed by the channel URL, without session_token.
    fs::write(
        &p,
        r#"
    {
        "s3://rattler-s3-testing/channel": {
            "S3Credentials": {
                "access_key_id": "AKID",
                "secret_access_key": "SECRET-VALUE",
                "session_token": "TOKEN-VALUE"
            }
        }
    }
    "#,
    )
    .unwrap();
    let found = f.require_s3("s3://rattler-s3-testing/channel/linux-64/repodata.json").unwrap();
    assert_eq!(found.key, "s3://rattler-s3-testing/channel");
    assert_eq!(found.credentials.session_token(), Some("TOKEN-VALUE"));
}

#[test]
fn login_logout_round_trip_keeps_other_entries() {
    let t = Files::new();
    let others = concat!(
        r#"{"*.prefix.dev":{"BearerToken":"pfx_token"},"#,
        r#""auth.example":{"OAuth":{"access_token":"at","refresh_token":null,"expires_at":1767225600,"token_endpoint":"https://auth.example/token","revocation_endpoint":null,"client_id":"cid"}},"#,
        r#""repo.example.com":{"BasicHTTP":{"username":"user","password":"pw"}},"#,
        r#""token.example.com":{"CondaToken":"ct"}}"#
    );
    let p = t.write("deep/er/auth.json", others);
    let before = parse_entries(others, &p).unwrap();

    assert_eq!(login(&p, "s3://my-bucket/channel", &creds(Some(TOKEN))).unwrap(), "my-bucket");
    let after = parse_entries(&fs::read_to_string(&p).unwrap(), &p).unwrap();
    for (k, v) in &before {
        assert_eq!(after.get(k), Some(v), "{k} kept");
    }
    assert_eq!(after.len(), before.len() + 1);
    let env = Environment::from_pairs([("RATTLER_AUTH_FILE", p.to_str().unwrap())]);
    let found = AuthFiles::resolve(&env, None).require_s3("s3://my-bucket/channel/noarch").unwrap();
    assert_eq!(found.credentials, creds(Some(TOKEN)));

    // Logging in again replaces the entry.
    login(&p, "s3://my-bucket", &creds(None)).unwrap();
    let found = AuthFiles::resolve(&env, None).require_s3("s3://my-bucket").unwrap();
    assert_eq!(found.credentials.session_token(), None);

    assert_eq!(logout(&p, "s3://my-bucket").unwrap(), vec!["my-bucket".to_string()]);
    let final_entries = parse_entries(&fs::read_to_string(&p).unwrap(), &p).unwrap();
    assert_eq!(final_entries, before);
    assert!(logout(&p, "s3://my-bucket").unwrap().is_empty());
    // No temporary files left behind.
    let names: Vec<_> = fs::read_dir(p.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn logout_removes_the_forms_pixi_login_wrote() {
    let t = Files::new();
    let p = t.write("auth.json", &format!(r#"{{"*.a.b":{e},"s3://a.b":{e},"keep":{e}}}"#, e = s3_entry("K")));
    let mut removed = logout(&p, "s3://a.b").unwrap();
    removed.sort();
    assert_eq!(removed, vec!["*.a.b", "s3://a.b"]);
    let left = parse_entries(&fs::read_to_string(&p).unwrap(), &p).unwrap();
    assert_eq!(left.keys().collect::<Vec<_>>(), vec!["keep"]);
}

#[test]
fn written_file_has_the_shape_rattler_writes() {
    let t = Files::new();
    let p = t.root.join("new/dir/credentials.json");
    login(&p, "s3://my-bucket/some/path", &creds(None)).unwrap();
    assert_eq!(
        fs::read_to_string(&p).unwrap(),
        r#"{"my-bucket":{"S3Credentials":{"access_key_id":"AKIAIOSFODNN7EXAMPLE","secret_access_key":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","session_token":null}}}"#
    );
    login(&p, "s3://a-bucket", &creds(Some(TOKEN))).unwrap();
    let text = fs::read_to_string(&p).unwrap();
    assert!(
        text.starts_with(
            r#"{"a-bucket":{"S3Credentials":{"access_key_id":"AKIAIOSFODNN7EXAMPLE","secret_access_key":"#
        ),
        "{text}"
    );
    assert!(text.contains(r#""session_token":"FwoGZXIvYXdzEXAMPLETOKEN"}},"my-bucket":"#), "{text}");
}

#[cfg(unix)]
#[test]
fn written_file_is_mode_0600() {
    use std::os::unix::fs::PermissionsExt;
    let t = Files::new();
    let p = t.write("auth.json", "{}");
    fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
    login(&p, "s3://b", &creds(None)).unwrap();
    assert_eq!(fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
    let q = t.root.join("fresh/auth.json");
    login(&q, "s3://b", &creds(None)).unwrap();
    assert_eq!(fs::metadata(&q).unwrap().permissions().mode() & 0o777, 0o600);
}

#[test]
fn secrets_never_show() {
    let c = creds(Some(TOKEN));
    let dbg = format!("{c:?}");
    assert!(!dbg.contains(SECRET) && !dbg.contains(TOKEN), "{dbg}");
    assert!(!dbg.contains("AKIAIOSFODNN7EXAMPLE"), "{dbg}");
    assert_eq!(c.redacted_access_key(), "****MPLE");
    assert_eq!(S3Credentials::new("abc", "s", None).redacted_access_key(), "****");

    let t = Files::new();
    let env = |p: &Path| Environment::from_pairs([("RATTLER_AUTH_FILE", p.to_str().unwrap().to_string())]);
    // A mistyped field, a secret in the wrong place, broken JSON: the secret is not echoed.
    let cases = [
        format!(r#"{{"b":{{"S3Credentials":{{"access_key_id":"A","secret_access_key":["{SECRET}"]}}}}}}"#),
        format!(
            r#"{{"b":{{"S3Credentials":{{"access_key_id":"A","secret_access_key":"{SECRET}","session_token":["{TOKEN}"]}}}}}}"#
        ),
        format!(r#"{{"b":{{"S3Credentials":"{SECRET}"}}}}"#),
        format!(r#"{{"b":"{SECRET}"}}"#),
        format!(r#"{{"b":{{"S3Credentials":{{"secret_access_key":"{SECRET}" "#),
        format!(r#"["{SECRET}"]"#),
    ];
    for (i, text) in cases.iter().enumerate() {
        let p = t.write(&format!("case{i}.json"), text);
        let e = AuthFiles::resolve(&env(&p), None).find_s3("s3://b").clean_err();
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains(SECRET) && !shown.contains(TOKEN), "case {i}: {shown}");
        // login refuses to overwrite a file it cannot parse.
        if i >= 4 {
            assert!(matches!(login(&p, "s3://b", &c), Err(AuthFileError::Parse { .. })));
        }
    }
}
