//! Channel URLs: `s3://BUCKET/PATH`, `gcs://BUCKET/PATH`, `https://HOST/PATH`, `http://HOST/PATH`.
//!
//! A channel is a directory: the URL names its root, and every file of the channel is a path
//! relative to it (`noarch/repodata.json`, `linux-64/shards/<hex>.msgpack.zst`). Trailing
//! slashes are dropped (`s3://b/ch/` is `s3://b/ch`), an empty path is the bucket (or host)
//! root. The path is kept as written otherwise (an `s3://` path is a literal key prefix, an
//! `http(s)://` path is sent as given), except that empty, `.` and `..` segments are refused:
//! they would name another directory than the one the user sees.

use std::fmt;

use crate::address::{Location, GCS_ENDPOINT};

/// The forms a channel URL may take, for error messages.
pub const ACCEPTED_FORMS: &str = "s3://BUCKET/PATH, gcs://BUCKET/PATH, https://HOST/PATH or http://HOST/PATH";

/// The kind of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelScheme {
    /// `s3://`: objects read with the S3 client (signed, or anonymous).
    S3,
    /// `gcs://`: `https://storage.googleapis.com/BUCKET/PATH` with a bearer token.
    Gcs,
    /// `https://`: any static file server or public bucket, never signed.
    Https,
    /// `http://`: the same without TLS (local servers).
    Http,
}

/// A parsed channel URL (see the module documentation for the rules).
///
/// ```
/// use minis3::channel::url::ChannelUrl;
/// let c = ChannelUrl::parse("s3://my-bucket/conda/").unwrap();
/// assert_eq!(c.to_string(), "s3://my-bucket/conda");
/// assert_eq!(c.join("noarch/repodata.json"), "s3://my-bucket/conda/noarch/repodata.json");
/// assert_eq!(c.key("noarch/repodata.json"), "conda/noarch/repodata.json");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChannelUrl {
    scheme: ChannelScheme,
    /// The bucket (`s3`, `gcs`) or `scheme://host[:port]` (`http`, `https`).
    root: String,
    /// The path below the root, without leading or trailing `/`; may be empty.
    path: String,
}

/// A channel URL that cannot be used. Its `Display` names the input and the accepted forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelUrlError {
    /// The input as given.
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for ChannelUrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid channel URL {:?}: {}; a channel is {ACCEPTED_FORMS}", self.input, self.reason)
    }
}

impl std::error::Error for ChannelUrlError {}

impl ChannelUrl {
    /// Parses a channel URL. Never panics; see [`ChannelUrlError`].
    pub fn parse(input: &str) -> Result<ChannelUrl, ChannelUrlError> {
        let err = |reason: String| ChannelUrlError { input: redact_userinfo(input), reason };
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(err("it is empty".into()));
        }
        if redact_userinfo(trimmed) != trimmed {
            return Err(err("credentials in the URL are not supported".into()));
        }
        let location = Location::parse(trimmed).map_err(|e| err(e.to_string()))?;
        let (scheme, root, path) = match location {
            Location::S3 { bucket, key } => (ChannelScheme::S3, bucket, key),
            Location::Gcs { bucket, key } => (ChannelScheme::Gcs, bucket, key),
            Location::Https(u) => {
                if u.query().is_some() || trimmed.contains('#') {
                    return Err(err("a channel URL has no query string or fragment".into()));
                }
                let scheme = if u.origin().to_string().starts_with("https://") {
                    ChannelScheme::Https
                } else {
                    ChannelScheme::Http
                };
                (scheme, u.origin().to_string().trim_end_matches('/').to_owned(), u.path().to_owned())
            }
        };
        let path = path.trim_matches('/');
        if matches!(scheme, ChannelScheme::S3 | ChannelScheme::Gcs) && path.contains(['?', '#']) {
            return Err(err("a channel path cannot hold '?' or '#'".into()));
        }
        if !path.is_empty() {
            if let Some(bad) = path.split('/').find(|s| s.is_empty() || *s == "." || *s == "..") {
                let what =
                    if bad.is_empty() { "an empty segment (//)".to_owned() } else { format!("a {bad:?} segment") };
                return Err(err(format!("the path has {what}")));
            }
        }
        Ok(ChannelUrl { scheme, root, path: path.to_owned() })
    }

    /// The kind of channel.
    pub fn scheme(&self) -> ChannelScheme {
        self.scheme
    }

    /// The bucket of an `s3://` or `gcs://` channel.
    pub fn bucket(&self) -> Option<&str> {
        matches!(self.scheme, ChannelScheme::S3 | ChannelScheme::Gcs).then_some(self.root.as_str())
    }

    /// The channel's path below its bucket or host, without leading or trailing `/` (may be
    /// empty).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// `PATH/relative` (or `relative` at the root): the object key of a channel file on
    /// `s3://` and `gcs://`, the URL path (without its leading `/`) on `http(s)://`.
    pub fn key(&self, relative: &str) -> String {
        let relative = relative.trim_start_matches('/');
        if self.path.is_empty() {
            relative.to_owned()
        } else if relative.is_empty() {
            self.path.clone()
        } else {
            format!("{}/{relative}", self.path)
        }
    }

    /// The full URL of a channel file, in the channel's own scheme
    /// (`s3://b/ch/noarch/repodata.json`). `relative` is `SUBDIR/FILE`.
    pub fn join(&self, relative: &str) -> String {
        let key = self.key(relative);
        match self.scheme {
            ChannelScheme::S3 => format!("s3://{}/{key}", self.root),
            ChannelScheme::Gcs => format!("gcs://{}/{key}", self.root),
            ChannelScheme::Https | ChannelScheme::Http => format!("{}/{key}", self.root),
        }
    }

    /// The `http(s)://` URL a file is fetched from: the URL itself for `http(s)://`,
    /// `https://storage.googleapis.com/BUCKET/KEY` for `gcs://`, `None` for `s3://` (its
    /// address depends on the bucket's endpoint settings).
    pub fn http_url(&self, relative: &str) -> Option<String> {
        match self.scheme {
            ChannelScheme::S3 => None,
            ChannelScheme::Gcs => Some(format!("{GCS_ENDPOINT}/{}/{}", self.root, self.key(relative))),
            ChannelScheme::Https | ChannelScheme::Http => Some(self.join(relative)),
        }
    }

    /// The `http(s)://` base a transport sends to (no trailing `/`), as [`ChannelUrl::http_url`].
    pub fn http_base(&self) -> Option<String> {
        self.http_url("").map(|u| u.trim_end_matches('/').to_owned())
    }
}

