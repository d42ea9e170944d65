//! The response documents: plain data structs and one `parse_*` function each.
//!
//! Times (`LastModified`, `CreationDate`) are kept as the ISO 8601 text S3 sent; ETags are kept
//! as sent, quotes included (`"9b2cf535f27731c974343645a3985328"`), since that is the form
//! `If-Match` and `CompleteMultipartUpload` want back.

use super::{parse_document, shorten, url_decode, Element, Required, XmlError};

/// The error document S3 sends with a 4xx/5xx status (and, for `CompleteMultipartUpload` and
/// `CopyObject`, sometimes with a 200):
/// `<Error><Code>NoSuchKey</Code><Message>...</Message><RequestId>...</RequestId>...</Error>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct S3ErrorBody {
    /// The error code (`NoSuchKey`, `SignatureDoesNotMatch`, `SlowDown`...).
    pub code: String,
    /// The human-readable message (empty if absent).
    pub message: String,
    /// `RequestId`, for support requests.
    pub request_id: Option<String>,
    /// `HostId` (the extended request id).
    pub host_id: Option<String>,
    /// `Region`: the bucket's region, in `AuthorizationHeaderMalformed` and redirect errors.
    pub region: Option<String>,
    /// `Endpoint`: where to send the request instead, in `PermanentRedirect`/`TemporaryRedirect`.
    pub endpoint: Option<String>,
    /// `BucketName`, when given.
    pub bucket: Option<String>,
    /// `Key`, when given.
    pub key: Option<String>,
    /// `Resource`, when given.
    pub resource: Option<String>,
    /// Every other child element, in order, as (name, text): e.g. `StringToSign`,
    /// `CanonicalRequest`, `AWSAccessKeyId`, `ArgumentName`, `MaxSizeAllowed`.
    pub other: Vec<(String, String)>,
}

/// A document that is either the expected result or an S3 error document. S3 can answer
/// `CompleteMultipartUpload` and `CopyObject` with status 200 and an `<Error>` body when the
/// operation fails after it has started sending (the 200 went out to keep the connection alive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<T> {
    /// The operation's result.
    Done(T),
    /// An `<Error>` document (boxed: it is much larger than the results).
    Failed(Box<S3ErrorBody>),
}

fn expect_root(root: &Element, expected: &'static str) -> Result<(), XmlError> {
    if root.name == expected {
        Ok(())
    } else {
        Err(XmlError::UnexpectedRoot { expected, found: shorten(&root.name) })
    }
}

fn opt(el: &Element, name: &str) -> Option<String> {
    el.child_text(name).map(str::to_string)
}

fn parse_bool(element: &'static str, s: &str) -> Result<bool, XmlError> {
    match s.trim() {
        "true" | "TRUE" | "True" => Ok(true),
        "false" | "FALSE" | "False" | "" => Ok(false),
        other => Err(XmlError::InvalidValue { element, value: shorten(other) }),
    }
}

fn parse_num<T: std::str::FromStr>(element: &'static str, s: &str) -> Result<T, XmlError> {
    s.trim().parse().map_err(|_| XmlError::InvalidValue { element, value: shorten(s) })
}

fn opt_num<T: std::str::FromStr>(el: &Element, name: &'static str) -> Result<Option<T>, XmlError> {
    el.child_text(name).map(|s| parse_num(name, s)).transpose()
}

fn error_from(root: &Element) -> S3ErrorBody {
    let mut out = S3ErrorBody::default();
    for child in &root.children {
        let text = child.text.clone();
        match child.name.as_str() {
            "Code" => out.code = text,
            "Message" => out.message = text,
            "RequestId" => out.request_id = Some(text),
            "HostId" => out.host_id = Some(text),
            "Region" => out.region = Some(text),
            "Endpoint" => out.endpoint = Some(text),
            "BucketName" => out.bucket = Some(text),
            "Key" => out.key = Some(text),
            "Resource" => out.resource = Some(text),
            other => out.other.push((other.to_string(), text)),
        }
    }
    out
}

/// Parses an S3 error document (`<Error>`). A missing `Code` is an error
/// ([`XmlError::Missing`]): without it nothing can be decided.
pub fn parse_error(body: &[u8]) -> Result<S3ErrorBody, XmlError> {
    let root = parse_document(body)?;
    expect_root(&root, "Error")?;
    if root.child("Code").is_none() {
        return Err(XmlError::Missing { element: "Code" });
    }
    Ok(error_from(&root))
}

