//! `cp` and `sync`: uploads, downloads and server-side copies, one object or many.
//!
//! Downloads go through `Client::download_to_file` (a temporary file next to the target,
//! renamed only when every byte arrived); a key that would land outside the target directory,
//! cannot be a local file name, or meets a symbolic link or a file in the way
//! ([`minis3::safe_path`]) is refused with one line and the others continue (exit status 2
//! at the end, 1 if something also failed, as the AWS CLI does). When the endpoint stops
//! answering, the command stops there with one line.
//!
//! `gcs://` (without `s3-options`) and URL operands are in `remote`.
//!
//! `cp` is in `cp`, `sync` in `sync`; many objects are read as a listing streamed page by page
//! and local trees one directory at a time (`sides`), met directory by directory for a sync
//! (`tree`), and transferred by a bounded pool of worker threads (`pool`); local file helpers
//! are in `local`. This file holds what both commands do per object (upload, download, copy).

mod cp;
mod local;
mod pool;
mod remote;
mod sides;
mod sync;
mod tree;

use std::path::Path;

use super::advice;
use minis3::s3::{Client, PutOptions, S3Error};
use minis3::safe_path::UnsafePath;

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

/// Directories of a prefix listed at once, ahead of the reader (`sync`, `ls --recursive`;
/// rclone lists 8 at a time too), or fewer when `max_concurrent_requests` allows fewer
/// requests in flight.
pub(super) const LIST_AHEAD: usize = 8;

/// A client for many objects, and its request slots: `max_concurrent_requests` when the
/// AWS config sets it, else [`pool::DEFAULT_SLOTS`]. The connection pool keeps as many idle
/// connections as there are slots, so that no connection is closed to be opened again.
pub(super) fn many_client(ctx: &Ctx, bucket: &str, key: &str) -> Result<(Client, usize), CliError> {
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

/// One item's failure: its line, and whether the endpoint stopped answering (connection
/// refused or lost, a timeout, after the client's retries), when going on is pointless.
pub(super) struct Failure {
    line: String,
    unreachable: bool,
}

impl Failure {
    fn new(line: String, e: &S3Error) -> Self {
        use minis3::http::HttpError as H;
        let unreachable = matches!(
            e,
            S3Error::Transport(
                H::ConnectionRefused { .. }
                    | H::ConnectFailed { .. }
                    | H::ConnectionLost { .. }
                    | H::HostNotFound { .. }
                    | H::Timeout { .. }
            )
        );
        Failure { line, unreachable }
    }
}

impl From<&Failure> for Failure {
    fn from(f: &Failure) -> Self {
        Failure { line: f.line.clone(), unreachable: f.unreachable }
    }
}

impl From<&String> for Failure {
    fn from(line: &String) -> Self {
        Failure { line: line.clone(), unreachable: false }
    }
}

impl From<String> for Failure {
    fn from(line: String) -> Self {
        Failure { line, unreachable: false }
    }
}

impl From<Failure> for CliError {
    fn from(f: Failure) -> Self {
        CliError::Failed(f.line)
    }
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

/// Runs the per-item operations, reporting each failure and each skipped key and counting
/// them: exit 1 if anything failed, else 2 if something was skipped (as the AWS CLI does).
/// When the endpoint stops answering, the command stops there with that one line (the
/// transfers left would each fail the same way, after their retries).
struct Tally<'a> {
    ctx: &'a Ctx,
    failures: usize,
    skipped: usize,
    stopped: Option<String>,
}

impl<'a> Tally<'a> {
    fn new(ctx: &'a Ctx) -> Self {
        Tally { ctx, failures: 0, skipped: 0, stopped: None }
    }

    fn fail(&mut self, failure: impl Into<Failure>) {
        let f = failure.into();
        self.failures += 1;
        if f.unreachable && self.stopped.is_none() {
            self.stopped = Some(f.line);
        } else {
            self.ctx.out.error(&f.line);
        }
    }

    /// Whether the endpoint stopped answering: the caller stops its loop.
    fn stopped(&self) -> bool {
        self.stopped.is_some()
    }

    /// A key that cannot be written under the target directory (see [`minis3::safe_path`]):
    /// skipped with one line, or a failure when the directory could not be created.
    /// `source` is the object as the user names it (`s3://B/K`, `gcs://B/K`).
    fn refuse(&mut self, source: &str, why: &UnsafePath) {
        match refusal(source, why) {
            Ok(line) => {
                self.skipped += 1;
                self.ctx.out.error(&line);
            }
            Err(failure) => self.fail(failure),
        }
    }

    fn result(&self) -> Result<(), CliError> {
        outcome(self.failures, self.skipped, self.stopped.as_deref())
    }
}

/// A command's end: the endpoint gone (`stopped`, its one line), else exit 1 if anything
/// failed, else 2 if keys were refused (skipped, as the AWS CLI's exit 2), else success.
fn outcome(failures: usize, refused: usize, stopped: Option<&str>) -> Result<(), CliError> {
    if let Some(line) = stopped {
        return Err(CliError::Failed(format!(
            "{line}; stopped there, as the endpoint does not answer: run the command again to finish"
        )));
    }
    match (failures, refused) {
        (0, 0) => Ok(()),
        (0, skipped) => Err(CliError::Skipped { skipped }),
        (failures, refused) => Err(CliError::Partial { failures: failures + refused }),
    }
}

/// The line and counting of a refused download (`source`: the object as the user names it).
fn refusal(source: &str, why: &UnsafePath) -> Result<String, Failure> {
    if why.is_refusal() {
        Ok(format!("download refused: {source}: {why}; skipped"))
    } else {
        let t = why.to_string();
        Err(Failure::from(format!("download failed: {source}: {t}{}", local_hint(&t))))
    }
}

/// The downloads queued but not finished, by destination: a key below one of them (the
/// bucket has `a` and `a/b`, listed in that order) is refused as a file in the way, as it is
/// once that file exists, instead of its directory taking the name first. Holds only what
/// is in the pool, so it stays as small as the pool's queue.
#[derive(Default)]
struct PendingFiles(std::sync::Mutex<std::collections::HashSet<std::path::PathBuf>>);

impl PendingFiles {
    /// [`minis3::safe_path::prepare`], refusing a path below a pending file; a path it returns
    /// is pending until [`PendingFiles::done`].
    fn prepare(&self, root: &Path, relative: &str, create: bool) -> Result<std::path::PathBuf, UnsafePath> {
        let mut pending = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let target = minis3::safe_path::join(root, relative)?;
        if let Some(file) = target.ancestors().skip(1).find(|a| pending.contains(*a)) {
            return Err(UnsafePath::FileInTheWay(file.to_path_buf()));
        }
        let dest = minis3::safe_path::prepare(root, relative, create)?;
        pending.insert(dest.clone());
        Ok(dest)
    }

    /// The download to `dest` has ended (either way).
    fn done(&self, dest: &Path) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(dest);
    }
}

