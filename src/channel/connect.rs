//! Opening a channel's transport from its URL: `s3://` through the settings layer and the S3
//! client, `http(s)://` through the one HTTP agent, `gcs://` as `https://storage.googleapis.com`
//! with the caller's [`AuthorizationProvider`] (none: a public bucket), or, when pixi has
//! `s3-options` for its bucket, through the S3 client like `s3://`
//! ([`crate::settings::gcs_uses_s3_api`]).

use std::path::Path;
use std::sync::Arc;

use super::fetch_error::FetchError;
use super::http_transport::{AuthorizationProvider, HttpTransport};
use super::s3_transport::{client_for_channel, S3Transport};
use super::transport::Transport;
use super::url::{ChannelScheme, ChannelUrl};
use crate::config::env::Environment;
use crate::http::{Http, HttpConfig};
use crate::settings::{gcs_uses_s3_api, Inputs, Overrides};

/// What opening a channel needs.
#[derive(Clone, Copy)]
pub struct ConnectInputs<'a> {
    /// The settings flags (`unsigned` for an anonymous `s3://` channel, endpoint, ...).
    pub flags: &'a Overrides,
    /// The environment.
    pub env: &'a Environment,
    /// Where the pixi workspace is searched from.
    pub cwd: &'a Path,
    /// The HTTP agent for `http(s)://` and `gcs://` (one is built from `env` when `None`).
    pub http: Option<&'a Http>,
    /// The bearer-token source for `gcs://` channels.
    pub gcs_authorization: Option<&'a Arc<dyn AuthorizationProvider>>,
}

/// The transport for `channel`.
pub fn open_transport(channel: &ChannelUrl, inputs: &ConnectInputs<'_>) -> Result<Arc<dyn Transport>, FetchError> {
    let http = || -> Result<Http, FetchError> {
        match inputs.http {
            Some(h) => Ok(h.clone()),
            None => Http::new(&HttpConfig::from_env(inputs.env))
                .map_err(|source| FetchError::Http { url: channel.to_string(), source }),
        }
    };
    let via_s3 = channel.scheme() == ChannelScheme::Gcs && gcs_via_s3(channel, inputs)?;
    Ok(match channel.scheme() {
        ChannelScheme::S3 | ChannelScheme::Gcs if channel.scheme() == ChannelScheme::S3 || via_s3 => {
            let client = client_for_channel(channel, inputs.flags, inputs.env, inputs.cwd)?;
            Arc::new(S3Transport::new(Arc::new(client), channel)?)
        }
        ChannelScheme::S3 | ChannelScheme::Gcs | ChannelScheme::Https | ChannelScheme::Http => {
            let t = HttpTransport::for_channel(http()?, channel).ok_or_else(|| FetchError::Settings {
                url: channel.to_string(),
                reason: "the channel has no https:// address".into(),
            })?;
            match (channel.scheme(), inputs.gcs_authorization) {
                (ChannelScheme::Gcs, Some(p)) => Arc::new(t.with_authorization(p.clone())),
                _ => Arc::new(t),
            }
        }
    })
}

/// Whether the `gcs://` channel's bucket has pixi `s3-options` (then it is read through the S3
/// API, signed with SigV4).
pub(crate) fn gcs_via_s3(channel: &ChannelUrl, inputs: &ConnectInputs<'_>) -> Result<bool, FetchError> {
    let Some(bucket) = channel.bucket() else { return Ok(false) };
    let settings =
        Inputs { overrides: inputs.flags, env: inputs.env, cwd: inputs.cwd, target: Some((bucket, channel.path())) };
    gcs_uses_s3_api(&settings).map_err(|e| FetchError::Settings { url: channel.to_string(), reason: e.to_string() })
}
