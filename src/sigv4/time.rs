//! The signing time, as SigV4 writes it: `YYYYMMDD'T'HHMMSS'Z'` (UTC), and the one place where
//! dates are read: [`AmzDate`]'s `FromStr`, [`parse_http_date`] (the `Date` and `Last-Modified`
//! headers), [`parse_iso8601`] (S3's XML) and [`parse_rfc3339`] (credential expiry times).
//!
//! Every parser works on bytes: server data that is not ASCII is refused, never sliced inside a
//! character.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A UTC instant with one-second precision, formatted the SigV4 way.
///
/// The signer never reads the clock: callers build an `AmzDate` from their own clock.
///
/// ```
/// use minis3::sigv4::AmzDate;
/// let t = AmzDate::from_unix(1369353600);
/// assert_eq!(t.as_str(), "20130524T000000Z");
/// assert_eq!(t.date(), "20130524");
/// assert_eq!("20130524T000000Z".parse::<AmzDate>().unwrap(), t);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AmzDate {
    unix: i64,
    text: [u8; 16],
}

impl AmzDate {
    /// The instant `secs` seconds after 1970-01-01T00:00:00Z (negative values before it;
    /// years outside 0000..=9999 are clamped to that range).
    pub fn from_unix(secs: i64) -> Self {
        // Clamp to years 0000..=9999 so the text keeps its fixed width.
        let secs = secs.clamp(-62_167_219_200, 253_402_300_799);
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let (hh, mm, ss) = (rem / 3600, rem / 60 % 60, rem % 60);
        let mut text = *b"00000000T000000Z";
        put_digits(&mut text[0..4], y as u32);
        put_digits(&mut text[4..6], m);
        put_digits(&mut text[6..8], d);
        put_digits(&mut text[9..11], hh as u32);
        put_digits(&mut text[11..13], mm as u32);
        put_digits(&mut text[13..15], ss as u32);
        Self { unix: secs, text }
    }

    /// The given system time, truncated to the second.
    pub fn from_system_time(t: SystemTime) -> Self {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => Self::from_unix(d.as_secs() as i64),
            Err(e) => {
                let d = e.duration();
                Self::from_unix(-(d.as_secs() as i64) - i64::from(d.subsec_nanos() > 0))
            }
        }
    }

    /// Seconds since the Unix epoch.
    pub fn unix(&self) -> i64 {
        self.unix
    }

    /// The instant as a [`SystemTime`].
    pub fn to_system_time(&self) -> SystemTime {
        system_time(self.unix)
    }

    /// `YYYYMMDDTHHMMSSZ`, the value of `x-amz-date`.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits, 'T' and 'Z' are ever written.
        std::str::from_utf8(&self.text).unwrap_or("00000000T000000Z")
    }

    /// `YYYYMMDD`, the date part of the credential scope.
    pub fn date(&self) -> &str {
        &self.as_str()[..8]
    }
}

impl fmt::Display for AmzDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for AmzDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AmzDate({})", self.as_str())
    }
}

impl From<SystemTime> for AmzDate {
    fn from(t: SystemTime) -> Self {
        Self::from_system_time(t)
    }
}

/// The text given to [`AmzDate`]'s `FromStr` is not `YYYYMMDDTHHMMSSZ`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmzDateParseError(String);

impl fmt::Display for AmzDateParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a SigV4 date: expected YYYYMMDDTHHMMSSZ, e.g. 20130524T000000Z", self.0)
    }
}

impl std::error::Error for AmzDateParseError {}

impl std::str::FromStr for AmzDate {
    type Err = AmzDateParseError;

    /// Parses `YYYYMMDDTHHMMSSZ`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || AmzDateParseError(s.chars().take(40).collect());
        let b = s.as_bytes();
        if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
            return Err(err());
        }
        let [y, mo, d] = fixed(&b[..8], [4, 2, 2]).ok_or_else(err)?;
        let [h, mi, se] = fixed(&b[9..15], [2, 2, 2]).ok_or_else(err)?;
        if se == 60 {
            return Err(err());
        }
        civil_to_unix(y, mo, d, h, mi, se).map(Self::from_unix).ok_or_else(err)
    }
}

