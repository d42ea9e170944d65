//! Per-bucket settings, each value with where it came from ([`Sourced`]), resolved in one place
//! so that every user of the library (the `minis3` commands and `config show`, a conda
//! channel, an embedding program) agrees. Callers give their explicit settings as
//! [`Overrides`]; nothing here speaks in a command line's flags.
//!
//! Endpoint, region and addressing style, highest first:
//!
//! 1. the caller's [`Overrides`] (region, endpoint URL, forced path style);
//! 2. pixi `s3-options` for the bucket, when there are any: they give all three, as rattler
//!    uses them (with `s3-options` for the bucket, endpoint, region and path style come from
//!    them; `force-path-style = false` is `auto`, virtual-host style where it works);
//! 3. the environment and the AWS config ([`crate::config::resolve::resolve_s3`]);
//! 4. defaults: the AWS endpoint of the region, `us-east-1`, `auto`.
//!
//! `auto` addressing from the AWS configuration (or its default) with an endpoint URL (from the
//! caller, `AWS_ENDPOINT_URL[_S3]`, the profile or its `[services]` section) is path style, as
//! in the AWS CLI (botocore: with an endpoint URL, path style unless `addressing_style =
//! virtual`); on AWS's own endpoints `auto` stays virtual-host style where it works.
//!
//! Credentials: none when the caller asks for unsigned requests; with pixi `s3-options` for
//! the bucket, the rattler authentication storage (`RATTLER_AUTH_FILE`, pixi's
//! `authentication-override-file`, `~/.rattler/credentials.json`), and only when it has no
//! entry for the bucket the AWS chain; without `s3-options`, the AWS chain alone (the storage
//! is not read).
//!
//! The HTTP agent is built once ([`Settings::http`]): from the environment (proxies,
//! `AWS_CA_BUNDLE`) and the profile's `ca_bundle`; the AWS chain's STS and SSO calls and the
//! S3 client both send through it.
//!
//! ```no_run
//! use minis3::config::env::Environment;
//! use minis3::settings::{self, Overrides};
//!
//! let env = Environment::from_process();
//! let cwd = std::env::current_dir().unwrap();
//! let s = settings::resolve_url(&Overrides::default(), &env, &cwd, "s3://my-channel/noarch").unwrap();
//! println!("region {} ({})", s.region.value, s.region.source);
//! let client = s.client().unwrap();
//! let (_meta, repodata) = client.get_object_bytes("my-channel", "noarch/repodata.json", 64 << 20).unwrap();
//! # let _ = repodata;
//! ```

mod aws_chain;
mod error;
mod inputs;
mod plan;
mod resolved;
#[cfg(test)]
mod tests;

use crate::address::{AddressError, AddressingStyle, Location, DEFAULT_REGION};
use crate::config::auth_file::AuthFiles;
use crate::config::endpoint::EndpointOverrides;
use crate::config::env::Environment;
use crate::config::load::load;
use crate::config::pixi::{PixiConfig, PixiConfigLoader, S3OptionsEntry};
use crate::config::profile::{ProfileSet, Selection};
use crate::config::resolve::{self, S3Settings};
use crate::http::{Http, HttpConfig};

pub use crate::config::source::{Setting, Source, Sourced};
pub use aws_chain::{find as find_aws_credentials, AwsKeys, ChainError};
pub use error::SettingsError;
pub use inputs::{Inputs, Overrides};
pub use plan::{CredentialPlan, NoCredentials};
pub use resolved::Settings;

use std::path::Path;
use std::sync::Arc;

/// Loads pixi's configuration (global files, workspace, manifest) as it applies here.
pub fn load_pixi(inputs: &Inputs<'_>) -> Result<PixiConfig, SettingsError> {
    let mut loader = PixiConfigLoader::new(inputs.env, inputs.cwd);
    if let Some(m) = &inputs.overrides.manifest_path {
        loader = loader.manifest_path(m);
    }
    loader.load().map_err(SettingsError::Pixi)
}

