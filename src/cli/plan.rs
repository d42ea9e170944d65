//! Sync planning, pure: which files to transfer and which to delete, decided as `aws s3 sync`
//! decides (awscli `syncstrategy/base.py`):
//!
//! - a source file missing at the destination is transferred;
//! - a file present at both is transferred when the sizes differ, or when the times say so:
//!   * upload (local → S3) and copy (S3 → S3): when the source is newer than the destination;
//!   * download (S3 → local): when the *local* file is newer than the S3 object (the AWS
//!     CLI's rule; after a download the local file gets the object's `LastModified` as its
//!     modification time, so an unchanged object is not fetched again). With
//!     `--exact-timestamps`, a download happens whenever the times differ at all;
//!   * with `--size-only`, times are not compared;
//! - with `--delete`, a destination file missing at the source is deleted.
//!
//! Times are compared in whole seconds (S3 keeps seconds). Filters apply to both sides: an
//! excluded destination file is never deleted.

use std::collections::BTreeMap;

use super::filter::Filters;

/// A file or object, by its path relative to the sync root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// `/`-separated path under the root (the key without the prefix).
    pub relative: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, seconds since the Unix epoch (`None`: unknown, never newer).
    pub mtime: Option<i64>,
}

/// The direction of a sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Local → S3.
    Upload,
    /// S3 → local.
    Download,
    /// S3 → S3.
    Copy,
}

/// How same-named files are compared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Compare {
    /// `--size-only`.
    pub size_only: bool,
    /// `--exact-timestamps` (downloads only).
    pub exact_timestamps: bool,
}

/// Why a file is transferred.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Not at the destination.
    Missing,
    /// Sizes differ.
    Size,
    /// Times say so.
    Time,
}

/// One step of a sync.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Transfer the source file to the destination.
    Transfer {
        /// The path under both roots.
        relative: String,
        /// Its size at the source.
        size: u64,
        /// Why.
        reason: Reason,
    },
    /// Delete the destination file (`--delete`).
    Delete {
        /// The path under the destination root.
        relative: String,
    },
}

/// Whether a file present at both ends must be transferred.
pub fn should_transfer(src: &Entry, dst: &Entry, direction: Direction, compare: Compare) -> Option<Reason> {
    if src.size != dst.size {
        return Some(Reason::Size);
    }
    if compare.size_only {
        return None;
    }
    let (Some(s), Some(d)) = (src.mtime, dst.mtime) else {
        return None;
    };
    let newer = match direction {
        Direction::Upload | Direction::Copy => s > d,
        Direction::Download if compare.exact_timestamps => s != d,
        Direction::Download => d > s,
    };
    newer.then_some(Reason::Time)
}

