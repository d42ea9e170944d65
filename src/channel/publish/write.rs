//! Writing one subdir's index files ([`write_subdir`]): the shards that are new, the shard
//! index, `repodata.json.zst` and the sidecar at once, then `repodata.json` last, the commit
//! point. Each repodata file is written with `If-Match` on the ETag that was read (or
//! `If-None-Match: *` when it was absent); a refusal is an [`Attempt::Conflict`].
//!
//! A shard is encoded only when its package name was touched (a record added, changed or
//! removed) or when the shard index read cannot be trusted to describe the repodata read (its
//! names differ from the repodata's); every other name keeps its digest from the index read.
//! zstd level 19 of `repodata.json` (byte for byte as rattler writes it) is the largest cost
//! of an incremental run; it runs beside the other uploads.

use std::collections::{BTreeMap, BTreeSet};

use super::error::PublishError;
use super::index::{rfc3339_ms, REPODATA_CACHE_CONTROL, SHARD_CACHE_CONTROL};
use super::parallel::parallel_map;
use super::state::{IndexState, STATE_FILE};
use crate::channel::repodata::{compress_repodata, repodata_to_vec, RepoData};
use crate::channel::shards::{
    encode_shard, encode_shard_index, shard_names, shards_for_names, Shard, ShardIndex, ShardIndexInfo,
};
use crate::s3::{Client, PutOptions, S3Error};

/// How one attempt at a subdir ended, when not written.
pub(crate) enum Attempt {
    /// Someone else wrote the subdir meanwhile (412 or 409): index it again.
    Conflict,
    /// Anything else.
    Failed(PublishError),
}

/// A refused precondition (412), or a conflicting write under way (409).
fn is_conflict(e: &S3Error) -> bool {
    e.status() == Some(412) || e.status() == Some(409)
}

impl From<S3Error> for Attempt {
    fn from(e: S3Error) -> Self {
        if is_conflict(&e) {
            Attempt::Conflict
        } else {
            Attempt::Failed(PublishError::S3(e))
        }
    }
}

impl From<PublishError> for Attempt {
    fn from(e: PublishError) -> Self {
        Attempt::Failed(e)
    }
}

fn format_error(e: &dyn std::fmt::Display) -> Attempt {
    Attempt::Failed(PublishError::Format(e.to_string()))
}

/// `If-Match` on `etag`, or `If-None-Match: *` when the object was absent.
pub(crate) fn conditional(etag: &Option<String>, cache_control: &str, content_type: &str) -> PutOptions {
    PutOptions {
        if_match: etag.clone(),
        if_none_match_any: etag.is_none(),
        cache_control: Some(cache_control.into()),
        content_type: Some(content_type.into()),
        ..PutOptions::default()
    }
}

/// What was read of a subdir's index files: the ETags the writes are conditional on, and
/// the shard index.
pub(crate) struct Existing {
    /// `repodata.json`.
    pub repodata: Option<String>,
    /// `repodata.json.zst`.
    pub zst: Option<String>,
    /// The sidecar.
    pub state: Option<String>,
    /// `repodata_shards.msgpack.zst`, and what it held.
    pub index: Option<String>,
    /// The shard index read, when it describes the repodata read (same names).
    pub shards: Option<ShardIndex>,
}

/// What the writes cost.
#[derive(Debug, Default)]
pub(crate) struct Written {
    pub requests: u64,
    pub bytes: u64,
}

/// Writes the subdir `dir` (`PREFIX/SUBDIR/`): see the module docs. `touched`: the package
/// names whose records changed.
#[allow(clippy::too_many_arguments)]
pub(crate) fn write_subdir(
    client: &Client,
    bucket: &str,
    dir: &str,
    subdir: &str,
    repodata: &RepoData,
    state: &IndexState,
    existing: &Existing,
    touched: &BTreeSet<String>,
    write_shards: bool,
    parallel: usize,
    now_ms: i64,
) -> Result<Written, Attempt> {
    let key = |name: &str| format!("{dir}{name}");
    let json = repodata_to_vec(repodata);
    let state_bytes = state.to_vec();
    let mut written = Written::default();
    let (zst, side, shards) = std::thread::scope(|scope| {
        let zst = scope.spawn(|| -> Result<u64, Attempt> {
            let zst = compress_repodata(&json).map_err(|e| format_error(&e))?;
            let put = conditional(&existing.zst, REPODATA_CACHE_CONTROL, "application/zstd");
            client.put_object(bucket, &key("repodata.json.zst"), &zst, &put)?;
            Ok(zst.len() as u64)
        });
        let side = scope.spawn(|| -> Result<u64, Attempt> {
            let put = conditional(&existing.state, "no-cache", "application/json");
            client.put_object(bucket, &key(STATE_FILE), &state_bytes, &put)?;
            Ok(state_bytes.len() as u64)
        });
        let shards = write_shards
            .then(|| write_shard_files(client, bucket, dir, subdir, repodata, existing, touched, parallel, now_ms));
        let join = |h: std::thread::ScopedJoinHandle<'_, Result<u64, Attempt>>| {
            h.join().unwrap_or_else(|_| Err(format_error(&"a writer thread panicked")))
        };
        (join(zst), join(side), shards)
    });
    for sent in [zst, side] {
        written.bytes += sent?;
        written.requests += 1;
    }
    if let Some(w) = shards {
        let w = w?;
        written.bytes += w.bytes;
        written.requests += w.requests;
    }
    // Last: repodata.json, the commit point.
    let put = conditional(&existing.repodata, REPODATA_CACHE_CONTROL, "application/json");
    client.put_object(bucket, &key("repodata.json"), &json, &put)?;
    written.requests += 1;
    written.bytes += json.len() as u64;
    Ok(written)
}

