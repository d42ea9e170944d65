//! Clock skew: the offset between our clock and the server's, learnt from a
//! `RequestTimeTooSkewed` answer (its `ServerTime`) or a response's `Date` header.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn from_parts(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<SystemTime> {
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let secs = days_from_civil(y, mo, d) * 86_400 + (h * 3600 + mi * 60 + s) as i64;
    Some(shift(UNIX_EPOCH, secs))
}

/// Parses an HTTP date (`Tue, 24 Nov 2026 10:00:00 GMT`, RFC 7231 IMF-fixdate).
///
/// ```
/// use minis3::s3::parse_http_date;
/// let t = parse_http_date("Thu, 01 Jan 1970 00:01:40 GMT").unwrap();
/// assert_eq!(t, std::time::UNIX_EPOCH + std::time::Duration::from_secs(100));
/// assert!(parse_http_date("yesterday").is_none());
/// ```
pub fn parse_http_date(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    let rest = s.split_once(", ").map(|(_, r)| r)?;
    let mut it = rest.split_whitespace();
    let d: u32 = it.next()?.parse().ok()?;
    let mon = it.next()?;
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let mo = months.iter().position(|m| m.eq_ignore_ascii_case(mon))? as u32 + 1;
    let y: i64 = it.next()?.parse().ok()?;
    let hms: Vec<u32> = it.next()?.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    if hms.len() != 3 || it.next() != Some("GMT") {
        return None;
    }
    from_parts(y, mo, d, hms[0], hms[1], hms[2])
}

/// Parses an ISO 8601 UTC time as S3 writes it (`2026-11-24T10:00:00Z`,
/// `2026-11-24T10:00:00.000Z`) or the compact SigV4 form (`20261124T100000Z`).
///
/// ```
/// use minis3::s3::parse_iso8601;
/// let t = parse_iso8601("1970-01-01T00:01:40.000Z").unwrap();
/// assert_eq!(t, std::time::UNIX_EPOCH + std::time::Duration::from_secs(100));
/// assert_eq!(parse_iso8601("19700101T000140Z"), Some(t));
/// ```
pub fn parse_iso8601(s: &str) -> Option<SystemTime> {
    let s = s.trim().strip_suffix('Z')?;
    let (date, time) = s.split_once('T')?;
    let time = time.split('.').next()?;
    let digits = |p: &str| -> Option<u32> {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    let (y, mo, d) = if date.contains('-') {
        let p: Vec<&str> = date.split('-').collect();
        if p.len() != 3 {
            return None;
        }
        (digits(p[0])?, digits(p[1])?, digits(p[2])?)
    } else if date.len() == 8 {
        (digits(&date[..4])?, digits(&date[4..6])?, digits(&date[6..])?)
    } else {
        return None;
    };
    let (h, mi, sec) = if time.contains(':') {
        let p: Vec<&str> = time.split(':').collect();
        if p.len() != 3 {
            return None;
        }
        (digits(p[0])?, digits(p[1])?, digits(p[2])?)
    } else if time.len() == 6 {
        (digits(&time[..2])?, digits(&time[2..4])?, digits(&time[4..])?)
    } else {
        return None;
    };
    from_parts(y as i64, mo, d, h, mi, sec)
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
    fn learns_and_corrects() {
        let s = ClockSkew::default();
        let ours = UNIX_EPOCH + Duration::from_secs(10_000);
        let server = UNIX_EPOCH + Duration::from_secs(7_000);
        assert_eq!(s.learn(ours, server), -3000);
        assert_eq!(s.corrected(ours), server);
    }
}
