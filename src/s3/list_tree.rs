//! Every object under a prefix, listed directory by directory (ListObjectsV2 with a `/`
//! delimiter, one listing per common prefix), several directories at a time.
//!
//! A flat listing is one request after another, 1,000 keys each, and some servers do work
//! for every page that grows with the whole prefix (s3s-fs walks and stats every file under
//! the bucket for each page of a flat listing; a delimiter listing walks only the directories
//! on the way). Listed directory by directory, the pages of different directories are
//! independent: while the caller reads one directory's objects, the next directories in the
//! order it will read them are already being listed, by up to `parallel` worker threads.
//!
//! Two orders ([`TreeOrder`]), both depth first: [`TreeOrder::Key`] is a flat listing's order
//! (the keys under a common prefix are contiguous in key order and come where the prefix
//! sorts, so each subdirectory's subtree is read at that place); [`TreeOrder::DirectoryFirst`]
//! gives a directory's own objects first, then each subdirectory's subtree, the order in
//! which a local directory is compared with it. Memory is the pages listed ahead (at most
//! `parallel` pages), the unread part of one page per directory on the way down, and the
//! names of the directories still to visit.

use std::collections::{HashMap, VecDeque};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::Scope;

use super::client::Client;
use super::error::{ResponseError, S3Error};
use super::list::ListOptions;
use super::xml::{ListObjectsPage, ListedObject};

/// One page of one directory: `(directory prefix, continuation token)` to the page.
pub trait PageSource: Sync {
    /// Lists one page of `prefix` with a `/` delimiter.
    fn page(&self, prefix: &str, token: Option<&str>) -> Result<ListObjectsPage, S3Error>;
}

/// The order in which [`Client::list_tree`] gives the objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeOrder {
    /// Key order (UTF-8 bytes), as a flat listing gives them: what `ls --recursive` prints.
    Key,
    /// Each directory's own objects (in key order), then each subdirectory's subtree (in key
    /// order of the subdirectories): the order of a directory walk that reads a directory's
    /// files before descending.
    DirectoryFirst,
}

/// A bucket's delimiter listings through a [`Client`].
pub(super) struct ClientPages<'c> {
    pub(super) client: &'c Client,
    pub(super) bucket: String,
}

impl PageSource for ClientPages<'_> {
    fn page(&self, prefix: &str, token: Option<&str>) -> Result<ListObjectsPage, S3Error> {
        let opts = ListOptions {
            prefix: (!prefix.is_empty()).then(|| prefix.to_string()),
            delimiter: Some("/".into()),
            ..Default::default()
        };
        self.client.list_objects_page(&self.bucket, &opts, token)
    }
}

type Job = (u64, String, Option<String>);
type Answer = (u64, Result<ListObjectsPage, S3Error>);

/// One entry of a directory still to be read.
enum Entry {
    Object(ListedObject),
    /// A subdirectory, and the request of its first page once sent.
    Dir {
        prefix: String,
        first: Option<u64>,
    },
}

impl Entry {
    fn name(&self) -> &str {
        match self {
            Entry::Object(o) => &o.key,
            Entry::Dir { prefix, .. } => prefix,
        }
    }
}

/// A directory on the way down: what is left of the pages read, and its next page.
struct Frame {
    prefix: String,
    entries: VecDeque<Entry>,
    /// `entries[..scanned]` hold no subdirectory whose first page is still to request.
    scanned: usize,
    /// With [`TreeOrder::DirectoryFirst`], the subdirectories until the last page is read.
    later: Vec<String>,
    /// The last subdirectory taken: a server that repeats a prefix on the next page would
    /// otherwise have it read twice.
    last_dir: Option<String>,
    /// The request of its next page, when the last page read was truncated.
    next: Option<u64>,
    token: Option<String>,
}

impl Frame {
    fn new(prefix: String) -> Frame {
        Frame {
            prefix,
            entries: VecDeque::new(),
            scanned: 0,
            later: Vec::new(),
            last_dir: None,
            next: None,
            token: None,
        }
    }
}

/// The iterator returned by [`Client::list_tree`]: every object under a prefix, depth first,
/// in the [`TreeOrder`] asked for.
pub struct ListTree<'scope, 'env, P: PageSource + Send + 'env> {
    scope: &'scope Scope<'scope, 'env>,
    source: Arc<P>,
    parallel: usize,
    order: TreeOrder,
    jobs: Option<Sender<Job>>,
    shared_jobs: Arc<Mutex<Receiver<Job>>>,
    answers_tx: Sender<Answer>,
    answers: Receiver<Answer>,
    workers: usize,
    next_id: u64,
    /// Requests sent whose page the caller has not taken yet.
    outstanding: usize,
    arrived: HashMap<u64, Result<ListObjectsPage, S3Error>>,
    /// The directories on the way down; the last is the one being read. The first holds only
    /// the prefix listed.
    frames: Vec<Frame>,
    done: bool,
    pages: u64,
}

