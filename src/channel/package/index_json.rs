//! `info/index.json` and `info/run_exports.json` as rattler reads them
//! (`rattler_conda_types::package::{IndexJson, RunExportsJson}`): the same fields, defaults and
//! accepted forms, so that a package rattler refuses is refused here too.

use std::collections::{BTreeMap, BTreeSet};

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

/// The latest second rattler reads as seconds (9999-12-31T23:59:59Z); larger timestamps are
/// milliseconds.
pub const MAX_SECONDS: i64 = 253_402_300_799;
/// The earliest second rattler's time type holds (-9999-01-01T00:00:00Z).
const MIN_SECONDS: i64 = -377_705_116_800;

/// How a package is architecture independent (`noarch` in `index.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NoArch {
    /// Not noarch (`noarch` absent, `null`, `false` or `""`).
    #[default]
    None,
    /// The legacy `noarch: true`, written back as `true`.
    GenericLegacy,
    /// `noarch: "generic"`.
    Generic,
    /// `noarch: "python"`.
    Python,
}

impl NoArch {
    /// The value a repodata record carries, or `None` when the field is left out.
    pub fn to_json(self) -> Option<serde_json::Value> {
        match self {
            NoArch::None => None,
            NoArch::GenericLegacy => Some(true.into()),
            NoArch::Generic => Some("generic".into()),
            NoArch::Python => Some("python".into()),
        }
    }
}

fn noarch<'de, D: Deserializer<'de>>(d: D) -> Result<NoArch, D::Error> {
    match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Bool(false)) => Ok(NoArch::None),
        Some(serde_json::Value::Bool(true)) => Ok(NoArch::GenericLegacy),
        Some(serde_json::Value::String(s)) => match s.as_str() {
            "" => Ok(NoArch::None),
            "generic" => Ok(NoArch::Generic),
            "python" => Ok(NoArch::Python),
            other => Err(de::Error::custom(format!("noarch {other:?} is not \"python\", \"generic\" or a boolean"))),
        },
        Some(other) => Err(de::Error::custom(format!("noarch {other} is not \"python\", \"generic\" or a boolean"))),
    }
}

/// `track_features` as rattler reads it: a string split on commas and spaces (each piece
/// trimmed, empty pieces kept) or a list of strings (each trimmed).
fn features<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        One(String),
        Many(Vec<String>),
    }
    Ok(
        match Form::deserialize(d)
            .map_err(|_| de::Error::custom("track_features is not a string or a list of strings"))?
        {
            Form::One(s) => s.split([',', ' ']).map(|p| p.trim().to_string()).collect(),
            Form::Many(v) => v.into_iter().map(|p| p.trim().to_string()).collect(),
        },
    )
}

fn timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let Some(t) = Option::<i64>::deserialize(d)? else { return Ok(None) };
    let in_range = if t > MAX_SECONDS { t <= MAX_SECONDS * 1000 + 999 } else { t >= MIN_SECONDS };
    if in_range {
        Ok(Some(t))
    } else {
        Err(de::Error::custom(format!("timestamp {t} is out of range")))
    }
}

/// `info/index.json`: the fields rattler's indexer copies into a repodata record.
///
/// Unknown fields are ignored; the timestamp is kept in its unit (seconds, or milliseconds
/// when larger than [`MAX_SECONDS`]), as rattler writes it back.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IndexJson {
    /// Package name as written (conda names: ASCII letters, digits, `-`, `_`, `.`).
    pub name: String,
    /// Version string as written.
    pub version: String,
    /// Build string.
    pub build: String,
    /// Build number.
    pub build_number: u64,
    /// Subdir (`linux-64`, `noarch`...); a record says `"unknown"` without it.
    pub subdir: Option<String>,
    /// Architecture (`x86_64`), for platform packages.
    pub arch: Option<String>,
    /// Platform (`linux`), for platform packages.
    pub platform: Option<String>,
    /// Run dependencies (match specs).
    #[serde(default)]
    pub depends: Vec<String>,
    /// Run constraints (match specs).
    #[serde(default)]
    pub constrains: Vec<String>,
    /// Extra dependency groups (CEP "extras").
    #[serde(default)]
    pub extra_depends: BTreeMap<String, Vec<String>>,
    /// Variant flags.
    #[serde(default)]
    pub flags: Vec<String>,
    /// Deprecated `features` string.
    pub features: Option<String>,
    /// `track_features`, split.
    #[serde(default, deserialize_with = "features")]
    pub track_features: Vec<String>,
    /// License.
    pub license: Option<String>,
    /// License family.
    pub license_family: Option<String>,
    /// Noarch kind.
    #[serde(default, deserialize_with = "noarch")]
    pub noarch: NoArch,
    /// Build time, in the unit the file uses.
    #[serde(default, deserialize_with = "timestamp")]
    pub timestamp: Option<i64>,
    /// CEP-17 site-packages path of a python interpreter package.
    pub python_site_packages_path: Option<String>,
    /// Package URLs (sorted, deduplicated).
    pub purls: Option<BTreeSet<String>>,
}

