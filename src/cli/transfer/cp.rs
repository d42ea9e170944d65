//! `cp`: one file or object, or (`--recursive`) every file or object under a directory or
//! prefix; `-` streams stdin to an object or an object to stdout.

use std::fs;

use minis3::s3::{read_full, Client, ListedObject, PutOptions};

use super::local::is_dir_like;
use super::pool;
use super::sides::{Listing, LocalTree};
use super::tree::{Merge, Pair};
use super::{copy, download, many_client, submit_download, upload, weight, PendingFiles, LIST_AHEAD};
use crate::cli::args::{Operand, TransferOptions};
use crate::cli::paths::{dir_prefix, key_basename, upload_key};
use crate::cli::{CliError, Ctx};

/// `cp`.
pub fn cp(ctx: &Ctx, src: Operand, dst: Operand, recursive: bool, opts: &TransferOptions) -> Result<(), CliError> {
    match (src, dst) {
        (Operand::Local(path), Operand::S3 { bucket, key }) => {
            if recursive {
                if !path.is_dir() {
                    return Err(CliError::Failed(format!(
                        "{} is not a directory: drop --recursive to copy one file",
                        path.display()
                    )));
                }
                let (client, slots) = many_client(ctx, &bucket, &key)?;
                let (client, bucket, prefix) = (&client, bucket.as_str(), dir_prefix(&key));
                // The local tree met with an empty listing: every file, one directory at a time.
                let files = Merge::new(LocalTree::new(path.clone()), std::iter::empty::<Result<(String, ()), _>>());
                return pool::run(ctx, slots, opts.quiet, |pool| {
                    for pair in files {
                        let Pair::TreeOnly(rel, f) = pair? else { continue };
                        if !opts.filters.includes(&rel) {
                            continue;
                        }
                        let key = format!("{prefix}{rel}");
                        pool.submit(
                            f.size,
                            weight(client, f.size, true),
                            Box::new(move || upload(ctx, client, &f.path, bucket, &key, opts)),
                        );
                        if pool.stopped() {
                            break;
                        }
                    }
                    Ok(())
                })?
                .result();
            }
            let client = ctx.client(Some((&bucket, &key)))?;
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
            upload(ctx, &client, &path, &bucket, &k, opts).map_err(CliError::from)
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
            if recursive {
                let (client, slots) = many_client(ctx, &bucket, &key)?;
                let (client, bucket) = (&client, bucket.as_str());
                let pending = &PendingFiles::default();
                return each_listed(ctx, client, slots, bucket, &dir_prefix(&key), opts, |pool, rel, o| {
                    submit_download(ctx, pool, pending, client, bucket, (&path, &rel), o, opts)
                });
            }
            let client = ctx.client(Some((&bucket, &key)))?;
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
            download(ctx, &client, (&bucket, &key, None), &dest, opts).map_err(CliError::from)
        }
        (Operand::S3 { bucket, key }, Operand::S3 { bucket: db, key: dk }) => {
            if recursive {
                let (client, slots) = many_client(ctx, &bucket, &key)?;
                let (client, bucket, db) = (&client, bucket.as_str(), db.as_str());
                let dprefix = dir_prefix(&dk);
                return each_listed(ctx, client, slots, bucket, &dir_prefix(&key), opts, |pool, rel, o| {
                    let target = format!("{dprefix}{rel}");
                    pool.submit(o.size, 1, Box::new(move || copy(ctx, client, (bucket, &o.key), (db, &target), opts)));
                });
            }
            let client = ctx.client(Some((&bucket, &key)))?;
            let target =
                if dk.is_empty() || dk.ends_with('/') { format!("{dk}{}", key_basename(&key)) } else { dk.clone() };
            copy(ctx, &client, (&bucket, &key), (&db, &target), opts).map_err(CliError::from)
        }
        (s, d) => Err(CliError::Failed(format!("cannot copy {s} to {d}: one side must be an s3:// location"))),
    }
}

/// Lists every object under `prefix` in `bucket` as `ls --recursive` lists them, and hands
/// each that the filters include (its path under the prefix, and the listed object) to `each`,
/// which queues its transfer on the pool; stops listing when the pool has stopped.
fn each_listed<'env>(
    ctx: &'env Ctx,
    client: &'env Client,
    slots: usize,
    bucket: &'env str,
    prefix: &str,
    opts: &'env TransferOptions,
    mut each: impl FnMut(&mut pool::Pool<'_, 'env>, String, ListedObject),
) -> Result<(), CliError> {
    std::thread::scope(|scope| {
        pool::run(ctx, slots, opts.quiet, |pool| {
            for item in Listing::new(client.list_keys(scope, bucket, prefix, LIST_AHEAD.min(slots)), prefix) {
                let (rel, o) = item?;
                if !opts.filters.includes(&rel) {
                    continue;
                }
                each(pool, rel, o);
                if pool.stopped() {
                    break;
                }
            }
            Ok(())
        })
    })?
    .result()
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
            CliError::Failed(format!("upload failed: - to s3://{bucket}/{key}: {}", super::super::advice::s3_error(&e)))
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
            parts.push(minis3::s3::xml::CompletedPart { part_number: number, etag, checksum_crc32c: None });
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
    super::remote::to_stdout(ctx, &format!("s3://{bucket}/{key}"), &mut obj, Some(expected))
}
