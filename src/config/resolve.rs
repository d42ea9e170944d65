//! S3 client settings from the environment and the selected profile, each with its source, so
//! that `minis3 config show` can say where every value came from.
//!
//! | setting | caller | environment | profile |
//! | --- | --- | --- | --- |
//! | region | [`Overrides::region`] | `AWS_REGION`, `AWS_DEFAULT_REGION` | `region` |
//! | endpoint URL | [`Overrides::endpoint`] | see [`super::endpoint`] | see [`super::endpoint`] |
//! | addressing style | [`Overrides::addressing_style`] | - | `s3 =` / `addressing_style` (`auto`, `path`, `virtual`) |
//! | CA bundle | [`Overrides::ca_bundle`] | `AWS_CA_BUNDLE` | `ca_bundle` |
//! | max attempts | - | `AWS_MAX_ATTEMPTS` | `max_attempts` |
//! | retry mode | - | `AWS_RETRY_MODE` | `retry_mode` (`legacy`, `standard`, `adaptive`) |
//! | IMDS disabled | - | `AWS_EC2_METADATA_DISABLED` (`true`) | - |
//! | payload signing | - | - | `s3 =` / `payload_signing_enabled` |
//! | multipart threshold | - | - | `s3 =` / `multipart_threshold` (a size, see [`parse_size`]) |
//! | multipart part size | - | - | `s3 =` / `multipart_chunksize` (a size, at least 5 MiB) |
//! | concurrency | - | - | `s3 =` / `max_concurrent_requests` (a whole number, at least 1) |
//! | download target rate | - | - | `s3 =` / `target_bandwidth` (a rate, see [`parse_rate`]) |
//!
//! botocore has no `use_path_style` key (path style is `addressing_style = path`), and reads
//! only `AWS_DEFAULT_REGION`; the SDKs and AWS CLI v2 read `AWS_REGION` first, as here.

use std::fmt;
use std::path::PathBuf;

use super::endpoint::{configured_endpoint_url, EndpointOverrides};
use super::env::Environment;
use super::profile::{ProfileSet, Section, Selection};
pub use super::source::{Setting, Source, Sourced};

/// A configured value is invalid, or the configuration refers to something missing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResolveError {
    /// The selected profile (chosen explicitly or by the environment) is in neither file.
    ProfileNotFound {
        /// The profile name.
        name: String,
        /// How it was selected.
        selection: Selection,
    },
    /// A value has the wrong form.
    InvalidValue {
        /// The setting's name.
        setting: &'static str,
        /// The value as written.
        value: String,
        /// Where it was written.
        source: Box<Source>,
        /// What is accepted.
        expected: &'static str,
    },
    /// The profile's `services = NAME` names no `[services NAME]` section.
    MissingServicesSection {
        /// The missing section's name.
        name: String,
        /// Where `services = NAME` was written.
        source: Box<Source>,
    },
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::ProfileNotFound { name, selection } => write!(
                f,
                "the config profile '{name}' ({selection}) is in neither the AWS config nor the credentials file; add it or select another profile"
            ),
            ResolveError::InvalidValue {
                setting,
                value,
                source,
                expected,
            } => write!(
                f,
                "invalid {setting} '{value}' at {source}: expected {expected}"
            ),
            ResolveError::MissingServicesSection { name, source } => write!(
                f,
                "{source} refers to a [services {name}] section that the config file does not have; add the section or remove the reference"
            ),
        }
    }
}

impl std::error::Error for ResolveError {}

/// The selected profile: `Ok(None)` when it is `default` by default and absent.
pub fn selected_profile(set: &ProfileSet) -> Result<Option<&Section>, ResolveError> {
    match set.selected_profile() {
        Some(p) => Ok(Some(p)),
        None if *set.selection() == Selection::Default => Ok(None),
        None => {
            Err(ResolveError::ProfileNotFound { name: set.selected().to_string(), selection: set.selection().clone() })
        }
    }
}

/// The source of property `key` of `profile`.
pub fn profile_source(set: &ProfileSet, profile: &Section, key: &str) -> Option<Source> {
    let p = profile.property(key)?;
    Some(Source::Profile {
        profile: profile.name().to_string(),
        key: key.to_string(),
        place: set.describe_origin(p.origin),
    })
}

/// The first of: the environment variables `vars` (non-empty), the profile's `key`.
pub fn lookup(
    env: &Environment,
    set: &ProfileSet,
    profile: Option<&Section>,
    vars: &[&str],
    key: &str,
) -> Option<Sourced<String>> {
    for var in vars {
        if let Some(v) = env.non_empty(var) {
            return Some(Sourced::new(v.to_string(), Source::Env(var.to_string())));
        }
    }
    let profile = profile?;
    let value = profile.get(key).filter(|v| !v.is_empty())?;
    Some(Sourced::new(value.to_string(), profile_source(set, profile, key)?))
}

