//! `sync`: what is missing or changed, directory to prefix, prefix to directory or prefix to
//! prefix (and `--delete`: what is only at the destination), decided path by path by
//! `plan::decide` as the source listing is read, and transferred by the worker pool while the
//! listing goes on. Memory does not grow with the number of files: the S3 side is listed
//! directory by directory, a few pages ahead (`Client::list_tree`), the other side is read only
//! for the directories the listing enters (see `tree`), and the pool's queue is bounded.

use std::fs;
use std::thread;

use minis3::s3::{Client, TreeOrder, DELETE_BATCH};

use super::local::local_hint;
use super::pool::{self, Pool};
use super::sides::{file_entry, object_entry, Listing, LocalTree, S3Tree};
use super::tree::{Merge, Pair};
use super::{copy, many_client, submit_download, upload, weight, PendingFiles, LIST_AHEAD};
use crate::cli::args::{Operand, TransferOptions};
use crate::cli::commands::delete_keys;
use crate::cli::paths::dir_prefix;
use crate::cli::plan::{decide, Compare, Direction, Step};
use crate::cli::{CliError, Ctx};

/// Deletes `keys` (a batch of `--delete`), counting failures in the pool.
fn delete_batch(
    ctx: &Ctx,
    pool: &Pool<'_, '_>,
    client: &Client,
    bucket: &str,
    keys: &mut Vec<String>,
    opts: &TransferOptions,
) {
    if keys.is_empty() {
        return;
    }
    match delete_keys(ctx, client, bucket, keys, opts.dryrun, opts.quiet) {
        Ok(()) => {}
        Err(CliError::Partial { failures }) => pool.add_failures(failures),
        Err(other) => pool.fail(&other.to_string()),
    }
    keys.clear();
}

