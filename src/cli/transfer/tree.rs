//! A sync's two sides met one directory at a time, in memory that does not grow with the
//! number of files: one side is a listing streamed page by page (every key under the
//! prefix; `sync` lists it directory by directory, `Client::list_tree`), the other a tree read
//! directory by directory (a local directory, or an S3 prefix listed with a `/` delimiter).
//!
//! Servers do not agree on the order of a listing: AWS and s3s-fs send keys in byte order
//! (`a b`, `a.txt`, `a/x`, `a0`), SeaweedFS directory by directory (`a/x`, `a b`, `a.txt`,
//! `a0`). What every one of them does is keep a directory's keys together. So this merge does
//! not compare two sorted streams key by key: it follows the listing down the directories
//! its keys name, reads each of those directories on the tree side once (its files and
//! subdirectory names, never deeper), and when the listing leaves a directory, what the tree
//! has there that the listing did not name is only on the tree side (a whole unvisited
//! subdirectory is walked lazily, one directory at a time). Memory is the directories on the
//! current path, whatever the order of keys within them; a listing that comes back to a
//! directory it had left is refused, since the tree side of it was already settled.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::cli::CliError;

/// What a directory of the tree side holds: files, and subdirectories to read on demand.
#[derive(Debug)]
pub enum Child<F, D> {
    /// A file (its size and time for the planner; what is needed to transfer it).
    File(F),
    /// A subdirectory, as the tree reads it.
    Dir(D),
}

/// A directory's children, by name (one `/`-free path segment).
pub type Children<F, D> = Vec<(String, Child<F, D>)>;

/// The tree side of a sync: reads one directory.
pub trait Tree {
    /// A file.
    type File;
    /// A directory handle (a local path, a key prefix).
    type Dir;
    /// The root.
    fn root(&self) -> Self::Dir;
    /// The files and subdirectories directly in `dir`, by name (one `/`-free path segment).
    /// A directory that does not exist is empty.
    fn children(&mut self, dir: &Self::Dir) -> Result<Children<Self::File, Self::Dir>, CliError>;
}

/// One path, as the merge found it.
#[derive(Debug)]
pub enum Pair<S, F> {
    /// In the listing and on the tree side.
    Both(String, S, F),
    /// Only in the listing.
    ListingOnly(String, S),
    /// Only on the tree side.
    TreeOnly(String, F),
}

/// One directory on the current path: what the tree has in it, and what the listing named.
struct Level<F, D> {
    /// The directory's path under the root (`""`, `a`, `a/b`).
    path: String,
    /// Its last segment (what the listing's keys are matched against).
    name: String,
    /// The tree's children the listing did not name yet.
    children: BTreeMap<String, Child<F, D>>,
    /// Subdirectory names the listing entered (also those the tree does not have).
    entered: BTreeSet<String>,
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// The merge of a listing (`(relative path, item)` in any order that keeps each directory's
/// keys together) with a [`Tree`]: an iterator of [`Pair`]s.
pub struct Merge<T: Tree, S, I> {
    tree: T,
    listing: I,
    listing_done: bool,
    levels: Vec<Level<T::File, T::Dir>>,
    pending: VecDeque<Pair<S, T::File>>,
    /// Directories only on the tree side, still to be walked: (path, handle).
    walk: Vec<(String, T::Dir)>,
    started: bool,
}

impl<T: Tree, S, I: Iterator<Item = Result<(String, S), CliError>>> Merge<T, S, I> {
    /// Meets `listing` with `tree`.
    pub fn new(tree: T, listing: I) -> Self {
        Merge {
            tree,
            listing,
            listing_done: false,
            levels: Vec::new(),
            pending: VecDeque::new(),
            walk: Vec::new(),
            started: false,
        }
    }

    fn read_level(&mut self, path: String, name: String, dir: &T::Dir) -> Result<(), CliError> {
        let children = self.tree.children(dir)?.into_iter().collect();
        self.levels.push(Level { path, name, children, entered: BTreeSet::new() });
        Ok(())
    }

    /// Leaves the deepest directory: what the listing did not name there is tree-only.
    fn close(&mut self) {
        let Some(level) = self.levels.pop() else { return };
        let mut dirs = Vec::new();
        for (name, child) in level.children {
            match child {
                Child::File(f) => self.pending.push_back(Pair::TreeOnly(join(&level.path, &name), f)),
                Child::Dir(d) => dirs.push((join(&level.path, &name), d)),
            }
        }
        // Walked in name order: the stack pops the last pushed first.
        self.walk.extend(dirs.into_iter().rev());
    }

