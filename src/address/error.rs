//! The one error type of the addressing layer.

use std::fmt;

/// What is wrong with a bucket name (see [`AddressError::InvalidBucket`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BucketProblem {
    /// Fewer than 3 characters.
    TooShort,
    /// More than 63 characters.
    TooLong,
    /// A character outside letters, digits, `.`, `-` and `_`.
    InvalidChar(char),
    /// The first character is not a letter or digit.
    BadFirst,
    /// The last character is not a letter or digit.
    BadLast,
    /// Two periods next to each other (`..`).
    AdjacentPeriods,
    /// A period next to a hyphen (`.-` or `-.`).
    PeriodNextToHyphen,
    /// Formatted as an IPv4 address (`192.168.5.4`).
    IpAddress,
    /// An access point or Outposts ARN (`arn:aws:s3:...`), which minis3 does not address.
    Arn,
}

impl fmt::Display for BucketProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BucketProblem::TooShort => f.write_str("bucket names have at least 3 characters"),
            BucketProblem::TooLong => f.write_str("bucket names have at most 63 characters"),
            BucketProblem::InvalidChar(c) => {
                write!(f, "{c:?} is not allowed; use only lowercase letters, digits, '.' and '-'")
            }
            BucketProblem::BadFirst => f.write_str("it must start with a lowercase letter or digit"),
            BucketProblem::BadLast => f.write_str("it must end with a lowercase letter or digit"),
            BucketProblem::AdjacentPeriods => f.write_str("it must not contain \"..\""),
            BucketProblem::PeriodNextToHyphen => {
                f.write_str("a period must not be next to a hyphen (\".-\" or \"-.\")")
            }
            BucketProblem::IpAddress => f.write_str("it must not be formatted as an IP address"),
            BucketProblem::Arn => f.write_str("access point and Outposts ARNs are not supported; use the bucket name"),
        }
    }
}

/// What is wrong with an endpoint URL (see [`AddressError::InvalidEndpoint`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointProblem {
    /// No `scheme://` (`localhost:9000`, `s3.example.com`).
    MissingScheme,
    /// A scheme other than `http` or `https`.
    UnsupportedScheme(String),
    /// No host after `scheme://`.
    MissingHost,
    /// `user:password@` in the URL.
    HasCredentials,
    /// A `?query`.
    HasQuery,
    /// A `#fragment`.
    HasFragment,
    /// The URL parser refused it; the text is its reason.
    Malformed(String),
}

impl fmt::Display for EndpointProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointProblem::MissingScheme => {
                f.write_str("it has no scheme; write https://HOST[:PORT] (or http:// for a local server)")
            }
            EndpointProblem::UnsupportedScheme(s) => {
                write!(f, "scheme {s:?} is not supported; use https:// or http://")
            }
            EndpointProblem::MissingHost => f.write_str("it has no host; write https://HOST[:PORT]"),
            EndpointProblem::HasCredentials => {
                f.write_str("it contains user:password@; remove them and configure credentials instead")
            }
            EndpointProblem::HasQuery => f.write_str("it has a ?query; remove it"),
            EndpointProblem::HasFragment => f.write_str("it has a #fragment; remove it"),
            EndpointProblem::Malformed(why) => write!(f, "{why}"),
        }
    }
}

/// An error from parsing a location or endpoint, or from building a request URL.
///
/// Its `Display` is one line that names the problem and says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AddressError {
    /// A location without `scheme://` (`bucket/key`, `/tmp/file`).
    MissingScheme {
        /// The input as given.
        input: String,
    },
    /// A location with a scheme other than `s3`, `gcs`, `https` and `http`.
    UnsupportedScheme {
        /// The scheme as written (without `://`).
        scheme: String,
    },
    /// `s3://`, `s3:///key`, or an empty bucket given to a URL builder.
    EmptyBucket {
        /// The input as given.
        input: String,
    },
    /// A bucket name that breaks the S3 naming rules.
    InvalidBucket {
        /// The bucket name as given.
        bucket: String,
        /// Which rule it breaks.
        problem: BucketProblem,
    },
    /// An `https://` or `http://` location that cannot be used.
    InvalidUrl {
        /// The input as given.
        input: String,
        /// Why.
        problem: EndpointProblem,
    },
    /// An endpoint URL (`endpoint-url`, `--endpoint-url`) that cannot be used.
    InvalidEndpoint {
        /// The input as given.
        input: String,
        /// Why.
        problem: EndpointProblem,
    },
    /// No region, and the AWS endpoint needs one.
    MissingRegion,
    /// A region that cannot be part of a host name.
    InvalidRegion {
        /// The region as given.
        region: String,
    },
    /// An addressing style other than `auto`, `path`, `virtual` (or `virtual-host`).
    InvalidAddressingStyle {
        /// The value as given.
        value: String,
    },
    /// Virtual-host addressing was forced, but this bucket or endpoint cannot be a host name.
    VirtualHostUnavailable {
        /// The bucket name.
        bucket: String,
        /// Why not.
        reason: &'static str,
    },
}

