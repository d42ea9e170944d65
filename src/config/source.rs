//! Where a setting came from: [`Sourced<T>`], a value with its [`Source`]. One type for every
//! layer that resolves configuration (the AWS config, pixi's `s3-options`, the rattler
//! authentication file, the settings a caller passes), so that a tool can say where each value
//! came from in its own words.

use std::fmt;
use std::path::PathBuf;

/// A setting the caller (a command line, an embedding program) gives explicitly. The caller
/// maps it to its own vocabulary (a command line to the flag that set it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// The region.
    Region,
    /// The endpoint URL.
    EndpointUrl,
    /// The addressing style (path style forced).
    AddressingStyle,
    /// The CA bundle.
    CaBundle,
    /// The AWS profile.
    Profile,
    /// Whether configured endpoint URLs are ignored.
    IgnoreConfiguredEndpointUrls,
    /// Unsigned requests (no credentials).
    Unsigned,
}

impl Setting {
    /// The setting's name in the AWS configuration's words (`region`, `endpoint_url`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Setting::Region => "region",
            Setting::EndpointUrl => "endpoint_url",
            Setting::AddressingStyle => "addressing_style",
            Setting::CaBundle => "ca_bundle",
            Setting::Profile => "profile",
            Setting::IgnoreConfiguredEndpointUrls => "ignore_configured_endpoint_urls",
            Setting::Unsigned => "unsigned",
        }
    }
}

/// Where a setting's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Given by the caller (a command-line flag or code).
    Caller(Setting),
    /// From this environment variable.
    Env(String),
    /// From a property of the selected AWS profile.
    Profile {
        /// Profile name.
        profile: String,
        /// Property name; `s3.addressing_style` for a sub-property.
        key: String,
        /// File and line (`/home/u/.aws/config:4`, or `config file line 4`).
        place: String,
    },
    /// From a `[services NAME]` section the profile refers to.
    Services {
        /// The services section name.
        section: String,
        /// `service.key`, e.g. `s3.endpoint_url`.
        key: String,
        /// File and line.
        place: String,
    },
    /// From a pixi configuration file or manifest.
    Pixi {
        /// The file.
        file: PathBuf,
        /// 1-based line of the table it is in (a bucket's `s3-options` table), if known.
        line: Option<usize>,
        /// The key (`region`, `authentication-override-file`); with its value where the value
        /// is not the setting itself (`force-path-style = true` for an addressing style).
        key: String,
    },
    /// From an entry of a rattler authentication file.
    AuthFile {
        /// The file.
        file: PathBuf,
        /// Why the file was searched (`RATTLER_AUTH_FILE`, `authentication-override-file`,
        /// `default`).
        origin: String,
        /// The entry's key (a bucket name or an `s3://` URL).
        entry: String,
    },
    /// `auto` addressing (from `auto`) with a custom endpoint URL, which is path style as in
    /// the AWS CLI (botocore: with an endpoint URL, path style unless `virtual` is asked for).
    AutoOnCustomEndpoint {
        /// Where `auto` came from.
        auto: Box<Source>,
    },
    /// No setting: a built-in default.
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Caller(s) => write!(f, "given explicitly ({})", s.name()),
            Source::Env(var) => write!(f, "environment variable {var}"),
            Source::Profile { profile, key, place } => write!(f, "{place} (profile {profile}, {key})"),
            Source::Services { section, key, place } => write!(f, "{place} ([services {section}], {key})"),
            Source::Pixi { file, line: Some(line), key } => {
                write!(f, "pixi s3-options {}:{line} ({key})", file.display())
            }
            Source::Pixi { file, line: None, key } => write!(f, "pixi configuration {} ({key})", file.display()),
            Source::AuthFile { file, origin, entry } => {
                write!(f, "rattler auth file {} ({origin}), entry \"{entry}\"", file.display())
            }
            Source::AutoOnCustomEndpoint { auto } => {
                write!(f, "auto ({auto}) with a custom endpoint URL: path style, as in the AWS CLI")
            }
            Source::Default => f.write_str("default"),
        }
    }
}

/// A value and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sourced<T> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub source: Source,
}

impl<T> Sourced<T> {
    /// A value with its source.
    pub fn new(value: T, source: Source) -> Self {
        Self { value, source }
    }

    /// The same source with the value changed by `f`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Sourced<U> {
        Sourced { value: f(self.value), source: self.source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_read_as_places() {
        let pixi = Source::Pixi { file: "/w/pixi.toml".into(), line: Some(6), key: "region".into() };
        assert_eq!(pixi.to_string(), "pixi s3-options /w/pixi.toml:6 (region)");
        let auto = Source::AutoOnCustomEndpoint { auto: Box::new(Source::Default) };
        assert_eq!(auto.to_string(), "auto (default) with a custom endpoint URL: path style, as in the AWS CLI");
        assert_eq!(Source::Caller(Setting::Region).to_string(), "given explicitly (region)");
        let v = Sourced::new(2u32, Source::Env("N".into())).map(|n| n * 2);
        assert_eq!((v.value, v.source), (4, Source::Env("N".into())));
    }
}