/// Whether a `gcs://BUCKET` location (the bucket is the target of `inputs`) is reached
/// through Cloud Storage's S3 API: when pixi has `s3-options` for the bucket (GCS HMAC keys),
/// it is signed with SigV4 at the endpoint they give, like any S3 endpoint, with the settings
/// [`resolve()`] gives for the bucket; without, it is `https://storage.googleapis.com` with a
/// Google OAuth bearer token (see [`crate::gcs`]). (rattler itself always uses the token for
/// `gcs://`, and `s3-options` only for `s3://`.)
pub fn gcs_uses_s3_api(inputs: &Inputs<'_>) -> Result<bool, SettingsError> {
    let Some((bucket, _)) = inputs.target else { return Ok(false) };
    Ok(load_pixi(inputs)?.s3_options(bucket).is_some())
}

/// Resolves the settings for an `s3://BUCKET[/PATH]` location (a conda channel, say): the
/// same as [`resolve()`] with the bucket and path as the target.
pub fn resolve_url(overrides: &Overrides, env: &Environment, cwd: &Path, url: &str) -> Result<Settings, SettingsError> {
    let location = Location::parse(url).map_err(SettingsError::Location)?;
    let Location::S3 { bucket, key } = &location else {
        let scheme = url.split_once("://").map_or(url, |(s, _)| s).to_string();
        return Err(SettingsError::Location(AddressError::UnsupportedScheme { scheme }));
    };
    resolve(&Inputs { overrides, env, cwd, target: Some((bucket, key)) })
}

