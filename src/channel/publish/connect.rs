//! The S3 client for publishing (`upload s3`, `index s3`), with credentials resolved as
//! rattler's S3 tools resolve them (`rattler_s3`):
//!
//! 1. explicit settings ([`S3ToolOptions`]: `--endpoint-url`, `--region`, keys, addressing
//!    style, or the `S3_*` variables the CLI reads into it): with an endpoint and a region,
//!    the keys given, else the rattler authentication storage for the channel, else the AWS
//!    credential chain;
//! 2. without them, the settings layer decides for the bucket: pixi `s3-options` (endpoint,
//!    region, path style; keys from the authentication storage, else the AWS chain), else the
//!    AWS configuration and credential chain.
//!
//! Partial settings are errors: an endpoint without a region (or the reverse), a key without
//! its secret, a session token without keys, keys without an endpoint and region.
//!
//! Addressing style when none is given with an endpoint: path style (what `auto` means on a
//! custom endpoint, as in the AWS CLI, DESIGN.md), where rattler's default is virtual-host.
//!
//! This file is the one adapter between publishing and the settings layer.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use super::error::PublishError;
use crate::address::AddressingStyle;
use crate::config::auth_file::AuthFiles;
use crate::config::env::Environment;
use crate::s3::{Auth, Client, ClientConfig, StaticCredentials};
use crate::settings::{resolve, Inputs, Overrides};
use crate::sigv4::Credentials;

/// The S3 settings rattler's tools take on their command line (all optional).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct S3ToolOptions {
    /// `--endpoint-url`.
    pub endpoint_url: Option<String>,
    /// `--region`.
    pub region: Option<String>,
    /// `--access-key-id`.
    pub access_key_id: Option<String>,
    /// `--secret-access-key`.
    pub secret_access_key: Option<String>,
    /// `--session-token`.
    pub session_token: Option<String>,
    /// `--addressing-style` (or `--force-path-style true`: path).
    pub addressing_style: Option<AddressingStyle>,
}

impl fmt::Debug for S3ToolOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3ToolOptions")
            .field("endpoint_url", &self.endpoint_url)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id.as_deref().map(crate::config::auth_file::redact))
            .field("secret_access_key", &self.secret_access_key.as_ref().map(|_| "[redacted]"))
            .field("session_token", &self.session_token.as_ref().map(|_| "[redacted]"))
            .field("addressing_style", &self.addressing_style)
            .finish()
    }
}

impl S3ToolOptions {
    /// Checks that the settings are complete: one line saying what is missing.
    pub fn validate(&self) -> Result<(), PublishError> {
        let err = |m: &str| Err(PublishError::Settings(m.to_string()));
        match (&self.endpoint_url, &self.region) {
            (Some(_), None) => {
                return err("an endpoint URL was given without a region: give --region (or S3_REGION) too")
            }
            (None, Some(_)) => {
                return err("a region was given without an endpoint URL: give --endpoint-url (or S3_ENDPOINT_URL) too")
            }
            _ => {}
        }
        match (&self.access_key_id, &self.secret_access_key) {
            (Some(_), None) => {
                return err(
                    "an access key id was given without its secret: give --secret-access-key (or S3_SECRET_ACCESS_KEY)",
                )
            }
            (None, Some(_)) => {
                return err(
                    "a secret access key was given without its key id: give --access-key-id (or S3_ACCESS_KEY_ID)",
                )
            }
            _ => {}
        }
        if self.session_token.is_some() && self.access_key_id.is_none() {
            return err("a session token was given without keys: give --access-key-id and --secret-access-key too");
        }
        if self.access_key_id.is_some() && self.endpoint_url.is_none() {
            return err(
                "keys were given without an endpoint: give --endpoint-url and --region too (or leave the keys \
                        to the AWS credential chain)",
            );
        }
        Ok(())
    }

    fn explicit_keys(&self) -> Option<Credentials> {
        let (id, secret) = (self.access_key_id.as_ref()?, self.secret_access_key.as_ref()?);
        Some(Credentials::new(id.clone(), secret.clone()).with_session_token(self.session_token.clone()))
    }
}

/// Where the client's settings came from, for `--debug`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOrigin {
    /// One line: endpoint, region, style and the credentials' source (never a secret).
    pub description: String,
    /// Secrets to scrub from any output.
    pub secrets: Vec<String>,
}

/// The client for `bucket` (channel path `path`, for the authentication storage lookup).
/// `base` carries the global flags the settings layer also takes (profile, manifest path).
pub fn publish_client(
    bucket: &str,
    path: &str,
    opts: &S3ToolOptions,
    base: &Overrides,
    env: &Environment,
    cwd: &Path,
) -> Result<(Client, ClientOrigin), PublishError> {
    let (cfg, origin) = publish_config(bucket, path, opts, base, env, cwd)?;
    Ok((Client::new(cfg)?, origin))
}

