//! STS answers as a list of texts by element path (`AssumeRoleResponse/AssumeRoleResult/
//! Credentials/AccessKeyId`), read with the crate's one XML reader ([`crate::xml`]).

use crate::xml::{parse_document, Element};

const MAX_FIELDS: usize = 256;

/// The text of every element (trimmed, when not empty), keyed by its `/`-joined path of local
/// names, children before their parent. `None` when the document is not well-formed.
pub(crate) fn leaf_texts(body: &[u8]) -> Option<Vec<(String, String)>> {
    let root = parse_document(body).ok()?;
    let mut out = Vec::new();
    collect(&root, &mut Vec::new(), &mut out);
    Some(out)
}

/// Depth-first; the reader bounds the depth ([`crate::xml::MAX_DEPTH`]).
fn collect<'a>(el: &'a Element, path: &mut Vec<&'a str>, out: &mut Vec<(String, String)>) {
    path.push(&el.name);
    for child in &el.children {
        collect(child, path, out);
    }
    let text = el.text.trim();
    if !text.is_empty() && out.len() < MAX_FIELDS {
        out.push((path.join("/"), text.to_string()));
    }
    path.pop();
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
