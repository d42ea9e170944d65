//! [`S3Transport`]: an `s3://` channel read with the S3 client (GetObject / HeadObject),
//! signed with the bucket's credentials or anonymous (`unsigned`), with the client's
//! retries, clock-skew correction and region redirects.
//!
//! `If-None-Match` carries the cached ETag (S3 always sends one, so `If-Modified-Since` is not
//! needed); the client reports a `304` as an error with status 304, mapped here to
//! [`Fetched::NotModified`], and `404 NoSuchKey` to [`Fetched::NotFound`] (a missing bucket
//! stays an error: it is a wrong URL, not an empty subdir).
//!
//! [`client_for_channel`] is the one place that builds the client from the settings layer.

use std::path::Path;
use std::sync::Arc;

use super::fetch_error::FetchError;
use super::transport::{check_path, Body, BodyMeta, FetchOptions, Fetched, Transport};
use super::url::{ChannelScheme, ChannelUrl};
use crate::config::env::Environment;
use crate::s3::{Client, GetOptions, ObjectMeta, S3Error};
use crate::settings::{resolve, Inputs, Overrides};

/// An `s3://` channel.
#[derive(Debug, Clone)]
pub struct S3Transport {
    client: Arc<Client>,
    channel: ChannelUrl,
    bucket: String,
}

impl S3Transport {
    /// The transport of `channel` (`s3://`, or `gcs://` through Cloud Storage's S3 API) through
    /// `client`.
    pub fn new(client: Arc<Client>, channel: &ChannelUrl) -> Result<Self, FetchError> {
        match (channel.scheme(), channel.bucket()) {
            (ChannelScheme::S3 | ChannelScheme::Gcs, Some(bucket)) => {
                Ok(Self { bucket: bucket.to_owned(), client, channel: channel.clone() })
            }
            _ => Err(FetchError::Settings {
                url: channel.to_string(),
                reason: "not an s3:// channel: use the http transport".into(),
            }),
        }
    }

    /// The client.
    pub fn client(&self) -> &Arc<Client> {
        &self.client
    }
}

/// Builds the S3 client for an `s3://` (or S3-API `gcs://`) channel's bucket from the settings layer (flags, pixi
/// `s3-options`, the AWS configuration and credential chain, the rattler auth file): the
/// bucket's endpoint, region, addressing style and credentials, or none with
/// `flags.unsigned`. `cwd` is where the pixi workspace is searched from.
///
/// This is the one place the channel layer calls the settings API.
pub fn client_for_channel(
    channel: &ChannelUrl,
    flags: &Overrides,
    env: &Environment,
    cwd: &Path,
) -> Result<Client, FetchError> {
    let Some(bucket) = channel.bucket() else {
        return Err(FetchError::Settings { url: channel.to_string(), reason: "not an s3:// channel".into() });
    };
    let settings_error = |reason: String| FetchError::Settings { url: channel.to_string(), reason };
    let inputs = Inputs { overrides: flags, env, cwd, target: Some((bucket, channel.path())) };
    let settings = resolve(&inputs).map_err(|e| settings_error(e.to_string()))?;
    let config = settings.client_config().map_err(|e| settings_error(e.to_string()))?;
    Client::new(config).map_err(FetchError::S3)
}

fn meta_of(m: &ObjectMeta) -> BodyMeta {
    BodyMeta {
        etag: m.etag.clone(),
        last_modified: m.last_modified.clone(),
        content_length: Some(m.content_length),
        cache_control: m.cache_control.clone(),
        content_range: m.range,
    }
}

/// Whether an error means "no such object" (not "no such bucket").
fn is_missing(e: &S3Error) -> bool {
    e.status() == Some(404) && e.code() != Some("NoSuchBucket")
}

impl Transport for S3Transport {
    fn fetch(&self, path: &str, opts: &FetchOptions) -> Result<Fetched, FetchError> {
        check_path(path)?;
        let key = self.channel.key(path);
        let get = GetOptions {
            range: opts.range,
            if_none_match: opts.validators.etag.clone(),
            bulk_read: opts.range.is_none(),
            ..GetOptions::default()
        };
        match self.client.get_object(&self.bucket, &key, &get) {
            Ok(obj) => Ok(Fetched::Body(Body { meta: meta_of(&obj.meta), reader: Box::new(obj) })),
            Err(e) if e.status() == Some(304) => Ok(Fetched::NotModified(BodyMeta::default())),
            Err(e) if is_missing(&e) => Ok(Fetched::NotFound),
            Err(e) if e.status() == Some(501) && opts.not_implemented_is_missing => Ok(Fetched::NotFound),
            Err(e) => Err(FetchError::S3(e)),
        }
    }

    fn head(&self, path: &str) -> Result<Option<BodyMeta>, FetchError> {
        check_path(path)?;
        match self.client.head_object(&self.bucket, &self.channel.key(path)) {
            Ok(m) => Ok(Some(meta_of(&m))),
            Err(e) if is_missing(&e) => Ok(None),
            Err(e) => Err(FetchError::S3(e)),
        }
    }

    fn url(&self, path: &str) -> String {
        self.channel.join(path)
    }

    fn cache_identity(&self) -> String {
        let cfg = self.client.config();
        format!(
            "endpoint={} region={} style={}",
            cfg.endpoint_url.as_deref().unwrap_or("aws"),
            cfg.region,
            cfg.addressing_style.as_str()
        )
    }
}
