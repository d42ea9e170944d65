//! CreateBucket, DeleteBucket, HeadBucket, ListBuckets.

use super::client::Client;
use super::error::{ResponseError, S3Error};
use super::request::{ReqBody, Request};
use super::xml::{self, BucketList};
use crate::address::validate_bucket;

fn check_bucket(bucket: &str) -> Result<(), S3Error> {
    validate_bucket(bucket)?;
    Ok(())
}

impl Client {
    /// CreateBucket, in the client's region (a `LocationConstraint` is sent unless the region
    /// is `us-east-1`).
    pub fn create_bucket(&self, bucket: &str) -> Result<(), S3Error> {
        check_bucket(bucket)?;
        let region = self.cfg.region.clone();
        let body = (region != "us-east-1").then(|| {
            format!(
                "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                 <LocationConstraint>{region}</LocationConstraint></CreateBucketConfiguration>"
            )
        });
        let mut req = Request::new("PUT", bucket, "");
        if let Some(b) = &body {
            req = req
                .header("content-type", "application/xml")
                .body(ReqBody::Bytes { data: b.as_bytes(), unsigned: false });
        }
        self.execute(&mut req)?;
        Ok(())
    }

    /// DeleteBucket (it must be empty: `BucketNotEmpty` otherwise).
    pub fn delete_bucket(&self, bucket: &str) -> Result<(), S3Error> {
        check_bucket(bucket)?;
        self.execute(&mut Request::new("DELETE", bucket, ""))?;
        Ok(())
    }

    /// HeadBucket: `Ok(region)` when the bucket exists and we may use it (the region from
    /// `x-amz-bucket-region`, when the server sends it). A missing bucket is `NoSuchBucket`.
    pub fn head_bucket(&self, bucket: &str) -> Result<Option<String>, S3Error> {
        check_bucket(bucket)?;
        let resp = self.execute(&mut Request::new("HEAD", bucket, ""))?;
        Ok(resp.header("x-amz-bucket-region").map(str::to_owned))
    }

    /// ListBuckets.
    pub fn list_buckets(&self) -> Result<BucketList, S3Error> {
        let resp = self.execute(&mut Request::new("GET", "", ""))?;
        let body = resp.read_to_vec(64 * 1024 * 1024)?;
        xml::parse_list_buckets(&body).map_err(ResponseError::document("ListBuckets"))
    }
}
