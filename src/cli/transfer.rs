//! `cp` and `sync`: uploads, downloads and server-side copies, one object or many.
//!
//! Downloads go through `Client::download_to_file` (a temporary file next to the target,
//! renamed only when every byte arrived); a key that would land outside the target directory
//! is refused, reported, and the others continue (exit status 1 at the end).

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use minis3::s3::{parse_iso8601, read_full, Client, ListEntry, ListOptions, ListedObject, PutOptions, S3Error};

use super::advice;
use super::args::{Operand, TransferOptions};
use super::commands::delete_keys;
use super::paths::{dir_prefix, key_basename, safe_join, upload_key};
use super::plan::{self, Action, Compare, Direction, Entry};
use super::{CliError, Ctx};

/// A local file found under a directory.
#[derive(Clone, Debug)]
pub struct LocalFile {
    /// `/`-separated path under the root.
    pub relative: String,
    /// The path.
    pub path: PathBuf,
    /// Size.
    pub size: u64,
    /// Modification time, seconds since the epoch.
    pub mtime: Option<i64>,
}

fn secs(t: SystemTime) -> Option<i64> {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => Some(d.as_secs() as i64),
        Err(e) => Some(-(e.duration().as_secs_f64().ceil() as i64)),
    }
}

/// Every regular file under `root` (following symbolic links to files, not to directories,
/// so that a link loop cannot trap the walk), sorted by relative path.
pub fn walk(root: &Path) -> Result<Vec<LocalFile>, CliError> {
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
                out.push(LocalFile { relative, path, size: meta.len(), mtime: meta.modified().ok().and_then(secs) });
            }
        }
    }
    out.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(out)
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

/// A Content-Type from a file name's extension (the common ones; S3's default otherwise).
pub fn guess_content_type(name: &str) -> Option<&'static str> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "txt" | "text" | "log" | "md" => "text/plain",
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "csv" => "text/csv",
        "js" | "mjs" => "text/javascript",
        "json" => "application/json",
        "xml" => "application/xml",
        "yaml" | "yml" => "application/yaml",
        "toml" => "application/toml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "gz" | "tgz" => "application/gzip",
        "bz2" => "application/x-bzip2",
        "zst" => "application/zstd",
        "tar" => "application/x-tar",
        "wasm" => "application/wasm",
        _ => return None,
    })
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

/// A hint for errors about local files.
fn local_hint(text: &str) -> &'static str {
    if text.contains("Permission denied") || text.contains("Read-only file system") {
        ": check that the directory is writable"
    } else if text.contains("No space left") {
        ": free some disk space"
    } else {
        ""
    }
}

fn mkdirs(dir: &Path) -> Result<(), String> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir).map_err(|e| {
        let t = e.to_string();
        format!("cannot create the directory {}: {t}{}", dir.display(), local_hint(&t))
    })
}

