//! The signing time, as SigV4 writes it: `YYYYMMDD'T'HHMMSS'Z'` (UTC).

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
        if self.unix >= 0 {
            UNIX_EPOCH + Duration::from_secs(self.unix as u64)
        } else {
            UNIX_EPOCH - Duration::from_secs(self.unix.unsigned_abs())
        }
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
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            b[r].iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
        };
        let (y, mo, d) = (num(0..4).ok_or_else(err)?, num(4..6).ok_or_else(err)?, num(6..8).ok_or_else(err)?);
        let (h, mi, se) = (num(9..11).ok_or_else(err)?, num(11..13).ok_or_else(err)?, num(13..15).ok_or_else(err)?);
        if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 59 {
            return Err(err());
        }
        let days = days_from_civil(y as i64, mo, d);
        Ok(Self::from_unix(days * 86_400 + i64::from(h * 3600 + mi * 60 + se)))
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
    fn system_time_round_trip() {
        let t = UNIX_EPOCH + Duration::from_secs(1_369_353_600);
        assert_eq!(AmzDate::from(t).to_system_time(), t);
    }
}
