//! `cp` and `sync` with a `gcs://` side (a bucket without pixi `s3-options`: a Google bearer
//! token) or an `http(s)://` source (unsigned). What makes sense, and what is refused:
//!
//! | from \ to | local file or dir | `-` | `s3://` | `gcs://` | URL |
//! | --- | --- | --- | --- | --- | --- |
//! | `gcs://` | cp, cp -r, sync | cp | refused | refused | refused |
//! | URL | cp (one file) | cp | refused | refused | refused |
//! | local | — | — | (not here) | cp, cp -r, sync | refused |
//!
//! Copies between two remote services would stream every byte through this machine: they are
//! refused with a line saying to go through a local file. A URL has no listing, so it cannot
//! be the source of `cp --recursive` or `sync`. Downloads are written as `s3://` downloads are:
//! a temporary file beside the target, renamed when every byte (the announced length) arrived.

use std::fs;
use std::io::Read;
use std::path::Path;

use minis3::gcs::{GcsClient, GetOptions, GetOutcome};
use minis3::s3::{parse_http_date, parse_iso8601, save_stream, ListedObject};
use minis3::safe_path;

use super::local::{guess_content_type, is_dir_like, local_hint, mkdirs, secs, set_mtime};
use super::{print_item, Progress, Tally};
use crate::cli::args::{Operand, TransferOptions};
use crate::cli::filter::Filters;
use crate::cli::paths::{dir_prefix, key_basename, safe_join, upload_key};
use crate::cli::plan::{decide, Compare, Direction, Entry, Step};
use crate::cli::remote::{byte_progress, fetch_url, gcs_client, list_under};
use crate::cli::{CliError, Ctx};

/// Whether `cp`/`sync` of these operands is handled here (a `gcs://` or URL side).
pub(super) fn handles(src: &Operand, dst: &Operand) -> bool {
    [src, dst].iter().any(|o| matches!(o, Operand::Gcs { .. } | Operand::Url(_)))
}

fn refuse_pair(verb: &str, src: &Operand, dst: &Operand) -> CliError {
    let why = match (src, dst) {
        (_, Operand::Url(_)) => "minis3 does not write to http(s) URLs; give an s3:// or gcs:// destination",
        (Operand::Stdio, _) => "stdin cannot be uploaded to gcs://; write it to a file and copy that",
        (Operand::Local(_), _) | (_, Operand::Local(_)) | (_, Operand::Stdio) => {
            "an http(s) URL has no listing: give s3:// or gcs:// to copy a directory, or cp one file"
        }
        _ => "copying between two remote locations is not supported; copy to a local file, then from it",
    };
    CliError::Failed(format!("cannot {verb} {src} to {dst}: {why}"))
}

/// `cp` with a `gcs://` side or a URL source.
pub(super) fn cp(
    ctx: &Ctx,
    src: Operand,
    dst: Operand,
    recursive: bool,
    opts: &TransferOptions,
) -> Result<(), CliError> {
    match (&src, &dst) {
        (Operand::Gcs { bucket, key }, Operand::Local(path)) => {
            let client = gcs_client(ctx, false)?;
            if recursive {
                let objects = list_under(&client, bucket, key)?;
                let selected: Vec<&(String, ListedObject)> =
                    objects.iter().filter(|(rel, _)| opts.filters.includes(rel)).collect();
                let mut tally = Tally::new(ctx);
                let mut progress = Progress::new(ctx, selected.len());
                for (rel, o) in selected {
                    match safe_path::prepare(path, rel, !opts.dryrun) {
                        Ok(dest) => {
                            if let Err(m) = download_gcs(ctx, &client, bucket, &o.key, &dest, opts) {
                                tally.fail(m);
                            }
                        }
                        Err(why) => tally.refuse(&format!("gcs://{bucket}/{}", o.key), &why),
                    }
                    progress.step();
                    if tally.stopped() {
                        break;
                    }
                }
                progress.finish();
                return tally.result();
            }
            let dest = target_file(path, key_basename(key), &src)?;
            download_gcs(ctx, &client, bucket, key, &dest, opts).map_err(CliError::Failed)
        }
        (Operand::Url(url), Operand::Local(path)) if !recursive => {
            let name = url_basename(url);
            let dest = target_file(path, name, &src)?;
            download_url(ctx, url, &dest, opts).map_err(CliError::Failed)
        }
        (Operand::Gcs { bucket, key }, Operand::Stdio) => {
            let client = gcs_client(ctx, false)?;
            let location = format!("gcs://{bucket}/{key}");
            match client.get(bucket, key, &GetOptions::default()) {
                Ok(GetOutcome::Body { meta, body }) => {
                    to_stdout(ctx, &location, &mut body.into_reader(), meta.content_length)
                }
                Ok(GetOutcome::NotModified { .. }) => Err(CliError::Failed(format!("{location}: unexpected 304"))),
                Err(e) => Err(CliError::Failed(format!("download failed: {location}: {e}"))),
            }
        }
        (Operand::Url(url), Operand::Stdio) => {
            let resp = fetch_url(ctx, "GET", url)?;
            let announced = resp.header("content-length").and_then(|v| v.trim().parse().ok());
            to_stdout(ctx, url, &mut resp.into_reader(), announced)
        }
        (Operand::Local(path), Operand::Gcs { bucket, key }) => {
            let client = gcs_client(ctx, true)?;
            if recursive {
                if !path.is_dir() {
                    return Err(CliError::Failed(format!(
                        "{} is not a directory: drop --recursive to copy one file",
                        path.display()
                    )));
                }
                let files: Vec<WalkedFile> =
                    walk(path)?.into_iter().filter(|f| opts.filters.includes(&f.relative)).collect();
                let prefix = dir_prefix(key);
                let mut tally = Tally::new(ctx);
                let mut progress = Progress::new(ctx, files.len());
                for f in &files {
                    if let Err(m) = upload_gcs(ctx, &client, &f.path, bucket, &format!("{prefix}{}", f.relative), opts)
                    {
                        tally.fail(m);
                    }
                    progress.step();
                }
                progress.finish();
                return tally.result();
            }
            match fs::metadata(path) {
                Err(e) => return Err(CliError::Failed(format!("cannot read {}: {e}: check the path", path.display()))),
                Ok(m) if m.is_dir() => {
                    return Err(CliError::Failed(format!(
                        "{} is a directory: add --recursive to copy what is in it",
                        path.display()
                    )))
                }
                Ok(_) => {}
            }
            let k = upload_key(key, path);
            upload_gcs(ctx, &client, path, bucket, &k, opts).map_err(CliError::Failed)
        }
        _ => Err(refuse_pair("copy", &src, &dst)),
    }
}

