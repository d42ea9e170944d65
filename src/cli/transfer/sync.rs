//! `sync`: what is missing or changed, directory to prefix, prefix to directory or prefix to
//! prefix, planned by `plan` (and `--delete`: what is only at the destination).

use std::fs;

use minis3::s3::{parse_iso8601, ListedObject};
use minis3::safe_path;

use super::local::{local_hint, secs, walk, LocalFile};
use super::{copy, download, list_under, upload, Progress, Tally};
use crate::cli::args::{Operand, TransferOptions};
use crate::cli::commands::delete_keys;
use crate::cli::paths::{dir_prefix, safe_join};
use crate::cli::plan::{self, Action, Compare, Direction, Entry};
use crate::cli::{CliError, Ctx};

fn s3_entries(objects: &[(String, ListedObject)]) -> Vec<Entry> {
    objects
        .iter()
        .map(|(rel, o)| Entry {
            relative: rel.clone(),
            size: o.size,
            mtime: parse_iso8601(&o.last_modified).and_then(secs),
        })
        .collect()
}

fn local_entries(files: &[LocalFile]) -> Vec<Entry> {
    files.iter().map(|f| Entry { relative: f.relative.clone(), size: f.size, mtime: f.mtime }).collect()
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
    let mut tally = Tally::new(ctx);
    match (src, dst) {
        (Operand::Local(dir), Operand::S3 { bucket, key }) => {
            if !dir.is_dir() {
                return Err(CliError::Failed(format!(
                    "{} is not a directory: sync copies directories (use cp for one file)",
                    dir.display()
                )));
            }
            let client = ctx.client(Some((&bucket, &key)))?;
            let prefix = dir_prefix(&key);
            let files = walk(&dir)?;
            let remote = list_under(&client, &bucket, &prefix)?;
            let actions = plan::plan(
                &local_entries(&files),
                &s3_entries(&remote),
                Direction::Upload,
                compare,
                delete,
                &opts.filters,
            );
            let by_rel: std::collections::HashMap<&str, &LocalFile> =
                files.iter().map(|f| (f.relative.as_str(), f)).collect();
            let mut deletions = Vec::new();
            let mut progress = Progress::new(ctx, actions.len());
            for a in &actions {
                match a {
                    Action::Transfer { relative, .. } => {
                        let f = by_rel[relative.as_str()];
                        if let Err(m) = upload(ctx, &client, &f.path, &bucket, &format!("{prefix}{relative}"), opts) {
                            tally.fail(&m);
                        }
                    }
                    Action::Delete { relative } => deletions.push(format!("{prefix}{relative}")),
                }
                progress.step();
                if tally.stopped() {
                    break;
                }
            }
            progress.finish();
            if let Err(e) = delete_keys(ctx, &client, &bucket, &deletions, opts.dryrun, opts.quiet) {
                match e {
                    CliError::Partial { failures } => tally.failures += failures,
                    other => tally.fail(other.to_string()),
                }
            }
        }
        (Operand::S3 { bucket, key }, Operand::Local(dir)) => {
            let client = ctx.client(Some((&bucket, &key)))?;
            let prefix = dir_prefix(&key);
            let remote = list_under(&client, &bucket, &prefix)?;
            // Refuse keys that cannot be written inside the directory before planning.
            let mut safe = Vec::new();
            for (rel, o) in remote {
                if !opts.filters.includes(&rel) {
                    continue;
                }
                match safe_join(&dir, &rel) {
                    Ok(_) => safe.push((rel, o)),
                    Err(why) => tally.refuse(&format!("s3://{bucket}/{}", o.key), &why),
                }
            }
            let files = if dir.is_dir() { walk(&dir)? } else { Vec::new() };
            let actions = plan::plan(
                &s3_entries(&safe),
                &local_entries(&files),
                Direction::Download,
                compare,
                delete,
                &opts.filters,
            );
            let by_rel: std::collections::HashMap<&str, &ListedObject> =
                safe.iter().map(|(r, o)| (r.as_str(), o)).collect();
            let mut progress = Progress::new(ctx, actions.len());
            for a in &actions {
                match a {
                    Action::Transfer { relative, .. } => {
                        let o = by_rel[relative.as_str()];
                        let dest = match safe_path::prepare(&dir, relative, !opts.dryrun) {
                            Ok(d) => d,
                            Err(why) => {
                                tally.refuse(&format!("s3://{bucket}/{}", o.key), &why);
                                progress.step();
                                continue;
                            }
                        };
                        if let Err(m) = download(ctx, &client, &bucket, &o.key, &dest, opts) {
                            tally.fail(&m);
                        }
                    }
                    Action::Delete { relative } => {
                        let Ok(path) = safe_join(&dir, relative) else { continue };
                        let line = format!("delete: {}", path.display());
                        if opts.dryrun {
                            if !opts.quiet {
                                ctx.out.line(&format!("(dryrun) {line}"))?;
                            }
                        } else {
                            match fs::remove_file(&path) {
                                Ok(()) => {
                                    if !opts.quiet {
                                        ctx.out.line(&line)?;
                                    }
                                }
                                Err(e) => {
                                    let t = e.to_string();
                                    tally.fail(format!("delete failed: {}: {t}{}", path.display(), local_hint(&t)))
                                }
                            }
                        }
                    }
                }
                progress.step();
                if tally.stopped() {
                    break;
                }
            }
            progress.finish();
        }
        (Operand::S3 { bucket, key }, Operand::S3 { bucket: db, key: dk }) => {
            let client = ctx.client(Some((&bucket, &key)))?;
            let prefix = dir_prefix(&key);
            let dprefix = dir_prefix(&dk);
            let src_objects = list_under(&client, &bucket, &prefix)?;
            let dst_objects = list_under(&client, &db, &dprefix)?;
            let actions = plan::plan(
                &s3_entries(&src_objects),
                &s3_entries(&dst_objects),
                Direction::Copy,
                compare,
                delete,
                &opts.filters,
            );
            let mut deletions = Vec::new();
            for a in &actions {
                match a {
                    Action::Transfer { relative, .. } => {
                        let from = format!("{prefix}{relative}");
                        let to = format!("{dprefix}{relative}");
                        if let Err(m) = copy(ctx, &client, (&bucket, &from), (&db, &to), opts) {
                            tally.fail(&m);
                        }
                    }
                    Action::Delete { relative } => deletions.push(format!("{dprefix}{relative}")),
                }
            }
            if let Err(e) = delete_keys(ctx, &client, &db, &deletions, opts.dryrun, opts.quiet) {
                match e {
                    CliError::Partial { failures } => tally.failures += failures,
                    other => tally.fail(other.to_string()),
                }
            }
        }
        (s, d) => {
            return Err(CliError::Failed(format!(
                "cannot sync {s} to {d}: give a directory and an s3:// prefix, or two prefixes"
            )))
        }
    }
    tally.result()
}
