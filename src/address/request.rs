//! Request URLs: bucket and key on an endpoint, in path or virtual-host style.

use std::fmt;
use std::str::FromStr;

use super::bucket::{is_dns_compatible, validate_bucket};
use super::endpoint::{with_port, Endpoint, Scheme};
use super::error::AddressError;
use crate::sigv4::encode::encode_path_into;

/// How the bucket is put in the URL: the AWS config's `addressing_style`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AddressingStyle {
    /// Virtual-host style when it works, else path style; see [`Endpoint::request_url`].
    #[default]
    Auto,
    /// `https://host/bucket/key`.
    Path,
    /// `https://bucket.host/key`.
    Virtual,
}

impl AddressingStyle {
    /// `force-path-style = true` (pixi's `s3-options`, `S3_FORCE_PATH_STYLE`) is [`Path`];
    /// `false` is [`Auto`].
    ///
    /// [`Path`]: AddressingStyle::Path
    /// [`Auto`]: AddressingStyle::Auto
    pub fn from_force_path_style(force: bool) -> AddressingStyle {
        if force {
            AddressingStyle::Path
        } else {
            AddressingStyle::Auto
        }
    }

    /// `"auto"`, `"path"` or `"virtual"`.
    pub fn as_str(self) -> &'static str {
        match self {
            AddressingStyle::Auto => "auto",
            AddressingStyle::Path => "path",
            AddressingStyle::Virtual => "virtual",
        }
    }
}

impl FromStr for AddressingStyle {
    type Err = AddressError;
    /// `auto`, `path`, `virtual`, or rattler's `virtual-host` (case-insensitive).
    fn from_str(s: &str) -> Result<AddressingStyle, AddressError> {
        let t = s.trim();
        let is = |n: &str| t.eq_ignore_ascii_case(n);
        if is("auto") {
            Ok(AddressingStyle::Auto)
        } else if is("path") {
            Ok(AddressingStyle::Path)
        } else if is("virtual") || is("virtual-host") || is("virtual_host") {
            Ok(AddressingStyle::Virtual)
        } else {
            Err(AddressError::InvalidAddressingStyle { value: s.to_owned() })
        }
    }
}

impl fmt::Display for AddressingStyle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request URL split the way the signer and the HTTP layer need it.
///
/// [`path`](RequestUrl::path) is exactly what is sent and signed (the S3 canonical URI);
/// [`host`](RequestUrl::host) is the `Host` header. Operations append their own query.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestUrl {
    scheme: Scheme,
    host: String,
    path: String,
    style: AddressingStyle,
}

impl RequestUrl {
    /// `http` or `https`.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// `host[:port]` as it goes in the `Host` header (default port omitted).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The percent-encoded path, as sent and signed.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The style chosen: [`AddressingStyle::Path`] or [`AddressingStyle::Virtual`].
    pub fn style(&self) -> AddressingStyle {
        self.style
    }

    /// `scheme://host/path`.
    pub fn to_url_string(&self) -> String {
        self.to_url_string_with_query("")
    }

    /// `scheme://host/path?query`; the query (already encoded, without `?`) is left out
    /// when empty.
    pub fn to_url_string_with_query(&self, query: &str) -> String {
        let mut s =
            String::with_capacity(self.scheme.as_str().len() + 3 + self.host.len() + self.path.len() + query.len() + 1);
        s.push_str(self.scheme.as_str());
        s.push_str("://");
        s.push_str(&self.host);
        s.push_str(&self.path);
        if !query.is_empty() {
            s.push('?');
            s.push_str(query);
        }
        s
    }
}

impl fmt::Display for RequestUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}{}", self.scheme, self.host, self.path)
    }
}

impl Endpoint {
    /// Decides the addressing style for `bucket` on this endpoint.
    ///
    /// [`Auto`](AddressingStyle::Auto) gives virtual-host style, except path style when:
    /// the bucket is not [DNS-compatible](is_dns_compatible) (uppercase, `_`); the bucket has
    /// a `.` and the scheme is `https` (it would not match the wildcard certificate); the
    /// endpoint host is an IP address, `localhost` or `*.localhost`; or the endpoint has a path
    /// prefix. Forced [`Virtual`](AddressingStyle::Virtual) is refused for a bucket that is
    /// not DNS-compatible and on an IP endpoint. The bucket must be [valid](validate_bucket).
    pub fn resolve_style(&self, style: AddressingStyle, bucket: &str) -> Result<AddressingStyle, AddressError> {
        validate_bucket(bucket)?;
        let unavailable = |reason| AddressError::VirtualHostUnavailable { bucket: bucket.to_owned(), reason };
        match style {
            AddressingStyle::Path => Ok(AddressingStyle::Path),
            AddressingStyle::Virtual => {
                if !is_dns_compatible(bucket) {
                    Err(unavailable("the name has uppercase letters or '_', which a host name cannot carry"))
                } else if self.is_ip() {
                    Err(unavailable("the endpoint host is an IP address"))
                } else {
                    Ok(AddressingStyle::Virtual)
                }
            }
            AddressingStyle::Auto => {
                let path = !is_dns_compatible(bucket)
                    || (bucket.contains('.') && self.scheme() == Scheme::Https)
                    || self.is_local()
                    || !self.path_prefix().is_empty();
                Ok(if path { AddressingStyle::Path } else { AddressingStyle::Virtual })
            }
        }
    }