/// The client configuration [`publish_client`] builds its client from, for a caller that
/// adds to it (progress, notices) first.
pub fn publish_config(
    bucket: &str,
    path: &str,
    opts: &S3ToolOptions,
    base: &Overrides,
    env: &Environment,
    cwd: &Path,
) -> Result<(ClientConfig, ClientOrigin), PublishError> {
    opts.validate()?;
    let url = if path.is_empty() { format!("s3://{bucket}") } else { format!("s3://{bucket}/{path}") };
    let settings_err = |e: &dyn fmt::Display| PublishError::Settings(format!("{url}: {e}"));
    let (Some(endpoint), Some(region)) = (&opts.endpoint_url, &opts.region) else {
        // The settings layer: pixi s3-options, the auth storage, the AWS configuration.
        let mut flags = base.clone();
        if opts.addressing_style == Some(AddressingStyle::Path) {
            flags.force_path_style = true;
        }
        let inputs = Inputs { overrides: &flags, env, cwd, target: Some((bucket, path)) };
        let s = resolve(&inputs).map_err(|e| settings_err(&e))?;
        let mut cfg = s.client_config().map_err(|e| settings_err(&e))?;
        if let Some(style) = opts.addressing_style {
            cfg.addressing_style = style;
        }
        let description = format!(
            "region {} ({}); endpoint {} ({}); addressing {}; credentials: {}",
            s.region.value,
            s.region.source,
            s.endpoint_url.as_ref().map(|v| v.value.as_str()).unwrap_or("AWS"),
            s.endpoint_url.as_ref().map(|v| v.source.to_string()).unwrap_or_else(|| "default".into()),
            cfg.addressing_style.as_str(),
            s.credentials.source()
        );
        return Ok((cfg, ClientOrigin { description, secrets: s.secrets.clone() }));
    };
    let (auth, source, secrets) = if let Some(keys) = opts.explicit_keys() {
        let mut secrets = vec![keys.secret_access_key().to_string()];
        secrets.extend(keys.session_token().map(str::to_string));
        (
            Auth::Signed(Arc::new(StaticCredentials::from_credentials(keys))),
            "the command line or S3_* variables".to_string(),
            secrets,
        )
    } else {
        let files = AuthFiles::resolve(env, None);
        match files.find_s3(&url).map_err(|e| settings_err(&e))? {
            Some(found) => {
                let c = &found.credentials;
                let keys = Credentials::new(c.access_key_id.clone(), c.secret_access_key().to_string())
                    .with_session_token(c.session_token());
                let mut secrets = vec![c.secret_access_key().to_string()];
                secrets.extend(c.session_token().map(str::to_string));
                let source = format!("rattler auth file {}, entry \"{}\"", found.file.path.display(), found.key);
                (Auth::Signed(Arc::new(StaticCredentials::from_credentials(keys))), source, secrets)
            }
            None => {
                // The AWS credential chain, with the endpoint and region given.
                let flags =
                    Overrides { endpoint_url: Some(endpoint.clone()), region: Some(region.clone()), ..base.clone() };
                let inputs = Inputs { overrides: &flags, env, cwd, target: None };
                let s = resolve(&inputs).map_err(|e| settings_err(&e))?;
                let cfg = s.client_config().map_err(|_| {
                    PublishError::Settings(format!(
                        "{url}: no S3 credentials: none were given (--access-key-id/--secret-access-key or \
                         S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY), the rattler auth file has none for the channel \
                         (`minis3 auth login {url} ...`), and the AWS credential chain found none"
                    ))
                })?;
                (cfg.auth, s.credentials.source(), s.secrets.clone())
            }
        }
    };
    let mut cfg = ClientConfig::new(region.clone(), auth);
    cfg.endpoint_url = Some(endpoint.clone());
    cfg.addressing_style = opts.addressing_style.unwrap_or(AddressingStyle::Path);
    cfg.http = crate::http::HttpConfig::from_env(env);
    let description = format!(
        "region {region}; endpoint {endpoint}; addressing {}; credentials: {source}",
        cfg.addressing_style.as_str()
    );
    Ok((cfg, ClientOrigin { description, secrets }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_secrets::CleanErr;

    #[test]
    fn partial_settings_are_errors() {
        let o = |e: Option<&str>, r: Option<&str>, k: Option<&str>, s: Option<&str>, t: Option<&str>| S3ToolOptions {
            endpoint_url: e.map(Into::into),
            region: r.map(Into::into),
            access_key_id: k.map(Into::into),
            secret_access_key: s.map(Into::into),
            session_token: t.map(Into::into),
            addressing_style: None,
        };
        let msg = |x: S3ToolOptions| x.validate().clean_err().to_string();
        assert!(msg(o(Some("http://h"), None, None, None, None)).contains("--region"));
        assert!(msg(o(None, Some("r"), None, None, None)).contains("--endpoint-url"));
        assert!(msg(o(Some("http://h"), Some("r"), Some("k"), None, None)).contains("--secret-access-key"));
        assert!(msg(o(Some("http://h"), Some("r"), None, Some("s"), None)).contains("--access-key-id"));
        assert!(msg(o(Some("http://h"), Some("r"), None, None, Some("t"))).contains("session token"));
        assert!(msg(o(None, None, Some("k"), Some("s"), None)).contains("--endpoint-url"));
        assert!(o(Some("http://h"), Some("r"), Some("k"), Some("s"), Some("t")).validate().is_ok());
        assert!(o(None, None, None, None, None).validate().is_ok());
        let debug = format!("{:?}", o(Some("http://h"), Some("r"), Some("AKIA1234"), Some("sekrit"), Some("tok")));
        assert!(!debug.contains("sekrit") && !debug.contains("tok\"") && !debug.contains("AKIA1234"), "{debug}");
    }
}
