//! The request types every operation builds ([`Request`], [`ReqBody`], [`BodyHash`],
//! [`RetryMode`]) and the check every object operation starts with ([`check_key`]).

use std::io::{self, Read};

use super::error::{InputError, S3Error};
use crate::http::Traffic;
use crate::sigv4::ChunkedMode;

/// Upload bodies from files and streams at least this large go over bulk connections.
pub(crate) const BULK_BODY: u64 = 1024 * 1024;

/// How a request may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryMode {
    /// Idempotent: retried on transient statuses and on lost connections.
    Idempotent,
    /// Retried on transient statuses only (the server said it failed), never after a lost
    /// connection (it may have taken effect).
    StatusOnly,
}

/// How the body of a request is covered by the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyHash {
    /// This SHA-256 (hex).
    Sha256(String),
    /// `UNSIGNED-PAYLOAD`.
    Unsigned,
    /// `aws-chunked`, each chunk signed.
    Chunked(ChunkedMode),
}

/// Opens a fresh reader over a replayable body.
pub(crate) type Opener<'a> = &'a (dyn Fn() -> io::Result<Box<dyn Read + Send + 'a>> + Sync);

pub(crate) enum ReqBody<'a> {
    Empty,
    /// In memory; `unsigned` sends `UNSIGNED-PAYLOAD` instead of the hash.
    Bytes {
        data: &'a [u8],
        unsigned: bool,
    },
    /// Can be opened again for each attempt.
    Source {
        open: Opener<'a>,
        length: u64,
        hash: BodyHash,
    },
    /// Read once: never retried.
    Stream {
        reader: Option<&'a mut (dyn Read + Send)>,
        length: u64,
        hash: BodyHash,
    },
}

impl ReqBody<'_> {
    pub(super) fn replayable(&self) -> bool {
        !matches!(self, ReqBody::Stream { .. })
    }
}

pub(crate) struct Request<'a> {
    pub method: &'static str,
    pub bucket: &'a str,
    pub key: &'a str,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: ReqBody<'a>,
    pub retry: RetryMode,
    /// What the connection carries; bodies from files and streams of at least
    /// [`BULK_BODY`] bytes count as bulk whatever this says.
    pub traffic: Traffic,
}

impl<'a> Request<'a> {
    pub fn new(method: &'static str, bucket: &'a str, key: &'a str) -> Self {
        Self {
            method,
            bucket,
            key,
            query: Vec::new(),
            headers: Vec::new(),
            body: ReqBody::Empty,
            retry: RetryMode::Idempotent,
            traffic: Traffic::Small,
        }
    }

    pub fn query(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.to_owned(), value.into()));
        self
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    pub fn body(mut self, body: ReqBody<'a>) -> Self {
        self.body = body;
        self
    }
}

/// Refuses an empty bucket name or object key before anything is sent.
pub(crate) fn check_key(bucket: &str, key: &str) -> Result<(), S3Error> {
    if bucket.is_empty() {
        return Err(S3Error::InvalidInput(InputError::EmptyBucket));
    }
    if key.is_empty() {
        return Err(S3Error::InvalidInput(InputError::EmptyKey { bucket: bucket.to_owned() }));
    }
    Ok(())
}