fn parse_outcome<T>(
    body: &[u8],
    expected: &'static str,
    also: Option<&'static str>,
    f: impl FnOnce(&Element) -> Result<T, XmlError>,
) -> Result<Outcome<T>, XmlError> {
    let root = parse_document(body)?;
    if root.name == "Error" {
        if root.child("Code").is_none() {
            return Err(XmlError::Missing { element: "Code" });
        }
        return Ok(Outcome::Failed(Box::new(error_from(&root))));
    }
    if Some(root.name.as_str()) != also {
        expect_root(&root, expected)?;
    }
    f(&root).map(Outcome::Done)
}

/// One object in a listing (`<Contents>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListedObject {
    /// The key (URL-decoded when the listing was URL-encoded).
    pub key: String,
    /// `LastModified`, ISO 8601 as sent (`2009-10-12T17:50:30.000Z`).
    pub last_modified: String,
    /// The ETag as sent, quotes included.
    pub etag: String,
    /// Size in bytes.
    pub size: u64,
    /// `StorageClass` (`STANDARD`...), when sent.
    pub storage_class: Option<String>,
}

/// Whether `s` holds a character a URL encoder would have escaped.
fn looks_unencoded(s: &str) -> bool {
    s.chars()
        .any(|c| c <= ' ' || c >= '\u{7f}' || matches!(c, '"' | '#' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}'))
}

/// A `ListObjectsV2` page (`<ListBucketResult>`). Also reads a `ListObjects` (v1) page: then
/// `marker` / `next_marker` are set instead of the continuation tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListObjectsPage {
    /// The bucket (`Name`).
    pub bucket: String,
    /// `Prefix` as echoed (decoded).
    pub prefix: Option<String>,
    /// `Delimiter` as echoed (decoded).
    pub delimiter: Option<String>,
    /// `StartAfter` as echoed (decoded).
    pub start_after: Option<String>,
    /// `MaxKeys`.
    pub max_keys: Option<u64>,
    /// `KeyCount` (v2): objects plus common prefixes in this page.
    pub key_count: Option<u64>,
    /// Whether more pages follow.
    pub is_truncated: bool,
    /// `ContinuationToken` as echoed.
    pub continuation_token: Option<String>,
    /// `NextContinuationToken`: pass it as `continuation-token` for the next page.
    pub next_continuation_token: Option<String>,
    /// `Marker` (v1), decoded.
    pub marker: Option<String>,
    /// `NextMarker` (v1, only with a delimiter), decoded.
    pub next_marker: Option<String>,
    /// `EncodingType` as sent (`url` when the values above were URL-encoded; they are
    /// returned decoded).
    pub encoding_type: Option<String>,
    /// The objects.
    pub contents: Vec<ListedObject>,
    /// `CommonPrefixes/Prefix` values, decoded.
    pub common_prefixes: Vec<String>,
}

