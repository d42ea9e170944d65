//! The canonical request: URI, query and headers in the exact form SigV4 hashes.

use std::borrow::Cow;

use super::encode::{encode_component_into, encode_path_into, hex_val, is_unreserved, push_escaped};
use super::request::{SigningSettings, UriEncoding};

/// Appends the canonical URI of `path` under `settings`.
pub(crate) fn write_uri(out: &mut String, path: &str, settings: &SigningSettings) {
    let normalized;
    let path = if settings.normalize_path {
        normalized = normalize_path(path);
        normalized.as_str()
    } else {
        path
    };
    let path = if path.is_empty() { "/" } else { path };
    match settings.uri_encoding {
        UriEncoding::Double => encode_path_into(out, path),
        UriEncoding::Single => write_single_encoded(out, path),
    }
}

/// S3: the path as sent, with any byte that is neither unreserved nor `/` escaped, and
/// existing escapes kept (their hex in upper case; an escape of an unreserved byte or of `/`
/// is decoded, as S3 decodes the path before it signs it).
fn write_single_encoded(out: &mut String, path: &str) {
    // Fast path: a path of unreserved bytes and `/` (most keys) is signed as it is.
    if path.bytes().all(|c| is_unreserved(c) || c == b'/') {
        out.push_str(path);
        return;
    }
    let b = path.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let escaped = match (c, b.get(i + 1).copied().and_then(hex_val), b.get(i + 2).copied().and_then(hex_val)) {
            (b'%', Some(hi), Some(lo)) => Some(hi << 4 | lo),
            _ => None,
        };
        match escaped {
            Some(v) => {
                push_byte(out, v);
                i += 3;
            }
            None => {
                push_byte(out, c);
                i += 1;
            }
        }
    }
}

#[inline]
fn push_byte(out: &mut String, v: u8) {
    if is_unreserved(v) || v == b'/' {
        out.push(v as char);
    } else {
        push_escaped(out, v);
    }
}

/// RFC 3986 dot-segment removal plus collapsing of empty segments (`//`), keeping a trailing `/`.
pub(crate) fn normalize_path(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::with_capacity(path.len() + 1);
    for s in &segments {
        out.push('/');
        out.push_str(s);
    }
    let trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    if segments.is_empty() || trailing {
        out.push('/');
    }
    out
}

/// Encodes a query name or value, borrowing it when nothing needs escaping.
fn encode_query_part(s: &str) -> Cow<'_, str> {
    if s.bytes().all(is_unreserved) {
        Cow::Borrowed(s)
    } else {
        let mut out = String::with_capacity(s.len() + 16);
        encode_component_into(&mut out, s);
        Cow::Owned(out)
    }
}

/// Appends the canonical query string: every name and value encoded, then sorted by name,
/// then by value.
pub(crate) fn write_query<'a>(out: &mut String, pairs: impl Iterator<Item = (&'a str, &'a str)>) {
    let mut encoded: Vec<(Cow<'a, str>, Cow<'a, str>)> =
        pairs.map(|(k, v)| (encode_query_part(k), encode_query_part(v))).collect();
    if encoded.is_empty() {
        return;
    }
    encoded.sort_unstable();
    for (i, (k, v)) in encoded.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
}

/// Headers in canonical form: names lower-cased, values trimmed with inner white space
/// collapsed, sorted by name, repeated names joined with `,`.
pub(crate) struct CanonicalHeaders<'a> {
    entries: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'a> CanonicalHeaders<'a> {
    pub(crate) fn new(headers: impl Iterator<Item = (&'a str, &'a str)>, capacity: usize) -> Self {
        let mut entries: Vec<(Cow<'a, str>, Cow<'a, str>)> = Vec::with_capacity(capacity);
        for (name, value) in headers {
            let name = if name.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(name.to_ascii_lowercase())
            } else {
                Cow::Borrowed(name)
            };
            entries.push((name, normalize_value(value)));
        }
        // Stable: repeated headers keep their order when joined.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Self { entries }
    }

    /// Whether a header of that (lower-case) name is present.
    pub(crate) fn contains(&self, lower_name: &str) -> bool {
        self.entries.iter().any(|(n, _)| n == lower_name)
    }

    /// Appends `name:value\n` lines.
    pub(crate) fn write_headers(&self, out: &mut String) {
        let mut prev: Option<&str> = None;
        for (name, value) in &self.entries {
            if prev == Some(name.as_ref()) {
                out.push(',');
            } else {
                if prev.is_some() {
                    out.push('\n');
                }
                out.push_str(name);
                out.push(':');
            }
            out.push_str(value);
            prev = Some(name);
        }
        if prev.is_some() {
            out.push('\n');
        }
    }

    /// Appends the `;`-separated list of signed header names.
    pub(crate) fn write_names(&self, out: &mut String) {
        let mut prev: Option<&str> = None;
        for (name, _) in &self.entries {
            if prev == Some(name.as_ref()) {
                continue;
            }
            if prev.is_some() {
                out.push(';');
            }
            out.push_str(name);
            prev = Some(name);
        }
    }
}

/// Trims the value and collapses each run of white space (spaces, tabs, line breaks) to one space.
fn normalize_value(v: &str) -> Cow<'_, str> {
    let t = v.trim_matches(|c: char| c.is_ascii_whitespace());
    let mut prev_space = false;
    let clean = t.bytes().all(|c| {
        let space = c.is_ascii_whitespace();
        let ok = !space || (c == b' ' && !prev_space);
        prev_space = space;
        ok
    });
    if clean {
        return Cow::Borrowed(t);
    }
    let mut out = String::with_capacity(t.len());
    let mut in_space = false;
    for c in t.chars() {
        if c.is_ascii_whitespace() {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_encoding_keeps_the_path_as_sent() {
        let mut out = String::new();
        write_single_encoded(&mut out, "/a//b/./../c%2bd%2F~ e$");
        assert_eq!(out, "/a//b/./../c%2Bd/~%20e%24");
    }

    #[test]
    fn normalization() {
        for (input, want) in [
            ("/", "/"),
            ("//", "/"),
            ("//example//", "/example/"),
            ("/./", "/"),
            ("/./example", "/example"),
            ("/example1/example2/../..", "/"),
            ("/example/..", "/"),
            ("/a/b/../c/", "/a/c/"),
            ("", "/"),
        ] {
            assert_eq!(normalize_path(input), want, "{input}");
        }
    }

    #[test]
    fn header_values_are_trimmed_and_collapsed() {
        assert_eq!(normalize_value("  a   b\t\n c "), "a b c");
        assert!(matches!(normalize_value("a b"), Cow::Borrowed("a b")));
    }

    #[test]
    fn repeated_headers_join_in_order() {
        let h =
            CanonicalHeaders::new([("My-Header1", "value4"), ("Host", "h"), ("my-header1", "value1")].into_iter(), 3);
        let mut out = String::new();
        h.write_headers(&mut out);
        assert_eq!(out, "host:h\nmy-header1:value4,value1\n");
        let mut names = String::new();
        h.write_names(&mut names);
        assert_eq!(names, "host;my-header1");
    }
}
