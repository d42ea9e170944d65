//! rattler's authentication file (`credentials.json`), as pixi and rattler use it for `s3://`
//! channels: finding the files, looking up a bucket's S3 keys, and `login`/`logout`.
//!
//! The file is a JSON object from a key (a host, a bucket name, or an `s3://` URL) to one
//! entry, e.g.
//!
//! ```json
//! {"my-bucket":{"S3Credentials":{"access_key_id":"AKIA...","secret_access_key":"...","session_token":null}},
//!  "prefix.dev":{"BearerToken":"..."}}
//! ```
//!
//! Other entry kinds (`BearerToken`, `BasicHTTP`, `CondaToken`, `OAuth`) are kept as they are
//! when minis3 writes the file.
//!
//! Where rattler looks (`crates/rattler_networking/src/authentication_storage/storage.rs`,
//! `from_env_and_defaults`, plus pixi's `crates/pixi_auth/src/lib.rs`): the file named by
//! `RATTLER_AUTH_FILE`, then pixi's `authentication-override-file`, then the OS keyring
//! (service `rattler`; **minis3 does not read it**), then `~/.rattler/credentials.json`
//! (then `~/.netrc`, which never holds S3 keys). Every key form is tried in every store before
//! the next key form: the bucket name first, then the `s3://` URL and each shorter prefix of it.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::address::Url;
use crate::config::env::Environment;

mod write;
pub use write::{login, logout, write_entries};

/// S3 keys from the authentication file. The secret and the session token are never shown by
/// `Debug`; use [`S3Credentials::redacted_access_key`] for display.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Credentials {
    /// The access key id (not secret, but shown redacted by `config show`).
    pub access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
}

impl S3Credentials {
    /// Credentials from their parts.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
    ) -> Self {
        S3Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token,
        }
    }

    /// The secret access key (for signing only; never print it).
    pub fn secret_access_key(&self) -> &str {
        &self.secret_access_key
    }

    /// The session token, if any (for signing only; never print it).
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }

    /// The access key id as `****` followed by its last four characters (only `****` when it
    /// has four characters or fewer).
    pub fn redacted_access_key(&self) -> String {
        redact(&self.access_key_id)
    }
}

/// `****` followed by the last four characters of `s`, or only `****` when `s` is that short.
pub fn redact(s: &str) -> String {
    let n = s.chars().count();
    if n <= 4 {
        "****".to_string()
    } else {
        let tail: String = s.chars().skip(n - 4).collect();
        format!("****{tail}")
    }
}

impl fmt::Debug for S3Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Credentials")
            .field("access_key_id", &self.redacted_access_key())
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &self.session_token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Where an authentication file in the search order comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthFileOrigin {
    /// The `RATTLER_AUTH_FILE` environment variable.
    RattlerAuthFile,
    /// pixi's `authentication-override-file` setting.
    OverrideFile,
    /// The default `~/.rattler/credentials.json`.
    Default,
}

impl fmt::Display for AuthFileOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuthFileOrigin::RattlerAuthFile => "RATTLER_AUTH_FILE",
            AuthFileOrigin::OverrideFile => "authentication-override-file",
            AuthFileOrigin::Default => "default",
        })
    }
}

/// One authentication file in the search order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthFile {
    /// The file (it need not exist: a missing file is empty).
    pub path: PathBuf,
    /// Why it is searched.
    pub origin: AuthFileOrigin,
}

/// The authentication files rattler would search, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthFiles {
    /// The files, highest priority first (the OS keyring, which rattler consults between the
    /// override file and the default file, is not read by minis3).
    pub files: Vec<AuthFile>,
}

/// The default file: `~/.rattler/credentials.json`.
pub fn default_auth_file(env: &Environment) -> Option<PathBuf> {
    env.home_dir().map(|h| h.join(".rattler").join("credentials.json"))
}

