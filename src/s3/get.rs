//! GetObject (streaming, ranges, conditions) and HeadObject.

use std::io::{self, Read};
use std::time::SystemTime;

use super::client::Client;
use super::error::{InputError, IntegrityError, ResponseError, S3Error};
use super::request::{check_key, Request};
use super::skew::parse_http_date;
use crate::http::Response;

/// What S3 says about an object (from GetObject or HeadObject headers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectMeta {
    /// The ETag, with its quotes (`"9b2cf535f27731c974343645a3985328"`).
    pub etag: Option<String>,
    /// Bytes in this response's body (the range length for a ranged GET).
    pub content_length: u64,
    /// The whole object's size (from `Content-Range` for a ranged GET).
    pub size: u64,
    /// `Content-Range` as `(first, last, total)`, for a ranged GET.
    pub range: Option<(u64, u64, u64)>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Last-Modified`, as sent.
    pub last_modified: Option<String>,
    /// `Last-Modified`, parsed.
    pub last_modified_time: Option<SystemTime>,
    /// User metadata: `x-amz-meta-NAME` headers as `(name, value)`, names lower-case, sorted.
    pub metadata: Vec<(String, String)>,
    /// `x-amz-version-id`, on versioned buckets.
    pub version_id: Option<String>,
    /// `Cache-Control`, as stored with the object.
    pub cache_control: Option<String>,
    /// `x-amz-checksum-crc32c`, as sent (base64; `…-N` for a composite checksum of N parts),
    /// when asked for with [`GetOptions::checksum_mode`] and stored with the object.
    pub checksum_crc32c: Option<String>,
}

impl ObjectMeta {
    /// The user metadata value for `name` (case-insensitive, without `x-amz-meta-`).
    pub fn meta(&self, name: &str) -> Option<&str> {
        self.metadata.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The ETag without quotes, when it is a plain MD5 of the body (32 hex digits; not a
    /// multipart `-N` ETag).
    pub fn etag_md5(&self) -> Option<String> {
        let e = self.etag.as_deref()?.trim_matches('"');
        (e.len() == 32 && e.bytes().all(|b| b.is_ascii_hexdigit())).then(|| e.to_ascii_lowercase())
    }

    pub(crate) fn from_response(resp: &Response) -> Result<Self, S3Error> {
        let h = |n: &str| resp.header(n).map(str::to_owned);
        let content_length = match resp.header("content-length") {
            Some(v) => v.trim().parse().map_err(|_| {
                S3Error::InvalidResponse(ResponseError::BadHeader { name: "Content-Length", value: v.to_owned() })
            })?,
            None => 0,
        };
        let range = match resp.header("content-range") {
            Some(v) => Some(parse_content_range(v).ok_or_else(|| {
                S3Error::InvalidResponse(ResponseError::BadHeader { name: "Content-Range", value: v.to_owned() })
            })?),
            None => None,
        };
        let mut metadata: Vec<(String, String)> = resp
            .headers()
            .filter_map(|(k, v)| Some((k.strip_prefix("x-amz-meta-")?.to_owned(), v.to_owned())))
            .collect();
        metadata.sort();
        let last_modified = h("last-modified");
        Ok(Self {
            etag: h("etag"),
            content_length,
            size: range.map(|r| r.2).unwrap_or(content_length),
            range,
            content_type: h("content-type"),
            last_modified_time: last_modified.as_deref().and_then(parse_http_date),
            last_modified,
            metadata,
            version_id: h("x-amz-version-id"),
            cache_control: h("cache-control"),
            checksum_crc32c: h("x-amz-checksum-crc32c"),
        })
    }
}

/// `bytes A-B/N` → `(A, B, N)`, with `A <= B < N` (a range the object can hold: the download
/// computes `B + 1` and the parts after it from these numbers).
fn parse_content_range(v: &str) -> Option<(u64, u64, u64)> {
    let rest = v.trim().strip_prefix("bytes ")?;
    let (span, total) = rest.split_once('/')?;
    let (a, b) = span.split_once('-')?;
    let (a, b, n): (u64, u64, u64) = (a.trim().parse().ok()?, b.trim().parse().ok()?, total.trim().parse().ok()?);
    (a <= b && b < n).then_some((a, b, n))
}

/// A byte range of an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `bytes=A-B`, both inclusive.
    Inclusive(u64, u64),
    /// `bytes=A-`: from A to the end.
    From(u64),
    /// `bytes=-N`: the last N bytes.
    Last(u64),
}

impl ByteRange {
    /// The `Range` header value.
    pub fn header(&self) -> String {
        match self {
            ByteRange::Inclusive(a, b) => format!("bytes={a}-{b}"),
            ByteRange::From(a) => format!("bytes={a}-"),
            ByteRange::Last(n) => format!("bytes=-{n}"),
        }
    }

    fn validate(&self) -> Result<(), S3Error> {
        match self {
            ByteRange::Inclusive(a, b) if a > b => {
                Err(S3Error::InvalidInput(InputError::RangeReversed { first: *a, last: *b }))
            }
            ByteRange::Last(0) => Err(S3Error::InvalidInput(InputError::RangeEmpty)),
            _ => Ok(()),
        }
    }
}

/// Options of [`Client::get_object`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GetOptions {
    /// Only these bytes.
    pub range: Option<ByteRange>,
    /// Only if the ETag is this one (`If-Match`), else `PreconditionFailed` (412).
    pub if_match: Option<String>,
    /// Only if the ETag is not this one (`If-None-Match`), else `NotModified` (304).
    pub if_none_match: Option<String>,
    /// The body will be read in large pieces (into a file, say): the connection receives into
    /// a 256 KiB buffer instead of 128 KiB (the bulk agent's), which takes fewer socket reads
    /// per byte.
    pub bulk_read: bool,
    /// `x-amz-checksum-mode: ENABLED`: the stored checksum comes back in
    /// [`ObjectMeta::checksum_crc32c`].
    pub checksum_mode: bool,
}

/// An object being downloaded: its metadata and a reader over its body.
pub struct GetObject {
    /// What the server said about the object.
    pub meta: ObjectMeta,
    reader: Box<dyn Read + Send>,
}

impl std::fmt::Debug for GetObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GetObject").field("meta", &self.meta).finish_non_exhaustive()
    }
}

impl Read for GetObject {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reader.read(buf)
    }
}

impl GetObject {
    /// Reads the whole body (at most `limit` bytes; more is an error).
    pub fn read_to_vec(mut self, limit: u64) -> Result<Vec<u8>, S3Error> {
        if self.meta.content_length > limit {
            return Err(S3Error::TooLarge { length: self.meta.content_length, limit });
        }
        let mut out = Vec::with_capacity(self.meta.content_length as usize);
        self.reader
            .by_ref()
            .take(limit + 1)
            .read_to_end(&mut out)
            .map_err(|e| S3Error::io("read the object body", None, e))?;
        if out.len() as u64 != self.meta.content_length {
            return Err(S3Error::Integrity(IntegrityError::Length {
                received: out.len() as u64,
                announced: self.meta.content_length,
            }));
        }
        Ok(out)
    }
}

impl Client {
    /// GetObject: streams `bucket/key`.
    ///
    /// Errors: `NoSuchKey`, `NoSuchBucket`, `PreconditionFailed` (If-Match), `NotModified`
    /// (If-None-Match), `InvalidRange`.
    pub fn get_object(&self, bucket: &str, key: &str, opts: &GetOptions) -> Result<GetObject, S3Error> {
        check_key(bucket, key)?;
        let mut req = Request::new("GET", bucket, key);
        if let Some(r) = &opts.range {
            r.validate()?;
            req = req.header("range", r.header());
        }
        if let Some(e) = &opts.if_match {
            req = req.header("if-match", e.clone());
        }
        if let Some(e) = &opts.if_none_match {
            req = req.header("if-none-match", e.clone());
        }
        if opts.bulk_read {
            req.traffic = crate::http::Traffic::Bulk;
        }
        if opts.checksum_mode {
            req = req.header("x-amz-checksum-mode", "ENABLED");
        }
        let resp = self.execute(&mut req)?;
        let meta = ObjectMeta::from_response(&resp)?;
        Ok(GetObject { meta, reader: Box::new(resp.into_reader()) })
    }

    /// GetObject read into memory (at most `limit` bytes).
    pub fn get_object_bytes(&self, bucket: &str, key: &str, limit: u64) -> Result<(ObjectMeta, Vec<u8>), S3Error> {
        let obj = self.get_object(bucket, key, &GetOptions::default())?;
        let meta = obj.meta.clone();
        Ok((meta, obj.read_to_vec(limit)?))
    }

    /// HeadObject: the object's metadata. A missing object is `NoSuchKey` (404).
    pub fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectMeta, S3Error> {
        check_key(bucket, key)?;
        let resp = self.execute(&mut Request::new("HEAD", bucket, key))?;
        ObjectMeta::from_response(&resp)
    }

    /// HeadObject with `x-amz-checksum-mode: ENABLED`, pinned to `etag` with `If-Match`.
    pub(crate) fn head_object_checksum(
        &self,
        bucket: &str,
        key: &str,
        etag: Option<&str>,
    ) -> Result<ObjectMeta, S3Error> {
        let mut req = Request::new("HEAD", bucket, key).header("x-amz-checksum-mode", "ENABLED");
        if let Some(e) = etag {
            req = req.header("if-match", e);
        }
        let resp = self.execute(&mut req)?;
        ObjectMeta::from_response(&resp)
    }

    /// The length of part `part` of a multipart object (HEAD `?partNumber=`, pinned to `etag`
    /// with `If-Match`); `None` when the server refuses the part number (400, 416) or says
    /// the object has another number of parts.
    pub(crate) fn head_part_length(
        &self,
        bucket: &str,
        key: &str,
        etag: Option<&str>,
        part: u64,
    ) -> Result<Option<u64>, S3Error> {
        let mut req = Request::new("HEAD", bucket, key).query("partNumber", part.to_string());
        if let Some(e) = etag {
            req = req.header("if-match", e);
        }
        let resp = match self.execute(&mut req) {
            Ok(r) => r,
            Err(e) if matches!(e.status(), Some(400 | 416)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let meta = ObjectMeta::from_response(&resp)?;
        let count = resp.header("x-amz-mp-parts-count").and_then(|v| v.trim().parse::<u64>().ok());
        Ok(match count {
            Some(n) if n < part => None,
            _ => Some(meta.content_length),
        })
    }

    /// Whether `bucket/key` exists (HeadObject; `false` on 404, other errors are errors).
    pub fn object_exists(&self, bucket: &str, key: &str) -> Result<bool, S3Error> {
        match self.head_object(bucket, key) {
            Ok(_) => Ok(true),
            Err(e) if e.status() == Some(404) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_content_range;

    #[test]
    fn content_range_must_fit_the_object() {
        assert_eq!(parse_content_range("bytes 0-99/1000"), Some((0, 99, 1000)));
        assert_eq!(parse_content_range("bytes 999-999/1000"), Some((999, 999, 1000)));
        // A server's numbers that would overflow `B + 1` or run backwards are refused.
        assert_eq!(parse_content_range("bytes 0-18446744073709551615/18446744073709551615"), None);
        assert_eq!(parse_content_range("bytes 10-9/1000"), None);
        assert_eq!(parse_content_range("bytes 0-1000/1000"), None);
        assert_eq!(parse_content_range("bytes */1000"), None);
        assert_eq!(parse_content_range("bytes 0-\u{e9}/1000"), None);
    }
}
