//! repodata.json: the document ([`RepoData`]), its streaming reader and its writer.
//!
//! The writer produces what rattler's indexer writes (`serde_json::to_vec` of rattler's
//! `RepoData`): compact JSON, top-level keys and record keys sorted, `info` as
//! `{"subdir":...,"base_url":...}` (rattler's field order), `removed` left out when empty.

mod json_blocks;
mod reader;
mod scan;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

pub use reader::{
    read_repodata, read_repodata_zst, stream_raw_entries, stream_repodata, stream_repodata_zst, AllRecords, Decision,
    Entry, NameFilter, NamePredicate, RawVisitor, RecordFilter, RepodataSummary, Section,
};

use crate::channel::error::{FormatError, FormatErrorKind};
use crate::channel::record::{filename_order, PackageRecord};

/// `info` of a repodata document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChannelInfo {
    /// The subdir (`linux-64`); written as `null` when absent, as rattler does.
    pub subdir: Option<String>,
    /// Where the packages are, relative to the subdir's URL or absolute.
    pub base_url: Option<String>,
    /// Other keys (`repodata_revisions`, `channel_relations`, ...), kept as read.
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl Serialize for ChannelInfo {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let len = 1 + usize::from(self.base_url.is_some()) + self.extra.len();
        let mut map = s.serialize_map(Some(len))?;
        map.serialize_entry("subdir", &self.subdir)?;
        if let Some(b) = &self.base_url {
            map.serialize_entry("base_url", b)?;
        }
        for (k, v) in &self.extra {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for ChannelInfo {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut extra = BTreeMap::<String, serde_json::Value>::deserialize(d)?;
        let mut take = |k: &str| -> Result<Option<String>, D::Error> {
            match extra.remove(k) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(serde::de::Error::custom(format!("info.{k} is not a string"))),
            }
        };
        let subdir = take("subdir")?;
        let base_url = take("base_url")?;
        Ok(ChannelInfo { subdir, base_url, extra })
    }
}

/// A whole repodata.json document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RepoData {
    /// `info`.
    pub info: Option<ChannelInfo>,
    /// `packages`: `.tar.bz2` records by file name.
    pub packages: BTreeMap<String, PackageRecord>,
    /// `packages.conda`: `.conda` records by file name.
    pub conda_packages: BTreeMap<String, PackageRecord>,
    /// `removed` file names.
    pub removed: BTreeSet<String>,
    /// `repodata_version` (rattler 0.28 writes 1).
    pub repodata_version: Option<u64>,
    /// Other top-level keys (rattler 0.28 writes `"v3": {}`), kept as read.
    pub extra: BTreeMap<String, serde_json::Value>,
}

struct Records<'a>(&'a BTreeMap<String, PackageRecord>);

impl Serialize for Records<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut entries: Vec<_> = self.0.iter().collect();
        entries.sort_by(|a, b| filename_order(a.0, b.0));
        s.collect_map(entries)
    }
}

impl Serialize for RepoData {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        enum V<'a> {
            Info(&'a Option<ChannelInfo>),
            Records(&'a BTreeMap<String, PackageRecord>),
            Removed(&'a BTreeSet<String>),
            Version(u64),
            Json(&'a serde_json::Value),
        }
        impl Serialize for V<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    V::Info(i) => i.serialize(s),
                    V::Records(r) => Records(r).serialize(s),
                    V::Removed(r) => {
                        let mut names: Vec<_> = r.iter().collect();
                        names.sort_by(|a, b| filename_order(a, b));
                        s.collect_seq(names)
                    }
                    V::Version(v) => s.serialize_u64(*v),
                    V::Json(v) => v.serialize(s),
                }
            }
        }
        let mut fields: Vec<(&str, V<'_>)> = vec![
            ("info", V::Info(&self.info)),
            ("packages", V::Records(&self.packages)),
            ("packages.conda", V::Records(&self.conda_packages)),
        ];
        if !self.removed.is_empty() {
            fields.push(("removed", V::Removed(&self.removed)));
        }
        if let Some(v) = self.repodata_version {
            fields.push(("repodata_version", V::Version(v)));
        }
        fields.extend(self.extra.iter().map(|(k, v)| (k.as_str(), V::Json(v))));
        fields.sort_by(|a, b| a.0.cmp(b.0));
        let mut map = s.serialize_map(Some(fields.len()))?;
        for (k, v) in &fields {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// Writes `repodata` as rattler's indexer writes repodata.json (compact, keys sorted).
/// `target_name` names the output in errors.
pub fn write_repodata<W: Write>(out: W, repodata: &RepoData, target_name: &str) -> Result<(), FormatError> {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    serde_json::to_writer(&mut out, repodata)
        .map_err(|e| FormatError::new(target_name, FormatErrorKind::Io(e.into())))?;
    out.flush().map_err(|e| FormatError::new(target_name, FormatErrorKind::Io(e)))
}

/// [`write_repodata`] into a new vector.
pub fn repodata_to_vec(repodata: &RepoData) -> Vec<u8> {
    // Writing to a vector fails only on a serializer error, which our types never raise.
    serde_json::to_vec(repodata).unwrap_or_default()
}

/// zstd level rattler's indexer uses for repodata.json.zst.
pub const REPODATA_ZST_LEVEL: i32 = 19;

/// Compresses repodata.json bytes for repodata.json.zst: zstd level 19, as rattler's indexer,
/// but in one call with the size known, so that the frame header holds the content size (a
/// decoder can size its output at once) and zstd sizes its tables to the input. rattler
/// streams it without a size, which gives other bytes (within a few of the same length) and
/// takes longer: 0.30 s against 0.25 s for an 806 kB repodata.json of 2,000 records, most of
/// an incremental index's time.
pub fn compress_repodata(json: &[u8]) -> std::io::Result<Vec<u8>> {
    zstd::bulk::compress(json, REPODATA_ZST_LEVEL)
}

/// One record as rattler writes it inside repodata.json.
pub fn record_to_json(record: &PackageRecord) -> Vec<u8> {
    serde_json::to_vec(record).unwrap_or_default()
}
