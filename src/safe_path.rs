//! Writing files under a local directory without ever leaving it: the one place where a key
//! (or a package file name) becomes a local path, for `cp --recursive`, `sync` and the conda
//! channel's package downloads alike.
//!
//! Two steps:
//! - [`join`] (pure, no I/O): the key must map to plain file names, each one segment of at
//!   most [`MAX_NAME`] bytes, never `..`, `.`, empty, absolute or holding a NUL.
//! - [`prepare`] (just before a file is written): every directory between the target and the
//!   file is created one at a time and must be a real directory, never a symbolic link (a link
//!   placed inside the target would otherwise redirect the write to wherever it points), nor a
//!   file (a bucket holding both `a` and `a/b`); the file itself must not be a link or a
//!   directory; and the resolved parent must lie inside the resolved target.
//!
//! The target directory itself may be a link: the caller named it. Writers then create their
//! temporary file with `create_new` (never through a link) and rename it into place (a rename
//! replaces a name, it does not write through it).

use std::fmt;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

/// The longest file name (one path segment) written, in bytes (UTF-16 units on Windows):
/// `NAME_MAX` on Linux and macOS, the NTFS limit on Windows.
pub const MAX_NAME: usize = 255;

/// Why a key cannot be written under a local directory.
#[derive(Debug)]
pub enum UnsafePath {
    /// The relative part is empty (the key is the prefix itself).
    Empty,
    /// It starts with `/` (an absolute path).
    Absolute,
    /// It has a `..` segment.
    ParentSegment,
    /// It has a `.` or empty (`//`) segment, which would not map to a file of its own.
    DotOrEmptySegment,
    /// It has a character the local file system cannot take (NUL; on Windows `\` and `:`).
    BadCharacter,
    /// A segment is longer than [`MAX_NAME`].
    NameTooLong {
        /// Its length.
        length: usize,
    },
    /// A symbolic link inside the target directory is in the way.
    Link(PathBuf),
    /// A file is where the key needs a directory (the bucket has `a` and `a/b`).
    FileInTheWay(PathBuf),
    /// A directory is where the key needs a file (the bucket has `a/b` and `a`).
    DirectoryInTheWay(PathBuf),
    /// The resolved directory is not inside the resolved target.
    Outside {
        /// The directory, resolved.
        dir: PathBuf,
        /// The target, resolved.
        root: PathBuf,
    },
    /// A directory could not be created or examined.
    Io {
        /// Which.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

impl UnsafePath {
    /// Whether the key was refused (skipped, as the AWS CLI skips files it cannot transfer),
    /// rather than a local failure ([`UnsafePath::Io`]).
    pub fn is_refusal(&self) -> bool {
        !matches!(self, UnsafePath::Io { .. })
    }
}

impl fmt::Display for UnsafePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnsafePath::Empty => f.write_str("the key has no name below the prefix"),
            UnsafePath::Absolute => f.write_str("the key is an absolute path (starts with '/')"),
            UnsafePath::ParentSegment => {
                f.write_str("the key has a '..' segment and would be written outside the target directory")
            }
            UnsafePath::DotOrEmptySegment => f.write_str("the key has a '.' or empty ('//') segment"),
            UnsafePath::BadCharacter => f.write_str("the key has a character that cannot be in a local file name"),
            UnsafePath::NameTooLong { length } => {
                write!(
                    f,
                    "a segment of the key is {length} bytes long, more than the {MAX_NAME} a local file name holds"
                )
            }
            UnsafePath::Link(p) => write!(
                f,
                "{} is a symbolic link inside the target directory and is never written through: remove it, \
                 or download elsewhere",
                p.display()
            ),
            UnsafePath::FileInTheWay(p) => write!(
                f,
                "{} is a file, and the key needs a directory there (the bucket has an object and a prefix of \
                 that name)",
                p.display()
            ),
            UnsafePath::DirectoryInTheWay(p) => write!(
                f,
                "{} is a directory, and the key needs a file there (the bucket has an object and a prefix of \
                 that name)",
                p.display()
            ),
            UnsafePath::Outside { dir, root } => {
                write!(f, "{} resolves outside the target directory {}", dir.display(), root.display())
            }
            UnsafePath::Io { path, source } => write!(f, "cannot create the directory {}: {source}", path.display()),
        }
    }
}

