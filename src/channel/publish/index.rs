//! `index s3`: (re)writing a channel's repodata on S3 from the packages in it, as rattler's
//! indexer writes it, reading only what changed.
//!
//! Subdirs are indexed side by side, with at most `max_parallel` packages read at once over
//! all of them. Per subdir:
//!
//! 1. At once: GET `repodata.json` (its ETag is the precondition of the write), the shard
//!    index and the sidecar ([`super::state`]); HEAD `repodata.json.zst`; LIST the subdir.
//! 2. Keep the records of listed packages that did not change (size and ETag; `force`: none),
//!    drop those of packages no longer listed, read the others ([`read_remote_package`]). A
//!    package that cannot be read is reported in [`IndexSummary::skipped`] and left out.
//! 3. Unless nothing changed, write the shards that are new (`If-None-Match: *`, immutable),
//!    the shard index, `repodata.json.zst` (zstd 19), the sidecar, and last `repodata.json`,
//!    each with `If-Match` on the ETag read in step 1 (`If-None-Match: *` when it was absent)
//!    ([`super::write`]).
//!    A `412` means someone else wrote the subdir meanwhile: it is listed and indexed again,
//!    up to [`IndexOptions::attempts`] times.
//!
//! `noarch/repodata.json` is created (empty) when the channel has none.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use super::error::PublishError;
use super::s3_source::{read_packages, Permits};
use super::state::{IndexState, Seen, STATE_FILE};
use super::write::{write_subdir, Attempt, Existing};
use crate::channel::package::PackageFormat;
use crate::channel::record::PackageRecord;
use crate::channel::repodata::{read_repodata, ChannelInfo, RepoData};
use crate::channel::shards::{decode_shard_index, shard_names};
use crate::s3::{Client, GetOptions, ListEntry, ListOptions, ListedObject, S3Error};

/// `Cache-Control` of repodata files and the shard index.
pub const REPODATA_CACHE_CONTROL: &str = "public, max-age=300";
/// `Cache-Control` of shards (content-addressed).
pub const SHARD_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

pub use crate::channel::platform::PLATFORMS;

/// How to index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexOptions {
    /// Read every package again (records keep their `indexed_timestamp`).
    pub force: bool,
    /// Packages read at once (at least 1).
    pub max_parallel: usize,
    /// Milliseconds since the epoch: the `indexed_timestamp` of new records (the caller's clock).
    pub now_ms: i64,
    /// Write CEP-16 sharded repodata (default on, as rattler).
    pub write_shards: bool,
    /// Only these subdirs (`None`: every subdir of the channel).
    pub subdirs: Option<Vec<String>>,
    /// Keys asked for in a subdir's first listing page (`max-keys`). AWS returns at most
    /// 1,000 whatever is asked; a server that returns more (s3s-fs, SeaweedFS) then lists a
    /// subdir of up to this many files in one request, which matters where every page costs
    /// the server a walk of the subdir (s3s-fs). Default 10,000 (about 3.5 MB of XML).
    pub first_page_keys: u32,
    /// How many times a subdir is indexed when its files change under us (at least 1).
    pub attempts: u32,
}

impl IndexOptions {
    /// Defaults: incremental, 16 at a time (reads wait on the server as much as they decode),
    /// shards on, first listing pages of up to 10,000 keys, 5 attempts.
    pub fn new(now_ms: i64) -> Self {
        IndexOptions {
            force: false,
            max_parallel: 16,
            now_ms,
            write_shards: true,
            subdirs: None,
            first_page_keys: 10_000,
            attempts: 5,
        }
    }
}

/// A package that could not be indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// `SUBDIR/FILENAME`.
    pub path: String,
    /// Why (one line).
    pub reason: String,
}

/// What an index run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexSummary {
    /// Subdirs looked at.
    pub subdirs: usize,
    /// Subdirs whose repodata was written.
    pub subdirs_written: usize,
    /// Packages read (new or changed).
    pub packages_read: usize,
    /// Of those, how many had stored checksums.
    pub stored_checksums: usize,
    /// Records kept from the existing repodata.
    pub packages_kept: usize,
    /// Records dropped (their package is gone).
    pub packages_removed: usize,
    /// Packages that could not be read.
    pub skipped: Vec<Skipped>,
    /// Requests made (all kinds).
    pub requests: u64,
    /// Body bytes received.
    pub bytes_read: u64,
    /// Body bytes sent.
    pub bytes_written: u64,
    /// Conflicts (412) that made a subdir be indexed again.
    pub retries: u32,
    /// Wall time in milliseconds.
    pub millis: u128,
}

