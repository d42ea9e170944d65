//! [`Notices`]: where a [`Client`](super::Client)'s notices go ([`NoNotices`], [`CollectedNotices`]).

use std::fmt;
use std::sync::{Arc, Mutex};

/// Receives the client's notices: things worth telling the user that are not errors (a
/// request retried in another region, a clock offset learnt, a retry after a failure).
pub trait Notices: Send + Sync + fmt::Debug {
    /// One notice, one line.
    fn notice(&self, message: &str);
}

/// Drops every notice.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoNotices;

impl Notices for NoNotices {
    fn notice(&self, _message: &str) {}
}

/// Keeps every notice in memory (for tests and for callers that print them later).
#[derive(Debug, Default)]
pub struct CollectedNotices(Mutex<Vec<String>>);

impl CollectedNotices {
    /// A new, shareable collector.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The notices so far.
    pub fn all(&self) -> Vec<String> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl Notices for CollectedNotices {
    fn notice(&self, message: &str) {
        if let Ok(mut v) = self.0.lock() {
            v.push(message.to_owned());
        }
    }
}