/// The file a single download goes to: `path`, or `path/NAME` when `path` is a directory.
fn target_file(path: &Path, name: &str, src: &Operand) -> Result<std::path::PathBuf, CliError> {
    if !is_dir_like(path) {
        return Ok(path.to_path_buf());
    }
    if name.is_empty() || name == "." || name == ".." {
        return Err(CliError::Failed(format!("{src} names no file: give a file name to download it to")));
    }
    Ok(path.join(name))
}

/// The last segment of a URL's path (no query or fragment), percent-escapes kept.
fn url_basename(url: &str) -> &str {
    let after = url.find("://").map(|i| i + 3).unwrap_or(0);
    let rest = &url[after..];
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    let path = rest[..end].find('/').map(|i| &rest[i..end]).unwrap_or("");
    path.rsplit('/').next().unwrap_or("")
}

/// Streams a body to stdout, failing with one line when it breaks or falls short of `announced`.
pub(super) fn to_stdout(
    ctx: &Ctx,
    location: &str,
    reader: &mut dyn Read,
    announced: Option<u64>,
) -> Result<(), CliError> {
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(CliError::Failed(format!(
                    "download failed: {location}: the connection broke after {total} bytes ({e}): try again"
                )))
            }
        };
        ctx.out.write_raw(&buf[..n])?;
        total += n as u64;
    }
    match announced {
        Some(want) if want != total => {
            Err(CliError::Failed(format!("download failed: {location}: received {total} of {want} bytes: try again")))
        }
        _ => Ok(()),
    }
}

/// Saves a body to `dest` (temporary file, renamed when complete), its mtime from
/// `Last-Modified`.
fn save(
    ctx: &Ctx,
    reader: &mut dyn Read,
    announced: Option<u64>,
    last_modified: Option<&str>,
    dest: &Path,
) -> Result<(), String> {
    let progress = byte_progress(ctx);
    save_stream(reader, announced, dest, progress.as_deref()).map_err(|e| {
        let t = crate::cli::advice::s3_error(&e);
        let hint = if matches!(e, minis3::s3::S3Error::Io { .. }) { local_hint(&t) } else { "" };
        format!("{t}{hint}")
    })?;
    set_mtime(dest, last_modified.and_then(parse_http_date));
    Ok(())
}