/// Parses an HTTP date (`Tue, 24 Nov 2026 10:00:00 GMT`, RFC 7231 IMF-fixdate).
///
/// ```
/// use minis3::sigv4::parse_http_date;
/// let t = parse_http_date("Thu, 01 Jan 1970 00:01:40 GMT").unwrap();
/// assert_eq!(t, std::time::UNIX_EPOCH + std::time::Duration::from_secs(100));
/// assert!(parse_http_date("yesterday").is_none());
/// ```
pub fn parse_http_date(s: &str) -> Option<SystemTime> {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (_, rest) = s.trim().split_once(", ")?;
    let mut it = rest.split_whitespace();
    let d = digits(it.next()?.as_bytes())?;
    let mon = it.next()?;
    let mo = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(mon))? as u32 + 1;
    let y = digits(it.next()?.as_bytes())?;
    let [h, mi, se] = separated(it.next()?.as_bytes(), b':')?;
    if it.next() != Some("GMT") {
        return None;
    }
    civil_to_unix(y, mo, d, h, mi, se).map(system_time)
}

/// Parses an ISO 8601 UTC time as S3 writes it (`2026-11-24T10:00:00Z`,
/// `2026-11-24T10:00:00.000Z`) or the compact SigV4 form (`20261124T100000Z`). Fractions of a
/// second are dropped.
///
/// ```
/// use minis3::sigv4::parse_iso8601;
/// let t = parse_iso8601("1970-01-01T00:01:40.000Z").unwrap();
/// assert_eq!(t, std::time::UNIX_EPOCH + std::time::Duration::from_secs(100));
/// assert_eq!(parse_iso8601("19700101T000140Z"), Some(t));
/// assert_eq!(parse_iso8601("202\u{e9}124T100000Z"), None);
/// ```
pub fn parse_iso8601(s: &str) -> Option<SystemTime> {
    let s = s.trim().strip_suffix('Z')?;
    let (date, time) = s.split_once('T')?;
    let time = time.split('.').next()?;
    let [y, mo, d] = date_or_time(date.as_bytes(), b'-', [4, 2, 2])?;
    let [h, mi, se] = date_or_time(time.as_bytes(), b':', [2, 2, 2])?;
    civil_to_unix(y, mo, d, h, mi, se).map(system_time)
}

/// Parses an RFC 3339 timestamp (`2021-09-21T23:33:13Z`, `...+00:00`, fractional seconds, any
/// one-byte separator between date and time, `z` for `Z`), and the `...UTC` form older AWS
/// CLI versions wrote into the SSO cache. A leap second (`:60`) is accepted only at the end of
/// a month (UTC) and read as the last nanosecond before the next second.
///
/// ```
/// use minis3::sigv4::parse_rfc3339;
/// let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(100_500);
/// assert_eq!(parse_rfc3339("1970-01-01T01:01:40.5+01:00"), Some(t));
/// assert_eq!(parse_rfc3339("1970-01-01T00:01:40.5UTC"), Some(t));
/// assert_eq!(parse_rfc3339("1970-01-01T00:01:40"), None);
/// ```
pub fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    let b = s.as_bytes();
    let (b, utc_suffix) = match b.strip_suffix(b"UTC") {
        Some(head) => (head, true),
        None => (b, false),
    };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| digits(&b[r]);
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, mut se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &b[19..];
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        let mut scale = 100_000_000;
        for &c in &frac[..n] {
            nanos += u32::from(c - b'0') * scale;
            scale /= 10;
        }
        rest = &frac[n..];
    }
    let offset_secs: i64 = match rest {
        [] if utc_suffix => 0,
        [b'Z' | b'z'] if !utc_suffix => 0,
        [sign @ (b'+' | b'-'), oh @ .., b':', om1, om2] if !utc_suffix && oh.len() == 2 => {
            let (oh, om) = (digits(oh)?, digits(&[*om1, *om2])?);
            if oh > 23 || om > 59 {
                return None;
            }
            let off = i64::from(oh * 3600 + om * 60);
            if *sign == b'-' {
                -off
            } else {
                off
            }
        }
        _ => return None,
    };
    let leap = se == 60;
    if leap {
        se = 59;
        nanos = 999_999_999;
    }
    let unix = civil_to_unix(y, mo, d, h, mi, se)? - offset_secs;
    // A leap second exists only as the last second of a month, UTC.
    if leap && !(unix.rem_euclid(86_400) == 86_399 && civil_from_days(unix.div_euclid(86_400) + 1).2 == 1) {
        return None;
    }
    Some(system_time(unix) + Duration::from_nanos(u64::from(nanos)))
}

