//! S3's XML: the response documents the client reads and the two request bodies it writes.
//!
//! Parsing goes through a small element tree ([`Element`]) built with `quick-xml`: element names
//! are compared by local name (so a default `xmlns` or a prefix changes nothing), unknown
//! elements are ignored, the order of children does not matter, and text is taken exactly
//! (no trimming: keys may start or end with spaces; `&amp;`-style entities and `&#NN;`
//! character references are resolved; a document type declaration is ignored and never
//! expanded). Responses are small (a listing page is at most 1000 entries), so a tree is simple
//! and fast enough.
//!
//! - [`responses`]: the error document and every success document the client reads;
//! - [`requests`]: the `CompleteMultipartUpload` and `Delete` bodies.

pub mod requests;
pub mod responses;

#[cfg(test)]
mod tests;

pub use requests::{complete_multipart_upload_body, delete_objects_body, CompletedPart, ObjectToDelete};
pub use responses::*;

use std::fmt;

use quick_xml::events::Event;
use quick_xml::Reader;

/// Deepest element nesting accepted (S3 documents are 4 levels deep at most).
const MAX_DEPTH: usize = 32;

/// Why an XML document could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum XmlError {
    /// Not well-formed XML (or not UTF-8).
    Syntax {
        /// Byte offset where the reader stopped.
        position: u64,
        /// The parser's reason.
        reason: String,
    },
    /// The document is empty (no root element).
    Empty,
    /// The root element is not the one this response should have.
    UnexpectedRoot {
        /// What was expected (e.g. `ListBucketResult`).
        expected: &'static str,
        /// What came.
        found: String,
    },
    /// A required element is missing.
    Missing {
        /// The element, as a path (e.g. `Contents/Key`).
        element: &'static str,
    },
    /// An element's text is not a valid value (e.g. a size that is not a number).
    InvalidValue {
        /// The element.
        element: &'static str,
        /// The text found (shortened).
        value: String,
    },
    /// A value announced as URL-encoded (`EncodingType=url`) does not decode to UTF-8.
    BadUrlEncoding {
        /// The element.
        element: &'static str,
        /// The text found (shortened).
        value: String,
    },
    /// An entity other than the five predefined ones, or an invalid character reference.
    UnknownEntity {
        /// The entity's name as written between `&` and `;`.
        name: String,
    },
    /// The document nests elements deeper than S3 ever does.
    TooDeep,
    /// A key holds a character XML 1.0 cannot carry at all (a control character other than tab,
    /// line feed and carriage return, or U+FFFE/U+FFFF): such an object cannot be named in a
    /// `Delete` request; delete it with a single `DeleteObject` instead.
    Unrepresentable {
        /// The key, with the offending characters shown as `\u{..}` escapes (shortened).
        key: String,
    },
    /// More than 1000 objects in one `Delete` request (S3's limit).
    TooManyObjects {
        /// How many were given.
        count: usize,
    },
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax { position, reason } => {
                write!(f, "malformed XML in the S3 response at byte {position}: {reason}")
            }
            Self::Empty => f.write_str("the S3 response has no XML document"),
            Self::UnexpectedRoot { expected, found } => {
                write!(f, "unexpected S3 response: expected <{expected}>, got <{found}>")
            }
            Self::Missing { element } => {
                write!(f, "the S3 response lacks the required element {element}")
            }
            Self::InvalidValue { element, value } => {
                write!(f, "the S3 response has an invalid {element}: {value:?}")
            }
            Self::BadUrlEncoding { element, value } => {
                write!(f, "the S3 response's URL-encoded {element} does not decode to UTF-8: {value:?}")
            }
            Self::UnknownEntity { name } => {
                write!(f, "the S3 response uses an unknown XML entity &{name};")
            }
            Self::TooDeep => f.write_str("the S3 response nests XML elements too deeply"),
            Self::Unrepresentable { key } => {
                write!(f, "key {key:?} holds a character XML 1.0 cannot carry; delete it with DeleteObject")
            }
            Self::TooManyObjects { count } => {
                write!(f, "{count} objects in one Delete request; S3 accepts at most 1000")
            }
        }
    }
}

impl std::error::Error for XmlError {}

/// Shortens a value for an error message.
pub(crate) fn shorten(s: &str) -> String {
    const MAX: usize = 120;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// One XML element: its local name, its text (all text directly inside it, concatenated) and
/// its child elements. Attributes are not kept (S3 responses carry none the client needs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// Local name (`ListBucketResult`, without any namespace prefix).
    pub name: String,
    /// Text directly inside the element, exact (entities resolved, nothing trimmed).
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// The first child with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children with this local name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of the first child with this name.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }

    /// The text of a required child.
    pub(crate) fn required(&self, name: &'static str) -> Result<&str, XmlError> {
        self.child_text(name).ok_or(XmlError::Missing { element: name })
    }
}

