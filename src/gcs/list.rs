//! Listing and writing Cloud Storage objects with a bearer token: the XML API's
//! `GET /BUCKET?list-type=2` (the S3 `ListObjectsV2` shape, which Cloud Storage answers), the
//! JSON API's single-request upload (`POST /upload/storage/v1/b/BUCKET/o?uploadType=media`)
//! and `DELETE /BUCKET/KEY`.
//!
//! The upload uses the JSON API's media upload rather than the XML API's `PUT /BUCKET/KEY`:
//! both take the same bearer token and put the same object, and the media upload is the one
//! the Cloud Storage emulator the tests run (fake-gcs-server) implements.

use std::fs::File;
use std::path::Path;

use super::{backoff, GcsClient, GcsError};
use crate::http::{Body, Response, Traffic};
use crate::sigv4::encode::{encode_component, encode_path};

/// One object in a listing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GcsObject {
    /// The object name (key).
    pub key: String,
    /// `LastModified`, ISO 8601 as sent.
    pub last_modified: String,
    /// `ETag` as sent.
    pub etag: String,
    /// Size in bytes.
    pub size: u64,
}

/// One page of a listing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GcsListPage {
    /// The objects, in name order.
    pub objects: Vec<GcsObject>,
    /// `CommonPrefixes` (with a delimiter).
    pub prefixes: Vec<String>,
    /// The token for the next page, when the listing was cut.
    pub next: Option<String>,
}

fn parse_page(url: &str, body: &[u8]) -> Result<GcsListPage, GcsError> {
    let bad = |reason: String| GcsError::InvalidListing { url: url.to_owned(), reason };
    let root = crate::xml::parse_document(body).map_err(|e| bad(e.to_string()))?;
    if root.name != "ListBucketResult" {
        return Err(bad(format!("the document is <{}>, not <ListBucketResult>", root.name)));
    }
    let mut page = GcsListPage::default();
    for c in root.children_named("Contents") {
        let key = c.child_text("Key").ok_or_else(|| bad("a <Contents> without <Key>".into()))?;
        let size = match c.child_text("Size") {
            Some(s) => s.trim().parse().map_err(|_| bad(format!("<Size> {:?} is not a number", s)))?,
            None => 0,
        };
        page.objects.push(GcsObject {
            key: key.to_owned(),
            last_modified: c.child_text("LastModified").unwrap_or_default().to_owned(),
            etag: c.child_text("ETag").unwrap_or_default().to_owned(),
            size,
        });
    }
    for cp in root.children_named("CommonPrefixes") {
        page.prefixes.extend(cp.children_named("Prefix").map(|p| p.text.clone()));
    }
    let truncated = root.child_text("IsTruncated").is_some_and(|t| t.trim().eq_ignore_ascii_case("true"));
    page.next = root.child_text("NextContinuationToken").filter(|t| truncated && !t.is_empty()).map(str::to_owned);
    if truncated && page.next.is_none() {
        return Err(bad("the page is truncated but has no <NextContinuationToken>".into()));
    }
    Ok(page)
}

