//! One listing cut into key ranges that are listed at once.
//!
//! ListObjectsV2 pages follow each other: each continuation token comes with the page before,
//! so listing 30,000 keys is 30 round trips one after another. When the caller knows roughly
//! which keys there are (an index knows the package names it listed last time), it can cut the
//! key space at every thousandth of them and list each range from its `start-after`, several
//! ranges at a time. A range whose page ends before the next range's first key (keys were
//! added) goes on with its own continuation tokens, so the result is every key whatever the
//! guesses were; keys past a range's end are left to the next range.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use super::client::Client;
use super::error::{ResponseError, S3Error};
use super::list::{ListEntry, ListOptions};

/// The entries of a listing, in key order, and the pages it took.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RangedListing {
    /// Objects and common prefixes, in key order, each once.
    pub entries: Vec<ListEntry>,
    /// ListObjectsV2 requests sent.
    pub pages: u64,
}

type Range<'a> = (Option<&'a str>, Option<&'a str>);

impl Client {
    /// Every entry that `opts` lists in `bucket`, in key order, listed as the ranges between
    /// `splits` (keys expected in the listing, in any order; `opts.start_after` is where the
    /// first range starts), up to `parallel` ranges at a time. With no splits this is one
    /// listing, page after page.
    ///
    /// ```no_run
    /// # fn f(client: &minis3::s3::Client) -> Result<(), minis3::s3::S3Error> {
    /// use minis3::s3::ListOptions;
    /// let opts = ListOptions { prefix: Some("channel/linux-64/".into()), delimiter: Some("/".into()), ..Default::default() };
    /// // The names listed last time, every 1000th of them.
    /// let splits = vec!["channel/linux-64/m-1.0-0.conda".to_string()];
    /// let listing = client.list_in_ranges("bucket", &opts, &splits, 8)?;
    /// println!("{} entries in {} requests", listing.entries.len(), listing.pages);
    /// # Ok(()) }
    /// ```
    pub fn list_in_ranges(
        &self,
        bucket: &str,
        opts: &ListOptions,
        splits: &[String],
        parallel: usize,
    ) -> Result<RangedListing, S3Error> {
        let first = opts.start_after.as_deref();
        let mut cuts: Vec<&str> = splits.iter().map(String::as_str).filter(|s| first.is_none_or(|f| *s > f)).collect();
        cuts.sort_unstable();
        cuts.dedup();
        let mut ranges: Vec<Range<'_>> = Vec::with_capacity(cuts.len() + 1);
        let mut start = first;
        for cut in cuts {
            ranges.push((start, Some(cut)));
            start = Some(cut);
        }
        ranges.push((start, None));

        let results: Vec<Mutex<Option<Result<RangedListing, S3Error>>>> =
            ranges.iter().map(|_| Mutex::new(None)).collect();
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let work = || loop {
            let i = next.fetch_add(1, Ordering::SeqCst);
            if i >= ranges.len() || failed.load(Ordering::SeqCst) {
                return;
            }
            let result = self.list_range(bucket, opts, ranges[i]);
            failed.fetch_or(result.is_err(), Ordering::SeqCst);
            *results[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
        };
        std::thread::scope(|scope| {
            for _ in 1..parallel.clamp(1, ranges.len()) {
                scope.spawn(work);
            }
            work();
        });
        let mut all = RangedListing::default();
        for slot in results {
            match slot.into_inner().unwrap_or_else(|p| p.into_inner()) {
                Some(Ok(part)) => {
                    all.entries.extend(part.entries);
                    all.pages += part.pages;
                }
                Some(Err(e)) => return Err(e),
                // Not listed because another range failed; that error comes first or later.
                None => {}
            }
        }
        Ok(all)
    }

    /// The entries after `start` up to and including `end`, page after page until a page
    /// reaches `end` or the listing ends.
    fn list_range(&self, bucket: &str, opts: &ListOptions, (start, end): Range<'_>) -> Result<RangedListing, S3Error> {
        let opts = ListOptions { start_after: start.map(str::to_string), ..opts.clone() };
        let mut out = RangedListing::default();
        let mut token: Option<String> = None;
        loop {
            let page = self.list_objects_page(bucket, &opts, token.as_deref())?;
            out.pages += 1;
            let mut entries: Vec<ListEntry> = page.contents.into_iter().map(ListEntry::Object).collect();
            entries.extend(page.common_prefixes.into_iter().map(ListEntry::Prefix));
            entries.sort_by(|a, b| a.name().cmp(b.name()));
            let reached = end.is_some_and(|e| entries.last().is_some_and(|last| last.name() >= e));
            // Only this range's keys: a server that ignored `start-after` sends earlier ones,
            // and the keys after `end` are the next range's.
            out.entries.extend(
                entries.into_iter().filter(|x| start.is_none_or(|s| x.name() > s) && end.is_none_or(|e| x.name() <= e)),
            );
            if reached || !page.is_truncated {
                return Ok(out);
            }
            match page.next_continuation_token {
                Some(next) if !next.is_empty() && Some(&next) != token.as_ref() => token = Some(next),
                _ => return Err(S3Error::InvalidResponse(ResponseError::TruncatedListing)),
            }
        }
    }
}
