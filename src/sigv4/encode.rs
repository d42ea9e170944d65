//! Percent-encoding as SigV4 and S3 define it: RFC 3986 unreserved characters
//! (`A-Z a-z 0-9 - . _ ~`) pass through, every other byte is `%XX` with upper-case hex.

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `bytes` as lower-case hex (signatures and hashes).
#[inline]
pub fn push_hex(out: &mut String, bytes: &[u8]) {
    const LOWER: &[u8; 16] = b"0123456789abcdef";
    for chunk in bytes.chunks(32) {
        let mut buf = [0u8; 64];
        for (i, &b) in chunk.iter().enumerate() {
            buf[2 * i] = LOWER[(b >> 4) as usize];
            buf[2 * i + 1] = LOWER[(b & 15) as usize];
        }
        // Only ASCII hex digits were written.
        out.push_str(std::str::from_utf8(&buf[..2 * chunk.len()]).unwrap_or_default());
    }
}

/// `bytes` as a new lower-case hex string.
pub fn to_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    push_hex(&mut s, bytes);
    s
}

/// The bytes each encoding keeps: the unreserved set, and the unreserved set with `/`.
const fn keep_table(keep_slash: bool) -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] =
            b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_' || b == b'~' || (keep_slash && b == b'/');
        i += 1;
    }
    t
}

static UNRESERVED: [bool; 256] = keep_table(false);
static UNRESERVED_OR_SLASH: [bool; 256] = keep_table(true);

/// Whether `b` is in the RFC 3986 unreserved set.
#[inline]
pub fn is_unreserved(b: u8) -> bool {
    UNRESERVED[b as usize]
}

#[inline]
pub(crate) fn push_escaped(out: &mut String, b: u8) {
    out.push('%');
    out.push(HEX[(b >> 4) as usize] as char);
    out.push(HEX[(b & 15) as usize] as char);
}

/// The one encoder: appends `bytes`, escaping every byte `keep` does not keep. Runs of kept
/// bytes (all ASCII) are copied as whole slices.
#[inline]
fn encode_into(out: &mut String, bytes: &[u8], keep: &[bool; 256]) {
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !keep[b as usize] {
            // Skip empty runs (inside a UTF-8 sequence every byte is escaped).
            if start < i {
                push_ascii(out, &bytes[start..i]);
            }
            push_escaped(out, b);
            start = i + 1;
        }
    }
    if start < bytes.len() {
        push_ascii(out, &bytes[start..]);
    }
}

/// Appends a run of kept bytes (ASCII, so always UTF-8).
#[inline]
fn push_ascii(out: &mut String, run: &[u8]) {
    out.push_str(std::str::from_utf8(run).unwrap_or_default());
}

/// Appends `s` to `out`, percent-encoding every byte outside the unreserved set
/// (so `/` becomes `%2F`). This is the encoding of query keys and values.
///
/// ```
/// let mut out = String::new();
/// minis3::sigv4::encode::encode_component_into(&mut out, "a b/c+d~");
/// assert_eq!(out, "a%20b%2Fc%2Bd~");
/// ```
pub fn encode_component_into(out: &mut String, s: &str) {
    encode_into(out, s.as_bytes(), &UNRESERVED);
}

/// [`encode_component_into`] returning a new string.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    encode_component_into(&mut out, s);
    out
}

/// Appends `path` to `out`, percent-encoding every byte outside the unreserved set except `/`.
/// This is how an S3 object key becomes a request path: once, literally, with no
/// normalization (`a/../b` stays three segments, `%20` in a key becomes `%2520`).
///
/// ```
/// assert_eq!(minis3::sigv4::encode::encode_path("/bucket/test$file.text"), "/bucket/test%24file.text");
/// ```
pub fn encode_path_into(out: &mut String, path: &str) {
    encode_into(out, path.as_bytes(), &UNRESERVED_OR_SLASH);
}