impl IndexSummary {
    /// The summary line: packages read, bytes transferred, time.
    pub fn line(&self) -> String {
        format!(
            "indexed {} subdir(s) ({} written): {} package(s) read ({} with stored checksums), {} kept, {} removed, \
             {} skipped; {} requests, {} bytes received, {} bytes sent, {:.2} s",
            self.subdirs,
            self.subdirs_written,
            self.packages_read,
            self.stored_checksums,
            self.packages_kept,
            self.packages_removed,
            self.skipped.len(),
            self.requests,
            self.bytes_read,
            self.bytes_written,
            self.millis as f64 / 1000.0
        )
    }
}

/// The channel prefix inside the bucket: `""` or `PATH/`.
pub(crate) fn channel_prefix(path: &str) -> String {
    let p = path.trim_matches('/');
    if p.is_empty() {
        String::new()
    } else {
        format!("{p}/")
    }
}

/// The subdirs of the channel (common prefixes that are platform names), sorted.
pub fn list_subdirs(client: &Client, bucket: &str, prefix: &str) -> Result<Vec<String>, PublishError> {
    let opts = ListOptions { prefix: Some(prefix.to_string()), delimiter: Some("/".into()), ..Default::default() };
    let mut out = BTreeSet::new();
    for entry in client.list_objects(bucket, &opts) {
        if let ListEntry::Prefix(p) = entry? {
            let name = p[prefix.len().min(p.len())..].trim_end_matches('/');
            if PLATFORMS.contains(&name) {
                out.insert(name.to_string());
            }
        }
    }
    Ok(out.into_iter().collect())
}

/// Where an index run is, for a progress line ([`index_channel_with`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexProgress<'a> {
    /// The subdir being indexed.
    pub subdir: &'a str,
    /// Its packages read so far.
    pub read: usize,
    /// Its packages to read (new or changed).
    pub to_read: usize,
    /// Package bytes received so far in this subdir.
    pub bytes: u64,
}

/// Indexes the channel at `bucket`/`path`.
pub fn index_channel(
    client: &Client,
    bucket: &str,
    path: &str,
    opts: &IndexOptions,
) -> Result<IndexSummary, PublishError> {
    index_channel_with(client, bucket, path, opts, &|_| {})
}

