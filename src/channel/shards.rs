//! CEP-16 sharded repodata: the shard index `SUBDIR/repodata_shards.msgpack.zst` and the
//! shards `shards/<sha256>.msgpack.zst`, read as both rattler and conda-index write them and
//! written as rattler's indexer writes them (rmp-serde `to_vec_named`, keys in rattler's
//! order, zstd at the default level), so that our shard files hash to the same names.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use sha2::{Digest as _, Sha256};

use crate::address::{Url, UrlError};
use crate::channel::error::{FormatError, FormatErrorKind};
use crate::channel::msgpack::{self, Encoder, Value};
use crate::channel::record::{filename_order, name_from_filename, FieldRef, PackageRecord};
use crate::channel::repodata::{ChannelInfo, RepoData};

/// The most a shard or an index may decompress to (a guard against zstd bombs).
pub const MAX_DECOMPRESSED: u64 = 512 * 1024 * 1024;

/// `info` of a shard index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShardIndexInfo {
    /// The subdir.
    pub subdir: String,
    /// Package base URL, relative to `CHANNEL/SUBDIR/` (rattler and conda-index: `""`).
    pub base_url: String,
    /// Shard base URL, relative to `CHANNEL/SUBDIR/` (rattler `"./shards/"`, conda-index `""`).
    pub shards_base_url: String,
    /// When the index was written (rattler: RFC 3339 text), when given as a string.
    pub created_at: Option<String>,
    /// Other keys (conda-index's `version`, `repodata_revisions`, ...), kept in order.
    pub extra: Vec<(String, Value)>,
}

/// A shard index: package name to the sha256 of its shard file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShardIndex {
    /// `info`.
    pub info: ShardIndexInfo,
    /// Package name to the sha256 of the compressed shard file.
    pub shards: BTreeMap<String, [u8; 32]>,
}

/// The records of one package name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shard {
    /// `packages` (`.tar.bz2`).
    pub packages: BTreeMap<String, PackageRecord>,
    /// `packages.conda` (`.conda`).
    pub conda_packages: BTreeMap<String, PackageRecord>,
    /// `removed` file names.
    pub removed: BTreeSet<String>,
}

fn err(source: &str, kind: FormatErrorKind) -> FormatError {
    FormatError::new(source, kind)
}

fn shape(source: &str, message: impl Into<String>) -> FormatError {
    err(source, FormatErrorKind::Shape(message.into()))
}

/// Decompresses a whole zstd payload, refusing more than [`MAX_DECOMPRESSED`] bytes.
pub fn decompress(data: &[u8], source_name: &str) -> Result<Vec<u8>, FormatError> {
    let zerr = |e: std::io::Error| err(source_name, FormatErrorKind::Zstd(e.to_string()));
    if data.is_empty() {
        return Err(err(source_name, FormatErrorKind::Zstd("empty file".into())));
    }
    let dec = zstd::stream::read::Decoder::with_buffer(data).map_err(zerr)?;
    let mut out = Vec::new();
    dec.take(MAX_DECOMPRESSED + 1).read_to_end(&mut out).map_err(zerr)?;
    if out.len() as u64 > MAX_DECOMPRESSED {
        return Err(err(
            source_name,
            FormatErrorKind::Zstd(format!("decompresses to more than {MAX_DECOMPRESSED} bytes")),
        ));
    }
    Ok(out)
}

fn decode_msgpack(data: &[u8], source: &str) -> Result<Value, FormatError> {
    msgpack::decode(data)
        .map_err(|e| err(source, FormatErrorKind::Msgpack { offset: e.offset as u64, message: e.message.to_owned() }))
}

fn entries<'a>(v: &'a Value, what: &str, source: &str) -> Result<&'a [(Value, Value)], FormatError> {
    match v {
        Value::Map(m) => Ok(m),
        _ => Err(shape(source, format!("{what} is not a map"))),
    }
}

