//! The one XML reader, for the S3 responses ([`crate::s3::xml`]) and the STS answers
//! ([`crate::credentials::sts`]): a whole document into a small element tree ([`Element`]),
//! built with `quick-xml`.
//!
//! Element names are compared by local name (so a default `xmlns` or a prefix changes nothing);
//! text is taken exactly (no trimming; `&amp;`-style entities and `&#NN;` character references
//! are resolved; any other entity is an error); a document type declaration is ignored and
//! never expanded; nesting deeper than [`MAX_DEPTH`] is refused. Attributes are not kept (the
//! answers carry none the clients need). Documents are small (an S3 listing page is at most
//! 1000 entries), so a tree is simple and fast enough.

use std::borrow::Cow;
use std::fmt;

use quick_xml::events::Event;
use quick_xml::Reader;

/// Deepest element nesting accepted (S3 and STS documents are 4 and 5 levels deep at most).
pub const MAX_DEPTH: usize = 32;

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadError {
    /// Not well-formed XML (or not UTF-8).
    Syntax {
        /// Byte offset where the reader stopped.
        position: u64,
        /// The parser's reason.
        reason: String,
    },
    /// The document is empty (no root element).
    Empty,
    /// An entity other than the five predefined ones, or an invalid character reference.
    UnknownEntity {
        /// The entity's name as written between `&` and `;`.
        name: String,
    },
    /// The document nests elements deeper than [`MAX_DEPTH`].
    TooDeep,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax { position, reason } => {
                write!(f, "malformed XML at byte {position}: {}", printable(reason))
            }
            Self::Empty => f.write_str("no XML document"),
            Self::UnknownEntity { name } => write!(f, "unknown XML entity &{};", printable(name)),
            Self::TooDeep => f.write_str("XML elements nested too deeply"),
        }
    }
}

impl std::error::Error for ReadError {}

/// Text from a document, for an error line: control characters (line breaks, terminal escape
/// sequences) are shown escaped (`\n`, `\u{1b}`), so that the message stays one line and
/// cannot drive the terminal.
pub(crate) fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One XML element: its local name, its text (all text directly inside it, concatenated) and
/// its child elements.
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
}

/// Parses a whole document into its root [`Element`].
///
/// Leading white space is skipped: S3 sends spaces before the document while a long
/// `CompleteMultipartUpload` or `CopyObject` is still working (to keep the connection alive).
///
/// ```
/// let root = minis3::xml::parse_document(b"  <R xmlns='x'><a:K xmlns:a='y'> 1 &amp; &#65;</a:K></R>").unwrap();
/// assert_eq!(root.child_text("K"), Some(" 1 & A"));
/// assert!(minis3::xml::parse_document(b"<R>&ent;</R>").is_err());
/// ```
pub fn parse_document(body: &[u8]) -> Result<Element, ReadError> {
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(body.len());
    let body = &body[start..];
    let text = std::str::from_utf8(body)
        .map_err(|e| ReadError::Syntax { position: (start + e.valid_up_to()) as u64, reason: "not UTF-8".into() })?;
    let mut reader = Reader::from_str(text);
    {
        let config = reader.config_mut();
        config.trim_text(false);
        config.expand_empty_elements = true;
        config.check_end_names = true;
    }
    let syntax = |reader: &Reader<&[u8]>, e: &dyn fmt::Display| ReadError::Syntax {
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
                    return Err(ReadError::TooDeep);
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
    if let Some(open) = stack.last() {
        return Err(ReadError::Syntax {
            position: body.len() as u64 + start as u64,
            reason: format!("unclosed element <{}>", open.name),
        });
    }
    root.ok_or(ReadError::Empty)
}

/// The character of a predefined entity or a character reference.
fn resolve_entity(r: &quick_xml::events::BytesRef<'_>) -> Result<char, ReadError> {
    let name = String::from_utf8_lossy(r).into_owned();
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(c),
            _ => Err(ReadError::UnknownEntity { name }),
        };
    }
    match name.as_str() {
        "amp" => Ok('&'),
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "quot" => Ok('"'),
        "apos" => Ok('\''),
        _ => Err(ReadError::UnknownEntity { name }),
    }
}