/// The instant `unix` seconds after the epoch (before it when negative).
fn system_time(unix: i64) -> SystemTime {
    if unix >= 0 {
        UNIX_EPOCH + Duration::from_secs(unix as u64)
    } else {
        UNIX_EPOCH - Duration::from_secs(unix.unsigned_abs())
    }
}

/// Seconds since the epoch of a UTC date and time; `None` for a day that does not exist, a
/// year after 9999 or a time out of range. A second of 60 (a leap second) counts as the first
/// second of the next minute.
fn civil_to_unix(y: u32, mo: u32, d: u32, h: u32, mi: u32, se: u32) -> Option<i64> {
    if y > 9999 || !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(days_from_civil(i64::from(y), mo, d) * 86_400 + i64::from(h * 3600 + mi * 60 + se))
}

/// The value of 1 to 9 ASCII digits.
fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    b.iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
}

/// Three numbers of fixed widths written together (`20261124`).
fn fixed(b: &[u8], widths: [usize; 3]) -> Option<[u32; 3]> {
    if b.len() != widths.iter().sum::<usize>() {
        return None;
    }
    let (a, rest) = b.split_at(widths[0]);
    let (m, c) = rest.split_at(widths[1]);
    Some([digits(a)?, digits(m)?, digits(c)?])
}

/// Three numbers separated by `sep` (`2026-11-24`, `10:00:00`; any number of digits each).
fn separated(b: &[u8], sep: u8) -> Option<[u32; 3]> {
    let mut it = b.split(|&c| c == sep);
    let v = [digits(it.next()?)?, digits(it.next()?)?, digits(it.next()?)?];
    it.next().is_none().then_some(v)
}

/// Three numbers, separated by `sep` when it occurs, else written together in fixed widths.
fn date_or_time(b: &[u8], sep: u8, widths: [usize; 3]) -> Option<[u32; 3]> {
    if b.contains(&sep) {
        separated(b, sep)
    } else {
        fixed(b, widths)
    }
}

fn put_digits(out: &mut [u8], mut v: u32) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