impl fmt::Display for ChannelUrl {
    /// The canonical form (no trailing `/`), which parses back to the same channel.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = match self.scheme {
            ChannelScheme::S3 => "s3://",
            ChannelScheme::Gcs => "gcs://",
            ChannelScheme::Https | ChannelScheme::Http => "",
        };
        if self.path.is_empty() {
            write!(f, "{prefix}{}", self.root)
        } else {
            write!(f, "{prefix}{}/{}", self.root, self.path)
        }
    }
}

impl std::str::FromStr for ChannelUrl {
    type Err = ChannelUrlError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ChannelUrl::parse(s)
    }
}

/// The input with any `user:password@` before the host hidden (it is a credential).
fn redact_userinfo(input: &str) -> String {
    let Some(i) = input.find("://") else { return input.to_owned() };
    let rest = &input[i + 3..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{}***@{}", &input[..i + 3], &rest[at + 1..]),
        None => input.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_secrets::CleanErr;

    #[test]
    fn forms_normalise_and_round_trip() {
        for (input, shown, scheme) in [
            ("s3://bkt/conda/", "s3://bkt/conda", ChannelScheme::S3),
            ("s3://bkt", "s3://bkt", ChannelScheme::S3),
            ("s3://bkt///", "s3://bkt", ChannelScheme::S3),
            ("S3://bkt/a/b", "s3://bkt/a/b", ChannelScheme::S3),
            ("gcs://my-bucket/ch", "gcs://my-bucket/ch", ChannelScheme::Gcs),
            ("https://conda.example.com/ch/", "https://conda.example.com/ch", ChannelScheme::Https),
            ("http://127.0.0.1:9000/bkt/ch", "http://127.0.0.1:9000/bkt/ch", ChannelScheme::Http),
            ("HTTPS://Example.com", "https://example.com", ChannelScheme::Https),
            ("  https://h/x  ", "https://h/x", ChannelScheme::Https),
        ] {
            let c = ChannelUrl::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(c.to_string(), shown, "{input}");
            assert_eq!(c.scheme(), scheme, "{input}");
            assert_eq!(ChannelUrl::parse(&c.to_string()).unwrap(), c, "{input}");
        }
    }

    #[test]
    fn join_key_and_http_urls() {
        let c = ChannelUrl::parse("s3://bkt/").unwrap();
        assert_eq!(c.key("noarch/repodata.json"), "noarch/repodata.json");
        assert_eq!(c.join("noarch/repodata.json"), "s3://bkt/noarch/repodata.json");
        assert_eq!(c.http_url("x"), None);
        let g = ChannelUrl::parse("gcs://gbk/ch").unwrap();
        assert_eq!(
            g.http_url("noarch/repodata.json").unwrap(),
            "https://storage.googleapis.com/gbk/ch/noarch/repodata.json"
        );
        assert_eq!(g.http_base().unwrap(), "https://storage.googleapis.com/gbk/ch");
        let h = ChannelUrl::parse("http://127.0.0.1:8/a%20b").unwrap();
        assert_eq!(h.join("linux-64/repodata.json"), "http://127.0.0.1:8/a%20b/linux-64/repodata.json");
        assert_eq!(h.http_base().unwrap(), "http://127.0.0.1:8/a%20b");
        let root = ChannelUrl::parse("https://h").unwrap();
        assert_eq!(root.http_base().unwrap(), "https://h");
        assert_eq!(root.join("noarch/x"), "https://h/noarch/x");
    }

    #[test]
    fn bad_input_names_the_input_and_the_forms() {
        for input in [
            "",
            "conda-forge",
            "ftp://h/x",
            "s3://",
            "s3:///x",
            "s3://ab/x",
            "s3://bkt/a//b",
            "s3://bkt/a/../b",
            "s3://bkt/./b",
            "s3://bkt/x?y",
            "https://h/x?token=1",
            "https://h/x#frag",
            "https:///x",
        ] {
            let e = ChannelUrl::parse(input).clean_err();
            let msg = e.to_string();
            assert!(msg.contains(&format!("{input:?}")), "{msg}");
            assert!(msg.contains(ACCEPTED_FORMS), "{msg}");
            assert!(!msg.contains('\n'), "{msg}");
        }
        let msg = ChannelUrl::parse("https://user:s3cret@h/x").clean_err().to_string();
        assert!(!msg.contains("s3cret") && msg.contains("***@h/x"), "{msg}");
    }
}