/// One shard written: its name, digest, requests and bytes sent.
type ShardWritten = (String, [u8; 32], u64, u64);

/// The shards that are new (`If-None-Match: *`, immutable), `parallel` at a time, then the
/// shard index.
#[allow(clippy::too_many_arguments)]
fn write_shard_files(
    client: &Client,
    bucket: &str,
    dir: &str,
    subdir: &str,
    repodata: &RepoData,
    existing: &Existing,
    touched: &BTreeSet<String>,
    parallel: usize,
    now_ms: i64,
) -> Result<Written, Attempt> {
    let mut written = Written::default();
    let names = shard_names(repodata);
    let old = existing.shards.as_ref();
    let encode =
        |name: &str| old.is_none() || touched.contains(name) || !old.is_some_and(|i| i.shards.contains_key(name));
    let todo: Vec<(String, Shard)> = shards_for_names(repodata, encode).into_iter().collect();
    // Encoded and sent by `parallel` workers: a full index writes a shard per name, and one
    // PUT at a time would leave the cores idle on the answers.
    let sent = parallel_map(&todo, parallel, Result::is_err, |_, (name, shard)| {
        write_shard(client, bucket, dir, name, shard, old)
    });
    let mut digests: BTreeMap<String, [u8; 32]> = BTreeMap::new();
    for r in sent.into_iter().flatten() {
        let (name, digest, requests, bytes) = r?;
        written.requests += requests;
        written.bytes += bytes;
        digests.insert(name, digest);
    }
    if let Some(old) = old {
        for name in &names {
            if !digests.contains_key(name) {
                if let Some(d) = old.shards.get(name) {
                    digests.insert(name.clone(), *d);
                }
            }
        }
    }
    let index = ShardIndex {
        info: ShardIndexInfo {
            subdir: subdir.to_string(),
            base_url: String::new(),
            shards_base_url: "./shards/".into(),
            created_at: Some(rfc3339_ms(now_ms)),
            extra: Vec::new(),
        },
        shards: digests,
    };
    let bytes = encode_shard_index(&index).map_err(|e| format_error(&e))?;
    let put = conditional(&existing.index, REPODATA_CACHE_CONTROL, "application/octet-stream");
    written.requests += 1;
    client.put_object(bucket, &format!("{dir}repodata_shards.msgpack.zst"), &bytes, &put)?;
    written.bytes += bytes.len() as u64;
    Ok(written)
}

/// Encodes one shard and sends it unless the shard index read already names its digest.
fn write_shard(
    client: &Client,
    bucket: &str,
    dir: &str,
    name: &str,
    shard: &Shard,
    old: Option<&ShardIndex>,
) -> Result<ShardWritten, Attempt> {
    let (zst, digest) = encode_shard(shard).map_err(|e| format_error(&e))?;
    if old.is_some_and(|i| i.shards.get(name) == Some(&digest)) {
        return Ok((name.to_string(), digest, 0, 0));
    }
    let put = PutOptions {
        if_none_match_any: true,
        cache_control: Some(SHARD_CACHE_CONTROL.into()),
        content_type: Some("application/octet-stream".into()),
        ..PutOptions::default()
    };
    let k = format!("{dir}shards/{}.msgpack.zst", crate::channel::hex(digest));
    match client.put_object(bucket, &k, &zst, &put) {
        Ok(_) => Ok((name.to_string(), digest, 1, zst.len() as u64)),
        // Content-addressed: already there means the same bytes.
        Err(e) if is_conflict(&e) => Ok((name.to_string(), digest, 1, 0)),
        Err(e) => Err(Attempt::Failed(PublishError::S3(e))),
    }
}
