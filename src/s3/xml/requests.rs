//! The request bodies the client writes: `CompleteMultipartUpload` and `Delete`.

use super::{shorten, XmlError};

const S3_NS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// One uploaded part, as `CompleteMultipartUpload` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedPart {
    /// The part number (1 to 10000), as uploaded.
    pub part_number: u32,
    /// The ETag `UploadPart` answered, as sent (quotes included).
    pub etag: String,
    /// The part's CRC32C (base64), listed as `<ChecksumCRC32C>` when the upload declared
    /// `x-amz-checksum-algorithm: CRC32C`.
    pub checksum_crc32c: Option<String>,
}

/// One object to delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectToDelete {
    /// The key.
    pub key: String,
    /// A specific version, or `None` for the current one.
    pub version_id: Option<String>,
}

impl From<&str> for ObjectToDelete {
    fn from(key: &str) -> Self {
        Self { key: key.to_string(), version_id: None }
    }
}

/// Whether XML 1.0 can carry `c` at all (the `Char` production): tab, LF, CR, and everything
/// from U+0020 except U+FFFE and U+FFFF (surrogates cannot occur in a Rust string).
fn xml10_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= '\u{20}' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// Appends `s` as XML text content: `&`, `<`, `>` escaped, and CR written `&#13;` (a literal
/// CR would be turned into LF by the receiving parser's end-of-line handling). Fails if `s`
/// holds a character XML 1.0 cannot carry.
fn push_text(out: &mut String, s: &str) -> Result<(), XmlError> {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c if xml10_char(c) => out.push(c),
            _ => return Err(XmlError::Unrepresentable { key: shorten(&s.escape_debug().to_string()) }),
        }
    }
    Ok(())
}

/// The `CompleteMultipartUpload` request body. Parts are written in ascending part-number
/// order (S3 requires it), whatever order they come in.
///
/// ```
/// use minis3::s3::xml::{complete_multipart_upload_body, CompletedPart};
/// let body = complete_multipart_upload_body(&[
///     CompletedPart { part_number: 2, etag: "\"b\"".into(), checksum_crc32c: None },
///     CompletedPart { part_number: 1, etag: "\"a\"".into(), checksum_crc32c: None },
/// ]).unwrap();
/// assert!(body.contains("<Part><PartNumber>1</PartNumber><ETag>\"a\"</ETag></Part><Part><PartNumber>2</PartNumber>"));
/// ```
pub fn complete_multipart_upload_body(parts: &[CompletedPart]) -> Result<String, XmlError> {
    let mut sorted: Vec<&CompletedPart> = parts.iter().collect();
    sorted.sort_by_key(|p| p.part_number);
    let mut out = String::with_capacity(100 + parts.len() * 80);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    out.push_str("<CompleteMultipartUpload xmlns=\"");
    out.push_str(S3_NS);
    out.push_str("\">");
    for p in sorted {
        out.push_str("<Part><PartNumber>");
        out.push_str(&p.part_number.to_string());
        out.push_str("</PartNumber><ETag>");
        push_text(&mut out, &p.etag)?;
        out.push_str("</ETag>");
        if let Some(c) = &p.checksum_crc32c {
            out.push_str("<ChecksumCRC32C>");
            push_text(&mut out, c)?;
            out.push_str("</ChecksumCRC32C>");
        }
        out.push_str("</Part>");
    }
    out.push_str("</CompleteMultipartUpload>");
    Ok(out)
}

/// The `DeleteObjects` request body:
/// `<Delete><Object><Key>…</Key></Object>…<Quiet>true</Quiet></Delete>`.
///
/// Keys are escaped (`&`, `<`, `>`; CR as `&#13;`). A key holding a control character XML 1.0
/// cannot carry (U+0001..U+0008, U+000B, U+000C, U+000E..U+001F, U+0000) is
/// [`XmlError::Unrepresentable`]: XML 1.0 has no escape for those, not even `&#1;`; such an
/// object must be deleted with a single `DeleteObject`. More than 1000 objects is
/// [`XmlError::TooManyObjects`].
pub fn delete_objects_body(objects: &[ObjectToDelete], quiet: bool) -> Result<String, XmlError> {
    if objects.len() > 1000 {
        return Err(XmlError::TooManyObjects { count: objects.len() });
    }
    let mut out = String::with_capacity(100 + objects.len() * 64);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    out.push_str("<Delete xmlns=\"");
    out.push_str(S3_NS);
    out.push_str("\">");
    for o in objects {
        out.push_str("<Object><Key>");
        push_text(&mut out, &o.key)?;
        out.push_str("</Key>");
        if let Some(v) = &o.version_id {
            out.push_str("<VersionId>");
            push_text(&mut out, v)?;
            out.push_str("</VersionId>");
        }
        out.push_str("</Object>");
    }
    if quiet {
        out.push_str("<Quiet>true</Quiet>");
    }
    out.push_str("</Delete>");
    Ok(out)
}
