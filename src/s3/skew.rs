//! Clock skew: the offset between our clock and the server's, learnt from a
//! `RequestTimeTooSkewed` answer (its `ServerTime`) or a response's `Date` header. The date
//! parsers are [`crate::sigv4`]'s, re-exported here.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use crate::sigv4::{parse_http_date, parse_iso8601};

/// S3 refuses requests signed more than 15 minutes away from its clock; a `Date` this far away
/// from ours on a refused request is taken as the reason.
pub const SKEW_LIMIT_SECS: i64 = 15 * 60;

/// The learnt offset, shared by all requests of a client.
#[derive(Debug, Default)]
pub struct ClockSkew {
    offset_secs: AtomicI64,
    learnt: AtomicBool,
}

impl ClockSkew {
    /// The offset to add to our clock, in seconds.
    pub fn offset_secs(&self) -> i64 {
        self.offset_secs.load(Ordering::Relaxed)
    }

    /// Whether an offset was learnt.
    pub fn is_learnt(&self) -> bool {
        self.learnt.load(Ordering::Relaxed)
    }

    /// `now` corrected by the offset.
    pub fn corrected(&self, now: SystemTime) -> SystemTime {
        shift(now, self.offset_secs())
    }

    /// Records `server - ours` as the offset.
    pub fn learn(&self, ours: SystemTime, server: SystemTime) -> i64 {
        let off = unix(server) - unix(ours);
        self.offset_secs.store(off, Ordering::Relaxed);
        self.learnt.store(true, Ordering::Relaxed);
        off
    }
}

fn unix(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

fn shift(t: SystemTime, secs: i64) -> SystemTime {
    if secs >= 0 {
        t.checked_add(Duration::from_secs(secs as u64)).unwrap_or(t)
    } else {
        t.checked_sub(Duration::from_secs(secs.unsigned_abs())).unwrap_or(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse() {
        let t = parse_http_date("Tue, 24 Nov 2026 10:00:00 GMT").unwrap();
        assert_eq!(parse_iso8601("2026-11-24T10:00:00Z"), Some(t));
        assert_eq!(unix(t), 1_795_514_400);
        assert!(parse_http_date("Tue, 24 Foo 2026 10:00:00 GMT").is_none());
        assert!(parse_iso8601("2026-11-24 10:00:00").is_none());
        assert!(parse_iso8601("2026-13-24T10:00:00Z").is_none());
    }

    #[test]
    fn a_server_time_that_is_not_ascii_is_refused_without_panicking() {
        // Issue 13: byte offset 4 falls inside `é`; this panicked (and aborted the release build).
        assert_eq!(parse_iso8601("202\u{e9}124T100000Z"), None);
        assert_eq!(parse_iso8601("2026112\u{e9}T10000Z"), None);
    }

    #[test]
    fn learns_and_corrects() {
        let s = ClockSkew::default();
        let ours = UNIX_EPOCH + Duration::from_secs(10_000);
        let server = UNIX_EPOCH + Duration::from_secs(7_000);
        assert_eq!(s.learn(ours, server), -3000);
        assert_eq!(s.corrected(ours), server);
    }
}
