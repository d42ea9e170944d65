//! The repodata record of one package, field for field as rattler's indexer writes it
//! (`rattler_index::package_record_from_index_json` serialized as
//! `rattler_conda_types::PackageRecord`).

use serde_json::{Map, Value};

use super::hash::FileHashes;
use super::index_json::{IndexJson, RunExportsJson};

/// The record `repodata.json` holds for a package, keys sorted.
///
/// - Copied from `index.json`: `arch`, `build`, `build_number`, `constrains` (left out when
///   empty), `depends` (always, even `[]`), `extra_depends` and `flags` (left out when empty),
///   `features`, `license`, `license_family`, `name`, `noarch` (`"python"`, `"generic"`, the
///   legacy `true`; left out when not noarch), `platform`, `purls`,
///   `python_site_packages_path`, `timestamp` (in index.json's unit), `track_features` (joined
///   with spaces, left out when empty), `version`; `subdir` (`"unknown"` without one).
/// - From the file: `md5`, `sha256` (lowercase hex), `size`.
/// - `run_exports` when given (rattler's indexer adds it for `.conda` packages only).
/// - Every absent optional field is left out. `indexed_timestamp` is the indexer's to add.
pub fn repodata_record(
    index: &IndexJson,
    run_exports: Option<&RunExportsJson>,
    file: &FileHashes,
) -> Map<String, Value> {
    let mut fields: Vec<(&'static str, Value)> = Vec::with_capacity(24);
    let mut opt = |key: &'static str, value: &Option<String>| {
        if let Some(v) = value {
            fields.push((key, Value::String(v.clone())));
        }
    };
    opt("arch", &index.arch);
    opt("features", &index.features);
    opt("license", &index.license);
    opt("license_family", &index.license_family);
    opt("platform", &index.platform);
    opt("python_site_packages_path", &index.python_site_packages_path);
    let list = |v: &[String]| Value::Array(v.iter().cloned().map(Value::String).collect());
    fields.push(("build", index.build.clone().into()));
    fields.push(("build_number", index.build_number.into()));
    if !index.constrains.is_empty() {
        fields.push(("constrains", list(&index.constrains)));
    }
    fields.push(("depends", list(&index.depends)));
    if !index.extra_depends.is_empty() {
        let groups = index.extra_depends.iter().map(|(k, v)| (k.clone(), list(v))).collect();
        fields.push(("extra_depends", Value::Object(groups)));
    }
    if !index.flags.is_empty() {
        fields.push(("flags", list(&index.flags)));
    }
    fields.push(("md5", file.md5_hex().into()));
    fields.push(("name", index.name.clone().into()));
    if let Some(noarch) = index.noarch.to_json() {
        fields.push(("noarch", noarch));
    }
    if let Some(purls) = &index.purls {
        fields.push(("purls", Value::Array(purls.iter().cloned().map(Value::String).collect())));
    }
    if let Some(run_exports) = run_exports {
        fields.push(("run_exports", serde_json::to_value(run_exports).expect("lists of strings serialize")));
    }
    fields.push(("sha256", file.sha256_hex().into()));
    fields.push(("size", file.size.into()));
    fields.push(("subdir", index.subdir.clone().unwrap_or_else(|| "unknown".into()).into()));
    if let Some(t) = index.timestamp {
        fields.push(("timestamp", t.into()));
    }
    if !index.track_features.is_empty() {
        fields.push(("track_features", index.track_features.join(" ").into()));
    }
    fields.push(("version", index.version.clone().into()));
    // Sorted whatever map type serde_json was built with (BTreeMap, or IndexMap with
    // `preserve_order`).
    fields.sort_by(|a, b| a.0.cmp(b.0));
    fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hashes() -> FileHashes {
        FileHashes { size: 7, md5: [0x11; 16], sha256: [0x22; 32] }
    }

    #[test]
    fn a_minimal_index_gives_the_minimal_record() {
        let index = IndexJson::from_slice(br#"{"name":"a","version":"1.0","build":"h0_0","build_number":0}"#).unwrap();
        let record = Value::Object(repodata_record(&index, None, &hashes()));
        assert_eq!(
            serde_json::to_string(&record).unwrap(),
            format!(
                r#"{{"build":"h0_0","build_number":0,"depends":[],"md5":"{}","name":"a","sha256":"{}","size":7,"subdir":"unknown","version":"1.0"}}"#,
                "11".repeat(16),
                "22".repeat(32)
            )
        );
    }

    #[test]
    fn every_field_in_its_form() {
        let index = IndexJson::from_slice(
            br#"{"name":"B","version":"2","build":"py_1","build_number":1,"subdir":"noarch","noarch":true,
               "depends":["x >=1"],"constrains":["y <2"],"track_features":"f1,f2","features":"ft",
               "license":"MIT","license_family":"MIT","timestamp":1700000000123,"arch":null,
               "extra_depends":{"e":["z"]},"flags":["fl"],"purls":["pkg:pypi/b","pkg:pypi/a"],
               "python_site_packages_path":"lib/sp","unknown_field":5}"#,
        )
        .unwrap();
        let run_exports = RunExportsJson { weak: vec!["b >=2".into()], ..Default::default() };
        let record = repodata_record(&index, Some(&run_exports), &hashes());
        let keys: Vec<&str> = record.keys().map(String::as_str).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(keys, sorted);
        assert!(!record.contains_key("arch"));
        assert_eq!(record["noarch"], Value::Bool(true));
        assert_eq!(record["track_features"], "f1 f2");
        assert_eq!(record["timestamp"], 1_700_000_000_123u64);
        assert_eq!(record["run_exports"], serde_json::json!({"weak": ["b >=2"]}));
        assert_eq!(record["purls"], serde_json::json!(["pkg:pypi/a", "pkg:pypi/b"]));
        assert_eq!(record["extra_depends"], serde_json::json!({"e": ["z"]}));
        assert_eq!(record["name"], "B");
        assert_eq!(record["subdir"], "noarch");
        assert_eq!(record.len(), 21);
    }
}
