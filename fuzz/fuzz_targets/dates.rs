//! Arbitrary text through every date parser of server data: HTTP dates (`Date`,
//! `Last-Modified`), ISO 8601 (`LastModified`, `ServerTime`), RFC 3339 (credential expiry),
//! SigV4 dates. No panic; RFC 3339 agrees with the `time` crate; what parses round-trips.
#![no_main]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use minis3::sigv4::{parse_http_date, parse_iso8601, parse_rfc3339, AmzDate};

fn by_time_crate(s: &str) -> Option<SystemTime> {
    use time::format_description::well_known::Rfc3339;
    let s = s.trim();
    let fixed;
    let s = match s.strip_suffix("UTC") {
        Some(head) => {
            fixed = format!("{head}Z");
            fixed.as_str()
        }
        None => s,
    };
    let t = time::OffsetDateTime::parse(s, &Rfc3339).ok()?;
    let secs = t.unix_timestamp();
    let base = if secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(secs as u64)
    } else {
        UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    };
    Some(base + Duration::from_nanos(u64::from(t.nanosecond())))
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_http_date(s);
    if let Some(t) = parse_iso8601(s) {
        // What S3 writes as ISO 8601 reads the same in SigV4's compact form.
        let amz = AmzDate::from_system_time(t);
        if amz.to_system_time() == t {
            assert_eq!(parse_iso8601(amz.as_str()), Some(t));
        }
    }
    assert_eq!(parse_rfc3339(s), by_time_crate(s), "{s:?}");
    if let Ok(d) = s.parse::<AmzDate>() {
        assert_eq!(d.as_str(), s);
        assert_eq!(parse_iso8601(s), Some(d.to_system_time()));
    }
});
