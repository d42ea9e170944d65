//! Mapping keys to local paths without ever leaving the target directory, and local paths to
//! keys.

use std::path::Path;

/// The local path for a key under a directory, or why none is safe: the one rule, in
/// [`minis3::safe_path`], shared with the conda channel's downloads.
pub use minis3::safe_path::join as safe_join;

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
