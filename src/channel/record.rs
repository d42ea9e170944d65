//! One repodata record (`PackageRecord`), read and written as rattler's indexer writes it.
//!
//! Known fields are typed; unknown fields are kept in [`PackageRecord::extra`] so a record read
//! and written again loses nothing. Writing follows rattler's `PackageRecord` serialization:
//! keys sorted alphabetically (unknown keys merged into that order), every `None` left out,
//! `depends` and `subdir` always written, `constrains`, `extra_depends`, `flags` and
//! `track_features` left out when empty, `track_features` as one space-joined string, and the
//! hashes as lowercase hex in JSON and as binary in msgpack (shards). `timestamp` keeps the unit
//! it was read in (seconds or milliseconds), as rattler does.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

/// How a package is independent of the architecture (`noarch` in index.json).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoArch {
    /// `"python"`.
    Python,
    /// `"generic"`.
    Generic,
    /// The legacy `true` (conda's first noarch), written back as `true`.
    GenericLegacy,
}

/// `info/run_exports.json` as a record carries it (rattler: `.conda` packages only).
///
/// Written in rattler's field order (weak, strong, noarch, weak_constrains,
/// strong_constrains), each left out when empty; unknown keys follow, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunExports {
    /// Host-to-run exports.
    pub weak: Vec<String>,
    /// Build-to-host-and-run exports.
    pub strong: Vec<String>,
    /// Exports applied to noarch packages only.
    pub noarch: Vec<String>,
    /// Constraints exported from host to run.
    pub weak_constrains: Vec<String>,
    /// Constraints exported from build to host and run.
    pub strong_constrains: Vec<String>,
    /// Keys rattler does not know, kept as read.
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// One binary package of a channel subdir, as a repodata.json entry or a shard entry holds it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PackageRecord {
    /// Architecture (`x86_64`), absent for noarch packages.
    pub arch: Option<String>,
    /// The build string.
    pub build: String,
    /// The build number.
    pub build_number: u64,
    /// Constraints on packages that may be installed alongside.
    pub constrains: Vec<String>,
    /// Match specs of the dependencies (always written, even empty).
    pub depends: Vec<String>,
    /// Optional dependency groups (CEP draft), left out when empty.
    pub extra_depends: BTreeMap<String, Vec<String>>,
    /// Deprecated `features` string.
    pub features: Option<String>,
    /// Variant flags, left out when empty.
    pub flags: Vec<String>,
    /// When the indexer first saw the package, in milliseconds since the epoch (CEP 47).
    pub indexed_timestamp: Option<i64>,
    /// Deprecated MD5 of a `.tar.bz2` twin.
    pub legacy_bz2_md5: Option<[u8; 16]>,
    /// Deprecated size of a `.tar.bz2` twin.
    pub legacy_bz2_size: Option<u64>,
    /// The license.
    pub license: Option<String>,
    /// The license family.
    pub license_family: Option<String>,
    /// MD5 of the package file.
    pub md5: Option<[u8; 16]>,
    /// The package name, as written.
    pub name: String,
    /// The noarch kind, `None` for an architecture-specific package.
    pub noarch: Option<NoArch>,
    /// Platform (`linux`), absent for noarch packages.
    pub platform: Option<String>,
    /// Package URLs of equivalent packages in other ecosystems, as read.
    pub purls: Option<Vec<String>>,
    /// site-packages path of a python interpreter package (CEP 17).
    pub python_site_packages_path: Option<String>,
    /// Run exports.
    pub run_exports: Option<RunExports>,
    /// SHA-256 of the package file.
    pub sha256: Option<[u8; 32]>,
    /// Size of the package file in bytes.
    pub size: Option<u64>,
    /// The subdir (`linux-64`, `noarch`); always written.
    pub subdir: String,
    /// Build time as index.json gives it (values above 253402300799 are milliseconds).
    pub timestamp: Option<i64>,
    /// Track features (written as one space-joined string), left out when empty.
    pub track_features: Vec<String>,
    /// The version string, as written (parse it with the version module).
    pub version: String,
    /// Fields rattler does not know, kept so that nothing is lost on a rewrite.
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// The value of one record field, borrowed, for the JSON and msgpack writers.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FieldRef<'a> {
    Str(&'a str),
    U64(u64),
    I64(i64),
    Bool(bool),
    List(&'a [String]),
    Digest(&'a [u8]),
    JoinedSpaces(&'a [String]),
    ListMap(&'a BTreeMap<String, Vec<String>>),
    RunExports(&'a RunExports),
    Json(&'a serde_json::Value),
}

impl PackageRecord {
    /// A record with the three identifying fields set and everything else empty.
    pub fn new(name: &str, version: &str, build: &str) -> Self {
        PackageRecord {
            name: name.to_owned(),
            version: version.to_owned(),
            build: build.to_owned(),
            ..PackageRecord::default()
        }
    }

    /// The fields to write, in key order (known and unknown keys merged, sorted).
    pub(crate) fn fields(&self) -> Vec<(&str, FieldRef<'_>)> {
        use FieldRef as F;
        let mut known: Vec<(&str, FieldRef<'_>)> = Vec::with_capacity(24);
        fn opt_str<'a>(k: &'static str, v: &'a Option<String>, out: &mut Vec<(&'a str, FieldRef<'a>)>) {
            if let Some(v) = v {
                out.push((k, FieldRef::Str(v.as_str())));
            }
        }
        opt_str("arch", &self.arch, &mut known);
        known.push(("build", F::Str(&self.build)));
        known.push(("build_number", F::U64(self.build_number)));
        if !self.constrains.is_empty() {
            known.push(("constrains", F::List(&self.constrains)));
        }
        known.push(("depends", F::List(&self.depends)));
        if !self.extra_depends.is_empty() {
            known.push(("extra_depends", F::ListMap(&self.extra_depends)));
        }
        opt_str("features", &self.features, &mut known);
        if !self.flags.is_empty() {
            known.push(("flags", F::List(&self.flags)));
        }
        if let Some(t) = self.indexed_timestamp {
            known.push(("indexed_timestamp", F::I64(t)));
        }
        if let Some(d) = &self.legacy_bz2_md5 {
            known.push(("legacy_bz2_md5", F::Digest(d)));
        }
        if let Some(s) = self.legacy_bz2_size {
            known.push(("legacy_bz2_size", F::U64(s)));
        }
        opt_str("license", &self.license, &mut known);
        opt_str("license_family", &self.license_family, &mut known);
        if let Some(d) = &self.md5 {
            known.push(("md5", F::Digest(d)));
        }
        known.push(("name", F::Str(&self.name)));
        match self.noarch {
            None => {}
            Some(NoArch::Python) => known.push(("noarch", F::Str("python"))),
            Some(NoArch::Generic) => known.push(("noarch", F::Str("generic"))),
            Some(NoArch::GenericLegacy) => known.push(("noarch", F::Bool(true))),
        }
        opt_str("platform", &self.platform, &mut known);
        if let Some(p) = &self.purls {
            known.push(("purls", F::List(p)));
        }
        opt_str("python_site_packages_path", &self.python_site_packages_path, &mut known);
        if let Some(r) = &self.run_exports {
            known.push(("run_exports", F::RunExports(r)));
        }
        if let Some(d) = &self.sha256 {
            known.push(("sha256", F::Digest(d)));
        }
        if let Some(s) = self.size {
            known.push(("size", F::U64(s)));
        }
        known.push(("subdir", F::Str(&self.subdir)));
        if let Some(t) = self.timestamp {
            known.push(("timestamp", F::I64(t)));
        }
        if !self.track_features.is_empty() {
            known.push(("track_features", F::JoinedSpaces(&self.track_features)));
        }
        known.push(("version", F::Str(&self.version)));
        if self.extra.is_empty() {
            return known;
        }
        let mut out = Vec::with_capacity(known.len() + self.extra.len());
        let mut extra = self.extra.iter().peekable();
        for field in known {
            while let Some((k, _)) = extra.peek() {
                if k.as_str() < field.0 {
                    let (k, v) = extra.next().expect("peeked");
                    out.push((k.as_str(), F::Json(v)));
                } else {
                    break;
                }
            }
            out.push(field);
        }
        out.extend(extra.map(|(k, v)| (k.as_str(), F::Json(v))));
        out
    }
}

impl RunExports {
    /// True when no list holds anything and no unknown key is kept.
    pub fn is_empty(&self) -> bool {
        self.weak.is_empty()
            && self.strong.is_empty()
            && self.noarch.is_empty()
            && self.weak_constrains.is_empty()
            && self.strong_constrains.is_empty()
            && self.extra.is_empty()
    }

    /// The non-empty lists in rattler's order, then the unknown keys.
    pub(crate) fn fields(&self) -> Vec<(&str, FieldRef<'_>)> {
        let mut out = Vec::new();
        for (k, v) in [
            ("weak", &self.weak),
            ("strong", &self.strong),
            ("noarch", &self.noarch),
            ("weak_constrains", &self.weak_constrains),
            ("strong_constrains", &self.strong_constrains),
        ] {
            if !v.is_empty() {
                out.push((k, FieldRef::List(v)));
            }
        }
        out.extend(self.extra.iter().map(|(k, v)| (k.as_str(), FieldRef::Json(v))));
        out
    }
}

struct JsonField<'a>(FieldRef<'a>);

impl Serialize for JsonField<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            FieldRef::Str(v) => s.serialize_str(v),
            FieldRef::U64(v) => s.serialize_u64(v),
            FieldRef::I64(v) => s.serialize_i64(v),
            FieldRef::Bool(v) => s.serialize_bool(v),
            FieldRef::List(v) => v.serialize(s),
            FieldRef::Digest(d) => {
                if s.is_human_readable() {
                    s.serialize_str(&crate::channel::hex(d))
                } else {
                    s.serialize_bytes(d)
                }
            }
            FieldRef::JoinedSpaces(v) => s.serialize_str(&v.join(" ")),
            FieldRef::ListMap(m) => m.serialize(s),
            FieldRef::RunExports(r) => serialize_fields(&r.fields(), s),
            FieldRef::Json(v) => v.serialize(s),
        }
    }
}

fn serialize_fields<S: Serializer>(fields: &[(&str, FieldRef<'_>)], s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(fields.len()))?;
    for (k, v) in fields {
        map.serialize_entry(k, &JsonField(*v))?;
    }
    map.end()
}

impl Serialize for PackageRecord {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_fields(&self.fields(), s)
    }
}

impl Serialize for RunExports {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_fields(&self.fields(), s)
    }
}

/// A digest given as hex, as bytes (msgpack bin) or as an array of integers (older writers).
struct Digest<const N: usize>([u8; N]);

impl<'de, const N: usize> Deserialize<'de> for Digest<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<const N: usize>;
        impl<'de, const N: usize> Visitor<'de> for V<N> {
            type Value = Digest<N>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a {N}-byte digest as hex, bytes or an integer array")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let mut out = [0u8; N];
                crate::channel::hex_decode_to_slice(v, &mut out)
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))?;
                Ok(Digest(out))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
                <[u8; N]>::try_from(v).map(Digest).map_err(|_| E::invalid_length(v.len(), &self))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = [0u8; N];
                for (i, slot) in out.iter_mut().enumerate() {
                    *slot = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(i, &self))?;
                }
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(N + 1, &self));
                }
                Ok(Digest(out))
            }
        }
        d.deserialize_any(V::<N>)
    }
}

