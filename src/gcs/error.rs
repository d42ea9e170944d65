//! Errors of Cloud Storage object requests: one line each, naming the URL (which never holds
//! a secret: the token travels in a header).

use std::fmt;

use crate::credentials::gcs::GcsAuthError;
use crate::credentials::provider::one_line;
use crate::http::HttpError;

/// Why a Cloud Storage request failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum GcsError {
    /// No token could be had.
    Auth(GcsAuthError),
    /// A bucket or object name that cannot be a URL path.
    InvalidName {
        /// `bucket` or `object`.
        what: &'static str,
        /// The name given (at most 100 characters).
        name: String,
    },
    /// A range whose end is before its start.
    InvalidRange {
        /// First byte.
        start: u64,
        /// Last byte.
        end: u64,
    },
    /// The request could not be sent or the answer not read.
    Http {
        /// The object URL.
        url: String,
        /// The error.
        source: HttpError,
    },
    /// A listing that could not be read.
    InvalidListing {
        /// The listing URL.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A local file to upload could not be read.
    File {
        /// The file.
        path: std::path::PathBuf,
        /// The error.
        reason: String,
    },
    /// `404`: no such object (or bucket).
    NotFound {
        /// The object URL.
        url: String,
    },
    /// Any other error status.
    Status {
        /// The object URL.
        url: String,
        /// The status.
        status: u16,
        /// The XML error's `Code`, when given.
        code: Option<String>,
        /// The XML error's `Message`, when given.
        message: Option<String>,
        /// Whether a token was sent.
        authenticated: bool,
    },
}

fn element(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(one_line(&xml[start..end])).filter(|s| !s.is_empty())
}

impl GcsError {
    pub(crate) fn from_answer(url: &str, status: u16, body: &[u8], authenticated: bool) -> Self {
        if status == 404 {
            return Self::NotFound { url: url.to_string() };
        }
        let text = String::from_utf8_lossy(body);
        Self::Status {
            url: url.to_string(),
            status,
            code: element(&text, "Code"),
            message: element(&text, "Message"),
            authenticated,
        }
    }

    /// The same error naming `url` (the object) instead of the URL the request went to.
    pub(crate) fn with_url(self, object: &str) -> Self {
        match self {
            Self::Http { source, .. } => Self::Http { url: object.to_owned(), source },
            Self::NotFound { .. } => Self::NotFound { url: object.to_owned() },
            Self::Status { status, code, message, authenticated, .. } => {
                Self::Status { url: object.to_owned(), status, code, message, authenticated }
            }
            other => other,
        }
    }

    /// The HTTP status of an error answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::NotFound { .. } => Some(404),
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the object is missing (a `404`).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }
}

impl fmt::Display for GcsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Auth(e) => e.fmt(f),
            Self::InvalidName { what, name } => write!(f, "{name:?} is not a valid Cloud Storage {what} name"),
            Self::InvalidRange { start, end } => {
                write!(f, "invalid byte range {start}-{end}: the end is before the start")
            }
            Self::Http { url, source } => write!(f, "{url}: {source}"),
            Self::NotFound { url } => write!(f, "{url}: no such object (404)"),
            Self::InvalidListing { url, reason } => write!(f, "{url}: unreadable listing: {reason}"),
            Self::File { path, reason } => write!(f, "cannot read {}: {reason}: check the path", path.display()),
            Self::Status { url, status, code, message, authenticated } => {
                write!(f, "{url}: HTTP {status}")?;
                match (code, message) {
                    (Some(c), Some(m)) => write!(f, " {c}: {m}")?,
                    (Some(c), None) => write!(f, " {c}")?,
                    (None, Some(m)) => write!(f, " {m}")?,
                    (None, None) => {}
                }
                match (status, authenticated) {
                    (401 | 403, true) => f.write_str(
                        "; the Google account in use lacks access: grant it storage.objects.get on the bucket",
                    ),
                    (401 | 403, false) => f.write_str("; the bucket is not public: configure Google credentials"),
                    _ => Ok(()),
                }
            }
        }
    }
}

impl std::error::Error for GcsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Auth(e) => Some(e),
            Self::Http { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<GcsAuthError> for GcsError {
    fn from(e: GcsAuthError) -> Self {
        Self::Auth(e)
    }
}