    /// Takes one listed path: leaves and enters directories to reach it, then pairs it.
    fn visit(&mut self, relative: String, item: S) -> Result<(), CliError> {
        let mut segments: Vec<&str> = relative.split('/').collect();
        let name = segments.pop().unwrap_or_default().to_string();
        // Directories on the current path the key shares (levels[0] is the root).
        let mut common = 0;
        while common < segments.len()
            && common + 1 < self.levels.len()
            && self.levels[common + 1].name == segments[common]
        {
            common += 1;
        }
        while self.levels.len() > common + 1 {
            self.close();
        }
        for seg in &segments[common..] {
            let level = self.levels.last_mut().expect("the root level is open");
            if !level.entered.insert(seg.to_string()) {
                return Err(CliError::Failed(format!(
                    "the listing came back to {}/ after leaving it (at {relative}): this server does not keep a \
                     directory's keys together, so sync cannot compare them directory by directory",
                    join(&level.path, seg)
                )));
            }
            let path = join(&level.path, seg);
            let dir = match level.children.remove(*seg) {
                Some(Child::Dir(d)) => Some(d),
                Some(file) => {
                    // A file of that name stays tree-only.
                    level.children.insert(seg.to_string(), file);
                    None
                }
                None => None,
            };
            match dir {
                Some(d) => self.read_level(path, seg.to_string(), &d)?,
                None => self.levels.push(Level {
                    path,
                    name: seg.to_string(),
                    children: BTreeMap::new(),
                    entered: BTreeSet::new(),
                }),
            }
        }
        let level = self.levels.last_mut().expect("the root level is open");
        let pair = match level.children.remove(&name) {
            Some(Child::File(f)) => Pair::Both(relative, item, f),
            Some(dir) => {
                // A directory of that name stays tree-only.
                level.children.insert(name, dir);
                Pair::ListingOnly(relative, item)
            }
            None => Pair::ListingOnly(relative, item),
        };
        self.pending.push_back(pair);
        Ok(())
    }

