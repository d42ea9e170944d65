//! `gcs://` channels as pixi reads them: `https://storage.googleapis.com/BUCKET/PATH` with an
//! OAuth bearer token from Google's application default credentials ([`GcsAuth`]), supplied
//! to the http transport through its [`AuthorizationProvider`] hook. (A GCS bucket reached
//! through the S3 API with HMAC keys is an `s3://` channel with `s3-options`, signed with
//! SigV4 like any other endpoint.)

use std::fmt;

use super::http_transport::AuthorizationProvider;
use crate::credentials::gcs::GcsAuth;

/// The bearer-token provider of `gcs://` channels.
#[derive(Clone)]
pub struct GcsBearer {
    auth: GcsAuth,
}

impl fmt::Debug for GcsBearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GcsBearer")
    }
}

impl GcsBearer {
    /// Tokens from `auth` (cached until shortly before they expire).
    pub fn new(auth: GcsAuth) -> Self {
        GcsBearer { auth }
    }
}

impl AuthorizationProvider for GcsBearer {
    fn authorization(&self, url: &str) -> Result<String, String> {
        let headers = self.auth.headers().map_err(|e| format!("{e} (for {url})"))?;
        headers
            .into_iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v)
            .ok_or_else(|| "the Google token source gave no authorization header".to_owned())
    }
}
