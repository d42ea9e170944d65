//! Presigned URLs: a GET or PUT anyone holding the URL may do until it expires.

use super::client::Client;
use super::credentials::Auth;
use super::error::{InputError, S3Error};
use super::request::check_key;
use crate::sigv4::{self, Payload, SignableRequest, SigningParams, SigningSettings, MAX_PRESIGN_EXPIRY_SECS};

impl Client {
    /// A presigned URL for `method` (`GET`, `PUT`, `HEAD`, `DELETE`) on `bucket/key`, valid
    /// for `expires_secs` (1 to 604800 = 7 days). The payload is `UNSIGNED-PAYLOAD`; only the
    /// `host` header is signed. Anonymous clients get the plain URL.
    pub fn presign(&self, method: &str, bucket: &str, key: &str, expires_secs: u64) -> Result<String, S3Error> {
        check_key(bucket, key)?;
        if !(1..=MAX_PRESIGN_EXPIRY_SECS).contains(&expires_secs) {
            return Err(S3Error::InvalidInput(InputError::PresignExpiry(expires_secs)));
        }
        let method = method.to_ascii_uppercase();
        if !matches!(method.as_str(), "GET" | "PUT" | "HEAD" | "DELETE") {
            return Err(S3Error::InvalidInput(InputError::PresignMethod(method)));
        }
        let region = self.region_for(bucket);
        let endpoint = match self.cfg.endpoint_url {
            None => crate::address::Endpoint::aws(&region)?,
            Some(ref u) => crate::address::Endpoint::parse(u)?,
        };
        let url = self.request_url(&endpoint, bucket, key)?;
        let creds = match &self.cfg.auth {
            Auth::Anonymous => return Ok(url.to_url_string()),
            Auth::Signed(p) => p.credentials()?.creds,
        };
        let headers = [("host", url.host())];
        let req = SignableRequest {
            method: &method,
            path: url.path(),
            query: &[],
            headers: &headers,
            payload: Payload::Unsigned,
        };
        let params = SigningParams {
            credentials: &creds,
            region: &region,
            service: "s3",
            time: self.now(),
            settings: SigningSettings::s3(),
        };
        let q = sigv4::presign(&req, &params, expires_secs)?;
        Ok(url.to_url_string_with_query(q.query()))
    }

    /// [`Client::presign`] for GET.
    pub fn presign_get(&self, bucket: &str, key: &str, expires_secs: u64) -> Result<String, S3Error> {
        self.presign("GET", bucket, key, expires_secs)
    }

    /// [`Client::presign`] for PUT.
    pub fn presign_put(&self, bucket: &str, key: &str, expires_secs: u64) -> Result<String, S3Error> {
        self.presign("PUT", bucket, key, expires_secs)
    }
}
