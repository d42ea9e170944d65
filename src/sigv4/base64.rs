//! Base64 (RFC 4648): standard with padding, for checksums, `Content-MD5` and POST policies;
//! URL-safe without padding (section 5), for JSON Web Tokens.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Encodes `data` as standard padded base64.
///
/// ```
/// assert_eq!(minis3::sigv4::base64::encode(b"foobar"), "Zm9vYmFy");
/// assert_eq!(minis3::sigv4::base64::encode(&0xb0e3bcfdu32.to_be_bytes()), "sOO8/Q==");
/// ```
pub fn encode(data: &[u8]) -> String {
    encode_with(data, ALPHABET, true)
}

/// Encodes `data` as URL-safe base64 without padding (`-` and `_` for `+` and `/`), as JSON Web
/// Tokens are written.
///
/// ```
/// assert_eq!(minis3::sigv4::base64::encode_url(b"{\"alg\":\"RS256\"}"), "eyJhbGciOiJSUzI1NiJ9");
/// assert_eq!(minis3::sigv4::base64::encode_url(&[0xfb, 0xff]), "-_8");
/// ```
pub fn encode_url(data: &[u8]) -> String {
    encode_with(data, URL_ALPHABET, false)
}

fn encode_with(data: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n =
            (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        out.push(alphabet[(n >> 18) as usize & 63] as char);
        out.push(alphabet[(n >> 12) as usize & 63] as char);
        if c.len() > 1 {
            out.push(alphabet[(n >> 6) as usize & 63] as char);
        } else if pad {
            out.push('=');
        }
        if c.len() > 2 {
            out.push(alphabet[n as usize & 63] as char);
        } else if pad {
            out.push('=');
        }
    }
    out
}

/// Decodes standard base64 (padding optional, no white space). `None` for anything else.
///
/// ```
/// assert_eq!(minis3::sigv4::base64::decode("Zm9vYg==").unwrap(), b"foob");
/// assert!(minis3::sigv4::base64::decode("Zm9v!").is_none());
/// ```
pub fn decode(text: &str) -> Option<Vec<u8>> {
    decode_with(text, ALPHABET)
}

/// Decodes URL-safe base64 (padding optional, no white space). `None` for anything else,
/// including the standard alphabet's `+` and `/`.
///
/// ```
/// assert_eq!(minis3::sigv4::base64::decode_url("-_8").unwrap(), [0xfb, 0xff]);
/// assert!(minis3::sigv4::base64::decode_url("+/8").is_none());
/// ```
pub fn decode_url(text: &str) -> Option<Vec<u8>> {
    decode_with(text, URL_ALPHABET)
}

fn decode_with(text: &str, alphabet: &[u8; 64]) -> Option<Vec<u8>> {
    let t = text.trim_end_matches('=');
    if text.len() - t.len() > 2 || t.len() % 4 == 1 {
        return None;
    }
    let val = |c: u8| alphabet.iter().position(|&a| a == c).map(|p| p as u32);
    let mut out = Vec::with_capacity(t.len() * 3 / 4);
    for c in t.as_bytes().chunks(4) {
        let mut n = 0u32;
        for (i, &b) in c.iter().enumerate() {
            n |= val(b)? << (18 - 6 * i);
        }
        out.push((n >> 16) as u8);
        if c.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if c.len() > 3 {
            out.push(n as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors_round_trip() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain.as_bytes()), enc);
            assert_eq!(decode(enc).unwrap(), plain.as_bytes());
        }
        assert!(decode("Z").is_none());
        assert!(decode("Zg===").is_none());
    }

    #[test]
    fn url_safe_round_trips_without_padding() {
        for (plain, enc) in [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg")] {
            assert_eq!(encode_url(plain.as_bytes()), enc);
            assert_eq!(decode_url(enc).unwrap(), plain.as_bytes());
        }
        // Every byte value, every length up to 70: both alphabets round-trip and differ only
        // in the two URL characters and the padding.
        let data: Vec<u8> = (0..=255u8).collect();
        for len in 0..70 {
            let d = &data[256 - len..];
            let url = encode_url(d);
            assert_eq!(decode_url(&url).unwrap(), d);
            let std = encode(d);
            assert_eq!(std.trim_end_matches('=').replace('+', "-").replace('/', "_"), url);
        }
        assert_eq!(decode_url("Zg==").unwrap(), b"f");
        assert!(decode_url("Zg/").is_none());
        assert!(decode_url("Z").is_none());
    }
}
