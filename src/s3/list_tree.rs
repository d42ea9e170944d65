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
//! The order is depth first: a directory's own objects (in the server's order, page after
//! page), then each subdirectory's whole subtree, subdirectories in the server's order. So
//! every directory's keys come together, whatever order the server sends within a page.
//! Memory is the pages listed ahead (at most `parallel` directories' first pages, plus the
//! next page of the directory being read) and the names of the directories still to visit.

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

/// A bucket's delimiter listings through a [`Client`].
struct ClientPages<'c> {
    client: &'c Client,
    bucket: String,
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

/// A directory still to be read: its prefix, and the request of its first page once sent.
struct Pending {
    prefix: String,
    first: Option<u64>,
}

/// The directory being read.
struct Current {
    prefix: String,
    objects: VecDeque<ListedObject>,
    subdirs: Vec<String>,
    /// The request of its next page, when the last page read was truncated.
    next: Option<u64>,
    token: Option<String>,
}

/// The iterator returned by [`Client::list_tree`]: every object under a prefix, each
/// directory's objects together, depth first.
pub struct ListTree<'scope, 'env, P: PageSource + Send + 'env> {
    scope: &'scope Scope<'scope, 'env>,
    source: Arc<P>,
    parallel: usize,
    jobs: Option<Sender<Job>>,
    shared_jobs: Arc<Mutex<Receiver<Job>>>,
    answers_tx: Sender<Answer>,
    answers: Receiver<Answer>,
    workers: usize,
    next_id: u64,
    /// Requests sent whose page the caller has not taken yet.
    outstanding: usize,
    arrived: HashMap<u64, Result<ListObjectsPage, S3Error>>,
    /// Directories still to read; the last is the next.
    stack: Vec<Pending>,
    current: Option<Current>,
    done: bool,
    pages: u64,
}

impl<'scope, 'env, P: PageSource + Send + 'env> ListTree<'scope, 'env, P> {
    /// Lists `prefix` (empty, or a "directory" ending in `/`) of `source`, `parallel`
    /// directories at a time (at least 1), with worker threads started in `scope` as needed.
    pub fn new(scope: &'scope Scope<'scope, 'env>, source: P, prefix: &str, parallel: usize) -> Self {
        let (jobs, jobs_rx) = channel();
        let (answers_tx, answers) = channel();
        ListTree {
            scope,
            source: Arc::new(source),
            parallel: parallel.max(1),
            jobs: Some(jobs),
            shared_jobs: Arc::new(Mutex::new(jobs_rx)),
            answers_tx,
            answers,
            workers: 0,
            next_id: 0,
            outstanding: 0,
            arrived: HashMap::new(),
            stack: vec![Pending { prefix: prefix.to_string(), first: None }],
            current: None,
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

    /// Sends the first-page requests of the next directories to read, up to `parallel` pages
    /// ahead.
    fn look_ahead(&mut self) {
        let n = self.stack.len();
        for i in (n.saturating_sub(self.parallel)..n).rev() {
            if self.outstanding >= self.parallel {
                return;
            }
            if self.stack[i].first.is_none() {
                let prefix = self.stack[i].prefix.clone();
                self.stack[i].first = Some(self.request(&prefix, None));
            }
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

    /// Takes a page of `cur`: its objects, its subdirectories, the request of its next page.
    fn take_page(&mut self, mut cur: Current, page: ListObjectsPage) -> Result<Current, S3Error> {
        let prefix = cur.prefix.clone();
        cur.objects.extend(page.contents.into_iter().filter(|o| o.key.starts_with(&prefix)));
        // Only prefixes strictly below this one: a server that echoed the prefix itself would
        // otherwise be listed forever.
        cur.subdirs
            .extend(page.common_prefixes.into_iter().filter(|p| p.len() > prefix.len() && p.starts_with(&prefix)));
        cur.next = match (page.is_truncated, page.next_continuation_token) {
            (true, Some(next)) if !next.is_empty() && Some(&next) != cur.token.as_ref() => {
                cur.token = Some(next.clone());
                Some(self.request(&prefix, Some(next)))
            }
            (true, _) => return Err(S3Error::InvalidResponse(ResponseError::TruncatedListing)),
            (false, _) => None,
        };
        Ok(cur)
    }

    fn step(&mut self) -> Result<Option<ListedObject>, S3Error> {
        loop {
            if let Some(cur) = &mut self.current {
                if let Some(o) = cur.objects.pop_front() {
                    return Ok(Some(o));
                }
            }
            match self.current.take() {
                Some(cur) if cur.next.is_some() => {
                    let page = self.wait(cur.next.unwrap_or_default())?;
                    self.current = Some(self.take_page(cur, page)?);
                }
                Some(cur) => {
                    // Depth first: the first subdirectory on top.
                    self.stack.extend(cur.subdirs.into_iter().rev().map(|prefix| Pending { prefix, first: None }));
                }
                None => {
                    let Some(mut next) = self.stack.pop() else { return Ok(None) };
                    let id = match next.first.take() {
                        Some(id) => id,
                        None => self.request(&next.prefix, None),
                    };
                    self.look_ahead();
                    let page = self.wait(id)?;
                    let cur = Current {
                        prefix: next.prefix,
                        objects: VecDeque::new(),
                        subdirs: Vec::new(),
                        next: None,
                        token: None,
                    };
                    self.current = Some(self.take_page(cur, page)?);
                    self.look_ahead();
                }
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
                self.stack.clear();
                self.current = None;
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
    /// Every object of `bucket` under `prefix` (empty, or ending in `/`), listed directory by
    /// directory with a `/` delimiter, `parallel` directories at a time, on worker threads
    /// started in `scope`: each directory's objects come together (its own first, then each
    /// subdirectory's), depth first. Directory markers (keys ending in `/`) are included.
    ///
    /// ```no_run
    /// # fn f(client: &minis3::s3::Client) -> Result<(), minis3::s3::S3Error> {
    /// std::thread::scope(|scope| {
    ///     for object in client.list_tree(scope, "bucket", "channel/", 8) {
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
    ) -> ListTree<'scope, 'env, impl PageSource + Send + 'env> {
        ListTree::new(scope, ClientPages { client: self, bucket: bucket.to_string() }, prefix, parallel)
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
            let object = |key: &str| ListedObject {
                key: key.to_string(),
                last_modified: String::new(),
                etag: String::new(),
                size: 0,
                storage_class: None,
            };
            Ok(ListObjectsPage {
                contents: page.iter().filter(|e| !e.1).map(|e| object(&e.0)).collect(),
                common_prefixes: page.iter().filter(|e| e.1).map(|e| e.0.clone()).collect(),
                is_truncated: more,
                next_continuation_token: more.then(|| (skip + page.len()).to_string()),
                ..Default::default()
            })
        }
    }

    fn list(source: &Keys, prefix: &str, parallel: usize) -> Vec<Result<String, S3Error>> {
        std::thread::scope(|s| ListTree::new(s, source, prefix, parallel).map(|o| o.map(|o| o.key)).collect())
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
