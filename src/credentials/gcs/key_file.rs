//! Reading an ADC JSON file and dispatching on its `type`. Syntax errors are reported by
//! position only and fields are read by hand, so that no message quotes the file (serde's
//! type-mismatch messages would).

use std::path::Path;

use super::service_account::ServiceAccountKey;
use super::user::AuthorizedUser;
use super::GcsAuthError;

/// A parsed credentials file.
#[derive(Debug)]
pub(crate) enum KeyFile {
    ServiceAccount(ServiceAccountKey),
    AuthorizedUser(AuthorizedUser),
}

/// Parses the file at `path` whose contents are `text`.
pub(crate) fn parse(path: &Path, text: &str) -> Result<KeyFile, GcsAuthError> {
    let bad = |reason: String| GcsAuthError::BadJson { path: path.to_path_buf(), reason };
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| bad(format!("not valid JSON (line {}, column {})", e.line(), e.column())))?;
    if !v.is_object() {
        return Err(bad("not a JSON object".into()));
    }
    let kind = match v.get("type") {
        Some(serde_json::Value::String(t)) => t.as_str(),
        Some(_) => return Err(bad("a JSON object whose `type` is not a string".into())),
        None => return Err(bad("a JSON object without a `type` field".into())),
    };
    match kind {
        "service_account" => Ok(KeyFile::ServiceAccount(ServiceAccountKey::from_json(path, &v)?)),
        "authorized_user" => Ok(KeyFile::AuthorizedUser(AuthorizedUser::from_json(path, &v)?)),
        other => {
            Err(GcsAuthError::UnsupportedType { path: path.to_path_buf(), kind: other.chars().take(64).collect() })
        }
    }
}