fn set_mtime(path: &Path, time: Option<SystemTime>) {
    if let Some(t) = time {
        if let Ok(f) = fs::File::options().write(true).open(path) {
            let _ = f.set_modified(t);
        }
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

fn is_dir_like(path: &Path) -> bool {
    let s = path.as_os_str().to_string_lossy();
    path.is_dir() || s.ends_with('/') || s.ends_with(std::path::MAIN_SEPARATOR) || s == "." || s == ".."
}

/// `cp`.
pub fn cp(ctx: &Ctx, src: Operand, dst: Operand, recursive: bool, opts: &TransferOptions) -> Result<(), CliError> {
    match (src, dst) {
        (Operand::Local(path), Operand::S3 { bucket, key }) => {
            let client = ctx.client(Some((&bucket, &key)))?;
            if recursive {
                if !path.is_dir() {
                    return Err(CliError::Failed(format!(
                        "{} is not a directory: drop --recursive to copy one file",
                        path.display()
                    )));
                }
                let files: Vec<LocalFile> =
                    walk(&path)?.into_iter().filter(|f| opts.filters.includes(&f.relative)).collect();
                let prefix = dir_prefix(&key);
                let mut tally = Tally { ctx, failures: 0 };
                let mut progress = Progress::new(ctx, files.len());
                for f in &files {
                    let k = format!("{prefix}{}", f.relative);
                    if let Err(m) = upload(ctx, &client, &f.path, &bucket, &k, opts) {
                        tally.fail(&m);
                    }
                    progress.step();
                }
                progress.finish();
                return tally.result();
            }
            match fs::metadata(&path) {
                Err(e) => return Err(CliError::Failed(format!("cannot read {}: {e}: check the path", path.display()))),
                Ok(m) if m.is_dir() => {
                    return Err(CliError::Failed(format!(
                        "{} is a directory: add --recursive to copy what is in it",
                        path.display()
                    )))
                }
                Ok(_) => {}
            }
            let k = upload_key(&key, &path);
            upload(ctx, &client, &path, &bucket, &k, opts).map_err(CliError::Failed)
        }
        (Operand::Stdio, Operand::S3 { bucket, key }) => {
            if key.is_empty() || key.ends_with('/') {
                return Err(CliError::Failed(format!(
                    "s3://{bucket}/{key} names no object: give the key to write stdin to (s3://{bucket}/{key}NAME)"
                )));
            }
            let client = ctx.client(Some((&bucket, &key)))?;
            if opts.dryrun {
                return ctx.out.line(&format!("(dryrun) upload: - to s3://{bucket}/{key}"));
            }
            upload_stdin(&client, &bucket, &key, opts)?;
            if !opts.quiet {
                ctx.out.line(&format!("upload: - to s3://{bucket}/{key}"))?;
            }
            Ok(())
        }
        (Operand::S3 { bucket, key }, Operand::Stdio) => {
            let client = ctx.client(Some((&bucket, &key)))?;
            download_stdout(ctx, &client, &bucket, &key)
        }
        (Operand::S3 { bucket, key }, Operand::Local(path)) => {
            let client = ctx.client(Some((&bucket, &key)))?;
            if recursive {
                let prefix = dir_prefix(&key);
                let objects = list_under(&client, &bucket, &prefix)?;
                let mut tally = Tally { ctx, failures: 0 };
                let selected: Vec<&(String, ListedObject)> =
                    objects.iter().filter(|(rel, _)| opts.filters.includes(rel)).collect();
                let mut progress = Progress::new(ctx, selected.len());
                for (rel, o) in selected {
                    match safe_join(&path, rel) {
                        Ok(dest) => {
                            if let Err(m) = download(ctx, &client, &bucket, &o.key, &dest, opts) {
                                tally.fail(&m);
                            }
                        }
                        Err(why) => tally.fail(&format!(
                            "download refused: s3://{bucket}/{}: {why}: skipped (rename the object to download it)",
                            o.key
                        )),
                    }
                    progress.step();
                }
                progress.finish();
                return tally.result();
            }
            let dest = if is_dir_like(&path) {
                let name = key_basename(&key);
                if name.is_empty() {
                    return Err(CliError::Failed(format!(
                        "s3://{bucket}/{key} ends with '/': give a file name to download it to"
                    )));
                }
                path.join(name)
            } else {
                path
            };
            download(ctx, &client, &bucket, &key, &dest, opts).map_err(CliError::Failed)
        }
        (Operand::S3 { bucket, key }, Operand::S3 { bucket: db, key: dk }) => {
            let client = ctx.client(Some((&bucket, &key)))?;
            if recursive {
                let prefix = dir_prefix(&key);
                let dprefix = dir_prefix(&dk);
                let objects = list_under(&client, &bucket, &prefix)?;
                let mut tally = Tally { ctx, failures: 0 };
                for (rel, o) in objects.iter().filter(|(rel, _)| opts.filters.includes(rel)) {
                    let target = format!("{dprefix}{rel}");
                    if let Err(m) = copy(ctx, &client, (&bucket, &o.key), (&db, &target), opts) {
                        tally.fail(&m);
                    }
                }
                return tally.result();
            }
            let target =
                if dk.is_empty() || dk.ends_with('/') { format!("{dk}{}", key_basename(&key)) } else { dk.clone() };
            copy(ctx, &client, (&bucket, &key), (&db, &target), opts).map_err(CliError::Failed)
        }
        (s, d) => Err(CliError::Failed(format!("cannot copy {s} to {d}: one side must be an s3:// location"))),
    }
}

/// stdin to an object: one PUT when it fits in a part, else a multipart upload streamed part
/// by part (the length is not known in advance); aborted on failure.
fn upload_stdin(client: &Client, bucket: &str, key: &str, opts: &TransferOptions) -> Result<(), CliError> {
    let part_size = client.config().part_size.max(5 * 1024 * 1024) as usize;
    let put =
        PutOptions { content_type: opts.content_type.clone(), metadata: opts.metadata.clone(), ..Default::default() };
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let read_err = |e: std::io::Error| CliError::Failed(format!("cannot read stdin: {e}: check the input"));
    let mut buf = vec![0u8; part_size];
    let n = read_full(&mut input, &mut buf).map_err(read_err)?;
    if n < part_size {
        client.put_object(bucket, key, &buf[..n], &put).map_err(|e| {
            CliError::Failed(format!("upload failed: - to s3://{bucket}/{key}: {}", advice::s3_error(&e)))
        })?;
        return Ok(());
    }
    let upload_id = client.create_multipart_upload(bucket, key, &put)?;
    let result = (|| -> Result<(), CliError> {
        let mut parts = Vec::new();
        let mut filled = n;
        let mut number = 1u32;
        loop {
            let etag = client.upload_part(bucket, key, &upload_id, number, &buf[..filled])?;
            parts.push(minis3::s3::xml::CompletedPart { part_number: number, etag });
            filled = read_full(&mut input, &mut buf).map_err(read_err)?;
            if filled == 0 {
                break;
            }
            number += 1;
            if number as u64 > minis3::s3::MAX_PARTS {
                return Err(CliError::Failed(format!(
                    "stdin is larger than {} parts of {} bytes: upload it from a file",
                    minis3::s3::MAX_PARTS,
                    part_size
                )));
            }
        }
        client.complete_multipart_upload(bucket, key, &upload_id, &parts, false)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = client.abort_multipart_upload(bucket, key, &upload_id);
    }
    result
}

fn download_stdout(ctx: &Ctx, client: &Client, bucket: &str, key: &str) -> Result<(), CliError> {
    let mut obj = client.get_object(bucket, key, &Default::default())?;
    let expected = obj.meta.content_length;
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    loop {
        let n = match obj.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(CliError::Failed(format!(
                    "download failed: s3://{bucket}/{key}: the connection broke after {total} bytes ({e}): try again"
                )))
            }
        };
        ctx.out.write_raw(&buf[..n])?;
        total += n as u64;
    }
    if total != expected {
        return Err(CliError::Failed(format!(
            "download failed: s3://{bucket}/{key}: received {total} of {expected} bytes: try again"
        )));
    }
    Ok(())
}

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
    let mut tally = Tally { ctx, failures: 0 };
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
            }
            progress.finish();
            if let Err(e) = delete_keys(ctx, &client, &bucket, &deletions, opts.dryrun, opts.quiet) {
                match e {
                    CliError::Partial { failures } => tally.failures += failures,
                    other => tally.fail(&other.to_string()),
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
                    Err(why) => tally.fail(&format!(
                        "download refused: s3://{bucket}/{}: {why}: skipped (rename the object to download it)",
                        o.key
                    )),
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
                        let dest = match safe_join(&dir, relative) {
                            Ok(d) => d,
                            Err(_) => continue, // filtered above
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
                                    tally.fail(&format!("delete failed: {}: {t}{}", path.display(), local_hint(&t)))
                                }
                            }
                        }
                    }
                }
                progress.step();
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
                    other => tally.fail(&other.to_string()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_lists_files_sorted_with_slash_paths() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("b/c")).unwrap();
        fs::write(d.path().join("b/c/x.txt"), b"1").unwrap();
        fs::write(d.path().join("a.txt"), b"22").unwrap();
        let files = walk(d.path()).unwrap();
        let rels: Vec<&str> = files.iter().map(|f| f.relative.as_str()).collect();
        assert_eq!(rels, ["a.txt", "b/c/x.txt"]);
        assert_eq!(files[0].size, 2);
    }

    #[test]
    fn content_types() {
        assert_eq!(guess_content_type("a.JSON"), Some("application/json"));
        assert_eq!(guess_content_type("noext"), None);
    }
}
