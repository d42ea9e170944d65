//! Mapping keys to local paths without ever leaving the target directory, and local paths to
//! keys.

use std::fmt;
use std::path::{Component, Path, PathBuf};

/// Why a key cannot be written under a local directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnsafeKey {
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
}

impl fmt::Display for UnsafeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnsafeKey::Empty => "the key has no name below the prefix",
            UnsafeKey::Absolute => "the key is an absolute path (starts with '/')",
            UnsafeKey::ParentSegment => "the key has a '..' segment and would be written outside the target directory",
            UnsafeKey::DotOrEmptySegment => "the key has a '.' or empty ('//') segment",
            UnsafeKey::BadCharacter => "the key has a character that cannot be in a local file name",
        })
    }
}

/// The local path for `relative` (a key with the source prefix removed) under `root`, or why
/// none is safe: the result is always `root` joined with plain file-name components.
pub fn safe_join(root: &Path, relative: &str) -> Result<PathBuf, UnsafeKey> {
    if relative.is_empty() {
        return Err(UnsafeKey::Empty);
    }
    if relative.starts_with('/') {
        return Err(UnsafeKey::Absolute);
    }
    let mut out = root.to_path_buf();
    for segment in relative.split('/') {
        match segment {
            ".." => return Err(UnsafeKey::ParentSegment),
            "" | "." => return Err(UnsafeKey::DotOrEmptySegment),
            s if s.contains('\0') || (cfg!(windows) && (s.contains('\\') || s.contains(':'))) => {
                return Err(UnsafeKey::BadCharacter)
            }
            s => {
                // Belt and braces: the segment must be exactly one normal component.
                let mut comps = Path::new(s).components();
                match (comps.next(), comps.next()) {
                    (Some(Component::Normal(_)), None) => out.push(s),
                    _ => return Err(UnsafeKey::BadCharacter),
                }
            }
        }
    }
    Ok(out)
}

/// A listing prefix treated as a directory (`--recursive`, `sync`): `""` stays empty, else a
/// `/` is appended if missing, as the AWS CLI does.
pub fn dir_prefix(prefix: &str) -> String {
    if prefix.is_empty() || prefix.ends_with('/') {
        prefix.to_string()
    } else {
        format!("{prefix}/")
    }
}

/// The last segment of a key (what `cp s3://b/dir/k DIR/` names the file).
pub fn key_basename(key: &str) -> &str {
    key.rsplit('/').next().unwrap_or(key)
}

/// The destination key of `cp FILE s3://B/K`: `K` as given, or `K` + the file's name when
/// `K` is empty or ends with `/`.
pub fn upload_key(dest_key: &str, file: &Path) -> String {
    if dest_key.is_empty() || dest_key.ends_with('/') {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        format!("{dest_key}{name}")
    } else {
        dest_key.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_keys_join() {
        assert_eq!(safe_join(Path::new("/t"), "a/b.txt").unwrap(), PathBuf::from("/t/a/b.txt"));
        assert_eq!(safe_join(Path::new("t"), "x").unwrap(), PathBuf::from("t/x"));
        assert_eq!(safe_join(Path::new("/t"), "a%20b").unwrap(), PathBuf::from("/t/a%20b"));
        assert_eq!(safe_join(Path::new("/t"), "...").unwrap(), PathBuf::from("/t/..."));
        assert_eq!(safe_join(Path::new("/t"), "a..b/..c").unwrap(), PathBuf::from("/t/a..b/..c"));
    }

    #[test]
    fn escaping_keys_are_refused() {
        let root = Path::new("/t");
        assert_eq!(safe_join(root, "../../x"), Err(UnsafeKey::ParentSegment));
        assert_eq!(safe_join(root, "a/../../x"), Err(UnsafeKey::ParentSegment));
        assert_eq!(safe_join(root, "a/.."), Err(UnsafeKey::ParentSegment));
        assert_eq!(safe_join(root, "/etc/passwd"), Err(UnsafeKey::Absolute));
        assert_eq!(safe_join(root, "a//b"), Err(UnsafeKey::DotOrEmptySegment));
        assert_eq!(safe_join(root, "./a"), Err(UnsafeKey::DotOrEmptySegment));
        assert_eq!(safe_join(root, ""), Err(UnsafeKey::Empty));
        assert_eq!(safe_join(root, "a\0b"), Err(UnsafeKey::BadCharacter));
    }

    proptest::proptest! {
        #[test]
        fn joined_paths_stay_inside(key in "[a./\\\\x-]{0,24}") {
            if let Ok(p) = safe_join(Path::new("/root/t"), &key) {
                proptest::prop_assert!(p.starts_with("/root/t"));
                proptest::prop_assert!(p.components().all(|c| !matches!(c, Component::ParentDir | Component::CurDir)));
                proptest::prop_assert!(p.components().count() > 3);
            }
        }
    }

    #[test]
    fn prefixes_and_names() {
        assert_eq!(dir_prefix(""), "");
        assert_eq!(dir_prefix("a"), "a/");
        assert_eq!(dir_prefix("a/"), "a/");
        assert_eq!(key_basename("a/b/c.txt"), "c.txt");
        assert_eq!(key_basename("c"), "c");
        assert_eq!(upload_key("", Path::new("/x/f.txt")), "f.txt");
        assert_eq!(upload_key("d/", Path::new("f.txt")), "d/f.txt");
        assert_eq!(upload_key("d/k", Path::new("f.txt")), "d/k");
    }
}
