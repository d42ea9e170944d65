//! S3's XML: the response documents the client reads and the two request bodies it writes.
//!
//! Parsing goes through the crate's one XML reader ([`crate::xml`]: an element tree, names by
//! local name, text exact, entities resolved, no DTD expansion); unknown elements are ignored
//! and the order of children does not matter.
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

pub use crate::xml::Element;
use crate::xml::{printable, ReadError};

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
                write!(f, "malformed XML in the S3 response at byte {position}: {}", printable(reason))
            }
            Self::Empty => f.write_str("the S3 response has no XML document"),
            Self::UnexpectedRoot { expected, found } => {
                write!(f, "unexpected S3 response: expected <{expected}>, got <{}>", printable(found))
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
                write!(f, "the S3 response uses an unknown XML entity &{};", printable(name))
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

impl From<ReadError> for XmlError {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Syntax { position, reason } => Self::Syntax { position, reason },
            ReadError::Empty => Self::Empty,
            ReadError::UnknownEntity { name } => Self::UnknownEntity { name },
            ReadError::TooDeep => Self::TooDeep,
        }
    }
}

/// [`Element::child_text`] of an element S3 must send.
pub(crate) trait Required {
    /// The text of a required child.
    fn required(&self, name: &'static str) -> Result<&str, XmlError>;
}

impl Required for Element {
    fn required(&self, name: &'static str) -> Result<&str, XmlError> {
        self.child_text(name).ok_or(XmlError::Missing { element: name })
    }
}

/// Parses a whole S3 response document into its root [`Element`] ([`crate::xml::parse_document`]
/// with S3's error type). Leading white space is skipped: S3 sends spaces before the document
/// while a long `CompleteMultipartUpload` or `CopyObject` is still working.
pub fn parse_document(body: &[u8]) -> Result<Element, XmlError> {
    crate::xml::parse_document(body).map_err(XmlError::from)
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
    let out = crate::sigv4::encode::percent_decode_form_lossy(s);
    String::from_utf8(out).map_err(|_| XmlError::BadUrlEncoding { element, value: shorten(s) })
}
