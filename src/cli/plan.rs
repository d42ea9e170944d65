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

/// What a sync does with one path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Transfer the source file to the destination.
    Transfer(Reason),
    /// Delete the destination file (`--delete`).
    Delete,
    /// Present at both ends and the same: nothing to do (counted as skipped).
    UpToDate,
    /// Only at the destination, without `--delete`: left alone.
    Keep,
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

/// The step for one path, from what is at the source and at the destination (`None`: not
/// there). The caller applies the filters first: an excluded path is never looked at, so an
/// excluded destination file is never deleted. `None` at both ends is [`Step::Keep`].
pub fn decide(src: Option<&Entry>, dst: Option<&Entry>, direction: Direction, compare: Compare, delete: bool) -> Step {
    match (src, dst) {
        (Some(_), None) => Step::Transfer(Reason::Missing),
        (Some(s), Some(d)) => match should_transfer(s, d, direction, compare) {
            Some(reason) => Step::Transfer(reason),
            None => Step::UpToDate,
        },
        (None, Some(_)) if delete => Step::Delete,
        (None, _) => Step::Keep,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::filter::{Filters, Rule};

    fn e(rel: &str, size: u64, mtime: i64) -> Entry {
        Entry { relative: rel.into(), size, mtime: Some(mtime) }
    }

    /// A test-only planner over whole lists: (path, step) for every path that needs one.
    fn plan(
        src: &[Entry],
        dst: &[Entry],
        direction: Direction,
        compare: Compare,
        delete: bool,
        filters: &Filters,
    ) -> Vec<(String, Step)> {
        let mut paths: Vec<&str> = src.iter().chain(dst).map(|e| e.relative.as_str()).collect();
        paths.sort();
        paths.dedup();
        let mut out = Vec::new();
        for p in paths.into_iter().filter(|p| filters.includes(p)) {
            let s = src.iter().find(|e| e.relative == p);
            let d = dst.iter().find(|e| e.relative == p);
            match decide(s, d, direction, compare, delete) {
                Step::UpToDate | Step::Keep => {}
                step => out.push((p.to_string(), step)),
            }
        }
        out
    }

    fn transfer(rel: &str, _size: u64, reason: Reason) -> (String, Step) {
        (rel.into(), Step::Transfer(reason))
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
        assert_eq!(p, [("extra".to_string(), Step::Delete)]);
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
    fn each_path_gets_one_step() {
        let (a, b) = (e("a", 1, 100), e("a", 2, 100));
        let c = Compare::default();
        let d = Direction::Upload;
        assert_eq!(decide(Some(&a), None, d, c, false), Step::Transfer(Reason::Missing));
        assert_eq!(decide(Some(&a), Some(&a), d, c, false), Step::UpToDate);
        assert_eq!(decide(Some(&a), Some(&b), d, c, false), Step::Transfer(Reason::Size));
        assert_eq!(decide(None, Some(&a), d, c, false), Step::Keep);
        assert_eq!(decide(None, Some(&a), d, c, true), Step::Delete);
        assert_eq!(decide(None, None, d, c, true), Step::Keep);
    }

    #[test]
    fn unknown_times_never_count_as_newer() {
        let a = Entry { relative: "a".into(), size: 1, mtime: None };
        assert_eq!(should_transfer(&a, &e("a", 1, 5), Direction::Upload, Compare::default()), None);
    }
}