    /// The URL of `key` in `bucket` (an empty key addresses the bucket itself).
    ///
    /// Path style: `scheme://host[:port][/prefix]/bucket[/key]`; virtual-host style:
    /// `scheme://bucket.host[:port][/prefix]/[key]`. The key is percent-encoded once, with
    /// `/` kept and nothing normalized (see [`encode_path`](crate::sigv4::encode::encode_path)).
    ///
    /// ```
    /// use minis3::address::{AddressingStyle, Endpoint};
    /// let aws = Endpoint::aws("eu-west-1").unwrap();
    /// let u = aws.request_url(AddressingStyle::Auto, "my-bucket", "a b/c+d").unwrap();
    /// assert_eq!(u.host(), "my-bucket.s3.eu-west-1.amazonaws.com");
    /// assert_eq!(u.path(), "/a%20b/c%2Bd");
    ///
    /// let minio = Endpoint::parse("http://localhost:9000").unwrap();
    /// let u = minio.request_url(AddressingStyle::Auto, "my-bucket", "k").unwrap();
    /// assert_eq!(u.to_url_string(), "http://localhost:9000/my-bucket/k");
    /// ```
    pub fn request_url(&self, style: AddressingStyle, bucket: &str, key: &str) -> Result<RequestUrl, AddressError> {
        let style = self.resolve_style(style, bucket)?;
        let prefix = self.path_prefix();
        let mut path = String::with_capacity(prefix.len() + bucket.len() + key.len() * 3 / 2 + 2);
        path.push_str(prefix);
        path.push('/');
        let host = match style {
            AddressingStyle::Virtual => {
                encode_path_into(&mut path, key);
                with_port(&format!("{bucket}.{}", self.host()), self.port())
            }
            _ => {
                path.push_str(bucket);
                if !key.is_empty() {
                    path.push('/');
                    encode_path_into(&mut path, key);
                }
                self.host_header()
            }
        };
        Ok(RequestUrl { scheme: self.scheme(), host, path, style })
    }

    /// The plain URL string of an object, for unsigned access to a public bucket
    /// (`--no-sign-request`): [`request_url`](Endpoint::request_url) as one string.
    ///
    /// ```
    /// use minis3::address::{AddressingStyle, Endpoint};
    /// let aws = Endpoint::aws("us-east-1").unwrap();
    /// assert_eq!(
    ///     aws.object_url(AddressingStyle::Auto, "pub", "noarch/repodata.json").unwrap(),
    ///     "https://pub.s3.us-east-1.amazonaws.com/noarch/repodata.json"
    /// );
    /// ```
    pub fn object_url(&self, style: AddressingStyle, bucket: &str, key: &str) -> Result<String, AddressError> {
        Ok(self.request_url(style, bucket, key)?.to_url_string())
    }

    /// The URL of the service itself (no bucket), for `ListBuckets`: path `/` or the prefix.
    pub fn service_url(&self) -> RequestUrl {
        let path = if self.path_prefix().is_empty() { "/".to_owned() } else { self.path_prefix().to_owned() };
        RequestUrl { scheme: self.scheme(), host: self.host_header(), path, style: AddressingStyle::Path }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_parse() {
        assert_eq!("Virtual-Host".parse(), Ok(AddressingStyle::Virtual));
        assert_eq!("path".parse(), Ok(AddressingStyle::Path));
        assert_eq!(" auto ".parse(), Ok(AddressingStyle::Auto));
        assert!("dns".parse::<AddressingStyle>().is_err());
        assert_eq!(AddressingStyle::from_force_path_style(true), AddressingStyle::Path);
    }

    #[test]
    fn empty_key_addresses_the_bucket() {
        let e = Endpoint::aws("us-east-1").unwrap();
        let v = e.request_url(AddressingStyle::Auto, "bkt", "").unwrap();
        assert_eq!(v.to_url_string(), "https://bkt.s3.us-east-1.amazonaws.com/");
        let p = e.request_url(AddressingStyle::Path, "bkt", "").unwrap();
        assert_eq!(p.to_url_string(), "https://s3.us-east-1.amazonaws.com/bkt");
        assert_eq!(p.to_url_string_with_query("list-type=2"), "https://s3.us-east-1.amazonaws.com/bkt?list-type=2");
        assert_eq!(e.service_url().path(), "/");
    }
}
