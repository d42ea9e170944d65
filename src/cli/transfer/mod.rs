//! `cp` and `sync`: uploads, downloads and server-side copies, one object or many.
//!
//! Downloads go through `Client::download_to_file` (a temporary file next to the target,
//! renamed only when every byte arrived); a key that would land outside the target directory
//! is refused, reported, and the others continue (exit status 1 at the end).
//!
//! `cp` is in `cp`, `sync` in `sync`; many objects are read as a listing streamed page by page
//! and local trees one directory at a time (`sides`), met directory by directory for a sync
//! (`tree`), and transferred by a bounded pool of worker threads (`pool`); local file helpers
//! are in `local`. This file holds what both commands do per object (upload, download, copy).

mod cp;
mod local;
mod pool;
mod sides;
mod sync;
mod tree;

pub use cp::cp;
pub use sync::sync;

use std::path::Path;

use super::advice;
use minis3::s3::{Client, PutOptions, S3Error};

use super::args::TransferOptions;
use super::{CliError, Ctx};
use local::{guess_content_type, local_hint, mkdirs, set_mtime};

/// A client for many objects, and its request slots: `max_concurrent_requests` when the
/// AWS config sets it, else [`pool::DEFAULT_SLOTS`]. The connection pool keeps as many idle
/// connections as there are slots, so that no connection is closed to be opened again.
fn many_client(ctx: &Ctx, bucket: &str, key: &str) -> Result<(Client, usize), CliError> {
    let s = ctx.settings(Some((bucket, key)))?;
    let slots = s.concurrency.as_ref().map(|c| c.value as usize).unwrap_or(pool::DEFAULT_SLOTS).max(1);
    let mut cfg = ctx.client_config(&s)?;
    if cfg.http.max_idle_connections < slots {
        cfg.http.max_idle_connections = slots;
        cfg.agent = None; // built again from `cfg.http`, with the larger pool
    }
    Ok((Client::new(cfg)?, slots))
}

/// How many requests the transfer of `size` bytes may have in flight: one for an object sent
/// or fetched in one request, else one per part or range up to the client's concurrency.
fn weight(client: &Client, size: u64, upload: bool) -> usize {
    let cfg = client.config();
    let one_request = if upload {
        size < cfg.multipart_threshold || (cfg.loopback_single_put && client.is_loopback())
    } else {
        size <= cfg.part_size
    };
    if one_request {
        1
    } else {
        (size.div_ceil(cfg.part_size.max(1)) as usize).clamp(1, cfg.concurrency.max(1))
    }
}

fn put_options(opts: &TransferOptions, name: &str) -> PutOptions {
    PutOptions {
        content_type: opts.content_type.clone().or_else(|| guess_content_type(name).map(str::to_string)),
        metadata: opts.metadata.clone(),
        ..Default::default()
    }
}

fn copy_replace(opts: &TransferOptions) -> Option<PutOptions> {
    (opts.content_type.is_some() || !opts.metadata.is_empty()).then(|| PutOptions {
        content_type: opts.content_type.clone(),
        metadata: opts.metadata.clone(),
        ..Default::default()
    })
}

fn upload(
    ctx: &Ctx,
    client: &Client,
    path: &Path,
    bucket: &str,
    key: &str,
    opts: &TransferOptions,
) -> Result<(), String> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let line = format!("upload: {} to s3://{bucket}/{key}", path.display());
    if opts.dryrun {
        return print_item(ctx, opts, &format!("(dryrun) {line}"));
    }
    client
        .put_object_from_file(bucket, key, path, &put_options(opts, &name))
        .map_err(|e| format!("upload failed: {} to s3://{bucket}/{key}: {}", path.display(), advice::s3_error(&e)))?;
    print_item(ctx, opts, &line)
}

fn download(
    ctx: &Ctx,
    client: &Client,
    bucket: &str,
    key: &str,
    dest: &Path,
    opts: &TransferOptions,
) -> Result<(), String> {
    let line = format!("download: s3://{bucket}/{key} to {}", dest.display());
    if opts.dryrun {
        return print_item(ctx, opts, &format!("(dryrun) {line}"));
    }
    let fail = |e: String| format!("download failed: s3://{bucket}/{key} to {}: {e}", dest.display());
    if let Some(parent) = dest.parent() {
        mkdirs(parent).map_err(fail)?;
    }
    let result = client.download_to_file(bucket, key, dest).map_err(|e| {
        let t = advice::s3_error(&e);
        let hint = if matches!(e, S3Error::Io { .. }) { local_hint(&t) } else { "" };
        fail(format!("{t}{hint}"))
    })?;
    set_mtime(dest, result.meta.last_modified_time);
    print_item(ctx, opts, &line)
}

fn copy(
    ctx: &Ctx,
    client: &Client,
    (sb, sk): (&str, &str),
    (db, dk): (&str, &str),
    opts: &TransferOptions,
) -> Result<(), String> {
    let line = format!("copy: s3://{sb}/{sk} to s3://{db}/{dk}");
    if opts.dryrun {
        return print_item(ctx, opts, &format!("(dryrun) {line}"));
    }
    client
        .copy_object(sb, sk, db, dk, copy_replace(opts).as_ref())
        .map_err(|e| format!("copy failed: s3://{sb}/{sk} to s3://{db}/{dk}: {}", advice::s3_error(&e)))?;
    print_item(ctx, opts, &line)
}

fn print_item(ctx: &Ctx, opts: &TransferOptions, line: &str) -> Result<(), String> {
    if opts.quiet {
        return Ok(());
    }
    match ctx.out.line(line) {
        Ok(()) | Err(CliError::BrokenPipe) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}