/// Queues the download of the listed object `o` to its path `rel` under `dir` (pending in
/// `pending` while it runs), or refuses it when that path cannot be written inside `dir`.
#[allow(clippy::too_many_arguments)]
fn submit_download<'env>(
    ctx: &'env Ctx,
    pool: &mut pool::Pool<'_, 'env>,
    pending: &'env PendingFiles,
    client: &'env Client,
    bucket: &'env str,
    (dir, rel): (&Path, &str),
    o: minis3::s3::ListedObject,
    opts: &'env TransferOptions,
) {
    match pending.prepare(dir, rel, !opts.dryrun) {
        Ok(dest) => pool.submit(
            o.size,
            weight(client, o.size, false),
            Box::new(move || {
                let r = download(ctx, client, (bucket, &o.key, Some(o.size)), &dest, opts);
                pending.done(&dest);
                r
            }),
        ),
        // Keys that cannot be written inside the directory are refused.
        Err(why) => pool.refuse(&format!("s3://{bucket}/{}", o.key), &why),
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
) -> Result<(), Failure> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let line = format!("upload: {} to s3://{bucket}/{key}", path.display());
    if opts.dryrun {
        return Ok(print_item(ctx, opts, &format!("(dryrun) {line}"))?);
    }
    client.put_object_from_file(bucket, key, path, &put_options(opts, &name)).map_err(|e| {
        Failure::new(format!("upload failed: {} to s3://{bucket}/{key}: {}", path.display(), advice::s3_error(&e)), &e)
    })?;
    Ok(print_item(ctx, opts, &line)?)
}

/// Downloads `bucket/key` (of the size a listing gave, when it came from one) to `dest`.
fn download(
    ctx: &Ctx,
    client: &Client,
    (bucket, key, listed_size): (&str, &str, Option<u64>),
    dest: &Path,
    opts: &TransferOptions,
) -> Result<(), Failure> {
    let line = format!("download: s3://{bucket}/{key} to {}", dest.display());
    if opts.dryrun {
        return Ok(print_item(ctx, opts, &format!("(dryrun) {line}"))?);
    }
    let fail = |e: String| format!("download failed: s3://{bucket}/{key} to {}: {e}", dest.display());
    if let Some(parent) = dest.parent() {
        mkdirs(parent).map_err(fail)?;
    }
    let result = client.download_listed(bucket, key, dest, listed_size).map_err(|e| {
        let t = advice::s3_error(&e);
        let hint = if matches!(e, S3Error::Io { .. }) { local_hint(&t) } else { "" };
        Failure::new(fail(format!("{t}{hint}")), &e)
    })?;
    set_mtime(dest, result.meta.last_modified_time);
    Ok(print_item(ctx, opts, &line)?)
}

fn copy(
    ctx: &Ctx,
    client: &Client,
    (sb, sk): (&str, &str),
    (db, dk): (&str, &str),
    opts: &TransferOptions,
) -> Result<(), Failure> {
    let line = format!("copy: s3://{sb}/{sk} to s3://{db}/{dk}");
    if opts.dryrun {
        return Ok(print_item(ctx, opts, &format!("(dryrun) {line}"))?);
    }
    client.copy_object(sb, sk, db, dk, copy_replace(opts).as_ref()).map_err(|e| {
        Failure::new(format!("copy failed: s3://{sb}/{sk} to s3://{db}/{dk}: {}", advice::s3_error(&e)), &e)
    })?;
    Ok(print_item(ctx, opts, &line)?)
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