/// A sub-property of the profile's `s3 =` block.
fn s3_sub(set: &ProfileSet, profile: Option<&Section>, key: &str) -> Option<Sourced<String>> {
    let profile = profile?;
    let value = profile.sub_property("s3", key)?;
    let place = set.describe_origin(profile.property("s3")?.origin);
    Some(Sourced::new(
        value.to_string(),
        Source::Profile { profile: profile.name().to_string(), key: format!("s3.{key}"), place },
    ))
}

/// Parses `true` / `false` (any case).
pub fn parse_bool(setting: &'static str, v: Sourced<String>) -> Result<Sourced<bool>, ResolveError> {
    let value = match v.value.to_ascii_lowercase().as_str() {
        "true" => true,
        "false" => false,
        _ => {
            return Err(ResolveError::InvalidValue {
                setting,
                value: v.value,
                source: Box::new(v.source),
                expected: "true or false",
            })
        }
    };
    Ok(Sourced::new(value, v.source))
}

pub use crate::address::AddressingStyle;

/// The AWS config's `addressing_style` values: `auto`, `path` or `virtual` (any case).
fn parse_addressing_style(s: &str) -> Option<AddressingStyle> {
    match s.to_ascii_lowercase().as_str() {
        "auto" => Some(AddressingStyle::Auto),
        "path" => Some(AddressingStyle::Path),
        "virtual" => Some(AddressingStyle::Virtual),
        _ => None,
    }
}

/// The smallest `multipart_chunksize` accepted: S3's minimum part size, 5 MiB.
pub const MIN_CHUNKSIZE: u64 = 5 * 1024 * 1024;

/// A size as the AWS CLI reads `multipart_threshold` and `multipart_chunksize`: a number of
/// bytes (`8388608`), or a number with a suffix `KB`, `MB`, `GB`, `TB` or `KiB`, `MiB`, `GiB`,
/// `TiB` (any case), all powers of 1024 (`64MB` is 64 MiB). `None` for anything else (no
/// fractions, no sign, no bare `B`) and for zero or an overflow.
pub fn parse_size(s: &str) -> Option<u64> {
    let lower = s.trim().to_ascii_lowercase();
    const SUFFIXES: [(&str, u32); 8] =
        [("kib", 1), ("mib", 2), ("gib", 3), ("tib", 4), ("kb", 1), ("mb", 2), ("gb", 3), ("tb", 4)];
    let (digits, power) = SUFFIXES
        .iter()
        .find_map(|(suffix, power)| lower.strip_suffix(suffix).map(|d| (d.trim(), *power)))
        .unwrap_or((lower.as_str(), 0));
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    n.checked_mul(1024u64.checked_pow(power)?).filter(|v| *v > 0)
}

/// A rate as the AWS CLI reads `target_bandwidth` and `max_bandwidth`, in bytes per second: a
/// number of bytes per second (`1073741824`), or a size (see [`parse_size`]) followed by `B/s`
/// (bytes: `1024B/s`, `200MB/s`) or `b/s` (bits, divided by 8: `10Gb/s`; `10000000000b/s` is
/// 1.25 GB/s). Suffixes are 1024-based, as in the AWS CLI. `None` for anything else and for a
/// rate below one byte per second.
pub fn parse_rate(s: &str) -> Option<u64> {
    let s = s.trim();
    let (size, bits) = match s.strip_suffix("/s") {
        None if s.bytes().all(|c| c.is_ascii_digit()) => (s, false),
        None => return None,
        Some(unit) => {
            let bits = unit.ends_with('b');
            if !bits && !unit.ends_with('B') {
                return None;
            }
            // "1024B/s" is 1024 bytes a second, "10MB/s" the size "10MB" a second.
            let digits = &unit[..unit.len() - 1];
            (if digits.bytes().all(|c| c.is_ascii_digit()) { digits } else { unit }, bits)
        }
    };
    let n = parse_size(size)?;
    Some(if bits { n / 8 } else { n }).filter(|v| *v > 0)
}

fn invalid(setting: &'static str, v: Sourced<String>, expected: &'static str) -> ResolveError {
    ResolveError::InvalidValue { setting, value: v.value, source: Box::new(v.source), expected }
}

/// What the caller sets explicitly; these win over environment and files, with the source
/// [`Source::Caller`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    /// The region ([`Setting::Region`]).
    pub region: Option<String>,
    /// The endpoint URL, and whether to ignore configured endpoint URLs.
    pub endpoint: EndpointOverrides,
    /// The addressing style ([`Setting::AddressingStyle`]).
    pub addressing_style: Option<AddressingStyle>,
    /// The CA bundle ([`Setting::CaBundle`]).
    pub ca_bundle: Option<PathBuf>,
}

