//! Endpoints: where requests go (scheme, host, port, path prefix).

use std::fmt;
use std::str::FromStr;

use super::error::{AddressError, EndpointProblem, UrlError};
use super::url::{Host, Url};

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Plain HTTP (local servers, tests).
    Http,
    /// HTTP over TLS.
    Https,
}

impl Scheme {
    /// `"http"` or `"https"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    /// 80 or 443.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }

    /// Case-insensitive `http`/`https`.
    pub(crate) fn from_name(name: &str) -> Option<Scheme> {
        if name.eq_ignore_ascii_case("https") {
            Some(Scheme::Https)
        } else if name.eq_ignore_ascii_case("http") {
            Some(Scheme::Http)
        } else {
            None
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The endpoint for Google Cloud Storage through its S3-compatible XML API.
pub const GCS_ENDPOINT: &str = "https://storage.googleapis.com";
/// The region to sign with for Google Cloud Storage (what pixi's documentation gives).
pub const GCS_REGION: &str = "us-east-1";
/// The region minis3 assumes when none is configured.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Where requests go: scheme, host, optional non-default port and optional path prefix.
///
/// Built from an endpoint URL with [`Endpoint::parse`], or for AWS from a region with
/// [`Endpoint::aws`]. The host is ASCII and lowercase (IPv6 in brackets; a non-ASCII name
/// is refused: write it in punycode).
///
/// ```
/// use minis3::address::Endpoint;
/// let e = Endpoint::parse("http://127.0.0.1:9000").unwrap();
/// assert_eq!(e.host_header(), "127.0.0.1:9000");
/// assert!(e.is_ip());
/// let e = Endpoint::parse("https://example.com:443/s3/").unwrap();
/// assert_eq!((e.host_header().as_str(), e.path_prefix()), ("example.com", "/s3"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    scheme: Scheme,
    host: String,
    port: Option<u16>,
    prefix: String,
    ip: bool,
}

impl Endpoint {
    /// Parses an endpoint URL (`endpoint-url` in a profile or pixi's `s3-options`,
    /// `--endpoint-url`): `http(s)://HOST[:PORT][/PREFIX]`. A default port is dropped, a
    /// trailing `/` of the prefix is dropped; user info, a query or a fragment is an error.
    pub fn parse(input: &str) -> Result<Endpoint, AddressError> {
        parse_endpoint(input).map_err(|problem| AddressError::InvalidEndpoint { input: input.to_owned(), problem })
    }

    /// The AWS S3 endpoint of a region: `https://s3.REGION.amazonaws.com`
    /// (`amazonaws.com.cn` for `cn-` regions). `us-east-1` also uses the regional host.
    ///
    /// ```
    /// let e = minis3::address::Endpoint::aws("eu-central-1").unwrap();
    /// assert_eq!(e.to_string(), "https://s3.eu-central-1.amazonaws.com");
    /// ```
    pub fn aws(region: &str) -> Result<Endpoint, AddressError> {
        if region.is_empty() {
            return Err(AddressError::MissingRegion);
        }
        let b = region.as_bytes();
        let ok = b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
            && b[0] != b'-'
            && b[b.len() - 1] != b'-'
            && b.len() <= 63;
        if !ok {
            return Err(AddressError::InvalidRegion { region: region.to_owned() });
        }
        let region = region.to_ascii_lowercase();
        let suffix = if region.starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" };
        Ok(Endpoint {
            scheme: Scheme::Https,
            host: format!("s3.{region}.{suffix}"),
            port: None,
            prefix: String::new(),
            ip: false,
        })
    }

    /// [`GCS_ENDPOINT`], `https://storage.googleapis.com`.
    pub fn gcs() -> Endpoint {
        Endpoint {
            scheme: Scheme::Https,
            host: "storage.googleapis.com".to_owned(),
            port: None,
            prefix: String::new(),
            ip: false,
        }
    }

    /// The configured endpoint URL if there is one, else the AWS endpoint of `region`.
    /// For a custom endpoint the region is not looked at (it only goes into the signature).
    pub fn resolve(endpoint_url: Option<&str>, region: &str) -> Result<Endpoint, AddressError> {
        match endpoint_url {
            Some(url) => Endpoint::parse(url),
            None => Endpoint::aws(region),
        }
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host without port (IPv6 in brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port, only when it is not the scheme's default.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// `host[:port]` as it goes in the `Host` header (default port omitted).
    pub fn host_header(&self) -> String {
        with_port(&self.host, self.port)
    }

    /// The path prefix, `""` or `/p[/q...]` without a trailing `/`, percent-encoded.
    pub fn path_prefix(&self) -> &str {
        &self.prefix
    }

    /// Whether the host is an IPv4 or IPv6 address.
    pub fn is_ip(&self) -> bool {
        self.ip
    }

    /// Whether the host is an IP address, `localhost` or a `*.localhost` name: hosts under
    /// which `BUCKET.HOST` does not resolve, so [`Auto`](super::AddressingStyle::Auto)
    /// addressing uses path style.
    pub fn is_local(&self) -> bool {
        self.ip || self.host == "localhost" || self.host.ends_with(".localhost")
    }

    /// Whether requests never leave this machine: `localhost`, `*.localhost`, `127.0.0.0/8`
    /// or `::1`.
    pub fn is_loopback(&self) -> bool {
        if self.host == "localhost" || self.host.ends_with(".localhost") {
            return true;
        }
        self.host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
    }
}

pub(crate) fn with_port(host: &str, port: Option<u16>) -> String {
    match port {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        f.write_str(&self.prefix)
    }
}

impl FromStr for Endpoint {
    type Err = AddressError;
    fn from_str(s: &str) -> Result<Endpoint, AddressError> {
        Endpoint::parse(s)
    }
}

/// Parses an endpoint URL; the shared core of [`Endpoint::parse`] and the origin of
/// `http(s)://` locations.
pub(crate) fn parse_endpoint(input: &str) -> Result<Endpoint, EndpointProblem> {
    let trimmed = input.trim();
    let Some((scheme_name, rest)) = trimmed.split_once("://") else {
        return Err(EndpointProblem::MissingScheme);
    };
    if scheme_name.is_empty()
        || !scheme_name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        return Err(EndpointProblem::MissingScheme);
    }
    let Some(scheme) = Scheme::from_name(scheme_name) else {
        return Err(EndpointProblem::UnsupportedScheme(scheme_name.to_owned()));
    };
    // The authority ends at the first '/', '?' or '#'. A backslash would be read as '/' by
    // the URL parser, so it is refused rather than silently moved into the path.
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..auth_end];
    if authority.is_empty() {
        return Err(EndpointProblem::MissingHost);
    }
    if authority.contains('@') {
        return Err(EndpointProblem::HasCredentials);
    }
    if authority.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(EndpointProblem::Malformed("a space or control character is not allowed in the host".to_owned()));
    }
    if authority.contains('\\') {
        return Err(EndpointProblem::Malformed("a backslash is not allowed in the host".to_owned()));
    }
    let url = Url::parse(trimmed).map_err(|e| match e {
        UrlError::MissingHost => EndpointProblem::MissingHost,
        other => EndpointProblem::Malformed(other.to_string()),
    })?;
    if url.query().is_some() {
        return Err(EndpointProblem::HasQuery);
    }
    if url.fragment().is_some() {
        return Err(EndpointProblem::HasFragment);
    }
    let ip = !matches!(url.host(), Host::Domain(_));
    let host = url.host_str().to_owned();
    let prefix = url.path().trim_end_matches('/').to_owned();
    Ok(Endpoint { scheme, host, port: url.port(), prefix, ip })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_endpoints() {
        let e = Endpoint::parse("HTTPS://S3.Example.COM:443/").unwrap();
        assert_eq!(e.to_string(), "https://s3.example.com");
        let e = Endpoint::parse("http://[::1]:9000/a/b/").unwrap();
        assert_eq!(e.host_header(), "[::1]:9000");
        assert_eq!(e.path_prefix(), "/a/b");
        assert!(e.is_ip() && e.is_local());
        let e = Endpoint::parse("http://localhost:80").unwrap();
        assert_eq!(e.host_header(), "localhost");
        assert!(e.is_local() && !e.is_ip());
    }

    #[test]
    fn endpoint_errors() {
        let p = |s: &str| match Endpoint::parse(s) {
            Err(AddressError::InvalidEndpoint { problem, .. }) => problem,
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(p("localhost:9000"), EndpointProblem::MissingScheme);
        assert_eq!(p("s3.amazonaws.com"), EndpointProblem::MissingScheme);
        assert_eq!(p("ftp://host"), EndpointProblem::UnsupportedScheme("ftp".into()));
        assert_eq!(p("https://"), EndpointProblem::MissingHost);
        assert_eq!(p("https:///x"), EndpointProblem::MissingHost);
        assert_eq!(p("https://u:p@host"), EndpointProblem::HasCredentials);
        assert_eq!(p("https://host/?a=b"), EndpointProblem::HasQuery);
        assert_eq!(p("https://host#x"), EndpointProblem::HasFragment);
        assert!(matches!(p("https://host:99999"), EndpointProblem::Malformed(_)));
        assert!(matches!(p("https://ho\\st"), EndpointProblem::Malformed(_)));
    }

    #[test]
    fn aws_regions() {
        assert_eq!(Endpoint::aws("cn-north-1").unwrap().host(), "s3.cn-north-1.amazonaws.com.cn");
        assert_eq!(Endpoint::aws(""), Err(AddressError::MissingRegion));
        assert!(matches!(Endpoint::aws("us east"), Err(AddressError::InvalidRegion { .. })));
        assert!(matches!(Endpoint::aws("evil.com/x"), Err(AddressError::InvalidRegion { .. })));
    }
}
