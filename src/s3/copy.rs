//! CopyObject (server-side copy).

use super::client::Client;
use super::error::{ResponseError, S3Error, ServiceError};
use super::put::PutOptions;
use super::request::{check_key, Request};
use super::xml::{self, CopyResult, Outcome};
use crate::sigv4::encode::encode_bytes_into;

/// The `x-amz-copy-source` value: `/BUCKET/KEY` with the key percent-encoded (slashes kept).
///
/// ```
/// assert_eq!(minis3::s3::copy_source("b", "a b/c+d=é"), "/b/a%20b/c%2Bd%3D%C3%A9");
/// ```
pub fn copy_source(bucket: &str, key: &str) -> String {
    let mut s = String::with_capacity(bucket.len() + key.len() * 2 + 2);
    s.push('/');
    s.push_str(bucket);
    s.push('/');
    encode_bytes_into(&mut s, key.as_bytes(), true);
    s
}

impl Client {
    /// CopyObject: `src_bucket/src_key` → `dst_bucket/dst_key` on the server (up to 5 GiB).
    ///
    /// With `replace` set, the copy gets that content type and metadata
    /// (`x-amz-metadata-directive: REPLACE`); otherwise the source's are kept. A 200 answer
    /// carrying an `<Error>` is an error.
    pub fn copy_object(
        &self,
        src_bucket: &str,
        src_key: &str,
        dst_bucket: &str,
        dst_key: &str,
        replace: Option<&PutOptions>,
    ) -> Result<CopyResult, S3Error> {
        check_key(src_bucket, src_key)?;
        check_key(dst_bucket, dst_key)?;
        let mut req =
            Request::new("PUT", dst_bucket, dst_key).header("x-amz-copy-source", copy_source(src_bucket, src_key));
        if let Some(opts) = replace {
            req.headers.extend(opts.object_headers()?);
            req = req.header("x-amz-metadata-directive", "REPLACE");
        }
        let resp = self.execute(&mut req)?;
        let body = resp.read_to_vec(1024 * 1024)?;
        match xml::parse_copy_object(&body).map_err(ResponseError::document("CopyObject"))? {
            Outcome::Done(r) => Ok(r),
            Outcome::Failed(e) => Err(S3Error::Service(Box::new(ServiceError {
                status: 200,
                code: e.code,
                message: e.message,
                request_id: e.request_id,
                method: "PUT".into(),
                bucket: dst_bucket.into(),
                key: dst_key.into(),
                ..Default::default()
            }))),
        }
    }
}