fn is_leap(y: u32) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Days since 1970-01-01 to a proleptic Gregorian date and back (H. Hinnant's algorithms).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from(if m > 2 { m - 3 } else { m + 9 });
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(AmzDate::from_unix(0).as_str(), "19700101T000000Z");
        assert_eq!(AmzDate::from_unix(1_440_938_160).as_str(), "20150830T123600Z");
        assert_eq!(AmzDate::from_unix(951_782_400).as_str(), "20000229T000000Z");
        assert_eq!(AmzDate::from_unix(-1).as_str(), "19691231T235959Z");
    }

    #[test]
    fn agrees_with_the_time_crate_over_a_wide_range() {
        let mut t = -2_000_000_000i64;
        while t < 4_000_000_000 {
            let ours = AmzDate::from_unix(t);
            let theirs = time::OffsetDateTime::from_unix_timestamp(t).unwrap();
            let expect = format!(
                "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
                theirs.year(),
                theirs.month() as u8,
                theirs.day(),
                theirs.hour(),
                theirs.minute(),
                theirs.second()
            );
            assert_eq!(ours.as_str(), expect);
            assert_eq!(ours.as_str().parse::<AmzDate>().unwrap().unix(), t);
            t += 86_399 * 37 + 12_345;
        }
    }

    #[test]
    fn rejects_malformed_text() {
        for bad in [
            "",
            "20130524",
            "20130524T000000",
            "2013-05-24T00:00:00Z",
            "20130230T000000Z",
            "20131324T000000Z",
            "2013052AT000000Z",
            "20130524T240000Z",
        ] {
            assert!(bad.parse::<AmzDate>().is_err(), "{bad}");
        }
    }

    #[test]
    fn server_dates_that_are_not_ascii_are_refused_without_panicking() {
        // Byte offsets 4, 6 and 8 fall inside `é`: slicing the text there used to panic.
        for bad in ["202\u{e9}124T100000Z", "2026112\u{e9}T100000Z", "20261124T1\u{e9}000Z", "20261124T10000\u{e9}Z"] {
            assert_eq!(parse_iso8601(bad), None, "{bad}");
            assert!(bad.parse::<AmzDate>().is_err(), "{bad}");
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        assert_eq!(parse_http_date("Tue, 2\u{e9} Nov 2026 10:00:00 GMT"), None);
        assert_eq!(parse_rfc3339("2026-11-24T10:00:00+0\u{e9}"), None);
        assert_eq!(parse_rfc3339("2026-11-24\u{e9}10:00:00Z"), None);
    }

    #[test]
    fn the_three_server_forms_agree() {
        let t = UNIX_EPOCH + Duration::from_secs(1_795_514_400);
        assert_eq!(parse_http_date("Tue, 24 Nov 2026 10:00:00 GMT"), Some(t));
        assert_eq!(parse_iso8601("2026-11-24T10:00:00Z"), Some(t));
        assert_eq!(parse_iso8601("2026-11-24T10:00:00.123Z"), Some(t));
        assert_eq!(parse_iso8601("20261124T100000Z"), Some(t));
        assert_eq!(parse_rfc3339("2026-11-24T10:00:00Z"), Some(t));
        assert_eq!("20261124T100000Z".parse::<AmzDate>().unwrap().to_system_time(), t);
        // Days that do not exist and years that overflow are refused.
        assert_eq!(parse_iso8601("2026-02-30T10:00:00Z"), None);
        assert_eq!(parse_http_date("Mon, 31 Apr 2026 10:00:00 GMT"), None);
        assert_eq!(parse_http_date("Mon, 01 Apr 999999999 10:00:00 GMT"), None);
        assert_eq!(parse_http_date("Mon, 01 Apr 99999999999999999999 10:00:00 GMT"), None);
    }

    #[test]
    fn rfc3339_agrees_with_the_time_crate() {
        use time::format_description::well_known::Rfc3339;
        let theirs = |s: &str| {
            let t = time::OffsetDateTime::parse(s, &Rfc3339).ok()?;
            Some(system_time(t.unix_timestamp()) + Duration::from_nanos(u64::from(t.nanosecond())))
        };
        for s in [
            "2021-09-21T23:26:33Z",
            "2021-09-21t23:26:33z",
            "2021-09-21 23:26:33+00:00",
            "2021-09-22T01:26:33+02:00",
            "2021-09-21T20:26:33-03:00",
            "2021-09-21T23:26:33.5Z",
            "2021-09-21T23:26:33.123456789123Z",
            "2016-12-31T23:59:60Z",
            "2016-12-31T23:59:60.5Z",
            "2017-01-01T00:59:60+01:00",
            "2016-12-30T23:59:60Z",
            "2021-09-21T23:26:33",
            "2021-09-21T23:26:33.Z",
            "2021-09-21T23:26:33+24:00",
            "2021-09-21T23:26:33+23:60",
            "2021-09-21T23:26:33+2:00",
            "2021-02-29T00:00:00Z",
            "2020-02-29T00:00:00Z",
            "0000-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            "2021-09-21T24:00:00Z",
            "2021-09-21T23:26:33Zjunk",
            "2021-9-21T23:26:33Z",
        ] {
            assert_eq!(parse_rfc3339(s), theirs(s), "{s}");
        }
        let t = UNIX_EPOCH + Duration::from_secs(1_632_266_793);
        assert_eq!(parse_rfc3339(" 2021-09-21T23:26:33UTC "), Some(t));
        assert_eq!(parse_rfc3339("2021-09-21T23:26:33ZUTC"), None);
    }

    #[test]
    fn system_time_round_trip() {
        let t = UNIX_EPOCH + Duration::from_secs(1_369_353_600);
        assert_eq!(AmzDate::from(t).to_system_time(), t);
    }
}