impl AuthFiles {
    /// The search order from the environment and pixi's `authentication-override-file`
    /// (see [`crate::config::pixi::PixiConfig::authentication_override_file`]).
    /// An empty `RATTLER_AUTH_FILE` counts as unset. Without a home directory the default
    /// file is left out.
    pub fn resolve(env: &Environment, override_file: Option<&Path>) -> Self {
        let mut files = Vec::new();
        if let Some(p) = env.non_empty("RATTLER_AUTH_FILE") {
            files.push(AuthFile { path: PathBuf::from(p), origin: AuthFileOrigin::RattlerAuthFile });
        }
        if let Some(p) = override_file {
            files.push(AuthFile { path: p.to_path_buf(), origin: AuthFileOrigin::OverrideFile });
        }
        if let Some(p) = default_auth_file(env) {
            files.push(AuthFile { path: p, origin: AuthFileOrigin::Default });
        }
        AuthFiles { files }
    }

    /// The file `pixi auth login` writes to: `RATTLER_AUTH_FILE` if set, else the default file.
    /// (`pixi auth login` uses rattler's storage without pixi's override file; on a desktop it
    /// prefers the OS keyring, which minis3 does not write.)
    pub fn login_target(&self) -> Option<&Path> {
        self.files.iter().find(|f| f.origin != AuthFileOrigin::OverrideFile).map(|f| f.path.as_path())
    }

    /// Looks up S3 keys for an `s3://bucket/...` URL as rattler does: for each key form (the
    /// bucket name, then the URL and each shorter prefix), every file in order; the first entry
    /// found decides. `Ok(None)` when no file has an entry (the caller then falls back to the AWS
    /// chain, or reports [`AuthFileError::NotFound`] via [`AuthFiles::require_s3`]).
    pub fn find_s3(&self, s3_url: &str) -> Result<Option<FoundCredentials>, AuthFileError> {
        let keys = lookup_keys(s3_url)?;
        let mut loaded: Vec<Option<Map<String, Value>>> = vec![None; self.files.len()];
        for key in &keys {
            for (i, file) in self.files.iter().enumerate() {
                if loaded[i].is_none() {
                    loaded[i] = Some(read_entries(&file.path)?);
                }
                let Some(entry) = loaded[i].as_ref().and_then(|m| m.get(key)) else {
                    continue;
                };
                let credentials = decode_entry(entry, key, &file.path)?;
                return Ok(Some(FoundCredentials { credentials, key: key.clone(), file: file.clone() }));
            }
        }
        Ok(None)
    }

    /// Like [`AuthFiles::find_s3`], but no entry is an error that names the files searched,
    /// `RATTLER_AUTH_FILE`, and the OS keyring minis3 does not read.
    pub fn require_s3(&self, s3_url: &str) -> Result<FoundCredentials, AuthFileError> {
        match self.find_s3(s3_url)? {
            Some(found) => Ok(found),
            None => Err(AuthFileError::NotFound {
                bucket: bucket_of(s3_url)?,
                searched: self.files.iter().map(|f| f.path.clone()).collect(),
            }),
        }
    }
}

/// S3 keys and where they were found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundCredentials {
    /// The keys.
    pub credentials: S3Credentials,
    /// The entry's key in the file (the bucket name, or an `s3://` URL prefix).
    pub key: String,
    /// The file.
    pub file: AuthFile,
}

/// The key forms rattler tries for an `s3://` URL, in order: the bucket name, the URL as the
/// `url` crate writes it, then each prefix obtained by cutting at the last `/`, down to
/// `s3://bucket`.
pub fn lookup_keys(s3_url: &str) -> Result<Vec<String>, AuthFileError> {
    let (bucket, rest) = parse_s3_url(s3_url)?;
    let mut current = format!("s3://{bucket}{rest}");
    let mut keys = vec![bucket];
    loop {
        // rattler keeps going while the rest parses as a URL ("s3:/", "s3:"), keys nobody
        // stores; stop at the bucket.
        let next = current.rsplit_once('/').map(|(rest, _)| rest.to_owned());
        keys.push(current);
        match next {
            Some(rest) if rest.len() > "s3://".len() => current = rest,
            _ => break,
        }
    }
    Ok(keys)
}

