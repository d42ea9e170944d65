//! Querying a channel with a [`MatchSpec`] over some platforms, and a subdir's repodata as
//! JSON.
//!
//! Per subdir, in the fetch order ([`ChannelFiles::subdir`]):
//! - **sharded** (CEP-16): the shard index is read (it lists every package name), then only
//!   the shards of the names the spec can match: for an exact name that is one shard (or none);
//!   for a glob name (`numpy*`) every name of the index is tested against the glob and only the
//!   shards of matching names are fetched, so a glob costs as many shards as it matches, not
//!   all of them. Shards are content-addressed: cached ones cost no request.
//! - **`repodata.json.zst` / `repodata.json`**: streamed, never held whole; a filter decides
//!   from each entry's file name (`NAME-VERSION-BUILD`) whether to build the record, so only
//!   the records of matching names are parsed, and only those that match the whole spec are
//!   kept.
//!
//! Results are sorted by name, then newest first (version, build number, timestamp, as
//! [`compare_newest`]), then by subdir in the order given.

use std::cmp::Ordering;
use std::io::{self, Read, Write};

use super::api_error::ChannelError;
use super::error::{FormatError, FormatErrorKind};
use super::match_spec::{compare_newest, Candidate, MatchSpec, NameMatcher};
use super::open::{Channel, ChannelRecord};
use super::record::PackageRecord;
use super::repodata::{
    stream_raw_entries, stream_repodata, stream_repodata_zst, NameFilter, NamePredicate, RecordFilter,
};
use super::repodata::{write_repodata, ChannelInfo, RepoData};
use super::shards::{decode_shard, decode_shard_index, repodata_from_shards, ShardIndex};
use super::version::Version;

fn read_body(mut r: impl Read, url: &str) -> Result<Vec<u8>, ChannelError> {
    let mut v = Vec::new();
    r.read_to_end(&mut v).map_err(|e| FormatError::new(url, FormatErrorKind::Io(e)))?;
    Ok(v)
}

/// Whether `record` matches `spec` (its version must parse; one that does not never matches).
pub fn record_matches(spec: &MatchSpec, record: &PackageRecord) -> bool {
    let Ok(version) = Version::parse(&record.version) else { return false };
    let md5 = record.md5.map(crate::channel::hex);
    let sha256 = record.sha256.map(crate::channel::hex);
    let tf = record.track_features.join(" ");
    let c = Candidate {
        md5: md5.as_deref(),
        sha256: sha256.as_deref(),
        license: record.license.as_deref(),
        license_family: record.license_family.as_deref(),
        track_features: (!tf.is_empty()).then_some(tf.as_str()),
        timestamp: record.timestamp.and_then(|t| u64::try_from(t).ok()),
        ..Candidate::new(&record.name, &version, &record.build, record.build_number, &record.subdir)
    };
    spec.matches(&c)
}

/// Newest first, as [`compare_newest`] ranks two records of one package (`Greater`: `a` is
/// older, so that sorting puts the newest first).
pub fn newest_first(a: &PackageRecord, b: &PackageRecord) -> Ordering {
    let (va, vb) = (Version::parse(&a.version), Version::parse(&b.version));
    match (va, vb) {
        (Ok(va), Ok(vb)) => {
            let ca = Candidate {
                timestamp: a.timestamp.and_then(|t| u64::try_from(t).ok()),
                ..Candidate::new(&a.name, &va, &a.build, a.build_number, &a.subdir)
            };
            let cb = Candidate {
                timestamp: b.timestamp.and_then(|t| u64::try_from(t).ok()),
                ..Candidate::new(&b.name, &vb, &b.build, b.build_number, &b.subdir)
            };
            compare_newest(&cb, &ca)
        }
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Err(_), Err(_)) => a.version.cmp(&b.version),
    }
}

impl Channel {
    /// The records matching `spec` in `platforms` (subdirs; an empty list means
    /// [`default_platforms`](super::open::default_platforms)), sorted by name and newest
    /// first. A spec that names a subdir (`[subdir=linux-64]`) searches only that one.
    /// A missing platform subdir has no records; a missing `noarch` is an error.
    pub fn query<S: AsRef<str>>(&self, spec: &MatchSpec, platforms: &[S]) -> Result<Vec<ChannelRecord>, ChannelError> {
        let mut subdirs: Vec<String> = platforms.iter().map(|p| p.as_ref().to_owned()).collect();
        if subdirs.is_empty() {
            subdirs = super::open::default_platforms();
        }
        if let Some(only) = &spec.subdir {
            subdirs = vec![only.clone()];
        }
        let mut out = Vec::new();
        for subdir in &subdirs {
            self.query_subdir(spec, subdir, &mut out)?;
        }
        let rank = |s: &str| subdirs.iter().position(|x| x == s).unwrap_or(usize::MAX);
        out.sort_by(|a, b| {
            a.record
                .name
                .cmp(&b.record.name)
                .then_with(|| newest_first(&a.record, &b.record))
                .then_with(|| rank(&a.subdir).cmp(&rank(&b.subdir)))
                .then_with(|| a.filename.cmp(&b.filename))
        });
        Ok(out)
    }

