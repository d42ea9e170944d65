//! ListObjectsV2 as an iterator that follows continuation tokens.

use std::collections::VecDeque;

use super::client::Client;
use super::error::{InputError, ResponseError, S3Error};
use super::request::Request;
use super::xml::{self, ListObjectsPage, ListedObject};

/// Options of [`Client::list_objects`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// Only keys starting with this.
    pub prefix: Option<String>,
    /// Group keys up to the next occurrence of this (usually `/`) into common prefixes.
    pub delimiter: Option<String>,
    /// Only keys after this one.
    pub start_after: Option<String>,
    /// Keys per page. S3's default is 1000, and AWS returns at most 1000 whatever is asked;
    /// some servers (s3s-fs, SeaweedFS) return more when asked. A server that refuses a value
    /// above 1000 (400) is asked again without it.
    pub max_keys: Option<u32>,
}

/// One item of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListEntry {
    /// An object.
    Object(ListedObject),
    /// A common prefix (with a delimiter): a "directory".
    Prefix(String),
}

impl ListEntry {
    /// The key or prefix.
    pub fn name(&self) -> &str {
        match self {
            ListEntry::Object(o) => &o.key,
            ListEntry::Prefix(p) => p,
        }
    }
}

/// The iterator returned by [`Client::list_objects`]: one request per page, lazily.
#[derive(Debug)]
pub struct ListObjects<'c> {
    client: &'c Client,
    bucket: String,
    opts: ListOptions,
    token: Option<String>,
    buffer: VecDeque<ListEntry>,
    done: bool,
    pages: u32,
}

impl ListObjects<'_> {
    /// How many pages were requested so far.
    pub fn pages(&self) -> u32 {
        self.pages
    }
}

impl Iterator for ListObjects<'_> {
    type Item = Result<ListEntry, S3Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(e) = self.buffer.pop_front() {
                return Some(Ok(e));
            }
            if self.done {
                return None;
            }
            let page = match self.client.list_objects_page(&self.bucket, &self.opts, self.token.as_deref()) {
                Ok(p) => p,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            self.pages += 1;
            self.buffer.extend(page.contents.into_iter().map(ListEntry::Object));
            self.buffer.extend(page.common_prefixes.into_iter().map(ListEntry::Prefix));
            match (page.is_truncated, page.next_continuation_token) {
                (true, Some(next)) if !next.is_empty() && Some(&next) != self.token.as_ref() => self.token = Some(next),
                (true, _) => {
                    self.done = true;
                    self.buffer.clear();
                    return Some(Err(S3Error::InvalidResponse(ResponseError::TruncatedListing)));
                }
                (false, _) => self.done = true,
            }
        }
    }
}

impl Client {
    /// ListObjectsV2 over the whole bucket (or prefix): an iterator of objects and common
    /// prefixes that requests the next page when needed.
    ///
    /// ```no_run
    /// # fn f(client: &minis3::s3::Client) -> Result<(), minis3::s3::S3Error> {
    /// use minis3::s3::ListOptions;
    /// let opts = ListOptions { prefix: Some("noarch/".into()), ..Default::default() };
    /// for entry in client.list_objects("bucket", &opts) {
    ///     println!("{}", entry?.name());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list_objects(&self, bucket: &str, opts: &ListOptions) -> ListObjects<'_> {
        ListObjects {
            client: self,
            bucket: bucket.to_owned(),
            opts: opts.clone(),
            token: None,
            buffer: VecDeque::new(),
            done: false,
            pages: 0,
        }
    }

    /// One ListObjectsV2 page.
    pub fn list_objects_page(
        &self,
        bucket: &str,
        opts: &ListOptions,
        continuation_token: Option<&str>,
    ) -> Result<ListObjectsPage, S3Error> {
        if bucket.is_empty() {
            return Err(S3Error::InvalidInput(InputError::EmptyBucket));
        }
        let mut req = Request::new("GET", bucket, "").query("list-type", "2");
        if self.cfg.list_url_encoding {
            req = req.query("encoding-type", "url");
        }
        if let Some(p) = &opts.prefix {
            req = req.query("prefix", p.clone());
        }
        if let Some(d) = &opts.delimiter {
            req = req.query("delimiter", d.clone());
        }
        if let Some(s) = &opts.start_after {
            req = req.query("start-after", s.clone());
        }
        if let Some(m) = opts.max_keys {
            req = req.query("max-keys", m.to_string());
        }
        if let Some(t) = continuation_token {
            req = req.query("continuation-token", t);
        }
        let resp = match self.execute(&mut req) {
            Err(e) if e.status() == Some(400) && opts.max_keys.is_some_and(|m| m > 1000) => {
                let plain = ListOptions { max_keys: None, ..opts.clone() };
                return self.list_objects_page(bucket, &plain, continuation_token);
            }
            r => r?,
        };
        let body = resp.read_to_vec(64 * 1024 * 1024)?;
        xml::parse_list_objects(&body).map_err(ResponseError::document("ListObjectsV2"))
    }
}