impl std::error::Error for UnsafePath {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            UnsafePath::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn name_length(segment: &str) -> usize {
    if cfg!(windows) {
        segment.encode_utf16().count()
    } else {
        segment.len()
    }
}

/// The segments of `relative`, each a plain file name, or why not.
fn segments(relative: &str) -> Result<Vec<&str>, UnsafePath> {
    if relative.is_empty() {
        return Err(UnsafePath::Empty);
    }
    if relative.starts_with('/') {
        return Err(UnsafePath::Absolute);
    }
    let mut out = Vec::new();
    for segment in relative.split('/') {
        match segment {
            ".." => return Err(UnsafePath::ParentSegment),
            "" | "." => return Err(UnsafePath::DotOrEmptySegment),
            s if s.contains('\0') || (cfg!(windows) && (s.contains('\\') || s.contains(':'))) => {
                return Err(UnsafePath::BadCharacter)
            }
            s if name_length(s) > MAX_NAME => return Err(UnsafePath::NameTooLong { length: name_length(s) }),
            s => {
                // Belt and braces: the segment must be exactly one normal component.
                let mut comps = Path::new(s).components();
                match (comps.next(), comps.next()) {
                    (Some(Component::Normal(_)), None) => out.push(s),
                    _ => return Err(UnsafePath::BadCharacter),
                }
            }
        }
    }
    Ok(out)
}

/// The local path for `relative` (a key with the source prefix removed, `/`-separated) under
/// `root`, or why none is safe: always `root` joined with plain file names. No I/O.
pub fn join(root: &Path, relative: &str) -> Result<PathBuf, UnsafePath> {
    let mut out = root.to_path_buf();
    out.extend(segments(relative)?);
    Ok(out)
}

/// [`join`], then makes the path ready to be written (see the module documentation): creates
/// `root` if missing, then each directory below it one at a time, refusing links and files in
/// the way; returns the file's path. With `create` false (a dry run) nothing is created and
/// the check stops at the first missing directory.
pub fn prepare(root: &Path, relative: &str, create: bool) -> Result<PathBuf, UnsafePath> {
    let segments = segments(relative)?;
    let Some((name, dirs)) = segments.split_last() else { return Err(UnsafePath::Empty) };
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| UnsafePath::Io { path, source }
    };
    if create && !root.is_dir() {
        fs::create_dir_all(root).map_err(io(root))?;
    }
    let mut dir = root.to_path_buf();
    let mut exists = root.is_dir();
    for segment in dirs {
        dir.push(segment);
        if !exists {
            continue;
        }
        match fs::symlink_metadata(&dir) {
            Ok(m) => require_dir(&dir, &m)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound && !create => exists = false,
            Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::create_dir(&dir) {
                Ok(()) => {}
                // Created by someone else meanwhile: it must still be a real directory.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    require_dir(&dir, &fs::symlink_metadata(&dir).map_err(io(&dir))?)?
                }
                Err(e) => return Err(io(&dir)(e)),
            },
            Err(e) => return Err(io(&dir)(e)),
        }
    }
    let file = dir.join(name);
    if !exists {
        return Ok(file);
    }
    match fs::symlink_metadata(&file) {
        Ok(m) if m.file_type().is_symlink() => return Err(UnsafePath::Link(file)),
        Ok(m) if m.is_dir() => return Err(UnsafePath::DirectoryInTheWay(file)),
        _ => {}
    }
    check_inside(root, &dir)?;
    Ok(file)
}

