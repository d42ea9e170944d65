//! Opening a channel's transport from its URL: `s3://` through the settings layer and the S3
//! client, `http(s)://` through the one HTTP agent, `gcs://` as `https://storage.googleapis.com`
//! with the caller's [`AuthorizationProvider`] (none: a public bucket).

use std::path::Path;
use std::sync::Arc;

use super::fetch_error::FetchError;
use super::http_transport::{AuthorizationProvider, HttpTransport};
use super::s3_transport::{client_for_channel, S3Transport};
use super::transport::Transport;
use super::url::{ChannelScheme, ChannelUrl};
use crate::config::env::Environment;
use crate::http::{Http, HttpConfig};
use crate::settings::Overrides;

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
    Ok(match channel.scheme() {
        ChannelScheme::S3 => {
            let client = client_for_channel(channel, inputs.flags, inputs.env, inputs.cwd)?;
            Arc::new(S3Transport::new(Arc::new(client), channel)?)
        }
        ChannelScheme::Gcs => {
            let t = HttpTransport::for_channel(http()?, channel).expect("gcs channels have an https base");
            Arc::new(match inputs.gcs_authorization {
                Some(p) => t.with_authorization(p.clone()),
                None => t,
            })
        }
        ChannelScheme::Https | ChannelScheme::Http => {
            Arc::new(HttpTransport::for_channel(http()?, channel).expect("http channels have a base"))
        }
    })
}
