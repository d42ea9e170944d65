//! The one error type of the repodata and shard readers and writers.

use std::fmt;
use std::io;

/// What went wrong reading or writing repodata, a shard index or a shard.
#[derive(Debug)]
#[non_exhaustive]
pub enum FormatErrorKind {
    /// Reading the input (or writing the output) failed.
    Io(io::Error),
    /// The zstd stream is corrupt or truncated.
    Zstd(String),
    /// The JSON document is malformed or cut short at byte `offset` (of the decompressed text).
    Json {
        /// Byte offset of the problem.
        offset: u64,
        /// What was expected.
        message: String,
    },
    /// The msgpack document is malformed or cut short at byte `offset`.
    Msgpack {
        /// Byte offset of the problem.
        offset: u64,
        /// What was expected.
        message: String,
    },
    /// A part of the document has the wrong shape (e.g. `packages` not an object).
    Shape(String),
    /// One package record could not be read.
    Record {
        /// The record's file name key.
        filename: String,
        /// Why.
        message: String,
    },
    /// A shard's bytes do not hash to the digest its index gives.
    DigestMismatch {
        /// The digest from the shard index (hex).
        expected: String,
        /// The digest of the bytes received (hex).
        actual: String,
    },
}

/// An error naming the file (path or URL) it is about.
#[derive(Debug)]
pub struct FormatError {
    /// The file's name or URL, as the caller gave it.
    pub source_name: String,
    /// What went wrong.
    pub kind: FormatErrorKind,
}

impl FormatError {
    /// An error about `source_name`.
    pub fn new(source_name: &str, kind: FormatErrorKind) -> Self {
        FormatError { source_name: source_name.to_owned(), kind }
    }
}

/// `message` with control characters escaped (`\n`, `\u{1}`): parser messages quote the
/// document, and an error stays one line whatever the document holds.
fn one_line(message: &str) -> std::borrow::Cow<'_, str> {
    if !message.chars().any(char::is_control) {
        return message.into();
    }
    message.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = &self.source_name;
        match &self.kind {
            FormatErrorKind::Io(e) => write!(f, "{name}: read failed: {e}"),
            FormatErrorKind::Zstd(m) => write!(f, "{name}: corrupt or truncated zstd data: {}", one_line(m)),
            FormatErrorKind::Json { offset, message } => {
                write!(f, "{name}: malformed JSON at byte {offset}: {}", one_line(message))
            }
            FormatErrorKind::Msgpack { offset, message } => {
                write!(f, "{name}: malformed msgpack at byte {offset}: {}", one_line(message))
            }
            FormatErrorKind::Shape(m) => write!(f, "{name}: unexpected content: {}", one_line(m)),
            FormatErrorKind::Record { filename, message } => {
                write!(f, "{name}: bad record {filename:?}: {}", one_line(message))
            }
            FormatErrorKind::DigestMismatch { expected, actual } => {
                write!(f, "{name}: sha256 {actual} does not match {expected} from the shard index")
            }
        }
    }
}

impl std::error::Error for FormatError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            FormatErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}
