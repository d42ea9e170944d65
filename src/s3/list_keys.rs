//! Every key under a prefix in key order, the fastest way the tree allows: directory by
//! directory ([`ListTree`] in [`TreeOrder::Key`], several directories at once) while the
//! directories hold many keys each, and one flat listing from where it got to once they
//! hold few.
//!
//! Directory by directory costs one request per directory at least. On a tree of full
//! directories that is about the requests of a flat listing, and they run at once (and a
//! server that walks the whole prefix for every flat page, as s3s-fs does, walks one
//! directory per request instead); on a tree of one key per directory it would be a
//! thousand times the requests. So after [`PROBE_PAGES`] requests, if they brought fewer
//! than [`MIN_KEYS_PER_PAGE`] keys each, the rest is listed flat with `start-after` set to
//! the last key given: key order makes the two listings meet exactly.

use std::thread::Scope;

use super::client::Client;
use super::error::S3Error;
use super::list::{ListEntry, ListObjects, ListOptions};
use super::list_tree::{ClientPages, ListTree, TreeOrder};
use super::xml::ListedObject;

/// Requests of the directory walk before its yield is judged.
pub const PROBE_PAGES: u64 = 16;

/// Keys per request under which the walk gives way to a flat listing (a flat page holds up
/// to 1,000): the walk then costs at most about 30 times a flat listing's requests.
pub const MIN_KEYS_PER_PAGE: u64 = 32;

/// The iterator returned by [`Client::list_keys`].
pub struct ListKeys<'scope, 'env> {
    client: &'env Client,
    bucket: String,
    prefix: String,
    tree: Option<ListTree<'scope, 'env, ClientPages<'env>>>,
    flat: Option<ListObjects<'env>>,
    /// Keys given so far, and the last of them.
    given: u64,
    last: Option<String>,
    /// Pages of the walk before it gave way, when it did.
    walked: u64,
}

impl ListKeys<'_, '_> {
    /// Whether the listing went on flat (the directories held few keys each).
    pub fn went_flat(&self) -> bool {
        self.flat.is_some()
    }

    /// Requests sent so far (the walk's and the flat listing's pages).
    pub fn pages(&self) -> u64 {
        match (&self.tree, &self.flat) {
            (Some(tree), _) => tree.pages(),
            (None, Some(flat)) => self.walked + u64::from(flat.pages()),
            (None, None) => self.walked,
        }
    }
}

impl Iterator for ListKeys<'_, '_> {
    type Item = Result<ListedObject, S3Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(tree) = &mut self.tree {
            let pages = tree.pages();
            if pages < PROBE_PAGES || self.given >= pages * MIN_KEYS_PER_PAGE {
                let next = tree.next();
                match &next {
                    Some(Ok(o)) => {
                        self.given += 1;
                        self.last = Some(o.key.clone());
                    }
                    // The end, or an error that ends the listing: nothing after it.
                    Some(Err(_)) | None => {
                        self.walked = tree.pages();
                        self.tree = None;
                    }
                }
                return next;
            }
            // Sparse: the rest flat, after the last key given. Dropping the walk ends its
            // workers after the requests they have in flight.
            self.walked = pages;
            self.tree = None;
            let opts = ListOptions {
                prefix: (!self.prefix.is_empty()).then(|| self.prefix.clone()),
                start_after: self.last.take(),
                ..Default::default()
            };
            self.flat = Some(self.client.list_objects(&self.bucket, &opts));
        }
        loop {
            match self.flat.as_mut()?.next()? {
                Ok(ListEntry::Object(o)) => return Some(Ok(o)),
                // No delimiter, so no prefixes; skipped if a server sent one.
                Ok(ListEntry::Prefix(_)) => continue,
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

impl Client {
    /// Every object of `bucket` whose key starts with `prefix`, in key order (a flat
    /// listing's order), listed directory by directory `parallel` directories at a time on
    /// worker threads started in `scope`, or flat once the directories prove to hold few
    /// keys each (see the module's text).
    ///
    /// ```no_run
    /// # fn f(client: &minis3::s3::Client) -> Result<(), minis3::s3::S3Error> {
    /// std::thread::scope(|scope| {
    ///     for object in client.list_keys(scope, "bucket", "channel/", 8) {
    ///         println!("{}", object?.key);
    ///     }
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn list_keys<'scope, 'env>(
        &'env self,
        scope: &'scope Scope<'scope, 'env>,
        bucket: &str,
        prefix: &str,
        parallel: usize,
    ) -> ListKeys<'scope, 'env> {
        let pages = ClientPages { client: self, bucket: bucket.to_string() };
        ListKeys {
            client: self,
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
            tree: Some(ListTree::new(scope, pages, prefix, parallel, TreeOrder::Key)),
            flat: None,
            given: 0,
            last: None,
            walked: 0,
        }
    }
}