/// The bucket and the rest (`/path?query#fragment`) of an `s3://` URL, the rest written as
/// rattler's `url` crate writes it: spaces, control and non-ASCII characters and `"<>`{}`
/// percent-encoded, everything else as given.
fn parse_s3_url(s3_url: &str) -> Result<(String, String), AuthFileError> {
    let not_s3 = || AuthFileError::NotS3Url { url: s3_url.to_string() };
    let trimmed = s3_url.trim_matches(|c: char| c <= ' ');
    let (scheme, rest) = trimmed.split_once("://").ok_or_else(not_s3)?;
    if !scheme.eq_ignore_ascii_case("s3") {
        return Err(not_s3());
    }
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let origin = Url::parse(&format!("s3://{}", &rest[..auth_end])).map_err(|_| not_s3())?;
    let mut tail = String::with_capacity(rest.len() - auth_end);
    for &b in &rest.as_bytes()[auth_end..] {
        if b <= b' ' || b >= 0x7f || matches!(b, b'"' | b'<' | b'>' | b'`' | b'{' | b'}') {
            tail.push_str(&format!("%{b:02X}"));
        } else {
            tail.push(b as char);
        }
    }
    Ok((origin.as_str()["s3://".len()..].to_owned(), tail))
}

fn bucket_of(s3_url: &str) -> Result<String, AuthFileError> {
    Ok(parse_s3_url(s3_url)?.0)
}

/// An error reading, looking up in or writing an authentication file. Messages never contain
/// a secret access key or session token.
#[derive(Debug)]
#[non_exhaustive]
pub enum AuthFileError {
    /// The file exists but could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done (`read`, `write`, ...).
        action: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file is not a JSON object (no content of the file is quoted).
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
        /// What kind of problem: `syntax`, `end of file`, `not an object`, ...
        what: &'static str,
    },
    /// The entry for the bucket is an `S3Credentials` entry with a missing or mistyped field.
    MalformedEntry {
        /// The file.
        path: PathBuf,
        /// The entry's key.
        key: String,
        /// Which field is wrong.
        field: &'static str,
    },
    /// The entry for the bucket holds another kind of credentials (e.g. `BasicHTTP`); rattler
    /// refuses it too ("unsupported authentication method").
    NonS3Entry {
        /// The file.
        path: PathBuf,
        /// The entry's key.
        key: String,
        /// The entry's kind (`BasicHTTP`, `BearerToken`, ...).
        kind: String,
    },
    /// No authentication file has an entry for the bucket.
    NotFound {
        /// The bucket.
        bucket: String,
        /// The files searched.
        searched: Vec<PathBuf>,
    },
    /// The location is not an `s3://BUCKET[/PATH]` URL.
    NotS3Url {
        /// What was given.
        url: String,
    },
    /// No file to write: neither `RATTLER_AUTH_FILE` nor a home directory.
    NoFileToWrite,
}

impl fmt::Display for AuthFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthFileError::Io { path, action, source } => write!(
                f,
                "cannot {action} authentication file {}: {source}; check the path and its \
                 permissions",
                path.display()
            ),
            AuthFileError::Parse { path, line, column, what } => write!(
                f,
                "failed to parse authentication file {} ({what} at line {line} column {column}); \
                 it must be a JSON object as written by `pixi auth login`: fix or remove it",
                path.display()
            ),
            AuthFileError::MalformedEntry { path, key, field } => write!(
                f,
                "authentication file {}: entry {key:?} is an S3Credentials entry whose \
                 `{field}` is missing or not a string; log in again with `pixi auth login`",
                path.display()
            ),
            AuthFileError::NonS3Entry { path, key, kind } => write!(
                f,
                "authentication file {} has a non-S3 entry for the bucket (key {key:?} holds \
                 {kind}); replace it with S3 keys (`pixi auth login s3://BUCKET \
                 --s3-access-key-id ... --s3-secret-access-key ...`) or remove it",
                path.display()
            ),
            AuthFileError::NotFound { bucket, searched } => {
                write!(f, "no S3 credentials for bucket {bucket:?} in ")?;
                if searched.is_empty() {
                    f.write_str("any authentication file")?;
                } else {
                    let list: Vec<String> = searched.iter().map(|p| p.display().to_string()).collect();
                    f.write_str(&list.join(", "))?;
                }
                write!(
                    f,
                    "; minis3 does not read the OS keyring, where pixi may have stored them on a \
                     desktop: run `pixi auth login s3://{bucket} ...` with RATTLER_AUTH_FILE set \
                     to a file"
                )
            }
            AuthFileError::NotS3Url { url } => {
                write!(f, "{url:?} is not an s3:// URL; give s3://BUCKET or s3://BUCKET/PATH")
            }
            AuthFileError::NoFileToWrite => {
                f.write_str("no authentication file to write: set RATTLER_AUTH_FILE or HOME")
            }
        }
    }
}