/// Parses a `ListObjectsV2` (or v1) page. When it says `<EncodingType>url</EncodingType>`,
/// keys, prefixes, the delimiter, `StartAfter` and the markers are URL-decoded (see
/// [`url_decode`]); without it they are taken as they are. A value that cannot be URL-encoded
/// (it holds a space, a control or a non-ASCII character...) is taken as it is too: s3s-fs
/// announces `url` encoding but does not encode.
pub fn parse_list_objects(body: &[u8]) -> Result<ListObjectsPage, XmlError> {
    let root = parse_document(body)?;
    expect_root(&root, "ListBucketResult")?;
    let encoding_type = opt(&root, "EncodingType");
    let encoded = encoding_type.as_deref().is_some_and(|e| e.trim().eq_ignore_ascii_case("url"));
    let dec = |element: &'static str, s: &str| -> Result<String, XmlError> {
        // s3s-fs 0.17 echoes `<EncodingType>url</EncodingType>` but sends keys raw. A value
        // holding a character no URL encoder leaves as it is (space, control, non-ASCII,
        // `"#<>\^`{|}`) cannot be encoded: take it raw. (A raw key like `a+b` is still
        // ambiguous and decodes to `a b`; only the server could tell.)
        if encoded && !looks_unencoded(s) {
            url_decode(element, s)
        } else {
            Ok(s.to_string())
        }
    };
    let dec_opt = |element: &'static str| -> Result<Option<String>, XmlError> {
        root.child_text(element).map(|s| dec(element, s)).transpose()
    };
    let mut contents = Vec::new();
    for c in root.children_named("Contents") {
        let key = c.child_text("Key").ok_or(XmlError::Missing { element: "Contents/Key" })?;
        contents.push(ListedObject {
            key: dec("Contents/Key", key)?,
            last_modified: opt(c, "LastModified").unwrap_or_default(),
            etag: opt(c, "ETag").unwrap_or_default(),
            size: match c.child_text("Size") {
                Some(s) => parse_num("Contents/Size", s)?,
                None => 0,
            },
            storage_class: opt(c, "StorageClass"),
        });
    }
    let mut common_prefixes = Vec::new();
    for cp in root.children_named("CommonPrefixes") {
        for p in cp.children_named("Prefix") {
            common_prefixes.push(dec("CommonPrefixes/Prefix", &p.text)?);
        }
    }
    Ok(ListObjectsPage {
        bucket: opt(&root, "Name").unwrap_or_default(),
        prefix: dec_opt("Prefix")?,
        delimiter: dec_opt("Delimiter")?,
        start_after: dec_opt("StartAfter")?,
        max_keys: opt_num(&root, "MaxKeys")?,
        key_count: opt_num(&root, "KeyCount")?,
        is_truncated: match root.child_text("IsTruncated") {
            Some(s) => parse_bool("IsTruncated", s)?,
            None => false,
        },
        continuation_token: opt(&root, "ContinuationToken"),
        next_continuation_token: opt(&root, "NextContinuationToken"),
        marker: dec_opt("Marker")?,
        next_marker: dec_opt("NextMarker")?,
        encoding_type,
        contents,
        common_prefixes,
    })
}

/// One bucket in a `ListBuckets` answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BucketEntry {
    /// The bucket name.
    pub name: String,
    /// `CreationDate`, ISO 8601 as sent.
    pub creation_date: String,
    /// `BucketRegion`, sent by AWS since 2024 (absent elsewhere).
    pub region: Option<String>,
}

/// A `ListBuckets` answer (`<ListAllMyBucketsResult>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BucketList {
    /// The buckets.
    pub buckets: Vec<BucketEntry>,
    /// `Owner/ID`.
    pub owner_id: Option<String>,
    /// `Owner/DisplayName`.
    pub owner_display_name: Option<String>,
    /// `ContinuationToken` for the next page (paginated `ListBuckets`).
    pub continuation_token: Option<String>,
    /// `Prefix` as echoed.
    pub prefix: Option<String>,
}

/// Parses a `ListBuckets` answer.
pub fn parse_list_buckets(body: &[u8]) -> Result<BucketList, XmlError> {
    let root = parse_document(body)?;
    expect_root(&root, "ListAllMyBucketsResult")?;
    let mut buckets = Vec::new();
    if let Some(list) = root.child("Buckets") {
        for b in list.children_named("Bucket") {
            buckets.push(BucketEntry {
                name: b.child_text("Name").ok_or(XmlError::Missing { element: "Bucket/Name" })?.to_string(),
                creation_date: opt(b, "CreationDate").unwrap_or_default(),
                region: opt(b, "BucketRegion"),
            });
        }
    }
    let owner = root.child("Owner");
    Ok(BucketList {
        buckets,
        owner_id: owner.and_then(|o| opt(o, "ID")),
        owner_display_name: owner.and_then(|o| opt(o, "DisplayName")),
        continuation_token: opt(&root, "ContinuationToken"),
        prefix: opt(&root, "Prefix"),
    })
}

/// A `CreateMultipartUpload` answer (`<InitiateMultipartUploadResult>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MultipartUploadStarted {
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// The upload id to send with every part and with complete/abort.
    pub upload_id: String,
}

/// Parses a `CreateMultipartUpload` answer; `UploadId` is required.
pub fn parse_initiate_multipart_upload(body: &[u8]) -> Result<MultipartUploadStarted, XmlError> {
    let root = parse_document(body)?;
    expect_root(&root, "InitiateMultipartUploadResult")?;
    let upload_id = root.required("UploadId")?;
    if upload_id.trim().is_empty() {
        return Err(XmlError::InvalidValue { element: "UploadId", value: String::new() });
    }
    Ok(MultipartUploadStarted {
        bucket: opt(&root, "Bucket").unwrap_or_default(),
        key: opt(&root, "Key").unwrap_or_default(),
        upload_id: upload_id.to_string(),
    })
}

