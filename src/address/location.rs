//! Locations as users write them: `s3://BUCKET/KEY`, `gcs://BUCKET/KEY`, `https://HOST/PATH`.

use std::fmt;
use std::str::FromStr;

use super::bucket::validate_bucket;
use super::endpoint::{parse_endpoint, Endpoint, Scheme};
use super::error::{AddressError, EndpointProblem};

/// A parsed location.
///
/// Keys are taken literally, as the AWS CLI takes them: everything after the first `/` that
/// follows the bucket, byte for byte. `%20` stays three characters, `+` stays `+`, `?` and `#`
/// belong to the key, and `//`, `.` and `..` segments are kept. An empty key means the bucket
/// root (a listing prefix of nothing).
///
/// ```
/// use minis3::address::Location;
/// let loc = Location::parse("s3://my-bucket/a%20b/../c?d#e").unwrap();
/// assert_eq!(loc.bucket(), Some("my-bucket"));
/// assert_eq!(loc.key(), Some("a%20b/../c?d#e"));
/// assert_eq!(loc.to_string(), "s3://my-bucket/a%20b/../c?d#e");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Location {
    /// `s3://bucket/key`.
    S3 {
        /// The bucket name (validated by [`validate_bucket`](super::validate_bucket)).
        bucket: String,
        /// The object key or prefix, literal; may be empty.
        key: String,
    },
    /// `gcs://bucket/key`: Google Cloud Storage, addressed like S3 at
    /// [`GCS_ENDPOINT`](super::GCS_ENDPOINT).
    Gcs {
        /// The bucket name.
        bucket: String,
        /// The object key or prefix, literal; may be empty.
        key: String,
    },
    /// An `https://` (or `http://`, for local servers) URL, e.g. a public bucket.
    Https(HttpUrl),
}

impl Location {
    /// Parses a location; see [`Location`] for the key rules. Never panics.
    ///
    /// Errors: no `scheme://` ([`AddressError::MissingScheme`], which says to use
    /// `s3://BUCKET/KEY`), another scheme ([`AddressError::UnsupportedScheme`]), an empty
    /// bucket ([`AddressError::EmptyBucket`]), a bucket name that breaks the naming rules
    /// ([`AddressError::InvalidBucket`]), or an unusable URL ([`AddressError::InvalidUrl`]).
    pub fn parse(input: &str) -> Result<Location, AddressError> {
        let Some((scheme, rest)) = split_scheme(input) else {
            return Err(AddressError::MissingScheme { input: input.to_owned() });
        };
        let is = |name: &str| scheme.eq_ignore_ascii_case(name);
        if is("s3") || is("gcs") {
            let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(AddressError::EmptyBucket { input: input.to_owned() });
            }
            validate_bucket(bucket)?;
            let (bucket, key) = (bucket.to_owned(), key.to_owned());
            Ok(if is("s3") { Location::S3 { bucket, key } } else { Location::Gcs { bucket, key } })
        } else if Scheme::from_name(scheme).is_some() {
            HttpUrl::parse(input).map(Location::Https)
        } else {
            Err(AddressError::UnsupportedScheme { scheme: scheme.to_owned() })
        }
    }

    /// The bucket of an `s3://` or `gcs://` location.
    pub fn bucket(&self) -> Option<&str> {
        match self {
            Location::S3 { bucket, .. } | Location::Gcs { bucket, .. } => Some(bucket),
            Location::Https(_) => None,
        }
    }

    /// The key of an `s3://` or `gcs://` location (literal, possibly empty).
    pub fn key(&self) -> Option<&str> {
        match self {
            Location::S3 { key, .. } | Location::Gcs { key, .. } => Some(key),
            Location::Https(_) => None,
        }
    }
}

impl fmt::Display for Location {
    /// The canonical form, which parses back to the same location: `s3://bucket/key`
    /// (`s3://bucket/` for an empty key), or the URL.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::S3 { bucket, key } => write!(f, "s3://{bucket}/{key}"),
            Location::Gcs { bucket, key } => write!(f, "gcs://{bucket}/{key}"),
            Location::Https(u) => fmt::Display::fmt(u, f),
        }
    }
}

impl FromStr for Location {
    type Err = AddressError;
    fn from_str(s: &str) -> Result<Location, AddressError> {
        Location::parse(s)
    }
}

/// `("s3", "bucket/key")` from `"s3://bucket/key"`, if the text before `://` is a scheme.
fn split_scheme(input: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = input.split_once("://")?;
    let mut bytes = scheme.bytes();
    let first_ok = bytes.next().is_some_and(|b| b.is_ascii_alphabetic());
    let rest_ok = bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    (first_ok && rest_ok).then_some((scheme, rest))
}

