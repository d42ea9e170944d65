//! [`Response`]: status, headers and the body still to be read.
//!
//! A body reader also keeps a low-speed rule, as curl's `--speed-limit`: the per-read timeout
//! catches a server that stops, not one that trickles (a byte a second keeps every read
//! within it), so a body that delivers fewer than [`LOW_SPEED_BYTES_PER_SEC`] bytes a second
//! over a whole read-timeout window fails as a read timeout.

use std::fmt;
use std::io::{self, Read};
use std::time::{Duration, Instant};

use ureq::http as h;

use super::HttpError;

/// An HTTP response: status, headers and the body still to be read.
pub struct Response {
    pub(super) status: u16,
    pub(super) headers: h::HeaderMap,
    pub(super) body: ureq::Body,
    pub(super) target: String,
    /// The low-speed rule's window (the read timeout); `None`: no rule.
    pub(super) stall_window: Option<Duration>,
}

/// The slowest body rate kept up with, averaged over a read-timeout window (1 KiB/s: a 60 s
/// window that brings less than 60 KiB fails).
pub const LOW_SPEED_BYTES_PER_SEC: u64 = 1024;

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
    /// The low-speed rule applies as in [`Response::into_reader`].
    pub fn read_to_vec(mut self, limit: u64) -> Result<Vec<u8>, HttpError> {
        let target = std::mem::take(&mut self.target);
        let inner = self.body.into_with_config().limit(limit).reader();
        let mut out = Vec::new();
        LowSpeedGuard::new(inner, self.stall_window)
            .read_to_end(&mut out)
            .map_err(|e| HttpError::from_io(e, &target))?;
        Ok(out)
    }

    /// The body as a reader (no size limit). Its I/O errors can be turned into [`HttpError`]s
    /// with [`Response::map_read_error`]; a body slower than the low-speed rule (module docs)
    /// fails with a `TimedOut` error.
    pub fn into_reader(self) -> impl Read + Send + 'static {
        let inner = self.body.into_with_config().limit(u64::MAX).reader();
        LowSpeedGuard::new(inner, self.stall_window)
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

/// A reader failing with `TimedOut` when a whole `window` brings fewer than
/// `LOW_SPEED_BYTES_PER_SEC * window` bytes (monotonic clock: a timeout, not a date).
struct LowSpeedGuard<R> {
    inner: R,
    window: Option<Duration>,
    window_start: Instant,
    window_bytes: u64,
}

impl<R> LowSpeedGuard<R> {
    fn new(inner: R, window: Option<Duration>) -> Self {
        LowSpeedGuard { inner, window: window.filter(|w| !w.is_zero()), window_start: Instant::now(), window_bytes: 0 }
    }

    /// Counts `n` new bytes at `now`; an error when a window closed too slow.
    fn account(&mut self, n: usize, now: Instant) -> io::Result<()> {
        let Some(window) = self.window else { return Ok(()) };
        self.window_bytes += n as u64;
        let elapsed = now.saturating_duration_since(self.window_start);
        if elapsed < window {
            return Ok(());
        }
        let wanted = (LOW_SPEED_BYTES_PER_SEC as f64 * elapsed.as_secs_f64()) as u64;
        if self.window_bytes < wanted {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "read timed out: the body brought {} bytes in {:.0} s, below {LOW_SPEED_BYTES_PER_SEC} bytes/s",
                    self.window_bytes,
                    elapsed.as_secs_f64()
                ),
            ));
        }
        self.window_start = now;
        self.window_bytes = 0;
        Ok(())
    }
}

impl<R: Read> Read for LowSpeedGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.account(n, Instant::now())?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_secrets::CleanErr;

    fn guard(window_secs: u64) -> (LowSpeedGuard<io::Empty>, Instant) {
        let g = LowSpeedGuard::new(io::empty(), Some(Duration::from_secs(window_secs)));
        let start = g.window_start;
        (g, start)
    }

    #[test]
    fn a_trickle_fails_once_a_window_has_passed() {
        let (mut g, t0) = guard(2);
        for s in 0..2 {
            g.account(1, t0 + Duration::from_secs(s)).unwrap();
        }
        let err = g.account(1, t0 + Duration::from_secs(2)).clean_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(err.to_string().contains("3 bytes in 2 s"), "{err}");
    }

    #[test]
    fn a_steady_body_passes_every_window() {
        let (mut g, t0) = guard(2);
        for s in 1..=10 {
            g.account(4096, t0 + Duration::from_millis(500 * s)).unwrap();
        }
        assert!(g.window_bytes < 4096 * 10, "the window was restarted");
    }

    #[test]
    fn no_window_means_no_rule() {
        let mut g = LowSpeedGuard::new(io::empty(), None);
        let t0 = g.window_start;
        g.account(0, t0 + Duration::from_secs(3600)).unwrap();
        let mut z = LowSpeedGuard::new(io::empty(), Some(Duration::ZERO));
        z.account(0, t0 + Duration::from_secs(3600)).unwrap();
    }
}