/// The start of `name` that leaves room for a temporary file's decoration (a dot, the process
/// id, a counter, `.part`) within [`MAX_NAME`]: at most 200 bytes, cut at a character boundary.
pub fn temp_stem(name: &str) -> &str {
    let mut end = name.len().min(200);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

fn require_dir(dir: &Path, meta: &fs::Metadata) -> Result<(), UnsafePath> {
    if meta.file_type().is_symlink() {
        Err(UnsafePath::Link(dir.to_path_buf()))
    } else if !meta.is_dir() {
        Err(UnsafePath::FileInTheWay(dir.to_path_buf()))
    } else {
        Ok(())
    }
}

/// Whether `dir`, resolved, lies inside (or is) `root`, resolved.
pub fn check_inside(root: &Path, dir: &Path) -> Result<(), UnsafePath> {
    let resolve = |p: &Path| fs::canonicalize(p).map_err(|source| UnsafePath::Io { path: p.to_path_buf(), source });
    let (r, d) = (resolve(root)?, resolve(dir)?);
    if d.starts_with(&r) {
        Ok(())
    } else {
        Err(UnsafePath::Outside { dir: d, root: r })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_secrets::CleanErr;

    #[test]
    fn plain_keys_join() {
        assert_eq!(join(Path::new("/t"), "a/b.txt").unwrap(), PathBuf::from("/t/a/b.txt"));
        assert_eq!(join(Path::new("t"), "x").unwrap(), PathBuf::from("t/x"));
        assert_eq!(join(Path::new("/t"), "a%20b").unwrap(), PathBuf::from("/t/a%20b"));
        assert_eq!(join(Path::new("/t"), "...").unwrap(), PathBuf::from("/t/..."));
        assert_eq!(join(Path::new("/t"), "a..b/..c").unwrap(), PathBuf::from("/t/a..b/..c"));
        let longest = "n".repeat(MAX_NAME);
        assert!(join(Path::new("/t"), &format!("{longest}/{longest}")).is_ok());
    }

    #[test]
    fn escaping_and_impossible_keys_are_refused() {
        let root = Path::new("/t");
        let refused = |k: &str| join(root, k).clean_err();
        assert!(matches!(refused("../../x"), UnsafePath::ParentSegment));
        assert!(matches!(refused("a/../../x"), UnsafePath::ParentSegment));
        assert!(matches!(refused("a/.."), UnsafePath::ParentSegment));
        assert!(matches!(refused("/etc/passwd"), UnsafePath::Absolute));
        assert!(matches!(refused("a//b"), UnsafePath::DotOrEmptySegment));
        assert!(matches!(refused("./a"), UnsafePath::DotOrEmptySegment));
        assert!(matches!(refused(""), UnsafePath::Empty));
        assert!(matches!(refused("a\0b"), UnsafePath::BadCharacter));
        let long = "n".repeat(MAX_NAME + 1);
        assert!(matches!(refused(&format!("a/{long}/b")), UnsafePath::NameTooLong { length: 256 }));
        // 86 three-byte characters: 258 bytes.
        let wide = "€".repeat(86);
        assert!(matches!(refused(&wide), UnsafePath::NameTooLong { .. }) || cfg!(windows));
        assert!(refused("a/..").is_refusal());
    }

    #[test]
    fn temporary_names_leave_room() {
        assert_eq!(temp_stem("short"), "short");
        assert_eq!(temp_stem(&"n".repeat(255)).len(), 200);
        let wide = "€".repeat(80); // 240 bytes; 200 is inside the 67th character
        assert_eq!(temp_stem(&wide).len(), 198);
    }

    proptest::proptest! {
        #[test]
        fn joined_paths_stay_inside(key in "[a./\\\\x-]{0,24}") {
            if let Ok(p) = join(Path::new("/root/t"), &key) {
                proptest::prop_assert!(p.starts_with("/root/t"));
                proptest::prop_assert!(p.components().all(|c| !matches!(c, Component::ParentDir | Component::CurDir)));
                proptest::prop_assert!(p.components().count() > 3);
            }
        }
    }

    #[test]
    fn prepare_creates_directories_and_refuses_files_in_the_way() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("t");
        let p = prepare(&root, "a/b/c.txt", true).unwrap();
        assert_eq!(p, root.join("a/b/c.txt"));
        assert!(root.join("a/b").is_dir());
        fs::write(&p, b"x").unwrap();
        assert!(matches!(prepare(&root, "a/b/c.txt/d", true), Err(UnsafePath::FileInTheWay(f)) if f == p));
        assert!(matches!(prepare(&root, "a/b", true), Err(UnsafePath::DirectoryInTheWay(f)) if f == root.join("a/b")));
        // A dry run creates nothing.
        assert_eq!(prepare(&root, "new/dir/f", false).unwrap(), root.join("new/dir/f"));
        assert!(!root.join("new").exists());
        assert!(prepare(&d.path().join("none"), "x/y", false).is_ok());
        assert!(!d.path().join("none").exists());
    }

    #[cfg(unix)]
    #[test]
    fn links_inside_the_target_are_never_followed() {
        let d = tempfile::tempdir().unwrap();
        let (root, outside) = (d.path().join("t"), d.path().join("outside"));
        fs::create_dir_all(&root).unwrap();
        fs::create_dir_all(&outside).unwrap();
        fs::write(outside.join("secret"), b"s").unwrap();
        std::os::unix::fs::symlink(&outside, root.join("dirlink")).unwrap();
        std::os::unix::fs::symlink(outside.join("secret"), root.join("filelink")).unwrap();
        for (key, link) in [("dirlink/x", "dirlink"), ("dirlink/new/x", "dirlink"), ("filelink", "filelink")] {
            for create in [true, false] {
                let err = prepare(&root, key, create).clean_err();
                assert!(matches!(&err, UnsafePath::Link(p) if *p == root.join(link)), "{key}: {err}");
                assert!(err.is_refusal());
            }
        }
        assert!(!outside.join("new").exists());
        // The target itself may be a link (the caller named it).
        std::os::unix::fs::symlink(&root, d.path().join("rootlink")).unwrap();
        assert!(prepare(&d.path().join("rootlink"), "ok/f", true).is_ok());
        assert!(root.join("ok").is_dir());
        assert!(check_inside(&root, &outside).is_err());
        assert!(check_inside(&root, &root.join("ok")).is_ok());
    }
}