impl std::error::Error for AuthFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AuthFileError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Parses the text of an authentication file into its entries (values kept as JSON).
/// `path` is only used in errors. Errors quote no part of the text.
pub fn parse_entries(text: &str, path: &Path) -> Result<Map<String, Value>, AuthFileError> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        use serde_json::error::Category;
        AuthFileError::Parse {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            what: match e.classify() {
                Category::Io => "read error",
                Category::Syntax => "syntax error",
                Category::Data => "unexpected data",
                Category::Eof => "unexpected end of file",
            },
        }
    })?;
    match value {
        Value::Object(m) => Ok(m),
        _ => Err(AuthFileError::Parse { path: path.to_path_buf(), line: 1, column: 1, what: "not a JSON object" }),
    }
}

/// Reads a file's entries; a missing file has none.
pub fn read_entries(path: &Path) -> Result<Map<String, Value>, AuthFileError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_entries(&text, path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Map::new()),
        Err(e) => Err(AuthFileError::Io { path: path.to_path_buf(), action: "read", source: e }),
    }
}

/// Interprets one entry: S3 keys, or [`AuthFileError::NonS3Entry`] for any other kind.
pub fn decode_entry(entry: &Value, key: &str, path: &Path) -> Result<S3Credentials, AuthFileError> {
    // Only rattler's own kind names are shown: an unknown key could be anything.
    let kind_of = |v: &Value| {
        v.as_object()
            .filter(|m| m.len() == 1)
            .and_then(|m| m.keys().next())
            .and_then(|k| ["BearerToken", "BasicHTTP", "CondaToken", "OAuth"].into_iter().find(|known| k == known))
            .unwrap_or("an unrecognized entry")
            .to_string()
    };
    let Some(s3) = entry.as_object().and_then(|m| m.get("S3Credentials")) else {
        return Err(AuthFileError::NonS3Entry { path: path.to_path_buf(), key: key.to_string(), kind: kind_of(entry) });
    };
    let malformed = |field| AuthFileError::MalformedEntry { path: path.to_path_buf(), key: key.to_string(), field };
    let fields = s3.as_object().ok_or_else(|| malformed("S3Credentials"))?;
    let string = |field: &'static str| -> Result<String, AuthFileError> {
        fields.get(field).and_then(Value::as_str).map(str::to_string).ok_or_else(|| malformed(field))
    };
    let access_key_id = string("access_key_id")?;
    let secret_access_key = string("secret_access_key")?;
    let session_token = match fields.get("session_token") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(malformed("session_token")),
    };
    Ok(S3Credentials { access_key_id, secret_access_key, session_token })
}

/// The JSON entry rattler writes for S3 keys: `{"S3Credentials":{"access_key_id":...,
/// "secret_access_key":...,"session_token":null}}`.
pub fn encode_entry(credentials: &S3Credentials) -> Value {
    let mut fields = Map::new();
    fields.insert("access_key_id".into(), Value::String(credentials.access_key_id.clone()));
    fields.insert("secret_access_key".into(), Value::String(credentials.secret_access_key.clone()));
    fields.insert(
        "session_token".into(),
        match &credentials.session_token {
            Some(t) => Value::String(t.clone()),
            None => Value::Null,
        },
    );
    let mut entry = Map::new();
    entry.insert("S3Credentials".into(), Value::Object(fields));
    Value::Object(entry)
}
