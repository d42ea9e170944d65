//! `cp` and `sync`: uploads, downloads and server-side copies, one object or many.
//!
//! Downloads go through `Client::download_to_file` (a temporary file next to the target,
//! renamed only when every byte arrived); a key that would land outside the target directory
//! is refused, reported, and the others continue (exit status 1 at the end).
//!
//! `cp` is in `cp`, `sync` in `sync`, walking and writing local files in `local`; this file
//! holds what both commands do per object (upload, download, copy) and their progress and tally.

mod cp;
mod local;
mod remote;
mod sync;

use std::path::Path;

use super::advice;
use minis3::s3::{Client, ListEntry, ListOptions, ListedObject, PutOptions, S3Error};

use super::args::{Operand, TransferOptions};
use super::plan::Compare;
use super::{CliError, Ctx};
use local::{guess_content_type, local_hint, mkdirs, set_mtime};

/// `cp`: `s3://` and local operands in `cp`, any with `gcs://` (without `s3-options`) or a
/// URL in `remote`.
pub fn cp(ctx: &Ctx, src: Operand, dst: Operand, recursive: bool, opts: &TransferOptions) -> Result<(), CliError> {
    let (src, dst) = (super::remote::route(ctx, src)?, super::remote::route(ctx, dst)?);
    if remote::handles(&src, &dst) {
        return remote::cp(ctx, src, dst, recursive, opts);
    }
    cp::cp(ctx, src, dst, recursive, opts)
}

/// `sync`: `s3://` and local operands in `sync`, any with `gcs://` (without `s3-options`) or
/// a URL in `remote`.
pub fn sync(
    ctx: &Ctx,
    src: Operand,
    dst: Operand,
    delete: bool,
    compare: Compare,
    opts: &TransferOptions,
) -> Result<(), CliError> {
    let (src, dst) = (super::remote::route(ctx, src)?, super::remote::route(ctx, dst)?);
    if remote::handles(&src, &dst) {
        return remote::sync(ctx, src, dst, delete, compare, opts);
    }
    sync::sync(ctx, src, dst, delete, compare, opts)
}

/// Every object under `prefix` (treated as a directory), with its path relative to it;
/// directory markers (keys ending in `/`) are left out.
fn list_under(client: &Client, bucket: &str, prefix: &str) -> Result<Vec<(String, ListedObject)>, CliError> {
    let opts = ListOptions { prefix: (!prefix.is_empty()).then(|| prefix.to_string()), ..Default::default() };
    let mut out = Vec::new();
    for entry in client.list_objects(bucket, &opts) {
        if let ListEntry::Object(o) = entry? {
            if o.key.ends_with('/') || !o.key.starts_with(prefix) {
                continue;
            }
            out.push((o.key[prefix.len()..].to_string(), o));
        }
    }
    Ok(out)
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

/// Progress over many files (shown only when stderr is a terminal).
struct Progress<'a> {
    ctx: &'a Ctx,
    done: usize,
    total: usize,
}

impl<'a> Progress<'a> {
    fn new(ctx: &'a Ctx, total: usize) -> Self {
        Progress { ctx, done: 0, total }
    }

    fn step(&mut self) {
        self.done += 1;
        if self.total > 1 {
            self.ctx.out.progress(&format!("Completed {} of {} file(s)", self.done, self.total));
        }
    }

    fn finish(&self) {
        self.ctx.out.clear_progress();
    }
}

/// Runs the per-item operations, reporting each failure and counting them.
struct Tally<'a> {
    ctx: &'a Ctx,
    failures: usize,
}

impl Tally<'_> {
    fn fail(&mut self, message: &str) {
        self.failures += 1;
        self.ctx.out.error(message);
    }

    fn result(&self) -> Result<(), CliError> {
        if self.failures == 0 {
            Ok(())
        } else {
            Err(CliError::Partial { failures: self.failures })
        }
    }
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
