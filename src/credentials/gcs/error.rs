//! Why no Google access token could be had. One line each: what failed, where (which file,
//! which source, which URL) and what to do. No variant holds a token, a private key, a client
//! secret or a refresh token, and no message quotes a credentials file's contents.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::http::HttpError;

/// An error from Google application default credentials.
#[derive(Debug)]
#[non_exhaustive]
pub enum GcsAuthError {
    /// Nothing is configured: no `GOOGLE_APPLICATION_CREDENTIALS`, no gcloud file, no metadata
    /// server. Each entry says what was looked at.
    NotConfigured {
        /// Each source tried and why it did not apply.
        tried: Vec<String>,
    },
    /// `GOOGLE_APPLICATION_CREDENTIALS` names a file that does not exist.
    FileNotFound {
        /// The path from the variable.
        path: PathBuf,
    },
    /// A credentials file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// A credentials file is not valid JSON, or not a JSON object.
    BadJson {
        /// The file.
        path: PathBuf,
        /// Where the syntax breaks (never the contents).
        reason: String,
    },
    /// A credentials file lacks a field its `type` needs (or the field is not a string).
    MissingField {
        /// The file.
        path: PathBuf,
        /// Its `type` (`service_account`, `authorized_user`).
        kind: String,
        /// The field.
        field: &'static str,
    },
    /// A credentials file has a `type` minis3 does not handle.
    UnsupportedType {
        /// The file.
        path: PathBuf,
        /// The `type` found (`external_account`, `impersonated_service_account`...).
        kind: String,
    },
    /// The service account's `private_key` is not a usable PKCS#8 RSA key.
    BadPrivateKey {
        /// The file.
        path: PathBuf,
        /// What is wrong (never the key).
        reason: String,
    },
    /// A request for a token could not be sent or its answer not read.
    Http {
        /// The source asking (`token endpoint`, `metadata server`).
        service: &'static str,
        /// The URL asked (never holds a secret).
        url: String,
        /// The error.
        source: HttpError,
    },
    /// The token endpoint or metadata server answered with an error.
    Refused {
        /// The source asking.
        service: &'static str,
        /// The URL asked.
        url: String,
        /// HTTP status.
        status: u16,
        /// OAuth `error` code (`invalid_grant`...), when given.
        code: Option<String>,
        /// OAuth `error_description` or the start of a plain-text answer, when given.
        message: Option<String>,
        /// What to do about it.
        hint: &'static str,
    },
    /// The answer with the token could not be understood.
    BadResponse {
        /// The source asking.
        service: &'static str,
        /// The URL asked.
        url: String,
        /// What is wrong.
        reason: String,
    },
}

impl fmt::Display for GcsAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotConfigured { tried } => write!(
                f,
                "no Google credentials found ({}); run `gcloud auth application-default login`, or set \
                 GOOGLE_APPLICATION_CREDENTIALS to a service-account key file",
                tried.join("; ")
            ),
            Self::FileNotFound { path } => write!(
                f,
                "GOOGLE_APPLICATION_CREDENTIALS names {}, which does not exist; point it at a credentials \
                 JSON file or unset it",
                path.display()
            ),
            Self::Io { path, source } => write!(f, "cannot read Google credentials file {}: {source}", path.display()),
            Self::BadJson { path, reason } => {
                write!(f, "Google credentials file {} is {reason}; download a new key or run `gcloud auth application-default login`", path.display())
            }
            Self::MissingField { path, kind, field } => write!(
                f,
                "Google credentials file {} (type {kind}) has no string field `{field}`; the file is incomplete, \
                 download it again",
                path.display()
            ),
            Self::UnsupportedType { path, kind } => write!(
                f,
                "Google credentials file {} has type {kind:?}, which minis3 does not support (only \
                 service_account and authorized_user); use one of those, or GCS HMAC keys through s3-options",
                path.display()
            ),
            Self::BadPrivateKey { path, reason } => {
                write!(f, "the private_key in Google credentials file {} is unusable: {reason}", path.display())
            }
            Self::Http { service, url, source } => write!(f, "Google {service} {url}: {source}"),
            Self::Refused { service, url, status, code, message, hint } => {
                write!(f, "Google {service} {url} refused the token request with HTTP {status}")?;
                match (code, message) {
                    (Some(c), Some(m)) => write!(f, " ({c}: {m})")?,
                    (Some(c), None) => write!(f, " ({c})")?,
                    (None, Some(m)) => write!(f, " ({m})")?,
                    (None, None) => {}
                }
                write!(f, "; {hint}")
            }
            Self::BadResponse { service, url, reason } => write!(f, "Google {service} {url} answered badly: {reason}"),
        }
    }
}

impl std::error::Error for GcsAuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::Http { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl GcsAuthError {
    /// Whether asking again later may succeed (connection trouble, 5xx, 429).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Http { source, .. } => source.is_retryable(),
            Self::Refused { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}