/// `track_features`: a space- or comma-separated string, or (older writers) a list.
struct Features(Vec<String>);

impl<'de> Deserialize<'de> for Features {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Features;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Features, E> {
                // As rattler: "" is one empty feature, written back as "".
                Ok(Features(v.split([',', ' ']).map(|s| s.trim().to_owned()).collect()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Features, E> {
                Ok(Features(Vec::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Features, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s.trim().to_owned());
                }
                Ok(Features(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// `noarch`: `"python"`, `"generic"`, `true` (legacy generic), `false`, `null` or `""` (none).
struct NoArchField(Option<NoArch>);

impl<'de> Deserialize<'de> for NoArchField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NoArchField;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("\"python\", \"generic\" or a boolean")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<NoArchField, E> {
                Ok(NoArchField(v.then_some(NoArch::GenericLegacy)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<NoArchField, E> {
                Ok(NoArchField(None))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<NoArchField, E> {
                match v {
                    "python" => Ok(NoArchField(Some(NoArch::Python))),
                    "generic" => Ok(NoArchField(Some(NoArch::Generic))),
                    "" => Ok(NoArchField(None)),
                    _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// A list of strings where `null` means empty.
fn list<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Vec<String>, A::Error> {
    Ok(map.next_value::<Option<Vec<String>>>()?.unwrap_or_default())
}

impl<'de> Deserialize<'de> for PackageRecord {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PackageRecord;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a package record (an object)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PackageRecord, A::Error> {
                let mut r = PackageRecord::default();
                let (mut name, mut version, mut build, mut build_number) = (false, false, false, false);
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        "arch" => r.arch = map.next_value()?,
                        "build" => {
                            r.build = map.next_value()?;
                            build = true;
                        }
                        "build_number" => {
                            r.build_number = map.next_value()?;
                            build_number = true;
                        }
                        "constrains" => r.constrains = list(&mut map)?,
                        "depends" => r.depends = list(&mut map)?,
                        "extra_depends" => r.extra_depends = map.next_value::<Option<_>>()?.unwrap_or_default(),
                        "features" => r.features = map.next_value()?,
                        "flags" => r.flags = list(&mut map)?,
                        "indexed_timestamp" => r.indexed_timestamp = map.next_value()?,
                        "legacy_bz2_md5" => r.legacy_bz2_md5 = map.next_value::<Option<Digest<16>>>()?.map(|d| d.0),
                        "legacy_bz2_size" => r.legacy_bz2_size = map.next_value()?,
                        "license" => r.license = map.next_value()?,
                        "license_family" => r.license_family = map.next_value()?,
                        "md5" => r.md5 = map.next_value::<Option<Digest<16>>>()?.map(|d| d.0),
                        "name" => {
                            r.name = map.next_value()?;
                            name = true;
                        }
                        "noarch" => r.noarch = map.next_value::<NoArchField>()?.0,
                        "platform" => r.platform = map.next_value()?,
                        "purls" => r.purls = map.next_value()?,
                        "python_site_packages_path" => r.python_site_packages_path = map.next_value()?,
                        "run_exports" => r.run_exports = map.next_value()?,
                        "sha256" => r.sha256 = map.next_value::<Option<Digest<32>>>()?.map(|d| d.0),
                        "size" => r.size = map.next_value()?,
                        "subdir" => r.subdir = map.next_value::<Option<String>>()?.unwrap_or_default(),
                        "timestamp" => r.timestamp = map.next_value()?,
                        "track_features" => {
                            r.track_features = map.next_value::<Option<Features>>()?.map(|f| f.0).unwrap_or_default()
                        }
                        "version" => {
                            r.version = map.next_value()?;
                            version = true;
                        }
                        _ => {
                            let value = map.next_value()?;
                            r.extra.insert(key.into_owned(), value);
                        }
                    }
                }
                for (present, field) in
                    [(name, "name"), (version, "version"), (build, "build"), (build_number, "build_number")]
                {
                    if !present {
                        return Err(de::Error::missing_field(field));
                    }
                }
                Ok(r)
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for RunExports {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RunExports;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("run exports (an object of lists)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RunExports, A::Error> {
                let mut r = RunExports::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        "weak" => r.weak = list(&mut map)?,
                        "strong" => r.strong = list(&mut map)?,
                        "noarch" => r.noarch = list(&mut map)?,
                        "weak_constrains" => r.weak_constrains = list(&mut map)?,
                        "strong_constrains" => r.strong_constrains = list(&mut map)?,
                        _ => {
                            let value = map.next_value()?;
                            r.extra.insert(key.into_owned(), value);
                        }
                    }
                }
                Ok(r)
            }
        }
        d.deserialize_map(V)
    }
}

/// The package name a conda file name carries: `NAME-VERSION-BUILD.conda` or `.tar.bz2`
/// (version and build hold no `-`). `None` when the name does not have that shape.
pub fn name_from_filename(filename: &str) -> Option<&str> {
    let stem = filename.strip_suffix(".conda").or_else(|| filename.strip_suffix(".tar.bz2")).unwrap_or(filename);
    let mut parts = stem.rsplitn(3, '-');
    let (_build, _version, name) = (parts.next()?, parts.next()?, parts.next()?);
    (!name.is_empty()).then_some(name)
}

/// The order rattler writes file-name keys in: by (name, version, build, extension) of
/// `NAME-VERSION-BUILD.EXT` (rattler sorts `DistArchiveIdentifier`s, not strings), which
/// differs from plain string order when a version holds a byte below `-` (`+`, `!`).
/// Names without that shape sort by their whole string, after the others.
pub fn filename_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn parts(f: &str) -> Option<(&str, &str, &str, &str)> {
        let (stem, ext) = if let Some(s) = f.strip_suffix(".conda") {
            (s, ".conda")
        } else if let Some(s) = f.strip_suffix(".tar.bz2") {
            (s, ".tar.bz2")
        } else if let Some(s) = f.strip_suffix(".whl") {
            (s, ".whl")
        } else {
            return None;
        };
        let mut it = stem.rsplitn(3, '-');
        let (build, version, name) = (it.next()?, it.next()?, it.next()?);
        Some((name, version, build, ext))
    }
    match (parts(a), parts(b)) {
        (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.cmp(b)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_secrets::CleanErr;

    #[test]
    fn keys_sorted_with_unknown_fields_merged() {
        let json = r#"{"zeta":1,"name":"a","version":"1","build":"0","build_number":0,"aaa":[true],"md5":"00112233445566778899aabbccddeeff","track_features":"x y","noarch":true}"#;
        let r: PackageRecord = serde_json::from_str(json).unwrap();
        assert_eq!(r.track_features, ["x", "y"]);
        assert_eq!(r.noarch, Some(NoArch::GenericLegacy));
        let out = serde_json::to_string(&r).unwrap();
        assert_eq!(
            out,
            r#"{"aaa":[true],"build":"0","build_number":0,"depends":[],"md5":"00112233445566778899aabbccddeeff","name":"a","noarch":true,"subdir":"","track_features":"x y","version":"1","zeta":1}"#
        );
    }

    #[test]
    fn digests_accept_int_arrays_and_reject_bad_hex() {
        let json = format!(
            r#"{{"name":"a","version":"1","build":"0","build_number":0,"md5":{:?}}}"#,
            (0u8..16).collect::<Vec<_>>()
        );
        let r: PackageRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(r.md5.unwrap()[15], 15);
        let bad = r#"{"name":"a","version":"1","build":"0","build_number":0,"sha256":"zz"}"#;
        assert!(serde_json::from_str::<PackageRecord>(bad).is_err());
        let missing = r#"{"name":"a","version":"1","build":"0"}"#;
        let err = serde_json::from_str::<PackageRecord>(missing).clean_err();
        assert!(err.to_string().contains("build_number"), "{err}");
    }

    #[test]
    fn rattler_key_order_is_by_parts() {
        use std::cmp::Ordering::*;
        assert_eq!(filename_order("a-1.1-0.conda", "a-1.1+x-0.conda"), Less);
        assert!("a-1.1-0.conda" > "a-1.1+x-0.conda");
        assert_eq!(filename_order("a-1-0.conda", "odd.conda"), Less);
        assert_eq!(filename_order("a-b-1-0.conda", "a-1-0.conda"), Greater);
    }

    #[test]
    fn names_from_filenames() {
        assert_eq!(name_from_filename("gamma-utils-0.1-0.conda"), Some("gamma-utils"));
        assert_eq!(name_from_filename("a-1-0.tar.bz2"), Some("a"));
        assert_eq!(name_from_filename("a-1.conda"), None);
        assert_eq!(name_from_filename("-1-0.conda"), None);
    }
}