/// [`encode_path_into`] returning a new string.
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    encode_path_into(&mut out, path);
    out
}

/// Appends a byte string that may not be UTF-8, encoding like [`encode_component_into`]
/// (`keep_slash` keeps `/` as in a path).
pub fn encode_bytes_into(out: &mut String, bytes: &[u8], keep_slash: bool) {
    encode_into(out, bytes, if keep_slash { &UNRESERVED_OR_SLASH } else { &UNRESERVED });
}

/// The one decoder: `%XX` becomes that byte; `+` becomes a space when `plus_is_space`; a `%`
/// not followed by two hex digits is kept (`strict`: `None`).
fn decode(s: &str, plus_is_space: bool, strict: bool) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => match (bytes.get(i + 1).copied().and_then(hex_val), bytes.get(i + 2).copied().and_then(hex_val)) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 3;
                    continue;
                }
                _ if strict => return None,
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    Some(out)
}

/// Decodes `%XX` escapes; `+` is kept as `+` (S3 and SigV4 never treat it as a space).
/// Returns `None` when an escape is malformed or the result is not UTF-8.
///
/// ```
/// assert_eq!(minis3::sigv4::encode::percent_decode("a%20b+c").as_deref(), Some("a b+c"));
/// ```
pub fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_owned());
    }
    String::from_utf8(decode(s, false, true)?).ok()
}

/// Like [`percent_decode`] but keeps malformed escapes and invalid UTF-8 as lossless as possible:
/// a `%` not followed by two hex digits is kept literally.
pub fn percent_decode_lossy(s: &str) -> Vec<u8> {
    decode(s, false, false).unwrap_or_default()
}

/// [`percent_decode_lossy`] in the form style: `+` is a space too (as Python's `unquote_plus`).
///
/// ```
/// assert_eq!(minis3::sigv4::encode::percent_decode_form_lossy("a+b%2B%zz"), b"a b+%zz");
/// ```
pub fn percent_decode_form_lossy(s: &str) -> Vec<u8> {
    decode(s, true, false).unwrap_or_default()
}

pub(crate) fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn component_encoding_follows_rfc3986() {
        assert_eq!(encode_component("AZaz09-._~"), "AZaz09-._~");
        assert_eq!(encode_component(" +/=&?%*"), "%20%2B%2F%3D%26%3F%25%2A");
        assert_eq!(encode_component("ሴ"), "%E1%88%B4");
    }

    #[test]
    fn path_encoding_keeps_slashes_and_dots() {
        assert_eq!(encode_path("/a/./b/../c//d/"), "/a/./b/../c//d/");
        assert_eq!(encode_path("/k%20ey"), "/k%2520ey");
    }

    #[test]
    fn decode_round_trips_and_rejects_bad_escapes() {
        let s = "x y/ሴ%+";
        assert_eq!(percent_decode(&encode_component(s)).as_deref(), Some(s));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(percent_decode_lossy("%zz%41"), b"%zzA");
        assert_eq!(percent_decode_lossy("a+b%4"), b"a+b%4");
        assert_eq!(percent_decode_form_lossy("a+b%2B%4"), b"a b+%4");
    }

    #[test]
    fn the_three_encoders_differ_only_in_the_slash() {
        let s = "a/b c/\u{e9}~%";
        let mut bytes = String::new();
        encode_bytes_into(&mut bytes, s.as_bytes(), false);
        assert_eq!(bytes, encode_component(s));
        assert_eq!(encode_component(s), "a%2Fb%20c%2F%C3%A9~%25");
        bytes.clear();
        encode_bytes_into(&mut bytes, s.as_bytes(), true);
        assert_eq!(bytes, encode_path(s));
        assert_eq!(encode_path(s), "a/b%20c/%C3%A9~%25");
        bytes.clear();
        encode_bytes_into(&mut bytes, b"\xff/x", true);
        assert_eq!(bytes, "%FF/x");
    }
}