/// A `CompleteMultipartUpload` answer (`<CompleteMultipartUploadResult>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MultipartUploadCompleted {
    /// `Location`: the object's URL.
    pub location: Option<String>,
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// The object's ETag as sent (`"<md5 of the part md5s>-<parts>"`).
    pub etag: String,
}

/// Parses a `CompleteMultipartUpload` answer, which may be an `<Error>` despite status 200:
/// check for [`Outcome::Failed`].
pub fn parse_complete_multipart_upload(body: &[u8]) -> Result<Outcome<MultipartUploadCompleted>, XmlError> {
    parse_outcome(body, "CompleteMultipartUploadResult", None, |root| {
        Ok(MultipartUploadCompleted {
            location: opt(root, "Location"),
            bucket: opt(root, "Bucket").unwrap_or_default(),
            key: opt(root, "Key").unwrap_or_default(),
            etag: root.required("ETag")?.to_string(),
        })
    })
}

/// A `CopyObject` (`<CopyObjectResult>`) or `UploadPartCopy` (`<CopyPartResult>`) answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyResult {
    /// The new object's (or part's) ETag as sent.
    pub etag: String,
    /// `LastModified`, ISO 8601 as sent.
    pub last_modified: String,
}

/// Parses a `CopyObject` or `UploadPartCopy` answer, which may be an `<Error>` despite
/// status 200: check for [`Outcome::Failed`].
pub fn parse_copy_object(body: &[u8]) -> Result<Outcome<CopyResult>, XmlError> {
    parse_outcome(body, "CopyObjectResult", Some("CopyPartResult"), |root| {
        Ok(CopyResult {
            etag: root.required("ETag")?.to_string(),
            last_modified: opt(root, "LastModified").unwrap_or_default(),
        })
    })
}

/// A key `DeleteObjects` deleted (`<Deleted>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeletedObject {
    /// The key.
    pub key: String,
    /// `VersionId`, when a version was named.
    pub version_id: Option<String>,
    /// `DeleteMarker`: whether a delete marker was involved.
    pub delete_marker: bool,
    /// `DeleteMarkerVersionId`.
    pub delete_marker_version_id: Option<String>,
}

/// A key `DeleteObjects` could not delete (`<Error>` inside `<DeleteResult>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteFailure {
    /// The key.
    pub key: String,
    /// `VersionId`, when a version was named.
    pub version_id: Option<String>,
    /// The error code (`AccessDenied`...).
    pub code: String,
    /// The message.
    pub message: String,
}

/// A `DeleteObjects` answer (`<DeleteResult>`). In quiet mode only failures are listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteResult {
    /// Keys deleted.
    pub deleted: Vec<DeletedObject>,
    /// Keys that failed.
    pub errors: Vec<DeleteFailure>,
}

/// Parses a `DeleteObjects` answer.
pub fn parse_delete_result(body: &[u8]) -> Result<DeleteResult, XmlError> {
    let root = parse_document(body)?;
    expect_root(&root, "DeleteResult")?;
    let mut out = DeleteResult::default();
    for child in &root.children {
        match child.name.as_str() {
            "Deleted" => out.deleted.push(DeletedObject {
                key: opt(child, "Key").unwrap_or_default(),
                version_id: opt(child, "VersionId"),
                delete_marker: match child.child_text("DeleteMarker") {
                    Some(s) => parse_bool("Deleted/DeleteMarker", s)?,
                    None => false,
                },
                delete_marker_version_id: opt(child, "DeleteMarkerVersionId"),
            }),
            "Error" => out.errors.push(DeleteFailure {
                key: opt(child, "Key").unwrap_or_default(),
                version_id: opt(child, "VersionId"),
                code: opt(child, "Code").unwrap_or_default(),
                message: opt(child, "Message").unwrap_or_default(),
            }),
            _ => {}
        }
    }
    Ok(out)
}

/// Parses a `GetBucketLocation` answer into a region name.
///
/// `<LocationConstraint/>` (empty) means `us-east-1`, and the legacy value `EU` means
/// `eu-west-1`, as the AWS API reference documents; any other value is returned as sent.
pub fn parse_location_constraint(body: &[u8]) -> Result<String, XmlError> {
    let root = parse_document(body)?;
    expect_root(&root, "LocationConstraint")?;
    Ok(match root.text.trim() {
        "" => "us-east-1".to_string(),
        "EU" => "eu-west-1".to_string(),
        other => other.to_string(),
    })
}
