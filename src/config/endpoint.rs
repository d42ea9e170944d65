//! Configured endpoint URLs, for any service (the cross-SDK "configured endpoint URLs" rule).
//!
//! In order: the caller's endpoint URL (`--endpoint-url`); then, unless configured endpoints
//! are ignored (caller, `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`, or the profile's
//! `ignore_configured_endpoint_urls`, in that order), `AWS_ENDPOINT_URL_<SERVICE>`,
//! `AWS_ENDPOINT_URL`, the profile's `[services NAME]` section's `<service> = endpoint_url`,
//! and the profile's `endpoint_url`. `None` means: use the service's default endpoint.
//!
//! A service id becomes `<SERVICE>` upper-cased and `<service>` lower-cased, with spaces and
//! hyphens as underscores (`S3` -> `AWS_ENDPOINT_URL_S3` / `s3`).

use super::env::Environment;
use super::profile::ProfileSet;
use super::resolve::{lookup, parse_bool, profile_source, selected_profile, ResolveError, Setting, Source, Sourced};

/// What the caller sets explicitly about endpoints (the client configuration).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointOverrides {
    /// An endpoint URL given by the caller; it always wins.
    pub endpoint_url: Option<String>,
    /// Ignore endpoint URLs from the environment and the files.
    pub ignore_configured_endpoint_urls: Option<bool>,
}

fn transformed(service_id: &str) -> String {
    service_id.replace([' ', '-'], "_")
}

/// `AWS_ENDPOINT_URL_<SERVICE>` for a service id.
pub fn service_env_var(service_id: &str) -> String {
    format!("AWS_ENDPOINT_URL_{}", transformed(service_id).to_ascii_uppercase())
}

/// The key of a service in a `[services NAME]` section.
pub fn service_config_key(service_id: &str) -> String {
    transformed(service_id).to_ascii_lowercase()
}

/// Whether configured endpoint URLs are ignored, and why (`None`: not ignored by anything).
pub fn ignore_configured_endpoint_urls(
    env: &Environment,
    set: &ProfileSet,
    overrides: &EndpointOverrides,
) -> Result<Option<Sourced<bool>>, ResolveError> {
    if let Some(b) = overrides.ignore_configured_endpoint_urls {
        return Ok(Some(Sourced::new(b, Source::Caller(Setting::IgnoreConfiguredEndpointUrls))));
    }
    let profile = selected_profile(set)?;
    lookup(env, set, profile, &["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"], "ignore_configured_endpoint_urls")
        .map(|v| parse_bool("ignore_configured_endpoint_urls", v))
        .transpose()
}

/// The configured endpoint URL for `service_id` (e.g. `s3`), with its source.
pub fn configured_endpoint_url(
    env: &Environment,
    set: &ProfileSet,
    service_id: &str,
    overrides: &EndpointOverrides,
) -> Result<Option<Sourced<String>>, ResolveError> {
    if let Some(url) = overrides.endpoint_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        return Ok(Some(Sourced::new(url.to_string(), Source::Caller(Setting::EndpointUrl))));
    }
    if ignore_configured_endpoint_urls(env, set, overrides)?.is_some_and(|s| s.value) {
        return Ok(None);
    }
    let service_var = service_env_var(service_id);
    for var in [service_var.as_str(), "AWS_ENDPOINT_URL"] {
        if let Some(url) = env.non_empty(var) {
            return Ok(Some(Sourced::new(url.to_string(), Source::Env(var.to_string()))));
        }
    }
    let Some(profile) = selected_profile(set)? else {
        return Ok(None);
    };
    if let Some(name) = profile.get("services").filter(|n| !n.is_empty()) {
        let Some(section) = set.services(name) else {
            return Err(ResolveError::MissingServicesSection {
                name: name.to_string(),
                source: Box::new(profile_source(set, profile, "services").unwrap_or(Source::Default)),
            });
        };
        let key = service_config_key(service_id);
        if let Some(url) = section.sub_property(&key, "endpoint_url").filter(|u| !u.is_empty()) {
            let origin = section.property(&key).expect("sub-property has a parent").origin;
            return Ok(Some(Sourced::new(
                url.to_string(),
                Source::Services {
                    section: name.to_string(),
                    key: format!("{key}.endpoint_url"),
                    place: set.describe_origin(origin),
                },
            )));
        }
    }
    Ok(lookup(env, set, Some(profile), &[], "endpoint_url"))
}