fn download_gcs(
    ctx: &Ctx,
    client: &GcsClient,
    bucket: &str,
    key: &str,
    dest: &Path,
    opts: &TransferOptions,
) -> Result<(), String> {
    let line = format!("download: gcs://{bucket}/{key} to {}", dest.display());
    if opts.dryrun {
        return print_item(ctx, opts, &format!("(dryrun) {line}"));
    }
    let fail = |e: String| format!("download failed: gcs://{bucket}/{key} to {}: {e}", dest.display());
    if let Some(parent) = dest.parent() {
        mkdirs(parent).map_err(fail)?;
    }
    match client.get(bucket, key, &GetOptions::default()).map_err(|e| fail(e.to_string()))? {
        GetOutcome::Body { meta, body } => {
            save(ctx, &mut body.into_reader(), meta.content_length, meta.last_modified.as_deref(), dest)
                .map_err(fail)?
        }
        GetOutcome::NotModified { .. } => return Err(fail("unexpected 304 Not Modified: try again".into())),
    }
    print_item(ctx, opts, &line)
}

fn download_url(ctx: &Ctx, url: &str, dest: &Path, opts: &TransferOptions) -> Result<(), String> {
    let line = format!("download: {url} to {}", dest.display());
    if opts.dryrun {
        return print_item(ctx, opts, &format!("(dryrun) {line}"));
    }
    let fail = |e: String| format!("download failed: {url} to {}: {e}", dest.display());
    if let Some(parent) = dest.parent() {
        mkdirs(parent).map_err(fail)?;
    }
    let resp = fetch_url(ctx, "GET", url).map_err(|e| e.to_string())?;
    let announced = resp.header("content-length").and_then(|v| v.trim().parse().ok());
    let last_modified = resp.header("last-modified").map(str::to_owned);
    save(ctx, &mut resp.into_reader(), announced, last_modified.as_deref(), dest).map_err(fail)?;
    print_item(ctx, opts, &line)
}