impl<'scope, 'env, P: PageSource + Send + 'env> ListTree<'scope, 'env, P> {
    /// Lists `prefix` of `source` in `order`, `parallel` directories at a time (at least 1),
    /// with worker threads started in `scope` as needed. A prefix that does not end in `/`
    /// lists every key that starts with it, as a flat listing does.
    pub fn new(scope: &'scope Scope<'scope, 'env>, source: P, prefix: &str, parallel: usize, order: TreeOrder) -> Self {
        let (jobs, jobs_rx) = channel();
        let (answers_tx, answers) = channel();
        let mut root = Frame::new(String::new());
        root.entries.push_back(Entry::Dir { prefix: prefix.to_string(), first: None });
        ListTree {
            scope,
            source: Arc::new(source),
            parallel: parallel.max(1),
            order,
            jobs: Some(jobs),
            shared_jobs: Arc::new(Mutex::new(jobs_rx)),
            answers_tx,
            answers,
            workers: 0,
            next_id: 0,
            outstanding: 0,
            arrived: HashMap::new(),
            frames: vec![root],
            done: false,
            pages: 0,
        }
    }

    /// How many pages were read so far.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    fn request(&mut self, prefix: &str, token: Option<String>) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.outstanding += 1;
        if self.outstanding > self.workers && self.workers < self.parallel {
            self.workers += 1;
            let (source, jobs, answers) =
                (Arc::clone(&self.source), Arc::clone(&self.shared_jobs), self.answers_tx.clone());
            self.scope.spawn(move || loop {
                // The lock is held only while waiting for the next job.
                let job = match jobs.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                let Ok((id, prefix, token)) = job else { return };
                if answers.send((id, source.page(&prefix, token.as_deref()))).is_err() {
                    return;
                }
            });
        }
        if let Some(jobs) = &self.jobs {
            // The workers only stop once `jobs` is dropped, so this cannot fail.
            let _ = jobs.send((id, prefix.to_string(), token));
        }
        id
    }

    /// Sends the first-page requests of the next subdirectories to read (those of the
    /// directory being read, then those of the directories above it), up to `parallel`
    /// requests in flight.
    fn look_ahead(&mut self) {
        for f in (0..self.frames.len()).rev() {
            let mut i = self.frames[f].scanned;
            while i < self.frames[f].entries.len() {
                if self.outstanding >= self.parallel {
                    self.frames[f].scanned = i;
                    return;
                }
                if let Entry::Dir { prefix, first: None } = &self.frames[f].entries[i] {
                    let prefix = prefix.clone();
                    let id = self.request(&prefix, None);
                    if let Entry::Dir { first, .. } = &mut self.frames[f].entries[i] {
                        *first = Some(id);
                    }
                }
                i += 1;
            }
            self.frames[f].scanned = i;
        }
    }

    fn wait(&mut self, id: u64) -> Result<ListObjectsPage, S3Error> {
        loop {
            if let Some(page) = self.arrived.remove(&id) {
                self.outstanding -= 1;
                self.pages += 1;
                return page;
            }
            match self.answers.recv() {
                Ok((got, page)) => {
                    self.arrived.insert(got, page);
                }
                // Every worker holds a sender, and `answers_tx` is held here: unreachable,
                // but an error rather than a hang.
                Err(_) => return Err(S3Error::InvalidResponse(ResponseError::TruncatedListing)),
            }
        }
    }

    /// Takes a page of `frame`: its objects and subdirectories in the order asked for, and
    /// the request of its next page.
    fn take_page(&mut self, mut frame: Frame, page: ListObjectsPage) -> Result<Frame, S3Error> {
        let prefix = frame.prefix.clone();
        let objects = page.contents.into_iter().filter(|o| o.key.starts_with(&prefix)).map(Entry::Object);
        // Only prefixes strictly below this one: a server that echoed the prefix itself would
        // otherwise be listed forever.
        let dirs: Vec<String> = page
            .common_prefixes
            .into_iter()
            .filter(|p| p.len() > prefix.len() && p.starts_with(&prefix) && frame.last_dir.as_ref() != Some(p))
            .collect();
        if let Some(last) = dirs.last() {
            frame.last_dir = Some(last.clone());
        }
        match self.order {
            TreeOrder::Key => {
                // Objects and prefixes merged in key order (each list is in key order on a
                // conforming server; a stable sort also orders one that is not, page by page).
                let mut entries: Vec<Entry> = objects.collect();
                entries.extend(dirs.into_iter().map(|prefix| Entry::Dir { prefix, first: None }));
                entries.sort_by(|a, b| a.name().cmp(b.name()));
                frame.entries.extend(entries);
            }
            TreeOrder::DirectoryFirst => {
                frame.entries.extend(objects);
                frame.later.extend(dirs);
            }
        }
        frame.next = match (page.is_truncated, page.next_continuation_token) {
            (true, Some(next)) if !next.is_empty() && Some(&next) != frame.token.as_ref() => {
                frame.token = Some(next.clone());
                Some(self.request(&prefix, Some(next)))
            }
            (true, _) => return Err(S3Error::InvalidResponse(ResponseError::TruncatedListing)),
            (false, _) => None,
        };
        if frame.next.is_none() {
            let later = std::mem::take(&mut frame.later);
            frame.entries.extend(later.into_iter().map(|prefix| Entry::Dir { prefix, first: None }));
        }
        Ok(frame)
    }

    /// Puts `frame` back on top with `page` taken into it.
    fn push_page(&mut self, frame: Frame, page: Result<ListObjectsPage, S3Error>) -> Result<(), S3Error> {
        let frame = self.take_page(frame, page?)?;
        self.frames.push(frame);
        self.look_ahead();
        Ok(())
    }

    fn step(&mut self) -> Result<Option<ListedObject>, S3Error> {
        loop {
            let Some(top) = self.frames.last_mut() else { return Ok(None) };
            match top.entries.pop_front() {
                Some(Entry::Object(o)) => {
                    top.scanned = top.scanned.saturating_sub(1);
                    return Ok(Some(o));
                }
                Some(Entry::Dir { prefix, first }) => {
                    top.scanned = top.scanned.saturating_sub(1);
                    let id = match first {
                        Some(id) => id,
                        None => self.request(&prefix, None),
                    };
                    self.look_ahead();
                    let page = self.wait(id);
                    self.push_page(Frame::new(prefix), page)?;
                }
                None => match top.next.take() {
                    Some(id) => {
                        let Some(frame) = self.frames.pop() else { return Ok(None) };
                        let page = self.wait(id);
                        self.push_page(frame, page)?;
                    }
                    None => {
                        self.frames.pop();
                    }
                },
            }
        }
    }
}