fn key<'a>(k: &'a Value, what: &str, source: &str) -> Result<&'a str, FormatError> {
    k.as_str().ok_or_else(|| shape(source, format!("a key of {what} is not a string")))
}

/// A sha256 as bin (rattler), an array of 32 integers (older writers) or hex (conda-index
/// variants).
fn digest(v: &Value) -> Option<[u8; 32]> {
    match v {
        Value::Bin(b) => <[u8; 32]>::try_from(b.as_slice()).ok(),
        Value::Array(a) if a.len() == 32 => {
            let mut out = [0u8; 32];
            for (slot, x) in out.iter_mut().zip(a) {
                *slot = match x {
                    Value::UInt(u) => u8::try_from(*u).ok()?,
                    _ => return None,
                };
            }
            Some(out)
        }
        Value::Str(s) => {
            let mut out = [0u8; 32];
            crate::channel::hex_decode_to_slice(s, &mut out).ok().map(|_| out)
        }
        _ => None,
    }
}

/// Reads a shard index (`repodata_shards.msgpack.zst`, compressed). Unknown keys are kept
/// in `info.extra` or ignored at the top level.
pub fn decode_shard_index(zst: &[u8], source_name: &str) -> Result<ShardIndex, FormatError> {
    let raw = decompress(zst, source_name)?;
    let doc = decode_msgpack(&raw, source_name)?;
    let mut index = ShardIndex::default();
    let (mut saw_info, mut saw_shards) = (false, false);
    for (k, v) in entries(&doc, "the shard index", source_name)? {
        match key(k, "the shard index", source_name)? {
            "info" => {
                saw_info = true;
                for (k, v) in entries(v, "info", source_name)? {
                    let k = key(k, "info", source_name)?;
                    let text = || {
                        v.as_str()
                            .map(str::to_owned)
                            .ok_or_else(|| shape(source_name, format!("info.{k} is not a string")))
                    };
                    match k {
                        "subdir" => index.info.subdir = text()?,
                        "base_url" => index.info.base_url = text()?,
                        "shards_base_url" => index.info.shards_base_url = text()?,
                        "created_at" if v.as_str().is_some() => index.info.created_at = Some(text()?),
                        _ => index.info.extra.push((k.to_owned(), v.clone())),
                    }
                }
            }
            "shards" => {
                saw_shards = true;
                for (k, v) in entries(v, "shards", source_name)? {
                    let name = key(k, "shards", source_name)?;
                    let d =
                        digest(v).ok_or_else(|| shape(source_name, format!("shards.{name} is not a sha256 digest")))?;
                    index.shards.insert(name.to_owned(), d);
                }
            }
            _ => {}
        }
    }
    if !saw_info || !saw_shards {
        return Err(shape(source_name, "the shard index lacks `info` or `shards`"));
    }
    Ok(index)
}

/// Reads a shard (compressed); with `expected`, first checks that the bytes hash to it.
pub fn decode_shard(zst: &[u8], expected: Option<&[u8; 32]>, source_name: &str) -> Result<Shard, FormatError> {
    if let Some(want) = expected {
        let got: [u8; 32] = Sha256::digest(zst).into();
        if &got != want {
            return Err(err(
                source_name,
                FormatErrorKind::DigestMismatch {
                    expected: crate::channel::hex(want),
                    actual: crate::channel::hex(got),
                },
            ));
        }
    }
    let raw = decompress(zst, source_name)?;
    let doc = decode_msgpack(&raw, source_name)?;
    let mut shard = Shard::default();
    for (k, v) in entries(&doc, "the shard", source_name)? {
        let section = match key(k, "the shard", source_name)? {
            "packages" => &mut shard.packages,
            "packages.conda" => &mut shard.conda_packages,
            "removed" => {
                let Value::Array(items) = v else {
                    return Err(shape(source_name, "removed is not an array"));
                };
                for item in items {
                    let name = item.as_str().ok_or_else(|| shape(source_name, "removed holds a non-string"))?;
                    shard.removed.insert(name.to_owned());
                }
                continue;
            }
            _ => continue,
        };
        if *v == Value::Nil {
            continue;
        }
        for (k, v) in entries(v, "packages", source_name)? {
            let filename = key(k, "packages", source_name)?;
            let bad =
                |message: String| err(source_name, FormatErrorKind::Record { filename: filename.to_owned(), message });
            let json = v.to_json().map_err(|m| bad(m.to_owned()))?;
            let record: PackageRecord = serde_json::from_value(json).map_err(|e| bad(e.to_string()))?;
            section.insert(filename.to_owned(), record);
        }
    }
    Ok(shard)
}