/// S3 client settings, each with its source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Settings {
    /// The selected profile and how it was chosen.
    pub profile: (String, Selection),
    /// The region, if configured.
    pub region: Option<Sourced<String>>,
    /// A configured endpoint URL (`None`: derive it from the region).
    pub endpoint_url: Option<Sourced<String>>,
    /// Addressing style (default `auto`).
    pub addressing_style: Sourced<AddressingStyle>,
    /// A PEM file of CA certificates to trust instead of the built-in roots.
    pub ca_bundle: Option<Sourced<PathBuf>>,
    /// Maximum attempts per request (at least 1), if configured.
    pub max_attempts: Option<Sourced<u32>>,
    /// Retry mode (`legacy`, `standard` or `adaptive`), if configured.
    pub retry_mode: Option<Sourced<String>>,
    /// Whether the EC2 instance metadata service must not be used.
    pub ec2_metadata_disabled: Sourced<bool>,
    /// Whether to sign payloads (`s3 = payload_signing_enabled`), if configured.
    pub payload_signing_enabled: Option<Sourced<bool>>,
    /// Objects at least this large are uploaded in parts (`s3 = multipart_threshold`), if
    /// configured.
    pub multipart_threshold: Option<Sourced<u64>>,
    /// The part size, at least 5 MiB (`s3 = multipart_chunksize`), if configured.
    pub multipart_chunksize: Option<Sourced<u64>>,
    /// Parallel requests of one transfer (`s3 = max_concurrent_requests`), if configured.
    pub max_concurrent_requests: Option<Sourced<u32>>,
    /// The rate a download aims at, in bytes per second (`s3 = target_bandwidth`), if
    /// configured.
    pub target_bandwidth: Option<Sourced<u64>>,
}

/// Resolves the S3 settings from the caller's overrides, the environment and the selected
/// profile of `set`.
pub fn resolve_s3(env: &Environment, set: &ProfileSet, overrides: &Overrides) -> Result<S3Settings, ResolveError> {
    let profile = selected_profile(set)?;
    let region = (overrides.region.as_deref().map(str::trim))
        .filter(|v| !v.is_empty())
        .map(|v| Sourced::new(v.to_string(), Source::Caller(Setting::Region)))
        .or_else(|| lookup(env, set, profile, &["AWS_REGION", "AWS_DEFAULT_REGION"], "region"));

    let endpoint_url = configured_endpoint_url(env, set, "s3", &overrides.endpoint)?;

    let addressing_style = match overrides.addressing_style {
        Some(s) => Sourced::new(s, Source::Caller(Setting::AddressingStyle)),
        None => match s3_sub(set, profile, "addressing_style") {
            Some(v) => match parse_addressing_style(&v.value) {
                Some(s) => Sourced::new(s, v.source),
                None => {
                    return Err(ResolveError::InvalidValue {
                        setting: "addressing_style",
                        value: v.value,
                        source: Box::new(v.source),
                        expected: "auto, path or virtual",
                    })
                }
            },
            None => Sourced::new(AddressingStyle::Auto, Source::Default),
        },
    };

    let ca_bundle = match &overrides.ca_bundle {
        Some(p) => Some(Sourced::new(p.clone(), Source::Caller(Setting::CaBundle))),
        None => lookup(env, set, profile, &["AWS_CA_BUNDLE"], "ca_bundle")
            .map(|v| Sourced::new(PathBuf::from(v.value), v.source)),
    };

    let max_attempts = match lookup(env, set, profile, &["AWS_MAX_ATTEMPTS"], "max_attempts") {
        None => None,
        Some(v) => match v.value.parse::<u32>() {
            Ok(n) if n >= 1 => Some(Sourced::new(n, v.source)),
            _ => {
                return Err(ResolveError::InvalidValue {
                    setting: "max_attempts",
                    value: v.value,
                    source: Box::new(v.source),
                    expected: "a whole number of at least 1",
                })
            }
        },
    };

    let retry_mode = match lookup(env, set, profile, &["AWS_RETRY_MODE"], "retry_mode") {
        Some(v) if ["legacy", "standard", "adaptive"].contains(&v.value.as_str()) => Some(v),
        Some(v) => {
            return Err(ResolveError::InvalidValue {
                setting: "retry_mode",
                value: v.value,
                source: Box::new(v.source),
                expected: "legacy, standard or adaptive",
            })
        }
        None => None,
    };

    // As botocore and the SDKs: only the exact word `true` (any case) disables IMDS.
    let ec2_metadata_disabled = match env.non_empty("AWS_EC2_METADATA_DISABLED") {
        Some(v) => Sourced::new(v.eq_ignore_ascii_case("true"), Source::Env("AWS_EC2_METADATA_DISABLED".into())),
        None => Sourced::new(false, Source::Default),
    };

    let payload_signing_enabled = s3_sub(set, profile, "payload_signing_enabled")
        .map(|v| parse_bool("s3.payload_signing_enabled", v))
        .transpose()?;

    let multipart_threshold = match s3_sub(set, profile, "multipart_threshold") {
        None => None,
        Some(v) => match parse_size(&v.value) {
            Some(n) => Some(Sourced::new(n, v.source)),
            None => return Err(invalid("s3.multipart_threshold", v, SIZE_EXPECTED)),
        },
    };
    let multipart_chunksize = match s3_sub(set, profile, "multipart_chunksize") {
        None => None,
        Some(v) => match parse_size(&v.value) {
            Some(n) if n >= MIN_CHUNKSIZE => Some(Sourced::new(n, v.source)),
            Some(_) => {
                return Err(invalid("s3.multipart_chunksize", v, "at least 5MiB (5242880 bytes), S3's smallest part"))
            }
            None => return Err(invalid("s3.multipart_chunksize", v, SIZE_EXPECTED)),
        },
    };
    let max_concurrent_requests = match s3_sub(set, profile, "max_concurrent_requests") {
        None => None,
        Some(v) => match v.value.trim().parse::<u32>() {
            Ok(n) if n >= 1 && v.value.trim().bytes().all(|b| b.is_ascii_digit()) => Some(Sourced::new(n, v.source)),
            _ => return Err(invalid("s3.max_concurrent_requests", v, "a whole number of at least 1")),
        },
    };
    let target_bandwidth = match s3_sub(set, profile, "target_bandwidth") {
        None => None,
        Some(v) => match parse_rate(&v.value) {
            Some(n) => Some(Sourced::new(n, v.source)),
            None => return Err(invalid("s3.target_bandwidth", v, RATE_EXPECTED)),
        },
    };

    Ok(S3Settings {
        profile: (set.selected().to_string(), set.selection().clone()),
        region,
        endpoint_url,
        addressing_style,
        ca_bundle,
        max_attempts,
        retry_mode,
        ec2_metadata_disabled,
        payload_signing_enabled,
        multipart_threshold,
        multipart_chunksize,
        max_concurrent_requests,
        target_bandwidth,
    })
}