    fn query_subdir(&self, spec: &MatchSpec, subdir: &str, out: &mut Vec<ChannelRecord>) -> Result<(), ChannelError> {
        let mut found = self.files.subdir_with(subdir, true)?;
        let name = found.file_name().unwrap_or("");
        let Some(body) = found.body() else { return Ok(()) };
        let url = body.url.clone();
        match name {
            super::fetch_order::SHARD_INDEX => {
                let index = decode_shard_index(&read_body(body, &url)?, &url)?;
                let names: Vec<&String> = match &spec.name {
                    NameMatcher::Exact(n) => {
                        let n = n.to_ascii_lowercase();
                        index.shards.keys().filter(|k| **k == n).collect()
                    }
                    NameMatcher::Glob(_) => index.shards.keys().filter(|k| spec.matches_name(k)).collect(),
                };
                for name in names {
                    self.shard_records(&index, subdir, name, |f, r| {
                        if record_matches(spec, &r) {
                            out.push(self.record_at(subdir, Some(&index.info.base_url), f, r)?);
                        }
                        Ok(())
                    })?;
                }
            }
            _ => {
                let zst = name == super::fetch_order::REPODATA_ZST;
                let exact = match &spec.name {
                    NameMatcher::Exact(n) => Some(n.to_ascii_lowercase()),
                    NameMatcher::Glob(_) => None,
                };
                let wanted = |n: &str| exact.as_deref().map_or_else(|| spec.matches_name(n), |e| n == e);
                if let Some(index) = body.index.take() {
                    let mut kept = Vec::new();
                    match indexed_records(&index, &url, spec, &wanted, &mut kept) {
                        Ok(r) => {
                            r?;
                            let base = index.summary().info.as_ref().and_then(|i| i.base_url.clone());
                            for (f, r) in kept {
                                out.push(self.record_at(subdir, base.as_deref(), f, r)?);
                            }
                            return Ok(());
                        }
                        Err(_) => {
                            // A damaged block: drop the index and read the (verified) body.
                            let _ = std::fs::remove_file(index.path());
                            return self.query_subdir_unindexed(spec, subdir, out);
                        }
                    }
                }
                if body.stored.is_some() || body.landing.is_some() {
                    return self.scan_and_index(body, &url, zst, spec, &wanted, subdir, out);
                }
                let mut kept: Vec<(String, PackageRecord)> = Vec::new();
                let visit = |e: super::repodata::Entry<'_>| {
                    if record_matches(spec, &e.record) {
                        kept.push((e.filename.to_owned(), e.record));
                    }
                };
                let summary = match &spec.name {
                    NameMatcher::Exact(n) => {
                        stream(body, &url, zst, &mut NameFilter::new(&n.to_ascii_lowercase()), visit)
                    }
                    NameMatcher::Glob(_) => {
                        stream(body, &url, zst, &mut NamePredicate(|n: &str| spec.matches_name(n)), visit)
                    }
                }?;
                let base = summary.info.as_ref().and_then(|i| i.base_url.clone());
                for (f, r) in kept {
                    out.push(self.record_at(subdir, base.as_deref(), f, r)?);
                }
            }
        }
        Ok(())
    }

    /// The query of a subdir read from its body (hashed before use), not its index.
    fn query_subdir_unindexed(
        &self,
        spec: &MatchSpec,
        subdir: &str,
        out: &mut Vec<ChannelRecord>,
    ) -> Result<(), ChannelError> {
        let mut found = self.files.subdir(subdir)?;
        let zst = found.file_name() == Some(super::fetch_order::REPODATA_ZST);
        let Some(body) = found.body() else { return Ok(()) };
        let url = body.url.clone();
        let exact = match &spec.name {
            NameMatcher::Exact(n) => Some(n.to_ascii_lowercase()),
            NameMatcher::Glob(_) => None,
        };
        let wanted = |n: &str| exact.as_deref().map_or_else(|| spec.matches_name(n), |e| n == e);
        if body.stored.is_some() || body.landing.is_some() {
            return self.scan_and_index(body, &url, zst, spec, &wanted, subdir, out);
        }
        let mut kept = Vec::new();
        let summary = stream(body, &url, zst, &mut NamePredicate(|n: &str| wanted(n)), |e| {
            if record_matches(spec, &e.record) {
                kept.push((e.filename.to_owned(), e.record));
            }
        })?;
        let base = summary.info.as_ref().and_then(|i| i.base_url.clone());
        for (f, r) in kept {
            out.push(self.record_at(subdir, base.as_deref(), f, r)?);
        }
        Ok(())
    }

    /// Scans a body stored in the cache (or being stored while it arrives) whole, keeping
    /// the records `spec` matches and writing the body's per-name index on the way, committed
    /// only when the whole document parsed and the body itself was committed.
    #[allow(clippy::too_many_arguments)]
    fn scan_and_index(
        &self,
        body: &mut super::cache::CachedBody,
        url: &str,
        zst: bool,
        spec: &MatchSpec,
        wanted: &dyn Fn(&str) -> bool,
        subdir: &str,
        out: &mut Vec<ChannelRecord>,
    ) -> Result<(), ChannelError> {
        let mut writer = body.index_writer();
        let mut kept = Vec::new();
        let summary = stream_raw_entries(&mut *body, url, zst, &mut |section, filename, raw| {
            let name = entry_name(filename, raw, url)?;
            if let Some(w) = &mut writer {
                w.add(&name, section, filename, raw);
            }
            if wanted(&name) {
                let record = build_record(filename, raw, url)?;
                if record_matches(spec, &record) {
                    kept.push((filename.to_owned(), record));
                }
            }
            Ok(())
        })?;
        if let (Some(w), Some(stored)) = (writer, body.committed()) {
            // An index that cannot be written only costs a scan next time.
            let _ = stored.finish_index(w, &summary);
        }
        let base = summary.info.as_ref().and_then(|i| i.base_url.clone());
        for (f, r) in kept {
            out.push(self.record_at(subdir, base.as_deref(), f, r)?);
        }
        Ok(())
    }

    /// Visits every record of `name`'s shard (`.tar.bz2` then `.conda`).
    fn shard_records(
        &self,
        index: &ShardIndex,
        subdir: &str,
        name: &str,
        mut visit: impl FnMut(String, PackageRecord) -> Result<(), ChannelError>,
    ) -> Result<(), ChannelError> {
        let Some(digest) = index.shards.get(name) else { return Ok(()) };
        let body = self.files.shard(subdir, &index.info.shards_base_url, digest)?;
        let url = body.url.clone();
        let shard = decode_shard(&read_body(body, &url)?, Some(digest), &url)?;
        for (f, r) in shard.packages.into_iter().chain(shard.conda_packages) {
            visit(f, r)?;
        }
        Ok(())
    }

    /// Writes `subdir`'s repodata as JSON to `out`: the stored `repodata.json` as it is (the
    /// `.zst` form decompressed while it streams), or, for a sharded subdir, the document
    /// assembled from the shard index and all its shards (rattler's writer's form). A missing
    /// platform subdir writes an empty document; a missing `noarch` is an error.
    pub fn repodata(&self, subdir: &str, out: &mut dyn Write) -> Result<(), ChannelError> {
        let mut found = self.files.subdir(subdir)?;
        let name = found.file_name();
        let Some(body) = found.body() else {
            let empty = RepoData {
                info: Some(ChannelInfo { subdir: Some(subdir.to_owned()), ..ChannelInfo::default() }),
                repodata_version: Some(1),
                ..RepoData::default()
            };
            return Ok(write_repodata(out, &empty, subdir)?);
        };
        let url = body.url.clone();
        match name {
            Some(super::fetch_order::SHARD_INDEX) => {
                let index = decode_shard_index(&read_body(body, &url)?, &url)?;
                let mut shards = Vec::with_capacity(index.shards.len());
                for digest in index.shards.values() {
                    let body = self.files.shard(subdir, &index.info.shards_base_url, digest)?;
                    let surl = body.url.clone();
                    shards.push(decode_shard(&read_body(body, &surl)?, Some(digest), &surl)?);
                }
                let data = repodata_from_shards(&index.info, shards);
                Ok(write_repodata(out, &data, &url)?)
            }
            Some(super::fetch_order::REPODATA_ZST) => {
                let dec = zstd::stream::read::Decoder::new(body)
                    .map_err(|e| FormatError::new(&url, FormatErrorKind::Zstd(e.to_string())))?;
                let mut tee = Tee { inner: dec, out, failed: None };
                let r = stream_repodata(&mut tee, &url, &mut SkipAll, |_| {});
                finish(tee, r)
            }
            _ => {
                let mut tee = Tee { inner: body, out, failed: None };
                let r = stream_repodata(&mut tee, &url, &mut SkipAll, |_| {});
                finish(tee, r)
            }
        }
    }
}