/// An `http(s)://` URL whose path and query are kept as written: existing `%XX` escapes stay,
/// `.` and `..` segments stay, and only bytes that cannot appear in a request target (spaces,
/// non-ASCII, `"<>\^`{|}`, a stray `%`) are percent-encoded. The fragment is dropped (it is
/// never sent).
///
/// ```
/// use minis3::address::HttpUrl;
/// let u = HttpUrl::parse("https://Example.com:443/a b/./c%2Fd?x=1#top").unwrap();
/// assert_eq!(u.host_header(), "example.com");
/// assert_eq!(u.path(), "/a%20b/./c%2Fd");
/// assert_eq!(u.to_string(), "https://example.com/a%20b/./c%2Fd?x=1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HttpUrl {
    origin: Endpoint,
    path: String,
    query: Option<String>,
}

impl HttpUrl {
    /// Parses an `http://` or `https://` URL; errors are [`AddressError::InvalidUrl`]
    /// (or [`AddressError::MissingScheme`]/[`AddressError::UnsupportedScheme`]).
    pub fn parse(input: &str) -> Result<HttpUrl, AddressError> {
        let invalid = |problem| AddressError::InvalidUrl { input: input.to_owned(), problem };
        let Some((scheme, rest)) = split_scheme(input) else {
            return Err(AddressError::MissingScheme { input: input.to_owned() });
        };
        if Scheme::from_name(scheme).is_none() {
            return Err(AddressError::UnsupportedScheme { scheme: scheme.to_owned() });
        }
        let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let origin = parse_endpoint(&input[..input.len() - rest.len() + auth_end]).map_err(invalid)?;
        if !origin.path_prefix().is_empty() {
            return Err(invalid(EndpointProblem::Malformed("unexpected characters in the host".to_owned())));
        }
        let tail = &rest[auth_end..];
        let tail = tail.split_once('#').map_or(tail, |(t, _)| t);
        let (path, query) = match tail.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (tail, None),
        };
        let mut enc_path = String::with_capacity(path.len() + 1);
        if !path.starts_with('/') {
            enc_path.push('/');
        }
        encode_lenient(&mut enc_path, path, false);
        let query = query.map(|q| {
            let mut s = String::with_capacity(q.len());
            encode_lenient(&mut s, q, true);
            s
        });
        Ok(HttpUrl { origin, path: enc_path, query })
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> Scheme {
        self.origin.scheme()
    }

    /// Scheme, host and port, as an [`Endpoint`] without path prefix.
    pub fn origin(&self) -> &Endpoint {
        &self.origin
    }

    /// `host[:port]` as it goes in the `Host` header.
    pub fn host_header(&self) -> String {
        self.origin.host_header()
    }

    /// The path as it will be sent (starts with `/`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query as it will be sent, without `?`.
    pub fn query(&self) -> Option<&str> {
        self.query.as_deref()
    }
}

impl fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.origin, self.path)?;
        if let Some(q) = &self.query {
            write!(f, "?{q}")?;
        }
        Ok(())
    }
}

/// Appends `s`, escaping only what may not appear in a URL path (or query): a `%` that starts
/// a valid escape is kept, so already-encoded input is unchanged.
fn encode_lenient(out: &mut String, s: &str, query: bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = s.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let keep = match b {
            b'%' => {
                bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                    && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
            }
            b'?' => query,
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => true,
            b'-' | b'.' | b'_' | b'~' | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' => true,
            b'+' | b',' | b';' | b'=' | b':' | b'@' | b'/' => true,
            _ => false,
        };
        if keep {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_literal() {
        let k = |s: &str| Location::parse(s).unwrap().key().unwrap().to_owned();
        assert_eq!(k("s3://bkt"), "");
        assert_eq!(k("s3://bkt/"), "");
        assert_eq!(k("s3://bkt//a"), "/a");
        assert_eq!(k("s3://bkt/a%20b"), "a%20b");
        assert_eq!(k("s3://bkt/a+b c"), "a+b c");
        assert_eq!(k("s3://bkt/./a/../b//"), "./a/../b//");
        assert_eq!(k("s3://bkt/q?x=1#f"), "q?x=1#f");
        assert_eq!(k("S3://bkt/x"), "x");
    }

    #[test]
    fn http_urls_keep_their_path() {
        let u = HttpUrl::parse("http://127.0.0.1:9000/b/../k%zz").unwrap();
        assert_eq!(u.path(), "/b/../k%25zz");
        assert_eq!(u.host_header(), "127.0.0.1:9000");
        let u = HttpUrl::parse("https://h?q").unwrap();
        assert_eq!((u.path(), u.query()), ("/", Some("q")));
        assert!(HttpUrl::parse("https://u@h/").is_err());
        assert!(HttpUrl::parse("https:///x").is_err());
        assert!(HttpUrl::parse("https://h\\x/").is_err());
    }

    #[test]
    fn display_round_trips() {
        for s in ["s3://bkt/a b", "gcs://bkt/", "https://h:8443/x%20y/../z?a=b", "http://[::1]:9000/"] {
            let loc = Location::parse(s).unwrap();
            assert_eq!(Location::parse(&loc.to_string()).unwrap(), loc, "{s}");
        }
    }
}
