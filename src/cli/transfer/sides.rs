//! The two sides of a many-object transfer: a listing streamed page by page (every key under
//! a prefix, as `(path under the prefix, object)`: in key order for `cp`, directory by
//! directory for `sync`), and the [`Tree`]s a sync reads directory by directory: a local
//! directory, or an S3 prefix listed with a `/` delimiter.

use std::fs;
use std::io::ErrorKind;
use std::path::PathBuf;

use minis3::s3::{parse_iso8601, Client, ListEntry, ListOptions, ListedObject, S3Error};

use super::local::{secs, LocalFile};
use super::tree::{Child, Tree};
use crate::cli::plan::Entry;
use crate::cli::CliError;

/// Every object under `prefix` (a directory: empty or ending in `/`), with its path under it;
/// directory markers (keys ending in `/`) are left out. Over [`Client::list_keys`] for `cp`
/// (key order), over [`Client::list_tree`] for `sync` (each directory's files first): both
/// list directory by directory, several directories at once, which is far fewer pages' work
/// for servers whose flat listing walks the whole prefix for every page.
pub struct Listing<I> {
    inner: I,
    prefix: String,
}

impl<I: Iterator<Item = Result<ListedObject, S3Error>>> Listing<I> {
    /// The paths of `objects`, which are under `prefix` (a directory: empty or ending in `/`).
    pub fn new(objects: I, prefix: &str) -> Self {
        Listing { inner: objects, prefix: prefix.to_string() }
    }
}

impl<I: Iterator<Item = Result<ListedObject, S3Error>>> Iterator for Listing<I> {
    type Item = Result<(String, ListedObject), CliError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.inner.next()? {
                Err(e) => return Some(Err(e.into())),
                Ok(o) if o.key.ends_with('/') || !o.key.starts_with(&self.prefix) => continue,
                Ok(o) => return Some(Ok((o.key[self.prefix.len()..].to_string(), o))),
            }
        }
    }
}

/// An object's size and time, for the planner.
pub fn object_entry(relative: &str, o: &ListedObject) -> Entry {
    Entry { relative: relative.to_string(), size: o.size, mtime: parse_iso8601(&o.last_modified).and_then(secs) }
}

/// A local file's size and time, for the planner.
pub fn file_entry(relative: &str, f: &LocalFile) -> Entry {
    Entry { relative: relative.to_string(), size: f.size, mtime: f.mtime }
}

/// A local directory, read one directory at a time. Symbolic links to files count as files;
/// links to directories are not followed (a link loop cannot trap the walk), as before.
pub struct LocalTree {
    root: PathBuf,
}

impl LocalTree {
    /// The tree under `root` (a missing root is empty).
    pub fn new(root: PathBuf) -> Self {
        LocalTree { root }
    }
}

impl Tree for LocalTree {
    type File = LocalFile;
    /// The directory's path and its path under the root.
    type Dir = (PathBuf, String);

    fn root(&self) -> Self::Dir {
        (self.root.clone(), String::new())
    }

    fn children(&mut self, (dir, rel): &Self::Dir) -> Result<Vec<(String, Child<LocalFile, Self::Dir>)>, CliError> {
        let cannot = |e: std::io::Error| {
            CliError::Failed(format!(
                "cannot read the directory {}: {e}: check it exists and is readable",
                dir.display()
            ))
        };
        let entries = match fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == ErrorKind::NotFound && rel.is_empty() => return Ok(Vec::new()),
            Err(e) => return Err(cannot(e)),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(cannot)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            let file_type =
                entry.file_type().map_err(|e| CliError::Failed(format!("cannot stat {}: {e}", path.display())))?;
            if file_type.is_dir() {
                let relative = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
                out.push((name, Child::Dir((path, relative))));
                continue;
            }
            let Ok(meta) = fs::metadata(&path) else {
                continue; // a dangling link
            };
            if meta.is_file() {
                let file = LocalFile { path, size: meta.len(), mtime: meta.modified().ok().and_then(secs) };
                out.push((name, Child::File(file)));
            }
        }
        Ok(out)
    }
}

/// An S3 prefix read one "directory" at a time: ListObjectsV2 with a `/` delimiter, so that
/// only the prefixes a sync's source listing enters are listed.
pub struct S3Tree<'c> {
    client: &'c Client,
    bucket: String,
    prefix: String,
}

impl<'c> S3Tree<'c> {
    /// The objects of `bucket` under `prefix` (a directory: empty or ending in `/`).
    pub fn new(client: &'c Client, bucket: &str, prefix: &str) -> Self {
        S3Tree { client, bucket: bucket.to_string(), prefix: prefix.to_string() }
    }
}

impl Tree for S3Tree<'_> {
    type File = ListedObject;
    /// The key prefix of the directory (ending in `/`, or the root prefix).
    type Dir = String;

    fn root(&self) -> String {
        self.prefix.clone()
    }

    fn children(&mut self, dir: &String) -> Result<Vec<(String, Child<ListedObject, String>)>, CliError> {
        let opts = ListOptions {
            prefix: (!dir.is_empty()).then(|| dir.clone()),
            delimiter: Some("/".into()),
            ..Default::default()
        };
        let mut out = Vec::new();
        for entry in self.client.list_objects(&self.bucket, &opts) {
            match entry? {
                ListEntry::Object(o) => {
                    let Some(name) = o.key.strip_prefix(dir.as_str()) else { continue };
                    if !name.is_empty() && !name.contains('/') {
                        out.push((name.to_string(), Child::File(o)));
                    }
                }
                ListEntry::Prefix(p) => {
                    let Some(name) = p.strip_prefix(dir.as_str()).and_then(|n| n.strip_suffix('/')) else { continue };
                    if !name.is_empty() && !name.contains('/') {
                        out.push((name.to_string(), Child::Dir(p.clone())));
                    }
                }
            }
        }
        Ok(out)
    }
}