impl IndexJson {
    /// Parses and checks `index.json` bytes; the error is one line.
    pub fn from_slice(bytes: &[u8]) -> Result<IndexJson, String> {
        let index: IndexJson = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if !index.name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) {
            return Err(format!("package name {:?} has characters conda does not allow", index.name));
        }
        if index.name.is_empty() || index.version.trim().is_empty() {
            return Err("name and version must not be empty".into());
        }
        Ok(index)
    }
}

/// `info/run_exports.json`: the five lists rattler knows (others are dropped; empty lists are
/// left out when written).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct RunExportsJson {
    /// `weak` run exports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weak: Vec<String>,
    /// `strong` run exports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub strong: Vec<String>,
    /// `noarch` run exports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub noarch: Vec<String>,
    /// `weak_constrains`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weak_constrains: Vec<String>,
    /// `strong_constrains`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub strong_constrains: Vec<String>,
}

impl RunExportsJson {
    /// Parses `run_exports.json` bytes; the error is one line.
    pub fn from_slice(bytes: &[u8]) -> Result<RunExportsJson, String> {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(extra: &str) -> Result<IndexJson, String> {
        IndexJson::from_slice(format!(r#"{{"name":"a","version":"1","build":"0","build_number":0{extra}}}"#).as_bytes())
    }

    #[test]
    fn noarch_forms() {
        assert_eq!(parse("").unwrap().noarch, NoArch::None);
        assert_eq!(parse(r#","noarch":null"#).unwrap().noarch, NoArch::None);
        assert_eq!(parse(r#","noarch":false"#).unwrap().noarch, NoArch::None);
        assert_eq!(parse(r#","noarch":"""#).unwrap().noarch, NoArch::None);
        assert_eq!(parse(r#","noarch":true"#).unwrap().noarch, NoArch::GenericLegacy);
        assert_eq!(parse(r#","noarch":"generic""#).unwrap().noarch, NoArch::Generic);
        assert_eq!(parse(r#","noarch":"python""#).unwrap().noarch, NoArch::Python);
        assert!(parse(r#","noarch":"java""#).is_err());
        assert!(parse(r#","noarch":3"#).is_err());
    }

    #[test]
    fn track_features_forms() {
        assert_eq!(parse(r#","track_features":"a,b c""#).unwrap().track_features, ["a", "b", "c"]);
        assert_eq!(parse(r#","track_features":"a, b""#).unwrap().track_features, ["a", "", "b"]);
        assert_eq!(parse(r#","track_features":[" a ","b"]"#).unwrap().track_features, ["a", "b"]);
        assert_eq!(parse(r#","track_features":"""#).unwrap().track_features, [""]);
        assert!(parse(r#","track_features":3"#).is_err());
    }

    #[test]
    fn timestamps_and_names() {
        assert_eq!(parse(r#","timestamp":1700000000"#).unwrap().timestamp, Some(1_700_000_000));
        assert_eq!(parse(r#","timestamp":1700000000123"#).unwrap().timestamp, Some(1_700_000_000_123));
        assert!(parse(r#","timestamp":9223372036854775807"#).is_err());
        assert!(parse(r#","timestamp":1.5"#).is_err());
        assert!(IndexJson::from_slice(br#"{"name":"a b","version":"1","build":"0","build_number":0}"#).is_err());
        assert!(IndexJson::from_slice(br#"{"version":"1","build":"0","build_number":0}"#).is_err());
        assert!(parse(r#","depends":null"#).is_err());
        assert!(IndexJson::from_slice(b"[]").is_err());
    }
}
