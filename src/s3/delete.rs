//! DeleteObject and DeleteObjects (batches of 1000).

use super::client::Client;
use super::error::{InputError, ResponseError, S3Error};
use super::request::{check_key, ReqBody, Request};
use super::xml::{self, DeleteResult, ObjectToDelete};
use crate::sigv4::base64;
use md5::{Digest, Md5};

/// The most keys one DeleteObjects request takes.
pub const DELETE_BATCH: usize = 1000;

impl Client {
    /// DeleteObject. Deleting a missing key succeeds (S3 answers 204 either way).
    pub fn delete_object(&self, bucket: &str, key: &str) -> Result<(), S3Error> {
        check_key(bucket, key)?;
        self.execute(&mut Request::new("DELETE", bucket, key))?;
        Ok(())
    }

    /// DeleteObjects: deletes `keys` in batches of 1000 (quiet mode: only failures are
    /// reported). The per-key failures of all batches are in the result's `errors`.
    pub fn delete_objects(&self, bucket: &str, keys: &[String]) -> Result<DeleteResult, S3Error> {
        if bucket.is_empty() {
            return Err(S3Error::InvalidInput(InputError::EmptyBucket));
        }
        if keys.iter().any(|k| k.is_empty()) {
            return Err(S3Error::InvalidInput(InputError::EmptyDeleteKey));
        }
        let mut all = DeleteResult::default();
        for batch in keys.chunks(DELETE_BATCH) {
            let objects: Vec<ObjectToDelete> =
                batch.iter().map(|k| ObjectToDelete { key: k.clone(), version_id: None }).collect();
            let body = xml::delete_objects_body(&objects, true).map_err(|source| {
                S3Error::InvalidInput(InputError::RequestBody { operation: "DeleteObjects", source })
            })?;
            let mut req = Request::new("POST", bucket, "")
                .query("delete", "")
                .header("content-type", "application/xml")
                .header("content-md5", base64::encode(&Md5::digest(body.as_bytes())))
                .body(ReqBody::Bytes { data: body.as_bytes(), unsigned: false });
            let resp = self.execute(&mut req)?;
            let answer = resp.read_to_vec(16 * 1024 * 1024)?;
            let result = xml::parse_delete_result(&answer).map_err(ResponseError::document("DeleteObjects"))?;
            all.deleted.extend(result.deleted);
            all.errors.extend(result.errors);
        }
        Ok(all)
    }
}