/// The package name of a repodata entry: from its file name (`NAME-VERSION-BUILD.EXT`), else
/// from the record's `name` field (as the streaming filters decide).
fn entry_name<'a>(filename: &'a str, raw: &[u8], url: &str) -> Result<std::borrow::Cow<'a, str>, FormatError> {
    if let Some(n) = super::record::name_from_filename(filename) {
        return Ok(n.into());
    }
    #[derive(serde::Deserialize)]
    struct NameOnly<'a> {
        #[serde(borrow)]
        name: std::borrow::Cow<'a, str>,
    }
    let n: NameOnly<'_> = serde_json::from_slice(raw).map_err(|e| bad_record(url, filename, e))?;
    Ok(n.name.into_owned().into())
}

fn bad_record(url: &str, filename: &str, e: serde_json::Error) -> FormatError {
    FormatError::new(url, FormatErrorKind::Record { filename: filename.to_owned(), message: e.to_string() })
}

fn build_record(filename: &str, raw: &[u8], url: &str) -> Result<PackageRecord, FormatError> {
    serde_json::from_slice(raw).map_err(|e| bad_record(url, filename, e))
}

/// The records of the names `wanted` accepts that match `spec`, read from a body's index.
/// The outer error: the index is damaged (the caller reads the body instead).
fn indexed_records(
    index: &super::name_index::NameIndex,
    url: &str,
    spec: &MatchSpec,
    wanted: &dyn Fn(&str) -> bool,
    kept: &mut Vec<(String, PackageRecord)>,
) -> Result<Result<(), FormatError>, super::name_index::IndexError> {
    let names: Vec<&str> = index.names().filter(|n| wanted(n)).collect();
    for name in names {
        let r = index.records(name, |_, filename, raw| {
            let record = build_record(filename, raw, url)?;
            if record_matches(spec, &record) {
                kept.push((filename.to_owned(), record));
            }
            Ok(())
        })?;
        if r.is_err() {
            return Ok(r);
        }
    }
    Ok(Ok(()))
}