/// Parses a whole document into its root [`Element`].
///
/// Leading white space is skipped: S3 sends spaces before the document while a long
/// `CompleteMultipartUpload` or `CopyObject` is still working (to keep the connection alive).
pub fn parse_document(body: &[u8]) -> Result<Element, XmlError> {
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(body.len());
    let body = &body[start..];
    let text = std::str::from_utf8(body)
        .map_err(|e| XmlError::Syntax { position: (start + e.valid_up_to()) as u64, reason: "not UTF-8".into() })?;
    let mut reader = Reader::from_str(text);
    {
        let config = reader.config_mut();
        config.trim_text(false);
        config.expand_empty_elements = true;
        config.check_end_names = true;
    }
    let syntax = |reader: &Reader<&[u8]>, e: &dyn fmt::Display| XmlError::Syntax {
        position: start as u64 + reader.buffer_position(),
        reason: e.to_string(),
    };
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = reader.read_event().map_err(|e| syntax(&reader, &e))?;
        match event {
            Event::Start(start_tag) => {
                if root.is_some() {
                    return Err(syntax(&reader, &"content after the root element"));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::TooDeep);
                }
                let name = std::str::from_utf8(start_tag.local_name().into_inner())
                    .map_err(|e| syntax(&reader, &e))?
                    .to_string();
                stack.push(Element { name, ..Element::default() });
            }
            Event::End(_) => {
                // check_end_names makes quick-xml reject a mismatched end tag.
                let done = stack.pop().ok_or_else(|| syntax(&reader, &"unbalanced end tag"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => {
                let s = t.xml10_content().map_err(|e| syntax(&reader, &e))?;
                match stack.last_mut() {
                    Some(el) => el.text.push_str(&s),
                    None if s.trim().is_empty() => {}
                    None => return Err(syntax(&reader, &"text outside the root element")),
                }
            }
            Event::CData(c) => {
                let s = c.decode().map_err(|e| syntax(&reader, &e))?;
                match stack.last_mut() {
                    Some(el) => el.text.push_str(&s),
                    None => return Err(syntax(&reader, &"CDATA outside the root element")),
                }
            }
            Event::GeneralRef(r) => {
                let ch = resolve_entity(&r)?;
                match stack.last_mut() {
                    Some(el) => el.text.push(ch),
                    None => return Err(syntax(&reader, &"entity outside the root element")),
                }
            }
            // `expand_empty_elements` turns `<a/>` into Start + End: Empty never comes.
            Event::Empty(_) => {}
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Syntax {
            position: body.len() as u64 + start as u64,
            reason: format!("unclosed element <{}>", stack[stack.len() - 1].name),
        });
    }
    root.ok_or(XmlError::Empty)
}

fn resolve_entity(r: &quick_xml::events::BytesRef<'_>) -> Result<char, XmlError> {
    let name = String::from_utf8_lossy(r).into_owned();
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(c),
            _ => Err(XmlError::UnknownEntity { name }),
        };
    }
    match name.as_str() {
        "amp" => Ok('&'),
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "quot" => Ok('"'),
        "apos" => Ok('\''),
        _ => Err(XmlError::UnknownEntity { name }),
    }
}

/// Decodes a value S3 URL-encoded because the listing asked for `encoding-type=url`.
///
/// `%XX` becomes that byte and `+` becomes a space. The AWS API reference says only that with
/// `encoding-type=url` the `Delimiter`, `Prefix`, `Key` and `StartAfter` elements are returned
/// "encoded" (ListObjectsV2, "EncodingType"), not which flavour. Servers differ on the space:
/// AWS and moto send `%20`, SeaweedFS and rclone send `+` (form style). Every encoder sends a
/// literal `+` as `%2B`, so decoding `+` as a space is right for both; it is also what botocore
/// (the AWS CLI) does: `unquote_str` is `urllib.parse.unquote_plus`. A `%` not followed by two
/// hex digits is kept as it is (as Python's `unquote` does); bytes that are not UTF-8 after
/// decoding are an error.
pub fn url_decode(element: &'static str, s: &str) -> Result<String, XmlError> {
    if !s.contains(['%', '+']) {
        return Ok(s.to_string());
    }
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => match (bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| XmlError::BadUrlEncoding { element, value: shorten(s) })
}