impl GcsClient {
    /// Sends `method url` with the token (a `401` is retried once with a new one; `5xx`, `429`
    /// and connection failures up to three attempts), the body made afresh for each attempt.
    fn send_authorized(
        &self,
        method: &str,
        url: &str,
        extra: &[(&'static str, String)],
        mut body: impl FnMut() -> Result<Option<(File, u64)>, GcsError>,
    ) -> Result<Response, GcsError> {
        let mut attempt = 0;
        let mut reauthenticated = false;
        loop {
            attempt += 1;
            let mut headers = extra.to_vec();
            if let Some(auth) = &self.auth {
                headers.extend(auth.headers()?);
            }
            let pairs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let mut file = body()?;
            let req_body = match &mut file {
                Some((f, length)) => Body::Reader { reader: f, length: *length },
                None => Body::Empty,
            };
            let resp = match self.http.send_with(method, url, &pairs, req_body, Traffic::Small) {
                Ok(r) => r,
                Err(e) if e.is_retryable() && attempt < 3 => {
                    backoff(attempt);
                    continue;
                }
                Err(source) => return Err(GcsError::Http { url: url.to_owned(), source }),
            };
            match resp.status() {
                200..=299 => return Ok(resp),
                401 if !reauthenticated && self.auth.is_some() => {
                    reauthenticated = true;
                    if let Some(a) = &self.auth {
                        a.invalidate();
                    }
                }
                s if (s >= 500 || s == 429) && attempt < 3 => backoff(attempt),
                status => {
                    let text = resp.read_to_vec(64 << 10).unwrap_or_default();
                    return Err(GcsError::from_answer(url, status, &text, self.auth.is_some()));
                }
            }
        }
    }

    /// One page of the objects of `bucket` whose names start with `prefix`, grouped at
    /// `delimiter` when given, from `continuation` (the previous page's `next`).
    pub fn list_page(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: Option<&str>,
        continuation: Option<&str>,
    ) -> Result<GcsListPage, GcsError> {
        // The bucket's URL: an object URL's checks, without the key.
        let base = self.object_url(bucket, "x")?;
        let mut url = format!("{}?list-type=2", &base[..base.len() - 2]);
        for (name, value) in [("prefix", Some(prefix)), ("delimiter", delimiter), ("continuation-token", continuation)]
        {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                url.push_str(&format!("&{name}={}", encode_component(v)));
            }
        }
        let resp = self.send_authorized("GET", &url, &[], || Ok(None))?;
        let body = resp.read_to_vec(64 << 20).map_err(|source| GcsError::Http { url: url.clone(), source })?;
        parse_page(&url, &body)
    }

    /// Every object (and, with `delimiter`, every common prefix) under `prefix`, page by page.
    pub fn list_all(&self, bucket: &str, prefix: &str, delimiter: Option<&str>) -> Result<GcsListPage, GcsError> {
        let mut all = GcsListPage::default();
        let mut token: Option<String> = None;
        loop {
            let page = self.list_page(bucket, prefix, delimiter, token.as_deref())?;
            all.objects.extend(page.objects);
            all.prefixes.extend(page.prefixes);
            match page.next {
                Some(t) if Some(&t) != token.as_ref() => token = Some(t),
                Some(_) => {
                    return Err(GcsError::InvalidListing {
                        url: format!("gcs://{bucket}/{prefix}"),
                        reason: "the server repeated its continuation token".into(),
                    })
                }
                None => return Ok(all),
            }
        }
    }

    /// Uploads the file `path` as `gs://BUCKET/KEY` (replacing it), with `content_type` when
    /// given; the file is reopened for each attempt.
    pub fn upload_file(
        &self,
        bucket: &str,
        key: &str,
        path: &Path,
        content_type: Option<&str>,
    ) -> Result<(), GcsError> {
        let object = self.object_url(bucket, key)?;
        let url = format!(
            "{}/upload/storage/v1/b/{}/o?uploadType=media&name={}",
            self.endpoint,
            encode_path(bucket),
            encode_component(key.trim_start_matches('/'))
        );
        let mut extra = vec![("content-type", content_type.unwrap_or("application/octet-stream").to_owned())];
        extra.retain(|(_, v)| !v.is_empty());
        let io = |e: std::io::Error| GcsError::File { path: path.to_owned(), reason: e.to_string() };
        self.send_authorized("POST", &url, &extra, || {
            let f = File::open(path).map_err(io)?;
            let length = f.metadata().map_err(io)?.len();
            Ok(Some((f, length)))
        })
        .map_err(|e| e.with_url(&object))?;
        Ok(())
    }

    /// Deletes `gs://BUCKET/KEY` (`DELETE` on the XML API).
    pub fn delete(&self, bucket: &str, key: &str) -> Result<(), GcsError> {
        let url = self.object_url(bucket, key)?;
        self.send_authorized("DELETE", &url, &[], || Ok(None))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_secrets::CleanErr;

    #[test]
    fn pages_parse_and_bad_ones_are_refused() {
        let xml = br#"<?xml version="1.0"?><ListBucketResult><Name>b</Name><CommonPrefixes><Prefix>d/</Prefix></CommonPrefixes>
            <Contents><Key>a &amp; b.txt</Key><LastModified>2026-12-01T23:37:09Z</LastModified><ETag>"x"</ETag><Size>6</Size></Contents>
            <IsTruncated>true</IsTruncated><NextContinuationToken>T2</NextContinuationToken></ListBucketResult>"#;
        let p = parse_page("u", xml).unwrap();
        assert_eq!(p.objects.len(), 1);
        assert_eq!((p.objects[0].key.as_str(), p.objects[0].size), ("a & b.txt", 6));
        assert_eq!(p.prefixes, ["d/"]);
        assert_eq!(p.next.as_deref(), Some("T2"));
        for bad in [
            &b"<Error/>"[..],
            b"<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>",
            b"<x",
            b"<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
            b"<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>",
        ] {
            let e = parse_page("http://h/b?list-type=2", bad).clean_err().to_string();
            assert!(e.starts_with("http://h/b?list-type=2: unreadable listing: "), "{e}");
        }
    }
}