fn encode_field(e: &mut Encoder, f: FieldRef<'_>) {
    match f {
        FieldRef::Str(s) => e.str(s),
        FieldRef::U64(v) => e.uint(v),
        FieldRef::I64(v) => e.int(v),
        FieldRef::Bool(b) => e.bool(b),
        FieldRef::List(l) => e.strs(l),
        FieldRef::Digest(d) => e.bin(d),
        FieldRef::JoinedSpaces(l) => e.str(&l.join(" ")),
        FieldRef::ListMap(m) => {
            e.map(m.len());
            for (k, v) in m {
                e.str(k);
                e.strs(v);
            }
        }
        FieldRef::RunExports(r) => encode_fields(e, &r.fields()),
        FieldRef::Json(v) => e.json(v),
    }
}

fn encode_fields(e: &mut Encoder, fields: &[(&str, FieldRef<'_>)]) {
    e.map(fields.len());
    for (k, v) in fields {
        e.str(k);
        encode_field(e, *v);
    }
}

fn encode_records(e: &mut Encoder, records: &BTreeMap<String, PackageRecord>) {
    let mut sorted: Vec<_> = records.iter().collect();
    sorted.sort_by(|a, b| filename_order(a.0, b.0));
    e.map(sorted.len());
    for (filename, record) in sorted {
        e.str(filename);
        encode_fields(e, &record.fields());
    }
}

/// A record as msgpack, as rattler writes it in a shard (hashes as bin).
pub fn record_to_msgpack(record: &PackageRecord) -> Vec<u8> {
    let mut e = Encoder::default();
    encode_fields(&mut e, &record.fields());
    e.out
}

/// A shard as uncompressed msgpack, byte for byte as rattler's `rmp_serde::to_vec_named`.
pub fn shard_to_msgpack(shard: &Shard) -> Vec<u8> {
    let mut e = Encoder::default();
    e.map(3);
    e.str("packages");
    encode_records(&mut e, &shard.packages);
    e.str("packages.conda");
    encode_records(&mut e, &shard.conda_packages);
    e.str("removed");
    let mut removed: Vec<_> = shard.removed.iter().collect();
    removed.sort_by(|a, b| filename_order(a, b));
    e.array(removed.len());
    for r in removed {
        e.str(r);
    }
    e.out
}

/// zstd level rattler compresses shards and the index with (`0`: zstd's default, 3).
pub const SHARD_ZST_LEVEL: i32 = 0;

/// A shard file as rattler writes it: the compressed bytes and their sha256 (its name).
pub fn encode_shard(shard: &Shard) -> std::io::Result<(Vec<u8>, [u8; 32])> {
    let zst = zstd::stream::encode_all(&shard_to_msgpack(shard)[..], SHARD_ZST_LEVEL)?;
    let digest: [u8; 32] = Sha256::digest(&zst).into();
    Ok((zst, digest))
}

/// The shard index as rattler writes it (`info` in rattler's field order; shards sorted by
/// name, where rattler's order is a hash map's), compressed.
pub fn encode_shard_index(index: &ShardIndex) -> std::io::Result<Vec<u8>> {
    let mut e = Encoder::default();
    e.map(2);
    e.str("info");
    let info = &index.info;
    e.map(3 + usize::from(info.created_at.is_some()) + info.extra.len());
    e.str("subdir");
    e.str(&info.subdir);
    e.str("base_url");
    e.str(&info.base_url);
    e.str("shards_base_url");
    e.str(&info.shards_base_url);
    if let Some(c) = &info.created_at {
        e.str("created_at");
        e.str(c);
    }
    for (k, v) in &info.extra {
        e.str(k);
        encode_value(&mut e, v);
    }
    e.str("shards");
    e.map(index.shards.len());
    for (name, d) in &index.shards {
        e.str(name);
        e.bin(d);
    }
    zstd::stream::encode_all(&e.out[..], SHARD_ZST_LEVEL)
}

fn encode_value(e: &mut Encoder, v: &Value) {
    match v {
        Value::Nil => e.nil(),
        Value::Bool(b) => e.bool(*b),
        Value::UInt(u) => e.uint(*u),
        Value::Int(i) => e.int(*i),
        Value::Float(f) => e.f64(*f),
        Value::Str(s) => e.str(s),
        Value::Bin(b) => e.bin(b),
        Value::Array(a) => {
            e.array(a.len());
            for x in a {
                encode_value(e, x);
            }
        }
        Value::Map(m) => {
            e.map(m.len());
            for (k, x) in m {
                encode_value(e, k);
                encode_value(e, x);
            }
        }
    }
}

/// Splits a subdir's repodata into shards by package name, as rattler does (records by
/// their lowercased `name`, removed files by the name in the file name).
pub fn shards_from_repodata(repodata: &RepoData) -> BTreeMap<String, Shard> {
    shards_for_names(repodata, |_| true)
}

/// The shard names of a subdir's repodata ([`shards_from_repodata`]'s keys), without
/// building the shards.
pub fn shard_names(repodata: &RepoData) -> BTreeSet<String> {
    let records = repodata.conda_packages.values().chain(repodata.packages.values());
    let mut out: BTreeSet<String> = records.map(|r| r.name.to_lowercase()).collect();
    out.extend(repodata.removed.iter().map(|f| name_from_filename(f).unwrap_or(f).to_owned()));
    out
}

/// [`shards_from_repodata`] for the names `wanted` accepts only.
pub fn shards_for_names(repodata: &RepoData, wanted: impl Fn(&str) -> bool) -> BTreeMap<String, Shard> {
    let mut out: BTreeMap<String, Shard> = BTreeMap::new();
    for (filename, r) in &repodata.conda_packages {
        let name = r.name.to_lowercase();
        if wanted(&name) {
            out.entry(name).or_default().conda_packages.insert(filename.clone(), r.clone());
        }
    }
    for (filename, r) in &repodata.packages {
        let name = r.name.to_lowercase();
        if wanted(&name) {
            out.entry(name).or_default().packages.insert(filename.clone(), r.clone());
        }
    }
    for filename in &repodata.removed {
        let name = name_from_filename(filename).unwrap_or(filename);
        if wanted(name) {
            out.entry(name.to_owned()).or_default().removed.insert(filename.clone());
        }
    }
    out
}

/// Assembles a subdir's repodata document from its shard index and shards (for
/// `minis3 repodata`): `info` from the index (`base_url` only when not empty), the records
/// and removed files of every shard, `repodata_version` 1 as rattler writes.
pub fn repodata_from_shards(info: &ShardIndexInfo, shards: impl IntoIterator<Item = Shard>) -> RepoData {
    let mut data = RepoData {
        info: Some(ChannelInfo {
            subdir: Some(info.subdir.clone()),
            base_url: (!info.base_url.is_empty()).then(|| info.base_url.clone()),
            extra: BTreeMap::new(),
        }),
        repodata_version: Some(1),
        ..RepoData::default()
    };
    for shard in shards {
        data.packages.extend(shard.packages);
        data.conda_packages.extend(shard.conda_packages);
        data.removed.extend(shard.removed);
    }
    data
}

/// `CHANNEL/SUBDIR/`: the URL relative references in repodata and shard indexes start from.
pub fn subdir_url(channel_url: &str, subdir: &str) -> Result<Url, UrlError> {
    Url::parse(channel_url)?.with_trailing_slash().join(&format!("{subdir}/"))
}

/// Resolves `relative` (a `base_url` or `shards_base_url`, absolute or relative) against the
/// subdir URL and ends it with `/`, as rattler's gateway does.
pub fn resolve_base(subdir_url: &Url, relative: &str) -> Result<Url, UrlError> {
    Ok(subdir_url.join(relative)?.with_trailing_slash())
}

impl ShardIndex {
    /// The URL of `name`'s shard, when the index lists it.
    pub fn shard_url(&self, subdir_url: &Url, name: &str) -> Option<Result<Url, UrlError>> {
        let digest = self.shards.get(name)?;
        Some(
            resolve_base(subdir_url, &self.info.shards_base_url)
                .and_then(|base| base.join(&format!("{}.msgpack.zst", crate::channel::hex(digest)))),
        )
    }

    /// The URL packages are fetched from (`base_url` resolved, ending with `/`).
    pub fn packages_base_url(&self, subdir_url: &Url) -> Result<Url, UrlError> {
        resolve_base(subdir_url, &self.info.base_url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_secrets::CleanErr;

    #[test]
    fn urls_resolve_as_rattler_and_conda_index_write_them() {
        let sub = subdir_url("https://h/chan", "linux-64").unwrap();
        assert_eq!(sub.as_str(), "https://h/chan/linux-64/");
        let mut idx = ShardIndex::default();
        idx.shards.insert("a".into(), [0xab; 32]);
        idx.info.shards_base_url = "./shards/".into();
        let hex = "ab".repeat(32);
        assert_eq!(
            idx.shard_url(&sub, "a").unwrap().unwrap().as_str(),
            format!("https://h/chan/linux-64/shards/{hex}.msgpack.zst")
        );
        idx.info.shards_base_url = String::new();
        assert_eq!(
            idx.shard_url(&sub, "a").unwrap().unwrap().as_str(),
            format!("https://h/chan/linux-64/{hex}.msgpack.zst")
        );
        idx.info.base_url = "../../pkgs".into();
        assert_eq!(idx.packages_base_url(&sub).unwrap().as_str(), "https://h/pkgs/");
        idx.info.base_url = "https://cdn/x".into();
        assert_eq!(idx.packages_base_url(&sub).unwrap().as_str(), "https://cdn/x/");
        assert!(idx.shard_url(&sub, "b").is_none());
    }

    #[test]
    fn index_digests_in_every_encoding() {
        let mut e = Encoder::default();
        e.map(3);
        e.str("info");
        e.map(2);
        e.str("subdir");
        e.str("noarch");
        e.str("version");
        e.uint(1);
        e.str("shards");
        e.map(3);
        e.str("bin");
        e.bin(&[1; 32]);
        e.str("ints");
        e.array(32);
        for _ in 0..32 {
            e.uint(2);
        }
        e.str("hex");
        e.str(&"03".repeat(32));
        e.str("unknown");
        e.nil();
        let zst = zstd::stream::encode_all(&e.out[..], 3).unwrap();
        let idx = decode_shard_index(&zst, "idx").unwrap();
        assert_eq!(idx.shards["bin"], [1; 32]);
        assert_eq!(idx.shards["ints"], [2; 32]);
        assert_eq!(idx.shards["hex"], [3; 32]);
        assert_eq!(idx.info.subdir, "noarch");
        assert_eq!(idx.info.extra, vec![("version".to_owned(), Value::UInt(1))]);
    }

    #[test]
    fn shard_digest_is_checked() {
        let (zst, d) = encode_shard(&Shard::default()).unwrap();
        assert!(decode_shard(&zst, Some(&d), "s").is_ok());
        let e = decode_shard(&zst, Some(&[0; 32]), "https://h/s.msgpack.zst").clean_err();
        assert!(matches!(e.kind, FormatErrorKind::DigestMismatch { .. }));
        assert!(e.to_string().starts_with("https://h/s.msgpack.zst: sha256 "), "{e}");
    }
}