impl<'env, P: PageSource + Send + 'env> Iterator for ListTree<'_, 'env, P> {
    type Item = Result<ListedObject, S3Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.step() {
            Ok(Some(o)) => Some(Ok(o)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                self.frames.clear();
                Some(Err(e))
            }
        }
    }
}

impl<'env, P: PageSource + Send + 'env> Drop for ListTree<'_, 'env, P> {
    fn drop(&mut self) {
        // The workers end after the request each has in flight.
        self.jobs = None;
    }
}

impl Client {
    /// Every object of `bucket` whose key starts with `prefix`, listed directory by directory
    /// with a `/` delimiter, `parallel` directories at a time, on worker threads started in
    /// `scope`, in `order`: [`TreeOrder::Key`] is a flat listing's order. Directory markers
    /// (keys ending in `/`) are included.
    ///
    /// ```no_run
    /// # use minis3::s3::TreeOrder;
    /// # fn f(client: &minis3::s3::Client) -> Result<(), minis3::s3::S3Error> {
    /// std::thread::scope(|scope| {
    ///     for object in client.list_tree(scope, "bucket", "channel/", 8, TreeOrder::Key) {
    ///         println!("{}", object?.key);
    ///     }
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn list_tree<'scope, 'env>(
        &'env self,
        scope: &'scope Scope<'scope, 'env>,
        bucket: &str,
        prefix: &str,
        parallel: usize,
        order: TreeOrder,
    ) -> ListTree<'scope, 'env, impl PageSource + Send + 'env> {
        ListTree::new(scope, ClientPages { client: self, bucket: bucket.to_string() }, prefix, parallel, order)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Keys in memory, paged `per_page` entries at a time, counting requests and the most in
    /// flight at once (each request waits a little, so that requests overlap).
    struct Keys {
        keys: BTreeSet<String>,
        per_page: usize,
        requests: AtomicUsize,
        in_flight: AtomicUsize,
        most: AtomicUsize,
        fail_at: Option<String>,
    }

    impl Keys {
        fn new(keys: &[String], per_page: usize) -> Keys {
            Keys {
                keys: keys.iter().cloned().collect(),
                per_page,
                requests: AtomicUsize::new(0),
                in_flight: AtomicUsize::new(0),
                most: AtomicUsize::new(0),
                fail_at: None,
            }
        }
    }