const RATE_EXPECTED: &str =
    "bytes per second (1073741824), or a size with B/s (200MB/s) or, in bits, b/s (10Gb/s); 1024-based";
const SIZE_EXPECTED: &str = "a number of bytes, or a number with KB, MB, GB, TB, KiB, MiB, GiB or TiB (all 1024-based)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_as_the_aws_cli_reads_them() {
        let mib = 1024 * 1024;
        for (text, want) in [
            ("8388608", Some(8 * mib)),
            ("64MB", Some(64 * mib)),
            ("64mb", Some(64 * mib)),
            ("16MiB", Some(16 * mib)),
            ("16 mib", Some(16 * mib)),
            (" 1GB ", Some(1024 * mib)),
            ("1gib", Some(1024 * mib)),
            ("512KB", Some(512 * 1024)),
            ("2TiB", Some(2 * 1024 * 1024 * mib)),
            ("0", None),
            ("0MB", None),
            ("", None),
            ("MB", None),
            ("1.5MB", None),
            ("-5MB", None),
            ("+5", None),
            ("10B", None),
            ("10 M", None),
            ("ten", None),
            ("99999999999999999999", None),
            ("99999999999TB", None),
        ] {
            assert_eq!(parse_size(text), want, "{text:?}");
        }
    }

    #[test]
    fn rates_as_the_aws_cli_reads_them() {
        for (text, want) in [
            ("1073741824", Some(1 << 30)),
            ("1024B/s", Some(1024)),
            ("200MB/s", Some(200 << 20)),
            ("10GB/s", Some(10 << 30)),
            ("10Gb/s", Some((10u64 << 30) / 8)),
            ("800Kb/s", Some(800 * 1024 / 8)),
            ("10000000000b/s", Some(1_250_000_000)),
            (" 5KiB/s ", Some(5 * 1024)),
            ("64MB", None),
            ("10M/s", None),
            ("fast", None),
            ("0", None),
            ("7b/s", None),
            ("-1B/s", None),
            ("", None),
        ] {
            assert_eq!(parse_rate(text), want, "{text:?}");
        }
    }
}