/// Skips every record: the reader then only checks the document's structure.
struct SkipAll;

impl RecordFilter for SkipAll {
    fn filename(&mut self, _: super::repodata::Section, _: &str) -> super::repodata::Decision {
        super::repodata::Decision::Skip
    }
}

/// A reader that copies what it reads to `out` (after the zstd decoder for the `.zst` form), so
/// that the document is checked while it is copied.
struct Tee<'o, R> {
    inner: R,
    out: &'o mut dyn Write,
    failed: Option<io::Error>,
}

impl<R: Read> Read for Tee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.failed.is_none() {
            if let Err(e) = self.out.write_all(&buf[..n]) {
                self.failed = Some(e);
            }
        }
        Ok(n)
    }
}

fn finish<R: Read>(
    mut tee: Tee<'_, R>,
    parsed: Result<super::repodata::RepodataSummary, FormatError>,
) -> Result<(), ChannelError> {
    let out_err =
        |e: io::Error| ChannelError::Io { action: "write the repodata to", path: "the output".into(), source: e };
    if let Some(e) = tee.failed.take() {
        return Err(out_err(e));
    }
    parsed?;
    io::copy(&mut tee, &mut io::sink()).map_err(out_err)?;
    if let Some(e) = tee.failed.take() {
        return Err(out_err(e));
    }
    tee.out.flush().map_err(out_err)
}

fn stream<F: RecordFilter>(
    body: &mut super::cache::CachedBody,
    url: &str,
    zst: bool,
    filter: &mut F,
    visit: impl FnMut(super::repodata::Entry<'_>),
) -> Result<super::repodata::RepodataSummary, FormatError> {
    if zst {
        stream_repodata_zst(body, url, filter, visit)
    } else {
        stream_repodata(body, url, filter, visit)
    }
}
