//! Just enough XML for STS answers: the text of elements by their path of local names
//! (`AssumeRoleResponse/AssumeRoleResult/Credentials/AccessKeyId`). Entities are the five
//! predefined ones and character references; a DTD is ignored and never expanded.
//!
//! (`s3::xml::parse_document` does the same job for S3; `credentials` must not import `s3`.
//! Moving that parser to a shared module would let this file go.)

use quick_xml::events::Event;
use quick_xml::Reader;

const MAX_DEPTH: usize = 16;
const MAX_FIELDS: usize = 256;

/// The text of every element (entities resolved, trimmed), keyed by its `/`-joined path of
/// local names. `None` when the document is not well-formed.
pub(crate) fn leaf_texts(body: &[u8]) -> Option<Vec<(String, String)>> {
    let text = std::str::from_utf8(body).ok()?;
    let mut reader = Reader::from_str(text);
    {
        let c = reader.config_mut();
        c.expand_empty_elements = true;
        c.check_end_names = true;
    }
    let mut path: Vec<String> = Vec::new();
    let mut buf = String::new();
    let mut out = Vec::new();
    loop {
        match reader.read_event().ok()? {
            Event::Start(s) => {
                if path.len() >= MAX_DEPTH {
                    return None;
                }
                path.push(std::str::from_utf8(s.local_name().into_inner()).ok()?.to_string());
                buf.clear();
            }
            Event::End(_) => {
                if !buf.trim().is_empty() && out.len() < MAX_FIELDS {
                    out.push((path.join("/"), buf.trim().to_string()));
                }
                buf.clear();
                path.pop()?;
            }
            Event::Text(t) => buf.push_str(&t.xml10_content().ok()?),
            Event::CData(c) => buf.push_str(&c.decode().ok()?),
            Event::GeneralRef(r) => {
                let ch = if r.is_char_ref() {
                    r.resolve_char_ref().ok()??
                } else {
                    match &*r {
                        b"amp" => '&',
                        b"lt" => '<',
                        b"gt" => '>',
                        b"quot" => '"',
                        b"apos" => '\'',
                        _ => return None,
                    }
                };
                buf.push(ch);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !path.is_empty() {
        return None;
    }
    Some(out)
}

/// The first text whose path ends with `suffix` (a `/`-joined tail of local names).
pub(crate) fn find<'a>(fields: &'a [(String, String)], suffix: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(p, _)| p == suffix || (p.ends_with(suffix) && p.as_bytes()[p.len() - suffix.len() - 1] == b'/'))
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_paths_and_entities() {
        let doc =
            br#"<?xml version="1.0"?><R xmlns="x"><A><B>1 &amp; &#65;</B></A><C/><sts:D xmlns:sts="y">d</sts:D></R>"#;
        let f = leaf_texts(doc).unwrap();
        assert_eq!(find(&f, "A/B"), Some("1 & A"));
        assert_eq!(find(&f, "B"), Some("1 & A"));
        assert_eq!(find(&f, "R/D"), Some("d"));
        assert_eq!(find(&f, "C"), None);
        assert_eq!(find(&f, "XB"), None);
        assert!(leaf_texts(b"<R><A></R>").is_none());
        assert!(leaf_texts(b"<R>&ent;</R>").is_none());
        assert!(leaf_texts(b"<R>").is_none());
    }
}