fn upload_gcs(
    ctx: &Ctx,
    client: &GcsClient,
    path: &Path,
    bucket: &str,
    key: &str,
    opts: &TransferOptions,
) -> Result<(), String> {
    let line = format!("upload: {} to gcs://{bucket}/{key}", path.display());
    if opts.dryrun {
        return print_item(ctx, opts, &format!("(dryrun) {line}"));
    }
    if !opts.metadata.is_empty() {
        return Err(format!(
            "upload failed: {} to gcs://{bucket}/{key}: --metadata is not supported for gcs:// (drop it)",
            path.display()
        ));
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let content_type = opts.content_type.clone().or_else(|| guess_content_type(&name).map(str::to_owned));
    client
        .upload_file(bucket, key, path, content_type.as_deref())
        .map_err(|e| format!("upload failed: {} to gcs://{bucket}/{key}: {e}", path.display()))?;
    print_item(ctx, opts, &line)
}

fn gcs_entries(objects: &[(String, ListedObject)]) -> Vec<Entry> {
    objects
        .iter()
        .map(|(rel, o)| Entry {
            relative: rel.clone(),
            size: o.size,
            mtime: parse_iso8601(&o.last_modified).and_then(secs),
        })
        .collect()
}

fn local_entries(files: &[WalkedFile]) -> Vec<Entry> {
    files.iter().map(|f| Entry { relative: f.relative.clone(), size: f.size, mtime: f.mtime }).collect()
}

/// `sync` between a directory and a `gcs://` prefix (either way).
pub(super) fn sync(
    ctx: &Ctx,
    src: Operand,
    dst: Operand,
    delete: bool,
    compare: Compare,
    opts: &TransferOptions,
) -> Result<(), CliError> {
    let mut tally = Tally::new(ctx);
    match (&src, &dst) {
        (Operand::Gcs { bucket, key }, Operand::Local(dir)) => {
            let client = gcs_client(ctx, false)?;
            let mut safe = Vec::new();
            for (rel, o) in list_under(&client, bucket, key)? {
                if !opts.filters.includes(&rel) {
                    continue;
                }
                match safe_join(dir, &rel) {
                    Ok(_) => safe.push((rel, o)),
                    Err(why) => tally.refuse(&format!("gcs://{bucket}/{}", o.key), &why),
                }
            }
            let files = if dir.is_dir() { walk(dir)? } else { Vec::new() };
            let actions = plan_whole(
                &gcs_entries(&safe),
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
                        let Some(o) = by_rel.get(relative.as_str()) else { continue };
                        match safe_path::prepare(dir, relative, !opts.dryrun) {
                            Ok(dest) => {
                                if let Err(m) = download_gcs(ctx, &client, bucket, &o.key, &dest, opts) {
                                    tally.fail(m);
                                }
                            }
                            Err(why) => tally.refuse(&format!("gcs://{bucket}/{}", o.key), &why),
                        }
                    }
                    Action::Delete { relative } => {
                        let Ok(path) = safe_join(dir, relative) else { continue };
                        let line = format!("delete: {}", path.display());
                        if opts.dryrun {
                            print_item(ctx, opts, &format!("(dryrun) {line}")).map_err(CliError::Failed)?;
                        } else if let Err(e) = fs::remove_file(&path) {
                            let t = e.to_string();
                            tally.fail(format!("delete failed: {}: {t}{}", path.display(), local_hint(&t)));
                        } else {
                            print_item(ctx, opts, &line).map_err(CliError::Failed)?;
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
        (Operand::Local(dir), Operand::Gcs { bucket, key }) => {
            if !dir.is_dir() {
                return Err(CliError::Failed(format!(
                    "{} is not a directory: sync copies directories (use cp for one file)",
                    dir.display()
                )));
            }
            let client = gcs_client(ctx, true)?;
            let prefix = dir_prefix(key);
            let files = walk(dir)?;
            let remote = list_under(&client, bucket, key)?;
            let actions = plan_whole(
                &local_entries(&files),
                &gcs_entries(&remote),
                Direction::Upload,
                compare,
                delete,
                &opts.filters,
            );
            let by_rel: std::collections::HashMap<&str, &WalkedFile> =
                files.iter().map(|f| (f.relative.as_str(), f)).collect();
            let mut progress = Progress::new(ctx, actions.len());
            for a in &actions {
                match a {
                    Action::Transfer { relative, .. } => {
                        let f = by_rel[relative.as_str()];
                        if let Err(m) = upload_gcs(ctx, &client, &f.path, bucket, &format!("{prefix}{relative}"), opts)
                        {
                            tally.fail(m);
                        }
                    }
                    Action::Delete { relative } => {
                        let k = format!("{prefix}{relative}");
                        let line = format!("delete: gcs://{bucket}/{k}");
                        if opts.dryrun {
                            print_item(ctx, opts, &format!("(dryrun) {line}")).map_err(CliError::Failed)?;
                        } else if let Err(e) = client.delete(bucket, &k) {
                            tally.fail(format!("delete failed: gcs://{bucket}/{k}: {e}"));
                        } else {
                            print_item(ctx, opts, &line).map_err(CliError::Failed)?;
                        }
                    }
                }
                progress.step();
            }
            progress.finish();
        }
        _ => return Err(refuse_pair("sync", &src, &dst)),
    }
    tally.result()
}

/// A local file found by [`walk`], with its `/`-separated path under the root.
struct WalkedFile {
    relative: String,
    path: std::path::PathBuf,
    size: u64,
    mtime: Option<i64>,
}

/// Every regular file under `root` (following symbolic links to files, not to directories,
/// so that a link loop cannot trap the walk), sorted by relative path. Cloud Storage listings
/// are read whole here (the s3 commands stream theirs: `sides`).
fn walk(root: &Path) -> Result<Vec<WalkedFile>, CliError> {
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        let entries = fs::read_dir(&dir).map_err(|e| {
            CliError::Failed(format!(
                "cannot read the directory {}: {e}: check it exists and is readable",
                dir.display()
            ))
        })?;
        for entry in entries {
            let entry =
                entry.map_err(|e| CliError::Failed(format!("cannot read the directory {}: {e}", dir.display())))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let relative = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
            let path = entry.path();
            let file_type =
                entry.file_type().map_err(|e| CliError::Failed(format!("cannot stat {}: {e}", path.display())))?;
            if file_type.is_dir() {
                stack.push((path, relative));
                continue;
            }
            let Ok(meta) = fs::metadata(&path) else {
                continue; // a dangling link
            };
            if meta.is_file() {
                out.push(WalkedFile { relative, path, size: meta.len(), mtime: meta.modified().ok().and_then(secs) });
            }
        }
    }
    out.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(out)
}

/// What a whole-tree sync does with one path.
enum Action {
    Transfer { relative: String },
    Delete { relative: String },
}

/// The actions of a sync from `src` to `dst` (both whole), by path, each decided by
/// [`decide`] as the streaming s3 sync decides them.
fn plan_whole(
    src: &[Entry],
    dst: &[Entry],
    direction: Direction,
    compare: Compare,
    delete: bool,
    filters: &Filters,
) -> Vec<Action> {
    use std::collections::BTreeMap;
    let mut paths: BTreeMap<&str, (Option<&Entry>, Option<&Entry>)> = BTreeMap::new();
    for e in src.iter().filter(|e| filters.includes(&e.relative)) {
        paths.entry(e.relative.as_str()).or_default().0 = Some(e);
    }
    for e in dst.iter().filter(|e| filters.includes(&e.relative)) {
        paths.entry(e.relative.as_str()).or_default().1 = Some(e);
    }
    let mut actions = Vec::new();
    for (rel, (s, d)) in paths {
        match decide(s, d, direction, compare, delete) {
            Step::Transfer(_) => actions.push(Action::Transfer { relative: rel.to_string() }),
            Step::Delete => actions.push(Action::Delete { relative: rel.to_string() }),
            Step::UpToDate | Step::Keep => {}
        }
    }
    actions
}