/// The actions of a sync from `src` to `dst`, sorted by path (deletions after transfers).
pub fn plan(
    src: &[Entry],
    dst: &[Entry],
    direction: Direction,
    compare: Compare,
    delete: bool,
    filters: &Filters,
) -> Vec<Action> {
    let dst: BTreeMap<&str, &Entry> =
        dst.iter().filter(|e| filters.includes(&e.relative)).map(|e| (e.relative.as_str(), e)).collect();
    let mut src_sorted: Vec<&Entry> = src.iter().filter(|e| filters.includes(&e.relative)).collect();
    src_sorted.sort_by(|a, b| a.relative.cmp(&b.relative));
    src_sorted.dedup_by(|a, b| a.relative == b.relative);
    let mut actions = Vec::new();
    for s in &src_sorted {
        let reason = match dst.get(s.relative.as_str()) {
            None => Some(Reason::Missing),
            Some(d) => should_transfer(s, d, direction, compare),
        };
        if let Some(reason) = reason {
            actions.push(Action::Transfer { relative: s.relative.clone(), size: s.size, reason });
        }
    }
    if delete {
        let present: std::collections::BTreeSet<&str> = src_sorted.iter().map(|e| e.relative.as_str()).collect();
        for rel in dst.keys() {
            if !present.contains(rel) {
                actions.push(Action::Delete { relative: rel.to_string() });
            }
        }
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::filter::Rule;

    fn e(rel: &str, size: u64, mtime: i64) -> Entry {
        Entry { relative: rel.into(), size, mtime: Some(mtime) }
    }

    fn transfer(rel: &str, size: u64, reason: Reason) -> Action {
        Action::Transfer { relative: rel.into(), size, reason }
    }

    #[test]
    fn missing_and_changed_files_upload() {
        let src = [e("a", 1, 100), e("b", 2, 100), e("c", 3, 200), e("d", 4, 100)];
        let dst = [e("b", 2, 150), e("c", 3, 150), e("d", 5, 150)];
        let p = plan(&src, &dst, Direction::Upload, Compare::default(), false, &Filters::default());
        assert_eq!(
            p,
            [transfer("a", 1, Reason::Missing), transfer("c", 3, Reason::Time), transfer("d", 4, Reason::Size)]
        );
    }

    #[test]
    fn download_follows_the_aws_cli_time_rule() {
        let c = Compare::default();
        // S3 object newer than the local file, same size: not downloaded (AWS CLI rule).
        assert_eq!(should_transfer(&e("a", 1, 200), &e("a", 1, 100), Direction::Download, c), None);
        // Local file newer than the object: downloaded.
        assert_eq!(should_transfer(&e("a", 1, 100), &e("a", 1, 200), Direction::Download, c), Some(Reason::Time));
        // Equal: not.
        assert_eq!(should_transfer(&e("a", 1, 100), &e("a", 1, 100), Direction::Download, c), None);
        let exact = Compare { exact_timestamps: true, ..c };
        assert_eq!(should_transfer(&e("a", 1, 200), &e("a", 1, 100), Direction::Download, exact), Some(Reason::Time));
        assert_eq!(should_transfer(&e("a", 1, 100), &e("a", 1, 100), Direction::Download, exact), None);
    }

    #[test]
    fn copy_and_upload_transfer_when_the_source_is_newer() {
        let c = Compare::default();
        for d in [Direction::Upload, Direction::Copy] {
            assert_eq!(should_transfer(&e("a", 1, 200), &e("a", 1, 100), d, c), Some(Reason::Time));
            assert_eq!(should_transfer(&e("a", 1, 100), &e("a", 1, 200), d, c), None);
            assert_eq!(should_transfer(&e("a", 1, 100), &e("a", 1, 100), d, c), None);
        }
        let size_only = Compare { size_only: true, ..c };
        assert_eq!(should_transfer(&e("a", 1, 200), &e("a", 1, 100), Direction::Upload, size_only), None);
        assert_eq!(should_transfer(&e("a", 2, 100), &e("a", 1, 100), Direction::Upload, size_only), Some(Reason::Size));
    }

    #[test]
    fn delete_removes_only_unfiltered_extra_files() {
        let src = [e("keep", 1, 1)];
        let dst = [e("keep", 1, 5), e("extra", 1, 1), e("logs/x.log", 1, 1)];
        let mut f = Filters::default();
        f.push(Rule::Exclude, "*.log");
        let p = plan(&src, &dst, Direction::Upload, Compare::default(), true, &f);
        assert_eq!(p, [Action::Delete { relative: "extra".into() }]);
        let p = plan(&src, &dst, Direction::Upload, Compare::default(), false, &f);
        assert!(p.is_empty());
    }

    #[test]
    fn filters_apply_to_the_source() {
        let src = [e("a.txt", 1, 1), e("b.bin", 1, 1), e("dir/c.txt", 1, 1)];
        let mut f = Filters::default();
        f.push(Rule::Exclude, "*");
        f.push(Rule::Include, "*.txt");
        f.push(Rule::Exclude, "dir/*");
        let p = plan(&src, &[], Direction::Upload, Compare::default(), false, &f);
        assert_eq!(p, [transfer("a.txt", 1, Reason::Missing)]);
    }

    #[test]
    fn unknown_times_never_count_as_newer() {
        let a = Entry { relative: "a".into(), size: 1, mtime: None };
        assert_eq!(should_transfer(&a, &e("a", 1, 5), Direction::Upload, Compare::default()), None);
    }
}