    /// A listed object with only its key.
    fn object(key: &str) -> ListedObject {
        ListedObject {
            key: key.to_string(),
            last_modified: String::new(),
            etag: String::new(),
            size: 0,
            storage_class: None,
        }
    }

    impl PageSource for Keys {
        fn page(&self, prefix: &str, token: Option<&str>) -> Result<ListObjectsPage, S3Error> {
            self.requests.fetch_add(1, Ordering::SeqCst);
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.most.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(2));
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            if self.fail_at.as_deref() == Some(prefix) {
                return Err(S3Error::InvalidResponse(ResponseError::TruncatedListing));
            }
            // Objects and common prefixes in key order, as S3 sends them.
            let mut entries: BTreeSet<(String, bool)> = BTreeSet::new();
            for k in self.keys.iter().filter(|k| k.starts_with(prefix)) {
                match k[prefix.len()..].find('/') {
                    Some(i) => entries.insert((k[..prefix.len() + i + 1].to_string(), true)),
                    None => entries.insert((k.clone(), false)),
                };
            }
            let skip = token.map_or(0, |t| t.parse::<usize>().unwrap());
            let page: Vec<_> = entries.iter().skip(skip).take(self.per_page).collect();
            let more = skip + page.len() < entries.len();
            Ok(ListObjectsPage {
                contents: page.iter().filter(|e| !e.1).map(|e| object(&e.0)).collect(),
                common_prefixes: page.iter().filter(|e| e.1).map(|e| e.0.clone()).collect(),
                is_truncated: more,
                next_continuation_token: more.then(|| (skip + page.len()).to_string()),
                ..Default::default()
            })
        }
    }

    fn list_in(source: &Keys, prefix: &str, parallel: usize, order: TreeOrder) -> Vec<Result<String, S3Error>> {
        std::thread::scope(|s| ListTree::new(s, source, prefix, parallel, order).map(|o| o.map(|o| o.key)).collect())
    }

    fn list(source: &Keys, prefix: &str, parallel: usize) -> Vec<Result<String, S3Error>> {
        list_in(source, prefix, parallel, TreeOrder::DirectoryFirst)
    }

    impl PageSource for &Keys {
        fn page(&self, prefix: &str, token: Option<&str>) -> Result<ListObjectsPage, S3Error> {
            (**self).page(prefix, token)
        }
    }

    fn tree() -> Vec<String> {
        let mut keys = Vec::new();
        for d in 0..30 {
            for f in 0..7 {
                keys.push(format!("p/d{d:02}/f{f}"));
            }
            keys.push(format!("p/d{d:02}/sub/x"));
            keys.push(format!("p/d{d:02}-file"));
        }
        keys.extend(["p/a b".to_string(), "p/top".to_string(), "other/x".to_string(), "p/".to_string()]);
        keys
    }

    /// [`tree`] with keys that sort beside a directory of the same name: `.` and `-` before
    /// `/`, `0` after it, a nested marker, a deeper tree.
    fn tricky_tree() -> Vec<String> {
        let mut keys = tree();
        for k in ["p/a.txt", "p/a/x", "p/a/y/", "p/a/y/z", "p/a0", "p/a-", "p/a", "p/b/c/d/e/f", "p/b/c/d.e", "p/b/c0"]
        {
            keys.push(k.to_string());
        }
        keys
    }

    #[test]
    fn key_order_is_the_order_of_a_flat_listing() {
        let keys = tricky_tree();
        for (per_page, parallel) in [(1000, 8), (4, 8), (1, 1), (3, 2)] {
            let source = Keys::new(&keys, per_page);
            for prefix in ["p/", "", "p/a", "p/d0", "p/b/c", "nothing"] {
                let got: Vec<String> =
                    list_in(&source, prefix, parallel, TreeOrder::Key).into_iter().map(Result::unwrap).collect();
                let mut want: Vec<String> = keys.iter().filter(|k| k.starts_with(prefix)).cloned().collect();
                want.sort();
                assert_eq!(got, want, "prefix {prefix:?}, {per_page} per page, parallel {parallel}");
            }
        }
    }

    #[test]
    fn key_order_lists_each_directory_once_and_ahead_in_parallel() {
        let keys = tricky_tree();
        let source = Keys::new(&keys, 1000);
        assert_eq!(list_in(&source, "p/", 3, TreeOrder::Key).len(), keys.len() - 1);
        // One request per directory: p/, 30 d??/ and their sub/, a/, a/y/, b/, b/c/, b/c/d/,
        // b/c/d/e/.
        assert_eq!(source.requests.load(Ordering::SeqCst), 1 + 30 * 2 + 6);
        let most = source.most.load(Ordering::SeqCst);
        assert!((2..=4).contains(&most), "{most} in flight with parallel 3");
    }

    #[test]
    fn a_prefix_repeated_on_the_next_page_is_read_once() {
        // Keys::page never repeats; a page source that does: the first page ends with `p/a/`
        // and the second starts with it again.
        struct Repeats;
        impl PageSource for Repeats {
            fn page(&self, prefix: &str, token: Option<&str>) -> Result<ListObjectsPage, S3Error> {
                Ok(match (prefix, token) {
                    ("p/", None) => ListObjectsPage {
                        contents: vec![object("p/0")],
                        common_prefixes: vec!["p/a/".into()],
                        is_truncated: true,
                        next_continuation_token: Some("1".into()),
                        ..Default::default()
                    },
                    ("p/", Some(_)) => ListObjectsPage {
                        contents: vec![object("p/b")],
                        common_prefixes: vec!["p/a/".into()],
                        ..Default::default()
                    },
                    ("p/a/", _) => ListObjectsPage { contents: vec![object("p/a/x")], ..Default::default() },
                    _ => ListObjectsPage::default(),
                })
            }
        }
        for order in [TreeOrder::Key, TreeOrder::DirectoryFirst] {
            let got: Vec<String> =
                std::thread::scope(|s| ListTree::new(s, Repeats, "p/", 4, order).map(|o| o.unwrap().key).collect());
            let want = match order {
                TreeOrder::Key => ["p/0", "p/a/x", "p/b"],
                TreeOrder::DirectoryFirst => ["p/0", "p/b", "p/a/x"],
            };
            assert_eq!(got, want, "{order:?}");
        }
    }

    #[test]
    fn every_key_once_each_directory_together_depth_first() {
        let keys = tree();
        let source = Keys::new(&keys, 4);
        let got: Vec<String> = list(&source, "p/", 8).into_iter().map(Result::unwrap).collect();
        let want: BTreeSet<&String> = keys.iter().filter(|k| k.starts_with("p/")).collect();
        assert_eq!(got.len(), want.len());
        assert_eq!(got.iter().collect::<BTreeSet<_>>(), want);
        // The root's own objects first, then d00's subtree, d01's..., each together.
        assert_eq!(&got[..4], ["p/", "p/a b", "p/d00-file", "p/d01-file"]);
        let dirs: Vec<&str> =
            got.iter().filter_map(|k| k.strip_prefix("p/d").filter(|r| r.contains('/'))).map(|r| &r[..2]).collect();
        let mut runs = dirs.clone();
        runs.dedup();
        assert_eq!(runs.len(), 30, "each directory's keys together: {dirs:?}");
        assert!(runs.windows(2).all(|w| w[0] < w[1]));
        // Each directory's pages once: root (64 entries, 16 pages), 30 x (8 entries: 2 pages) and
        // 30 `sub/` (1 page).
        assert_eq!(source.requests.load(Ordering::SeqCst), 16 + 30 * 2 + 30);
    }

    #[test]
    fn directories_are_listed_ahead_in_parallel_but_no_more_than_asked() {
        let keys = tree();
        for parallel in [1, 3, 8] {
            let source = Keys::new(&keys, 1000);
            let got = list(&source, "p/", parallel);
            assert_eq!(got.len(), 30 * 9 + 3);
            let most = source.most.load(Ordering::SeqCst);
            assert!(most <= parallel + 1, "{most} in flight with parallel {parallel}");
            if parallel > 1 {
                assert!(most > 1, "nothing listed ahead with parallel {parallel}");
            }
        }
    }

    #[test]
    fn an_empty_prefix_lists_the_bucket_and_a_missing_one_nothing() {
        let keys = tree();
        let source = Keys::new(&keys, 5);
        assert_eq!(list(&source, "", 4).len(), keys.len());
        assert!(list(&source, "nothing/", 4).is_empty());
    }

    #[test]
    fn an_error_ends_the_listing_after_the_objects_before_it() {
        let keys = tree();
        let mut source = Keys::new(&keys, 1000);
        source.fail_at = Some("p/d03/".into());
        let got = list(&source, "p/", 4);
        let last = got.last().unwrap();
        assert!(last.is_err());
        assert_eq!(got.iter().filter(|r| r.is_err()).count(), 1);
        // Up to d03: the root's 33 objects and d00-d02's 8 each.
        assert_eq!(got.len() - 1, 33 + 3 * 8);
    }
}