impl fmt::Display for AddressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddressError::MissingScheme { input } => write!(
                f,
                "{input:?} is not an S3 location: use s3://BUCKET/KEY (or gcs://BUCKET/KEY, https://HOST/PATH)"
            ),
            AddressError::UnsupportedScheme { scheme } => write!(
                f,
                "unsupported scheme \"{}://\": use s3://BUCKET/KEY, gcs://BUCKET/KEY or https://HOST/PATH",
                scheme.escape_debug()
            ),
            AddressError::EmptyBucket { input } => {
                write!(f, "no bucket name in {input:?}: use s3://BUCKET/KEY")
            }
            AddressError::InvalidBucket { bucket, problem } => {
                write!(f, "invalid bucket name {bucket:?}: {problem}")
            }
            AddressError::InvalidUrl { input, problem } => {
                write!(f, "invalid URL {input:?}: {problem}")
            }
            AddressError::InvalidEndpoint { input, problem } => {
                write!(f, "invalid endpoint URL {input:?}: {problem}")
            }
            AddressError::MissingRegion => {
                f.write_str("no region for the AWS endpoint: set AWS_REGION or `region` in the profile")
            }
            AddressError::InvalidRegion { region } => {
                write!(f, "invalid region {region:?}: a region is letters, digits and '-' (like us-east-1)")
            }
            AddressError::InvalidAddressingStyle { value } => {
                write!(f, "invalid addressing style {value:?}: use auto, path or virtual (virtual-host)")
            }
            AddressError::VirtualHostUnavailable { bucket, reason } => {
                write!(f, "cannot use virtual-host addressing for bucket {bucket:?}: {reason}; use path style")
            }
        }
    }
}

impl std::error::Error for AddressError {}

/// The part of a URL an error is about (see [`UrlError`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlPart {
    /// `user:password` before `@`.
    UserInfo,
    /// The host name or address.
    Host,
    /// The port after `:`.
    Port,
    /// The path.
    Path,
    /// The query after `?`.
    Query,
    /// The fragment after `#`.
    Fragment,
}

impl fmt::Display for UrlPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UrlPart::UserInfo => "user info",
            UrlPart::Host => "host",
            UrlPart::Port => "port",
            UrlPart::Path => "path",
            UrlPart::Query => "query",
            UrlPart::Fragment => "fragment",
        })
    }
}

/// Why text is not a [`Url`](super::Url). Its `Display` is one line naming the problem (and
/// the part of the URL), without the input, which the caller adds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// No `scheme://`.
    MissingScheme,
    /// Text before `://` that is not a scheme (a letter, then letters, digits, `+`, `-`, `.`).
    InvalidScheme(String),
    /// Nothing between `scheme://` and the path.
    MissingHost,
    /// A character outside ASCII.
    NonAscii {
        /// Where.
        part: UrlPart,
        /// The character.
        ch: char,
    },
    /// A space.
    Space {
        /// Where.
        part: UrlPart,
    },
    /// A control character (a line break, a tab, ...).
    Control {
        /// Where.
        part: UrlPart,
        /// The byte.
        byte: u8,
    },
    /// A character that does not belong in that part (`\`, `%` in a host, `<`, ...).
    InvalidChar {
        /// Where.
        part: UrlPart,
        /// The character.
        ch: char,
    },
    /// A port that is not a number from 0 to 65535.
    InvalidPort(String),
    /// A host with an empty label (`a..b`, `.a`).
    EmptyLabel(String),
    /// A host ending in a number that is not a dotted-decimal IPv4 address (`127.1`).
    InvalidIpv4(String),
    /// A bracketed host that is not an IPv6 address (zone identifiers are not supported).
    InvalidIpv6(String),
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::MissingScheme => f.write_str("it has no scheme (like https://)"),
            UrlError::InvalidScheme(s) => write!(f, "{s:?} is not a URL scheme"),
            UrlError::MissingHost => f.write_str("it has no host"),
            UrlError::NonAscii { part: UrlPart::Host, ch } => {
                write!(f, "the host has the non-ASCII character {ch:?}; write the host in ASCII (punycode, xn--...)")
            }
            UrlError::NonAscii { part, ch } => {
                write!(f, "the {part} has the non-ASCII character {ch:?}; percent-encode it (%XX)")
            }
            UrlError::Space { part } => write!(f, "the {part} has a space; percent-encode it (%20)"),
            UrlError::Control { part, byte } => {
                write!(f, "the {part} has the control character {:?}", char::from(*byte))
            }
            UrlError::InvalidChar { part, ch } => write!(f, "the {part} cannot hold {ch:?}"),
            UrlError::InvalidPort(p) => write!(f, "invalid port {p:?}: a port is a number from 0 to 65535"),
            UrlError::EmptyLabel(h) => write!(f, "the host {h:?} has an empty label"),
            UrlError::InvalidIpv4(h) => {
                write!(f, "the host {h:?} ends in a number but is not an IPv4 address like 127.0.0.1")
            }
            UrlError::InvalidIpv6(h) => write!(f, "the host {h:?} is not an IPv6 address like [::1]"),
        }
    }
}

impl std::error::Error for UrlError {}