/// [`index_channel`], calling `progress` (from the reading threads) after each package read.
pub fn index_channel_with(
    client: &Client,
    bucket: &str,
    path: &str,
    opts: &IndexOptions,
    progress: &(dyn Fn(IndexProgress<'_>) + Sync),
) -> Result<IndexSummary, PublishError> {
    let start = Instant::now();
    let prefix = channel_prefix(path);
    let mut summary = IndexSummary::default();
    let mut subdirs: BTreeSet<String> = match &opts.subdirs {
        Some(list) => list.iter().cloned().collect(),
        None => {
            summary.requests += 1;
            list_subdirs(client, bucket, &prefix)?.into_iter().collect()
        }
    };
    // A channel always has noarch (rattler's reader requires it).
    subdirs.insert("noarch".to_string());
    let permits = Permits::new(opts.max_parallel);
    let one = |subdir: &str| -> Result<IndexSummary, PublishError> {
        let mut s = IndexSummary::default();
        let mut attempt = 0;
        loop {
            attempt += 1;
            match index_subdir(client, bucket, &prefix, subdir, opts, &permits, &mut s, progress) {
                Ok(()) => return Ok(s),
                Err(Attempt::Conflict) if attempt < opts.attempts.max(1) => s.retries += 1,
                Err(Attempt::Conflict) => {
                    return Err(PublishError::Conflict {
                        subdir: format!("s3://{bucket}/{prefix}{subdir}"),
                        attempts: attempt,
                    })
                }
                Err(Attempt::Failed(e)) => return Err(e),
            }
        }
    };
    let results: Vec<Result<IndexSummary, PublishError>> = std::thread::scope(|scope| {
        let one = &one;
        let handles: Vec<_> = subdirs.iter().map(|d| scope.spawn(move || one(d))).collect();
        handles.into_iter().map(joined).collect()
    });
    for r in results {
        let s = r?;
        summary.subdirs_written += s.subdirs_written;
        summary.packages_read += s.packages_read;
        summary.stored_checksums += s.stored_checksums;
        summary.packages_kept += s.packages_kept;
        summary.packages_removed += s.packages_removed;
        summary.skipped.extend(s.skipped);
        summary.requests += s.requests;
        summary.bytes_read += s.bytes_read;
        summary.bytes_written += s.bytes_written;
        summary.retries += s.retries;
    }
    summary.subdirs = subdirs.len();
    summary.millis = start.elapsed().as_millis();
    Ok(summary)
}

/// An object read whole (`None` when absent) with its ETag.
fn get_small(client: &Client, bucket: &str, key: &str) -> Result<Option<(Vec<u8>, String)>, S3Error> {
    match client.get_object(bucket, key, &GetOptions::default()) {
        Ok(obj) => {
            let etag = obj.meta.etag.clone().unwrap_or_default();
            Ok(Some((obj.read_to_vec(1 << 31)?, etag)))
        }
        Err(e) if is_missing(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

fn is_missing(e: &S3Error) -> bool {
    e.status() == Some(404) && e.code() != Some("NoSuchBucket")
}

fn head_etag(client: &Client, bucket: &str, key: &str) -> Result<Option<String>, S3Error> {
    match client.head_object(bucket, key) {
        Ok(m) => Ok(Some(m.etag.unwrap_or_default())),
        Err(e) if is_missing(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Package names per range when a subdir's listing is cut into ranges: a page holds 1,000
/// entries, and the rest leaves room for the subdir's other files and for packages added
/// since the names were listed.
const NAMES_PER_RANGE: usize = 900;

/// Ranges of a subdir's listing listed at once.
const LIST_RANGES: usize = 8;

/// The packages listed directly under `dir`, by file name, and the pages that took. The
/// first page (up to `first_keys` keys where the server allows more than 1,000) is asked for
/// at once; if there is more, the rest is cut at every 900th of the names `known()` gives
/// (the sidecar's: the file names listed last time, read meanwhile) and its ranges are listed
/// at once ([`Client::list_in_ranges`]): a subdir of 30,000 packages is then not 30 round
/// trips one after another.
fn list_packages(
    client: &Client,
    bucket: &str,
    dir: &str,
    known: &mut dyn FnMut() -> Vec<String>,
    parallel: usize,
    first_keys: u32,
) -> Result<(BTreeMap<String, ListedObject>, u64), S3Error> {
    let list_opts = ListOptions { prefix: Some(dir.to_string()), delimiter: Some("/".into()), ..Default::default() };
    let first_opts = ListOptions { max_keys: Some(first_keys.max(1)), ..list_opts.clone() };
    let first = client.list_objects_page(bucket, &first_opts, None)?;
    let mut objects = first.contents;
    let mut pages = 1;
    let last = objects.iter().map(|o| o.key.as_str()).chain(first.common_prefixes.iter().map(String::as_str)).max();
    if let (true, Some(last)) = (first.is_truncated, last) {
        let names = known();
        let splits: Vec<String> = names
            .iter()
            .map(|name| format!("{dir}{name}"))
            .filter(|k| k.as_str() > last)
            .skip(NAMES_PER_RANGE - 1)
            .step_by(NAMES_PER_RANGE)
            .collect();
        let rest_opts = ListOptions { start_after: Some(last.to_string()), ..list_opts };
        let rest = client.list_in_ranges(bucket, &rest_opts, &splits, parallel.clamp(1, LIST_RANGES))?;
        pages += rest.pages;
        objects.extend(rest.entries.into_iter().filter_map(|e| match e {
            ListEntry::Object(o) => Some(o),
            ListEntry::Prefix(_) => None,
        }));
    } else if first.is_truncated {
        return Err(S3Error::InvalidResponse(crate::s3::ResponseError::TruncatedListing));
    }
    let mut listed = BTreeMap::new();
    for o in objects {
        let name = o.key[dir.len()..].to_string();
        if PackageFormat::from_file_name(&name).is_ok() && !name.contains('/') {
            listed.insert(name, o);
        }
    }
    Ok((listed, pages))
}

fn joined<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> T {
    h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
}

#[allow(clippy::too_many_arguments)]
fn index_subdir(
    client: &Client,
    bucket: &str,
    prefix: &str,
    subdir: &str,
    opts: &IndexOptions,
    permits: &Permits,
    summary: &mut IndexSummary,
    progress: &(dyn Fn(IndexProgress<'_>) + Sync),
) -> Result<(), Attempt> {
    let dir = format!("{prefix}{subdir}/");
    let key = |name: &str| format!("{dir}{name}");
    let fmt_err = |e: &dyn std::fmt::Display| Attempt::Failed(PublishError::Format(e.to_string()));

    // What the run depends on, read at once: the listing's first page beside the sidecar,
    // whose names cut the rest of the listing when there is more.
    let (old, zst_etag, index_obj, listed) = std::thread::scope(|scope| {
        let listed = scope.spawn(|| -> Result<_, S3Error> {
            std::thread::scope(|inner| {
                let mut handle = Some(inner.spawn(|| get_small(client, bucket, &key(STATE_FILE))));
                let (mut fetched, mut parsed) = (None, None);
                let listing = {
                    // Called only when the listing has more than one page.
                    let mut known = || -> Vec<String> {
                        let obj = handle.take().map(joined);
                        let state = match &obj {
                            Some(Ok(Some((bytes, _)))) => IndexState::from_slice(bytes),
                            _ => IndexState::default(),
                        };
                        let names = state.files.keys().cloned().collect();
                        (fetched, parsed) = (obj, Some(state));
                        names
                    };
                    list_packages(client, bucket, &dir, &mut known, opts.max_parallel, opts.first_page_keys)
                };
                let state_obj = match (fetched, handle.take()) {
                    (Some(read), _) => read?,
                    (None, Some(h)) => joined(h)?,
                    (None, None) => None,
                };
                let (listed, pages) = listing?;
                let state = parsed
                    .unwrap_or_else(|| state_obj.as_ref().map(|(b, _)| IndexState::from_slice(b)).unwrap_or_default());
                Ok((state_obj, state, listed, pages))
            })
        });
        let zst = scope.spawn(|| head_etag(client, bucket, &key("repodata.json.zst")));
        let index = scope.spawn(|| match opts.write_shards {
            true => get_small(client, bucket, &key("repodata_shards.msgpack.zst")),
            false => Ok(None),
        });
        let old = get_small(client, bucket, &key("repodata.json"));
        (old, joined(zst), joined(index), joined(listed))
    });
    let (old, zst_etag, index_obj) = (old?, zst_etag?, index_obj?);
    let (state_obj, state, listed, pages) = listed?;
    summary.requests += 3 + pages + u64::from(opts.write_shards);
    summary.bytes_read +=
        [&old, &state_obj, &index_obj].iter().map(|o| o.as_ref().map_or(0, |(b, _)| b.len() as u64)).sum::<u64>();
    let old_repodata = match &old {
        Some((bytes, _)) => {
            Some(read_repodata(&bytes[..], &format!("s3://{bucket}/{dir}repodata.json")).map_err(|e| fmt_err(&e))?)
        }
        None => None,
    };
    let old_etag = old.as_ref().map(|(_, e)| e.clone());
    let state_etag = state_obj.map(|(_, e)| e);
    let (old_index, index_etag) = match index_obj {
        Some((bytes, etag)) => (decode_shard_index(&bytes, "repodata_shards.msgpack.zst").ok(), Some(etag)),
        None => (None, None),
    };

    let empty = RepoData::default();
    let previous = old_repodata.as_ref().unwrap_or(&empty);
    let old_record = |name: &str| previous.conda_packages.get(name).or_else(|| previous.packages.get(name));
    let mut repodata = RepoData {
        info: Some(ChannelInfo { subdir: Some(subdir.to_string()), ..ChannelInfo::default() }),
        removed: previous.removed.clone(),
        repodata_version: Some(1),
        extra: previous.extra.clone(),
        ..RepoData::default()
    };
    repodata.extra.entry("v3".into()).or_insert_with(|| serde_json::json!({}));
    let mut to_read: Vec<(String, ListedObject)> = Vec::new();
    // Package names whose records change (their shards are written again).
    let mut touched: BTreeSet<String> = BTreeSet::new();
    let mut kept = 0;
    for (name, obj) in &listed {
        match old_record(name) {
            Some(r) if !opts.force && state.unchanged(name, r, &obj.etag, obj.size) => {
                insert(&mut repodata, name, r.clone());
                kept += 1;
            }
            other => {
                touched.extend(other.map(|r| r.name.to_lowercase()));
                to_read.push((name.clone(), obj.clone()));
            }
        }
    }
    let mut removed = 0;
    for (name, r) in previous.packages.iter().chain(previous.conda_packages.iter()) {
        if !listed.contains_key(name) {
            removed += 1;
            touched.insert(r.name.to_lowercase());
        }
    }

    // Read the new and changed packages.
    let to_read_count = to_read.len();
    let report = |read: usize, bytes: u64| progress(IndexProgress { subdir, read, to_read: to_read_count, bytes });
    let results = read_packages(client, bucket, &dir, &to_read, opts.max_parallel, permits, &report);
    let mut read = 0;
    let mut new_state = IndexState { version: 1, files: BTreeMap::new() };
    for (name, obj) in &listed {
        if repodata.conda_packages.contains_key(name) || repodata.packages.contains_key(name) {
            new_state.files.insert(name.clone(), Seen { etag: obj.etag.clone(), size: obj.size });
        }
    }
    let mut skipped = Vec::new();
    for ((name, obj), result) in to_read.iter().zip(results) {
        match result {
            Ok(pkg) => {
                summary.requests += u64::from(pkg.requests);
                summary.bytes_read += pkg.bytes;
                summary.stored_checksums += usize::from(pkg.stored_checksums);
                let mut record = pkg.record;
                // indexed_timestamp survives a forced re-read of the same file; a changed
                // file is a new package.
                record.indexed_timestamp = match old_record(name) {
                    Some(r) if opts.force && r.sha256 == record.sha256 => r.indexed_timestamp.or(Some(opts.now_ms)),
                    _ => Some(opts.now_ms),
                };
                touched.insert(record.name.to_lowercase());
                insert(&mut repodata, name, record);
                new_state.files.insert(name.clone(), Seen { etag: obj.etag.clone(), size: obj.size });
                read += 1;
            }
            Err(reason) => skipped.push(Skipped { path: format!("{subdir}/{name}"), reason }),
        }
    }

    let unchanged = old_repodata.is_some()
        && read == 0
        && removed == 0
        && zst_etag.is_some()
        && (!opts.write_shards || index_etag.is_some())
        && state_etag.is_some()
        && !opts.force;
    if !unchanged {
        // The shard index read describes the repodata read when it has the same names; then
        // only the touched names' shards are encoded again.
        let trusted = old_index.filter(|i| i.shards.keys().eq(shard_names(previous).iter()));
        let existing =
            Existing { repodata: old_etag, zst: zst_etag, state: state_etag, index: index_etag, shards: trusted };
        let w = write_subdir(
            client,
            bucket,
            &dir,
            subdir,
            &repodata,
            &new_state,
            &existing,
            &touched,
            opts.write_shards,
            opts.max_parallel,
            opts.now_ms,
        )?;
        summary.requests += w.requests;
        summary.bytes_written += w.bytes;
        summary.subdirs_written += 1;
    }
    summary.packages_read += read;
    summary.packages_kept += kept;
    summary.packages_removed += removed;
    summary.skipped.extend(skipped);
    Ok(())
}

fn insert(repodata: &mut RepoData, filename: &str, record: PackageRecord) {
    if filename.ends_with(".conda") {
        repodata.conda_packages.insert(filename.to_string(), record);
    } else {
        repodata.packages.insert(filename.to_string(), record);
    }
}

/// `2026-12-01T21:54:39.123Z` for milliseconds since the epoch.
pub(crate) fn rfc3339_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let d = crate::sigv4::AmzDate::from_unix(secs);
    let s = d.as_str(); // 20261201T215439Z
    format!(
        "{}-{}-{}T{}:{}:{}.{:03}Z",
        &s[0..4],
        &s[4..6],
        &s[6..8],
        &s[9..11],
        &s[11..13],
        &s[13..15],
        ms.rem_euclid(1000)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_dates() {
        assert_eq!(channel_prefix(""), "");
        assert_eq!(channel_prefix("/chan/"), "chan/");
        assert_eq!(channel_prefix("a/b"), "a/b/");
        assert_eq!(rfc3339_ms(1_764_626_079_123), "2025-12-01T21:54:39.123Z");
        let s = IndexSummary { packages_read: 2, millis: 1500, ..Default::default() };
        assert!(s.line().contains("2 package(s) read") && s.line().ends_with("1.50 s"), "{}", s.line());
    }
}
