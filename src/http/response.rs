//! [`Response`]: status, headers and the body still to be read.

use std::fmt;
use std::io::{self, Read};

use ureq::http as h;

use super::HttpError;

/// An HTTP response: status, headers and the body still to be read.
pub struct Response {
    pub(super) status: u16,
    pub(super) headers: h::HeaderMap,
    pub(super) body: ureq::Body,
    pub(super) target: String,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response").field("status", &self.status).field("target", &self.target).finish_non_exhaustive()
    }
}

impl Response {
    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The first value of a header (names are case-insensitive), if it is valid text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// All headers (names lower-case), in the order received; values that are not valid text
    /// are left out.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)))
    }

    /// Reads the whole body, failing with [`HttpError::BodyTooLarge`] beyond `limit` bytes.
    pub fn read_to_vec(mut self, limit: u64) -> Result<Vec<u8>, HttpError> {
        let target = std::mem::take(&mut self.target);
        self.body.with_config().limit(limit).read_to_vec().map_err(|e| HttpError::from_ureq(e, &target, None))
    }

    /// The body as a reader (no size limit). Its I/O errors can be turned into [`HttpError`]s
    /// with [`Response::map_read_error`].
    pub fn into_reader(self) -> impl Read + Send + 'static {
        self.body.into_with_config().limit(u64::MAX).reader()
    }

    /// Classifies an I/O error from [`Response::into_reader`] for a request to `target`.
    pub fn map_read_error(err: io::Error, target: &str) -> HttpError {
        HttpError::from_io(err, target)
    }

    /// `host:port` this response came from (for messages).
    pub fn target(&self) -> &str {
        &self.target
    }
}
