//! Shared helpers for the vector-driven tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The vectors directory: `MINIS3_VECTORS`, else `../shared/vectors` next to the crate.
/// Panics with a clear message when it is missing (the tests must not pass silently).
pub fn vectors_dir() -> PathBuf {
    let dir = match std::env::var_os("MINIS3_VECTORS") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors"),
    };
    assert!(dir.is_dir(), "test vectors not found at {}: set MINIS3_VECTORS to the vectors directory", dir.display());
    dir
}

/// Reads and parses a JSON vector file (relative to the vectors directory).
pub fn read_json(relative: &str) -> serde_json::Value {
    let path = vectors_dir().join(relative);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read vector file {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("vector file {} is not JSON: {e}", path.display()))
}

/// Reads a file below the vectors directory.
pub fn read(rel: &str) -> String {
    let p = vectors_dir().join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read vector file {}: {e}", p.display()))
}

/// An HTTP request as the signing suites write it.
#[derive(Debug, Clone)]
pub struct RawRequest {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Parses a suite request file: method, then path+query (may hold a raw space), then the HTTP
/// version; `Name:value` header lines, indented lines continuing the previous value; a blank
/// line, then the body.
pub fn parse_request(text: &str) -> RawRequest {
    let (head, body) = match text.find("\n\n") {
        Some(i) => (&text[..i], text.as_bytes()[i + 2..].to_vec()),
        None => (text.trim_end_matches('\n'), Vec::new()),
    };
    let mut lines = head.split('\n');
    let first = lines.next().expect("request line");
    let method_end = first.find(' ').expect("method");
    let version_start = first.rfind(' ').expect("version");
    let method = first[..method_end].to_owned();
    let target = &first[method_end + 1..version_start];
    let (path, raw_query) = match target.find('?') {
        Some(i) => (&target[..i], Some(&target[i + 1..])),
        None => (target, None),
    };
    let query = raw_query
        .filter(|q| !q.is_empty())
        .map(|q| {
            q.split('&')
                .map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    let dec =
                        |s: &str| minis3::sigv4::encode::percent_decode(s).expect("query escapes are valid UTF-8");
                    (dec(k), dec(v))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with(' ') || line.starts_with('\t') {
            let last = headers.last_mut().expect("continuation line after a header");
            last.1.push('\n');
            last.1.push_str(line);
        } else {
            let (n, v) = line.split_once(':').expect("header line has a colon");
            headers.push((n.to_owned(), v.to_owned()));
        }
    }
    RawRequest { method, path: path.to_owned(), query, headers, body }
}