/// Resolves every setting for the target of `inputs` (see the [module documentation](self)).
pub fn resolve(inputs: &Inputs<'_>) -> Result<Settings, SettingsError> {
    let o = inputs.overrides;
    let set: ProfileSet = load(inputs.env, o.profile.as_deref()).map_err(SettingsError::Load)?;
    let overrides = resolve::Overrides {
        region: o.region.clone(),
        endpoint: EndpointOverrides { endpoint_url: o.endpoint_url.clone(), ..Default::default() },
        addressing_style: o.force_path_style.then_some(AddressingStyle::Path),
        ca_bundle: None,
    };
    let aws: S3Settings = resolve::resolve_s3(inputs.env, &set, &overrides).map_err(SettingsError::Resolve)?;

    let pixi_config = match inputs.target {
        Some(_) => Some(load_pixi(inputs)?),
        None => None,
    };
    let pixi = match (inputs.target, &pixi_config) {
        (Some((bucket, _)), Some(cfg)) => cfg.s3_options(bucket).cloned(),
        _ => None,
    };
    let pixi_source = |key: String, e: &S3OptionsEntry| Source::Pixi { file: e.file.clone(), line: Some(e.line), key };

    let endpoint_url = match (&o.endpoint_url, &pixi, &aws.endpoint_url) {
        (Some(u), _, _) => Some(Sourced::new(u.clone(), Source::Caller(Setting::EndpointUrl))),
        (None, Some(e), _) => Some(Sourced::new(
            e.options.endpoint_url.as_str().trim_end_matches('/').to_string(),
            pixi_source("endpoint-url".into(), e),
        )),
        (None, None, Some(v)) => Some(v.clone()),
        (None, None, None) => None,
    };
    let region = match (&o.region, &pixi, &aws.region) {
        (Some(r), _, _) if !r.trim().is_empty() => Sourced::new(r.trim().to_string(), Source::Caller(Setting::Region)),
        (_, Some(e), _) => Sourced::new(e.options.region.clone(), pixi_source("region".into(), e)),
        (_, None, Some(v)) => v.clone(),
        _ => Sourced::new(DEFAULT_REGION.to_string(), Source::Default),
    };
    let addressing_style = match (o.force_path_style, &pixi) {
        (true, _) => Sourced::new(AddressingStyle::Path, Source::Caller(Setting::AddressingStyle)),
        (false, Some(e)) => Sourced::new(
            AddressingStyle::from_force_path_style(e.options.force_path_style),
            pixi_source(format!("force-path-style = {}", e.options.force_path_style), e),
        ),
        (false, None) => match (aws.addressing_style, &endpoint_url) {
            (v, Some(_)) if v.value == AddressingStyle::Auto => {
                Sourced::new(AddressingStyle::Path, Source::AutoOnCustomEndpoint { auto: Box::new(v.source) })
            }
            (v, _) => v,
        },
    };
    let profile = Sourced::new(
        aws.profile.0.clone(),
        match &aws.profile.1 {
            Selection::Explicit => Source::Caller(Setting::Profile),
            Selection::Env(var) => Source::Env(var.to_string()),
            Selection::Default => Source::Default,
        },
    );

    // The one agent: the environment's proxies and CA bundle, else the profile's.
    let mut http_config = HttpConfig::from_env(inputs.env);
    if http_config.ca_bundle.is_none() {
        http_config.ca_bundle = aws.ca_bundle.as_ref().map(|v| v.value.clone());
    }
    let (http, mut http_error) = match Http::new(&http_config) {
        Ok(h) => (Some(h), None),
        Err(e) => (None, Some(e)),
    };

    let credentials = if o.unsigned {
        CredentialPlan::Anonymous
    } else {
        let from_storage = match (&pixi, inputs.target) {
            (Some(_), Some((bucket, key))) => {
                let override_file = pixi_config
                    .as_ref()
                    .and_then(|c| c.authentication_override_file.as_ref())
                    .map(|s| s.value.as_path());
                let files = AuthFiles::resolve(inputs.env, override_file);
                let url = if key.is_empty() { format!("s3://{bucket}") } else { format!("s3://{bucket}/{key}") };
                files.find_s3(&url).map_err(SettingsError::AuthFile)?
            }
            _ => None,
        };
        let missing =
            |chain| CredentialPlan::Missing(Arc::new(NoCredentials { pixi_s3_options: pixi.is_some(), chain }));
        match (from_storage, &http) {
            (Some(found), _) => CredentialPlan::AuthFile(Box::new(found)),
            (None, None) => missing(http_error.take().map(ChainError::Http)),
            (None, Some(agent)) => match aws_chain::find(inputs.env, &set, agent) {
                Ok(Some(keys)) => CredentialPlan::Aws(keys),
                Ok(None) => missing(None),
                Err(e) => missing(Some(e)),
            },
        }
    };
    let mut secrets = Vec::new();
    if let Some(c) = credentials.credentials() {
        secrets.push(c.secret_access_key().to_string());
        if let Some(t) = c.session_token() {
            secrets.push(t.to_string());
        }
    }
    Ok(Settings {
        profile,
        endpoint_url,
        region,
        addressing_style,
        ca_bundle: aws.ca_bundle,
        max_attempts: aws.max_attempts,
        multipart_threshold: aws.multipart_threshold,
        part_size: aws.multipart_chunksize,
        concurrency: aws.max_concurrent_requests,
        target_bandwidth: aws.target_bandwidth,
        request_checksum_calculation: aws.request_checksum_calculation.and_then(checksum_when),
        response_checksum_validation: aws.response_checksum_validation.and_then(checksum_when),
        pixi,
        credentials,
        secrets,
        http_config,
        http,
    })
}

/// The config layer's checked word as the client's [`ChecksumWhen`](crate::s3::ChecksumWhen).
fn checksum_when(
    v: crate::config::source::Sourced<String>,
) -> Option<crate::config::source::Sourced<crate::s3::ChecksumWhen>> {
    let when = crate::s3::ChecksumWhen::parse(&v.value)?;
    Some(crate::config::source::Sourced::new(when, v.source))
}