/// `sync`.
pub fn sync(
    ctx: &Ctx,
    src: Operand,
    dst: Operand,
    delete: bool,
    compare: Compare,
    opts: &TransferOptions,
) -> Result<(), CliError> {
    let totals = match (src, dst) {
        (Operand::Local(dir), Operand::S3 { bucket, key }) => {
            if !dir.is_dir() {
                return Err(CliError::Failed(format!(
                    "{} is not a directory: sync copies directories (use cp for one file)",
                    dir.display()
                )));
            }
            let (client, slots) = many_client(ctx, &bucket, &key)?;
            let (client, bucket, prefix) = (&client, bucket.as_str(), dir_prefix(&key));
            thread::scope(|scope| {
                pool::run(ctx, slots, opts.quiet, |pool| {
                    let mut deletions = Vec::new();
                    let listing = Listing::new(
                        client.list_tree(scope, bucket, &prefix, LIST_AHEAD.min(slots), TreeOrder::DirectoryFirst),
                        &prefix,
                    );
                    for pair in Merge::new(LocalTree::new(dir.clone()), listing) {
                        if pool.stopped() {
                            break;
                        }
                        let (rel, local, remote) = match pair? {
                            Pair::Both(rel, o, f) => (rel, Some(f), Some(o)),
                            Pair::ListingOnly(rel, o) => (rel, None, Some(o)),
                            Pair::TreeOnly(rel, f) => (rel, Some(f), None),
                        };
                        if !opts.filters.includes(&rel) {
                            continue;
                        }
                        let (s, d) = (
                            local.as_ref().map(|f| file_entry(&rel, f)),
                            remote.as_ref().map(|o| object_entry(&rel, o)),
                        );
                        match (decide(s.as_ref(), d.as_ref(), Direction::Upload, compare, delete), local) {
                            (Step::Transfer(_), Some(f)) => {
                                let key = format!("{prefix}{rel}");
                                pool.submit(
                                    f.size,
                                    weight(client, f.size, true),
                                    Box::new(move || upload(ctx, client, &f.path, bucket, &key, opts)),
                                );
                            }
                            (Step::Delete, _) => {
                                deletions.push(format!("{prefix}{rel}"));
                                if deletions.len() == DELETE_BATCH {
                                    delete_batch(ctx, pool, client, bucket, &mut deletions, opts);
                                }
                            }
                            (Step::UpToDate, _) => pool.skip(),
                            _ => {}
                        }
                    }
                    delete_batch(ctx, pool, client, bucket, &mut deletions, opts);
                    Ok(())
                })
            })?
        }
        (Operand::S3 { bucket, key }, Operand::Local(dir)) => {
            let (client, slots) = many_client(ctx, &bucket, &key)?;
            let (client, bucket, prefix) = (&client, bucket.as_str(), dir_prefix(&key));
            let pending = &PendingFiles::default();
            thread::scope(|scope| {
                pool::run(ctx, slots, opts.quiet, |pool| {
                    let listing = Listing::new(
                        client.list_tree(scope, bucket, &prefix, LIST_AHEAD.min(slots), TreeOrder::DirectoryFirst),
                        &prefix,
                    );
                    for pair in Merge::new(LocalTree::new(dir.clone()), listing) {
                        if pool.stopped() {
                            break;
                        }
                        let (rel, remote, local) = match pair? {
                            Pair::Both(rel, o, f) => (rel, Some(o), Some(f)),
                            Pair::ListingOnly(rel, o) => (rel, Some(o), None),
                            Pair::TreeOnly(rel, f) => (rel, None, Some(f)),
                        };
                        if !opts.filters.includes(&rel) {
                            continue;
                        }
                        let (s, d) = (
                            remote.as_ref().map(|o| object_entry(&rel, o)),
                            local.as_ref().map(|f| file_entry(&rel, f)),
                        );
                        match (decide(s.as_ref(), d.as_ref(), Direction::Download, compare, delete), remote, local) {
                            (Step::Transfer(_), Some(o), _) => {
                                submit_download(ctx, pool, pending, client, bucket, (&dir, &rel), o, opts)
                            }
                            (Step::Delete, _, Some(f)) => {
                                let line = format!("delete: {}", f.path.display());
                                if opts.dryrun {
                                    if !opts.quiet {
                                        ctx.out.line(&format!("(dryrun) {line}"))?;
                                    }
                                    continue;
                                }
                                match fs::remove_file(&f.path) {
                                    Ok(()) if !opts.quiet => ctx.out.line(&line)?,
                                    Ok(()) => {}
                                    Err(e) => {
                                        let t = e.to_string();
                                        pool.fail(&format!(
                                            "delete failed: {}: {t}{}",
                                            f.path.display(),
                                            local_hint(&t)
                                        ))
                                    }
                                }
                            }
                            (Step::UpToDate, _, _) => pool.skip(),
                            _ => {}
                        }
                    }
                    Ok(())
                })
            })?
        }
        (Operand::S3 { bucket, key }, Operand::S3 { bucket: db, key: dk }) => {
            let (client, slots) = many_client(ctx, &bucket, &key)?;
            let (client, bucket, db) = (&client, bucket.as_str(), db.as_str());
            let (prefix, dprefix) = (dir_prefix(&key), dir_prefix(&dk));
            thread::scope(|scope| {
                pool::run(ctx, slots, opts.quiet, |pool| {
                    let mut deletions = Vec::new();
                    let listing = Listing::new(
                        client.list_tree(scope, bucket, &prefix, LIST_AHEAD.min(slots), TreeOrder::DirectoryFirst),
                        &prefix,
                    );
                    for pair in Merge::new(S3Tree::new(client, db, &dprefix), listing) {
                        if pool.stopped() {
                            break;
                        }
                        let (rel, from, to) = match pair? {
                            Pair::Both(rel, s, d) => (rel, Some(s), Some(d)),
                            Pair::ListingOnly(rel, s) => (rel, Some(s), None),
                            Pair::TreeOnly(rel, d) => (rel, None, Some(d)),
                        };
                        if !opts.filters.includes(&rel) {
                            continue;
                        }
                        let (s, d) =
                            (from.as_ref().map(|o| object_entry(&rel, o)), to.as_ref().map(|o| object_entry(&rel, o)));
                        match (decide(s.as_ref(), d.as_ref(), Direction::Copy, compare, delete), from) {
                            (Step::Transfer(_), Some(o)) => {
                                let target = format!("{dprefix}{rel}");
                                pool.submit(
                                    o.size,
                                    1,
                                    Box::new(move || copy(ctx, client, (bucket, &o.key), (db, &target), opts)),
                                );
                            }
                            (Step::Delete, _) => {
                                deletions.push(format!("{dprefix}{rel}"));
                                if deletions.len() == DELETE_BATCH {
                                    delete_batch(ctx, pool, client, db, &mut deletions, opts);
                                }
                            }
                            (Step::UpToDate, _) => pool.skip(),
                            _ => {}
                        }
                    }
                    delete_batch(ctx, pool, client, db, &mut deletions, opts);
                    Ok(())
                })
            })?
        }
        (s, d) => {
            return Err(CliError::Failed(format!(
                "cannot sync {s} to {d}: give a directory and an s3:// prefix, or two prefixes"
            )))
        }
    };
    totals.result()
}