    fn step(&mut self) -> Result<Option<Pair<S, T::File>>, CliError> {
        if !self.started {
            self.started = true;
            let root = self.tree.root();
            self.read_level(String::new(), String::new(), &root)?;
        }
        loop {
            if let Some(p) = self.pending.pop_front() {
                return Ok(Some(p));
            }
            if let Some((path, dir)) = self.walk.pop() {
                let mut dirs = Vec::new();
                for (name, child) in self.tree.children(&dir)? {
                    match child {
                        Child::File(f) => self.pending.push_back(Pair::TreeOnly(join(&path, &name), f)),
                        Child::Dir(d) => dirs.push((join(&path, &name), d)),
                    }
                }
                dirs.sort_by(|a, b| b.0.cmp(&a.0));
                self.walk.extend(dirs);
                continue;
            }
            if self.listing_done {
                if self.levels.is_empty() {
                    return Ok(None);
                }
                self.close();
                continue;
            }
            match self.listing.next() {
                None => self.listing_done = true,
                Some(Err(e)) => return Err(e),
                Some(Ok((relative, item))) => self.visit(relative, item)?,
            }
        }
    }
}

impl<T: Tree, S, I: Iterator<Item = Result<(String, S), CliError>>> Iterator for Merge<T, S, I> {
    type Item = Result<Pair<S, T::File>, CliError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.step() {
            Ok(Some(p)) => Some(Ok(p)),
            Ok(None) => None,
            Err(e) => {
                // Nothing more after an error.
                self.listing_done = true;
                self.levels.clear();
                self.pending.clear();
                self.walk.clear();
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_secrets::CleanErr;

    /// A tree in memory: every file path; directories are implied.
    struct Paths {
        files: BTreeSet<String>,
        reads: usize,
    }

    impl Tree for Paths {
        type File = ();
        type Dir = String;
        fn root(&self) -> String {
            String::new()
        }
        fn children(&mut self, dir: &String) -> Result<Vec<(String, Child<(), String>)>, CliError> {
            self.reads += 1;
            let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
            let mut out: BTreeMap<String, Child<(), String>> = BTreeMap::new();
            for f in self.files.iter().filter_map(|f| f.strip_prefix(&prefix)) {
                match f.split_once('/') {
                    Some((d, _)) => {
                        out.insert(d.to_string(), Child::Dir(join(dir, d)));
                    }
                    None => {
                        out.insert(f.to_string(), Child::File(()));
                    }
                }
            }
            Ok(out.into_iter().collect())
        }
    }

    /// (both, listing-only, tree-only), each sorted.
    type Sides = (Vec<String>, Vec<String>, Vec<String>);

    fn merge(listing: &[&str], tree: &[&str]) -> Result<Sides, CliError> {
        let t = Paths { files: tree.iter().map(|s| s.to_string()).collect(), reads: 0 };
        let l = listing.iter().map(|s| Ok((s.to_string(), ())));
        let (mut both, mut lonly, mut tonly) = (Vec::new(), Vec::new(), Vec::new());
        for p in Merge::new(t, l) {
            match p? {
                Pair::Both(r, _, _) => both.push(r),
                Pair::ListingOnly(r, _) => lonly.push(r),
                Pair::TreeOnly(r, _) => tonly.push(r),
            }
        }
        both.sort();
        lonly.sort();
        tonly.sort();
        Ok((both, lonly, tonly))
    }

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    const TREE: &[&str] = &["a b", "a-b/c", "a.txt", "a/a/x", "a/b", "a/b.c", "a/b0", "a0", "z/deep/er/f"];

    #[test]
    fn byte_order_and_directory_order_listings_pair_the_same() {
        // Byte order (AWS, s3s-fs) and directory order (SeaweedFS) of the same keys.
        let bytes = ["a b", "a-b/c", "a.txt", "a/a/x", "a/b", "a/b.c", "a/b0", "a0", "q"];
        let dirs = ["a/a/x", "a/b", "a/b.c", "a/b0", "a b", "a-b/c", "a.txt", "a0", "q"];
        let want =
            (v(&["a b", "a-b/c", "a.txt", "a/a/x", "a/b", "a/b.c", "a/b0", "a0"]), v(&["q"]), v(&["z/deep/er/f"]));
        assert_eq!(merge(&bytes, TREE).unwrap(), want);
        assert_eq!(merge(&dirs, TREE).unwrap(), want);
    }

    #[test]
    fn what_only_one_side_has_is_found_at_any_depth() {
        let (both, lonly, tonly) = merge(&["a/b", "a/new/x", "n/m/o", "zz"], TREE).unwrap();
        assert_eq!(both, v(&["a/b"]));
        assert_eq!(lonly, v(&["a/new/x", "n/m/o", "zz"]));
        assert_eq!(tonly, v(&["a b", "a-b/c", "a.txt", "a/a/x", "a/b.c", "a/b0", "a0", "z/deep/er/f"]));
        // An empty listing: the whole tree; an empty tree: the whole listing.
        assert_eq!(merge(&[], TREE).unwrap().2.len(), TREE.len());
        assert_eq!(merge(TREE, &[]).unwrap().1.len(), TREE.len());
    }

    #[test]
    fn a_file_and_a_directory_of_the_same_name_do_not_pair() {
        // The listing has a file `a` (and `a/b`); the tree a directory `a`.
        let (both, lonly, tonly) = merge(&["a", "a/b"], &["a/b", "a/c"]).unwrap();
        assert_eq!((both, lonly, tonly), (v(&["a/b"]), v(&["a"]), v(&["a/c"])));
        // Keys that no file could have: empty and dot segments, a leading slash.
        let (both, lonly, _) = merge(&["./a", "/a", "a//b", "a/../a"], &["a/b"]).unwrap();
        assert!(both.is_empty());
        assert_eq!(lonly.len(), 4);
    }

    #[test]
    fn a_listing_that_comes_back_to_a_directory_is_refused() {
        let e = merge(&["a/x", "b", "a/y"], &["a/x"]).clean_err();
        assert!(e.to_string().contains("came back to a/"), "{e}");
    }

    #[test]
    fn only_the_directories_on_the_way_are_read() {
        let tree: BTreeSet<String> = (0..50).flat_map(|d| (0..20).map(move |f| format!("d{d:02}/f{f:02}"))).collect();
        let listing: Vec<String> = tree.iter().cloned().collect();
        let mut t = Paths { files: tree, reads: 0 };
        let l = listing.into_iter().map(|s| Ok((s, ())));
        let mut m = Merge::new(&mut t, l);
        let mut both = 0;
        let mut most_held = 0;
        while let Some(p) = m.next() {
            most_held = most_held.max(m.levels.iter().map(|l| l.children.len()).sum::<usize>() + m.pending.len());
            assert!(matches!(p.unwrap(), Pair::Both(..)));
            both += 1;
        }
        assert_eq!(both, 1000);
        drop(m);
        // The root and each directory once; never more than two directories' entries held.
        assert_eq!(t.reads, 51);
        assert!(most_held <= 50 + 20, "{most_held}");
    }

    impl<T: Tree> Tree for &mut T {
        type File = T::File;
        type Dir = T::Dir;
        fn root(&self) -> T::Dir {
            (**self).root()
        }
        fn children(&mut self, dir: &T::Dir) -> Result<Vec<(String, Child<T::File, T::Dir>)>, CliError> {
            (**self).children(dir)
        }
    }
}
