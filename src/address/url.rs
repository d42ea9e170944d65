//! A small, strict URL: `scheme://[user@]host[:port][/path][?query][#fragment]`, ASCII only.
//!
//! What minis3 parses as a URL is configuration (endpoint URLs, the STS, IMDS and container
//! endpoints, pixi's `s3-options`), auth-file keys (`s3://bucket/prefix`) and the relative
//! references of conda repodata (`base_url`, `shards_base_url`). All of it is ASCII, so this
//! parser refuses what a browser-grade parser would rewrite: a non-ASCII character (there is
//! no IDNA: write a host in punycode, `xn--...`), a space, a control character, a backslash,
//! a `%` in the host, or an IPv4 address in a legacy form (`127.1`, `0x7f.0.0.1`). The error
//! names the part and the character.
//!
//! What it normalises, as the WHATWG URL standard (and so the `url` crate) does, so that
//! [`Url::as_str`] is the text `url` would give for every input accepted here:
//!
//! - the scheme is lowercase, and for `http`/`https` the host too;
//! - the default port (80 for `http`, 443 for `https`) is dropped;
//! - IPv6 literals (in brackets) are written in their shortest form (RFC 5952, hexadecimal);
//! - `.` and `..` path segments are removed (`/a/./b/../c` is `/a/c`), and an empty
//!   `http(s)` path is `/`;
//! - user info (`user:password@`) is recognised but never kept: [`Url::has_userinfo`] says it
//!   was there, and neither [`Url::as_str`] nor `Debug` holds it.
//!
//! ```
//! use minis3::address::{Host, Url};
//! let u = Url::parse("HTTPS://S3.Example.COM:443/a/./b/../c?x=1#top").unwrap();
//! assert_eq!(u.as_str(), "https://s3.example.com/a/c?x=1#top");
//! assert_eq!((u.host_str(), u.port(), u.path()), ("s3.example.com", None, "/a/c"));
//! let v6 = Url::parse("http://[0:0::1]:9000").unwrap();
//! assert_eq!(v6.host(), &Host::Ipv6(std::net::Ipv6Addr::LOCALHOST));
//! assert_eq!(v6.as_str(), "http://[::1]:9000/");
//! assert_eq!(v6.join("../shards/x").unwrap().as_str(), "http://[::1]:9000/shards/x");
//! assert!(Url::parse("https://bücher.example/").unwrap_err().to_string().contains("non-ASCII"));
//! ```

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use super::error::{UrlError, UrlPart};

/// The host of a [`Url`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// A name (lowercase for `http`/`https`; as written otherwise, e.g. an `s3://` bucket).
    Domain(String),
    /// An IPv4 address in dotted-decimal form.
    Ipv4(Ipv4Addr),
    /// An IPv6 address (written in brackets).
    Ipv6(Ipv6Addr),
}

/// A parsed URL; see the module documentation for what it accepts and normalises.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Url {
    /// The whole URL, as [`Url::as_str`] gives it.
    text: String,
    scheme_len: usize,
    host: Host,
    /// Where the host ends in `text` (before `:port` or the path).
    host_end: usize,
    port: Option<u16>,
    /// Where the path starts, the query's `?` and the fragment's `#` are in `text`.
    path_start: usize,
    query_start: Option<usize>,
    fragment_start: Option<usize>,
    userinfo: bool,
}

impl Url {
    /// Parses an absolute URL. Leading and trailing spaces and control characters are ignored
    /// (as `url` does);
    /// anything else outside what the module documentation allows is an error. Never panics.
    pub fn parse(input: &str) -> Result<Url, UrlError> {
        let input = input.trim_matches(|c: char| c <= ' ');
        let Some((scheme, rest)) = input.split_once("://") else {
            return Err(UrlError::MissingScheme);
        };
        let mut bytes = scheme.bytes();
        if !bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
            || !bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        {
            return Err(UrlError::InvalidScheme(scheme.to_owned()));
        }
        let scheme = scheme.to_ascii_lowercase();
        let special = matches!(scheme.as_str(), "http" | "https");

        let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(auth_end);
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => {
                check_chars(u, UrlPart::UserInfo, b"")?;
                (true, h)
            }
            None => (false, authority),
        };
        let (host, port_text) = split_port(hostport)?;
        let host = parse_host(host, special)?;
        let port = match port_text {
            None => None,
            Some(p) => Some(parse_port(p)?).filter(|&p| Some(p) != default_port(&scheme)),
        };

        let (before_fragment, fragment) = match tail.split_once('#') {
            Some((b, f)) => (b, Some(f)),
            None => (tail, None),
        };
        let (path, query) = match before_fragment.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (before_fragment, None),
        };
        check_chars(path, UrlPart::Path, b"\\\"<>`{}")?;
        if let Some(q) = query {
            check_chars(q, UrlPart::Query, b"\\\"<>")?;
        }
        if let Some(f) = fragment {
            check_chars(f, UrlPart::Fragment, b"\\\"<>`")?;
        }

        let mut text = String::with_capacity(input.len() + 1);
        text.push_str(&scheme);
        text.push_str("://");
        match &host {
            Host::Domain(d) => text.push_str(d),
            Host::Ipv4(a) => text.push_str(&a.to_string()),
            Host::Ipv6(a) => {
                text.push('[');
                write_ipv6(&mut text, a);
                text.push(']');
            }
        }
        let host_end = text.len();
        if let Some(p) = port {
            text.push(':');
            text.push_str(&p.to_string());
        }
        let path_start = text.len();
        push_normalised_path(&mut text, path, special);
        let query_start = query.map(|q| {
            let at = text.len();
            text.push('?');
            text.push_str(q);
            at
        });
        let fragment_start = fragment.map(|f| {
            let at = text.len();
            text.push('#');
            text.push_str(f);
            at
        });
        Ok(Url {
            text,
            scheme_len: scheme.len(),
            host,
            host_end,
            port,
            path_start,
            query_start,
            fragment_start,
            userinfo,
        })
    }

    /// The whole URL, normalised (never with user info).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The scheme, lowercase.
    pub fn scheme(&self) -> &str {
        &self.text[..self.scheme_len]
    }

    /// The host.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The host as written in the URL (an IPv6 address in brackets).
    pub fn host_str(&self) -> &str {
        &self.text[self.scheme_len + 3..self.host_end]
    }

    /// The port, when given and not the scheme's default.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The path (`/` at least for `http(s)`; may be empty for other schemes).
    pub fn path(&self) -> &str {
        &self.text[self.path_start..self.query_start.or(self.fragment_start).unwrap_or(self.text.len())]
    }

    /// The query, without `?`.
    pub fn query(&self) -> Option<&str> {
        let start = self.query_start? + 1;
        Some(&self.text[start..self.fragment_start.unwrap_or(self.text.len())])
    }

    /// The fragment, without `#`.
    pub fn fragment(&self) -> Option<&str> {
        Some(&self.text[self.fragment_start? + 1..])
    }

    /// Whether the input had `user[:password]@` before the host (which is not kept).
    pub fn has_userinfo(&self) -> bool {
        self.userinfo
    }

    /// The same URL with a path ending in `/` (a directory), query and fragment kept.
    pub fn with_trailing_slash(self) -> Url {
        if self.path().ends_with('/') {
            return self;
        }
        let end = self.path_start + self.path().len();
        let mut text = String::with_capacity(self.text.len() + 1);
        text.push_str(&self.text[..end]);
        text.push('/');
        text.push_str(&self.text[end..]);
        Url {
            text,
            query_start: self.query_start.map(|q| q + 1),
            fragment_start: self.fragment_start.map(|f| f + 1),
            ..self
        }
    }

    /// Resolves a reference against this URL, as a browser (RFC 3986 section 5.2) does:
    /// an absolute URL replaces it, `//host/p` keeps the scheme, `/p` the origin, `p` and
    /// `../p` are taken relative to the last `/` of the path, `?q` and `#f` replace the query
    /// and fragment. The result is checked like [`Url::parse`].
    pub fn join(&self, reference: &str) -> Result<Url, UrlError> {
        let reference = reference.trim_matches(|c: char| c <= ' ');
        if has_scheme(reference) {
            return Url::parse(reference);
        }
        if reference.starts_with("//") {
            return Url::parse(&format!("{}:{reference}", self.scheme()));
        }
        let origin = &self.text[..self.path_start];
        let path = self.path();
        let before_fragment = &self.text[..self.fragment_start.unwrap_or(self.text.len())];
        let joined = if reference.is_empty() {
            before_fragment.to_owned()
        } else if reference.starts_with('#') {
            format!("{before_fragment}{reference}")
        } else if reference.starts_with('?') {
            format!("{origin}{path}{reference}")
        } else if reference.starts_with('/') {
            format!("{origin}{reference}")
        } else {
            let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
            format!("{origin}{dir}{reference}")
        };
        Url::parse(&joined)
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Url {
    type Err = UrlError;
    fn from_str(s: &str) -> Result<Url, UrlError> {
        Url::parse(s)
    }
}

/// Whether a reference starts with `scheme:` (so it is absolute).
fn has_scheme(reference: &str) -> bool {
    let Some(colon) = reference.find(':') else { return false };
    let scheme = &reference[..colon];
    let mut bytes = scheme.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

/// Refuses non-ASCII, controls, spaces and the listed characters in one part of the URL.
fn check_chars(s: &str, part: UrlPart, refused: &[u8]) -> Result<(), UrlError> {
    for (i, b) in s.bytes().enumerate() {
        if b >= 0x80 {
            let ch = s[i..].chars().next().unwrap_or(char::REPLACEMENT_CHARACTER);
            return Err(UrlError::NonAscii { part, ch });
        }
        if b < 0x20 || b == 0x7f {
            return Err(UrlError::Control { part, byte: b });
        }
        if b == b' ' {
            return Err(UrlError::Space { part });
        }
        if refused.contains(&b) {
            return Err(UrlError::InvalidChar { part, ch: b as char });
        }
    }
    Ok(())
}

/// `("host", Some("port"))` from `host:port`, `[v6]:port` or `host`.
fn split_port(hostport: &str) -> Result<(&str, Option<&str>), UrlError> {
    if hostport.starts_with('[') {
        let Some(close) = hostport.find(']') else {
            return Err(UrlError::InvalidIpv6(hostport.to_owned()));
        };
        let rest = &hostport[close + 1..];
        return match rest.strip_prefix(':') {
            Some(p) => Ok((&hostport[..=close], Some(p))),
            None if rest.is_empty() => Ok((hostport, None)),
            None => Err(UrlError::InvalidChar { part: UrlPart::Host, ch: rest.chars().next().unwrap_or('?') }),
        };
    }
    Ok(match hostport.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (hostport, None),
    })
}

fn parse_port(p: &str) -> Result<u16, UrlError> {
    if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
        check_chars(p, UrlPart::Port, b"")?;
        return Err(UrlError::InvalidPort(p.to_owned()));
    }
    p.parse::<u16>().map_err(|_| UrlError::InvalidPort(p.to_owned()))
}

fn parse_host(host: &str, special: bool) -> Result<Host, UrlError> {
    if host.is_empty() {
        return Err(UrlError::MissingHost);
    }
    if let Some(inner) = host.strip_prefix('[') {
        let inner = inner.strip_suffix(']').unwrap_or(inner);
        check_chars(inner, UrlPart::Host, b"")?;
        return inner.parse::<Ipv6Addr>().map(Host::Ipv6).map_err(|_| UrlError::InvalidIpv6(host.to_owned()));
    }
    for (i, b) in host.bytes().enumerate() {
        if b >= 0x80 || b <= b' ' || b == 0x7f {
            check_chars(&host[i..], UrlPart::Host, b"")?;
        }
        if !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')) {
            return Err(UrlError::InvalidChar { part: UrlPart::Host, ch: b as char });
        }
    }
    let labels = host.strip_suffix('.').unwrap_or(host);
    if labels.split('.').any(str::is_empty) {
        return Err(UrlError::EmptyLabel(host.to_owned()));
    }
    // As the URL standard, a host whose last label is a number is an IPv4 address; only the
    // dotted-decimal form is accepted.
    let last = labels.rsplit('.').next().unwrap_or(labels);
    let numeric = last.bytes().all(|b| b.is_ascii_digit())
        || (last.len() > 1
            && last[..2].eq_ignore_ascii_case("0x")
            && last.bytes().skip(2).all(|b| b.is_ascii_hexdigit()));
    if numeric {
        return host.parse::<Ipv4Addr>().map(Host::Ipv4).map_err(|_| UrlError::InvalidIpv4(host.to_owned()));
    }
    Ok(Host::Domain(if special { host.to_ascii_lowercase() } else { host.to_owned() }))
}

/// An IPv6 address in hexadecimal pieces with the longest run of two or more zero pieces
/// written `::` (the first, on a tie), as the URL standard serialises it.
fn write_ipv6(out: &mut String, addr: &Ipv6Addr) {
    let pieces = addr.segments();
    let (mut best_start, mut best_len) = (8, 0);
    let mut i = 0;
    while i < 8 {
        if pieces[i] == 0 {
            let start = i;
            while i < 8 && pieces[i] == 0 {
                i += 1;
            }
            if i - start > best_len && i - start > 1 {
                (best_start, best_len) = (start, i - start);
            }
        } else {
            i += 1;
        }
    }
    let mut i = 0;
    while i < 8 {
        if i == best_start {
            out.push_str(if i == 0 { "::" } else { ":" });
            i += best_len;
            continue;
        }
        out.push_str(&format!("{:x}", pieces[i]));
        if i < 7 {
            out.push(':');
        }
        i += 1;
    }
}

fn is_single_dot(s: &str) -> bool {
    s == "." || s.eq_ignore_ascii_case("%2e")
}

fn is_double_dot(s: &str) -> bool {
    matches!(s.len(), 2 | 4 | 6) && s.to_ascii_lowercase().replace("%2e", ".") == ".."
}

/// Appends `path` without its `.` and `..` segments; an empty path is `/` when `special`.
fn push_normalised_path(out: &mut String, path: &str, special: bool) {
    if path.is_empty() {
        if special {
            out.push('/');
        }
        return;
    }
    // `path` starts with '/' (it follows the authority).
    let segments: Vec<&str> = path[1..].split('/').collect();
    let mut kept: Vec<&str> = Vec::with_capacity(segments.len());
    let last = segments.len() - 1;
    for (i, s) in segments.iter().enumerate() {
        if is_double_dot(s) {
            kept.pop();
            if i == last {
                kept.push("");
            }
        } else if is_single_dot(s) {
            if i == last {
                kept.push("");
            }
        } else {
            kept.push(s);
        }
    }
    out.push('/');
    out.push_str(&kept.join("/"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_secrets::CleanErr;

    fn ok(s: &str) -> String {
        Url::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}")).as_str().to_owned()
    }

    fn err(s: &str) -> UrlError {
        match Url::parse(s) {
            Ok(u) => panic!("{s:?} parsed as {u}"),
            Err(e) => {
                assert!(!e.to_string().contains('\n'), "{e}");
                e
            }
        }
    }

    #[test]
    fn normalises_as_the_url_standard() {
        for (input, want) in [
            ("https://example.com", "https://example.com/"),
            ("HTTPS://S3.Example.COM:443/", "https://s3.example.com/"),
            ("http://h:80/x", "http://h/x"),
            ("http://h:8080", "http://h:8080/"),
            ("https://h:80/", "https://h:80/"),
            ("http://[::1]:9000/a/b/", "http://[::1]:9000/a/b/"),
            ("http://[0:0:0:0:0:0:0:1]", "http://[::1]/"),
            ("http://[2001:db8:0:0:1:0:0:1]", "http://[2001:db8::1:0:0:1]/"),
            ("http://[::ffff:1.2.3.4]", "http://[::ffff:102:304]/"),
            ("http://[1:0:1:0:1:0:1:0]", "http://[1:0:1:0:1:0:1:0]/"),
            ("http://127.0.0.1:9000", "http://127.0.0.1:9000/"),
            ("https://h/a/./b/../c", "https://h/a/c"),
            ("https://h/a/..", "https://h/"),
            ("https://h/..", "https://h/"),
            ("https://h/a/.", "https://h/a/"),
            ("https://h/a/%2E%2e/b", "https://h/b"),
            ("https://h/a//b", "https://h/a//b"),
            ("https://h/p?q=1&r#f", "https://h/p?q=1&r#f"),
            ("https://h?", "https://h/?"),
            ("  https://h/x \n", "https://h/x"),
            ("https://u:p@h/x", "https://h/x"),
            ("https://h./x", "https://h./x"),
            ("https://my_host-1.example/x%20y", "https://my_host-1.example/x%20y"),
            ("s3://Bucket", "s3://Bucket"),
            ("S3://bkt/ch/", "s3://bkt/ch/"),
            ("s3://bkt/a/../b", "s3://bkt/b"),
            ("gcs://bkt/x", "gcs://bkt/x"),
        ] {
            assert_eq!(ok(input), want, "{input:?}");
            assert_eq!(ok(want), want, "{want:?} parses back to itself");
        }
    }

    #[test]
    fn parts() {
        let u = Url::parse("https://u:p@Host.Example:8443/a/b?x=1#frag").unwrap();
        assert_eq!(u.scheme(), "https");
        assert_eq!(u.host(), &Host::Domain("host.example".into()));
        assert_eq!(u.host_str(), "host.example");
        assert_eq!(u.port(), Some(8443));
        assert_eq!(u.path(), "/a/b");
        assert_eq!(u.query(), Some("x=1"));
        assert_eq!(u.fragment(), Some("frag"));
        assert!(u.has_userinfo());
        assert!(!format!("{u:?}").contains("u:p"));
        let u = Url::parse("http://169.254.170.2/creds").unwrap();
        assert_eq!(u.host(), &Host::Ipv4(Ipv4Addr::new(169, 254, 170, 2)));
        assert_eq!((u.query(), u.fragment(), u.has_userinfo()), (None, None, false));
        let u = Url::parse("s3://bkt").unwrap();
        assert_eq!((u.path(), u.host_str()), ("", "bkt"));
        let u = Url::parse("http://[fd00:ec2::23]/latest").unwrap();
        assert_eq!(u.host_str(), "[fd00:ec2::23]");
    }

    #[test]
    fn hostile_input_is_refused_with_the_part_named() {
        use UrlError as E;
        use UrlPart as P;
        assert_eq!(err("localhost:9000"), E::MissingScheme);
        assert_eq!(err("/tmp/a"), E::MissingScheme);
        assert_eq!(err("1http://h"), E::InvalidScheme("1http".into()));
        assert_eq!(err("://h"), E::InvalidScheme(String::new()));
        assert_eq!(err("https://"), E::MissingHost);
        assert_eq!(err("https:///x"), E::MissingHost);
        assert_eq!(err("https://u@/x"), E::MissingHost);
        assert_eq!(err("https://:9000"), E::MissingHost);
        assert_eq!(err("https://bücher.example/"), E::NonAscii { part: P::Host, ch: 'ü' });
        assert_eq!(err("https://h/pfad/ä"), E::NonAscii { part: P::Path, ch: 'ä' });
        assert_eq!(err("https://h/?q=é"), E::NonAscii { part: P::Query, ch: 'é' });
        assert_eq!(err("https://h/#ü"), E::NonAscii { part: P::Fragment, ch: 'ü' });
        assert_eq!(err("https://ü@h/"), E::NonAscii { part: P::UserInfo, ch: 'ü' });
        assert_eq!(err("https://h:9ü/"), E::NonAscii { part: P::Port, ch: 'ü' });
        assert_eq!(err("https://ex ample.com"), E::Space { part: P::Host });
        assert_eq!(err("https://h/a b"), E::Space { part: P::Path });
        assert_eq!(err("https://ex\nample.com"), E::Control { part: P::Host, byte: b'\n' });
        assert_eq!(err("https://h/a\tb"), E::Control { part: P::Path, byte: b'\t' });
        assert_eq!(err("https://h/\x7f"), E::Control { part: P::Path, byte: 0x7f });
        assert_eq!(err("https://ho\\st"), E::InvalidChar { part: P::Host, ch: '\\' });
        assert_eq!(err("https://h/a\\b"), E::InvalidChar { part: P::Path, ch: '\\' });
        assert_eq!(err("https://h%41/"), E::InvalidChar { part: P::Host, ch: '%' });
        assert_eq!(err("https://h/<x>"), E::InvalidChar { part: P::Path, ch: '<' });
        assert_eq!(err("https://a..b/"), E::EmptyLabel("a..b".into()));
        assert_eq!(err("https://.a/"), E::EmptyLabel(".a".into()));
        assert_eq!(err("https://host:99999"), E::InvalidPort("99999".into()));
        assert_eq!(err("https://host:"), E::InvalidPort(String::new()));
        assert_eq!(err("https://host:-1"), E::InvalidPort("-1".into()));
        assert_eq!(err("http://127.1/"), E::InvalidIpv4("127.1".into()));
        assert_eq!(err("http://0x7f.0.0.1/"), E::InvalidIpv4("0x7f.0.0.1".into()));
        assert_eq!(err("http://256.0.0.1/"), E::InvalidIpv4("256.0.0.1".into()));
        assert_eq!(err("http://010.0.0.1/"), E::InvalidIpv4("010.0.0.1".into()));
        assert_eq!(err("http://[::1/"), E::InvalidIpv6("[::1".into()));
        assert_eq!(err("http://[::g]/"), E::InvalidIpv6("[::g]".into()));
        assert_eq!(err("http://[fe80::1%25eth0]/"), E::InvalidIpv6("[fe80::1%25eth0]".into()));
        assert_eq!(err("http://[::1]x/"), E::InvalidChar { part: P::Host, ch: 'x' });
        let msg = err("https://bücher.example/").to_string();
        assert!(msg.contains("non-ASCII") && msg.contains("host") && msg.contains("xn--"), "{msg}");
    }

    #[test]
    fn never_panics_on_arbitrary_bytes() {
        let pieces = [
            "", "http", "s3", "://", ":", "@", "[", "]", "::1", "/", "..", ".", "?", "#", "%", "%2e", "ü", "é",
            "\u{0}", " ", "9", "99999", "a", "0x", "\\",
        ];
        let mut n = 0u32;
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    for d in pieces {
                        let s = format!("{a}{b}{c}{d}");
                        if let Ok(u) = Url::parse(&s) {
                            let again = Url::parse(u.as_str()).unwrap_or_else(|e| panic!("{s:?} -> {u}: {e}"));
                            assert_eq!(again.as_str(), u.as_str(), "{s:?}");
                            let _ = u.join(&s);
                        }
                        n += 1;
                    }
                }
            }
        }
        assert_eq!(n, 25u32.pow(4));
    }

    #[test]
    fn joins_relative_references() {
        let base = Url::parse("https://h/chan/linux-64/").unwrap();
        let j = |r: &str| base.join(r).unwrap_or_else(|e| panic!("{r:?}: {e}")).as_str().to_owned();
        assert_eq!(j("./shards/"), "https://h/chan/linux-64/shards/");
        assert_eq!(j(""), "https://h/chan/linux-64/");
        assert_eq!(j("../../pkgs"), "https://h/pkgs");
        assert_eq!(j("../../../../x"), "https://h/x");
        assert_eq!(j("/abs/p"), "https://h/abs/p");
        assert_eq!(j("//cdn.example/x"), "https://cdn.example/x");
        assert_eq!(j("https://cdn/x"), "https://cdn/x");
        assert_eq!(j("?q"), "https://h/chan/linux-64/?q");
        assert_eq!(j("#f"), "https://h/chan/linux-64/#f");
        assert_eq!(j("a.conda"), "https://h/chan/linux-64/a.conda");
        let file = Url::parse("https://h/chan/linux-64/repodata.json?x#y").unwrap();
        assert_eq!(file.join("b.conda").unwrap().as_str(), "https://h/chan/linux-64/b.conda");
        assert_eq!(file.join("").unwrap().as_str(), "https://h/chan/linux-64/repodata.json?x");
        let s3 = Url::parse("s3://bkt/ch/noarch/").unwrap();
        assert_eq!(s3.join("../linux-64/x").unwrap().as_str(), "s3://bkt/ch/linux-64/x");
        assert_eq!(s3.join("a b").clean_err(), UrlError::Space { part: UrlPart::Path });
        assert!(matches!(base.join("ftp:x"), Err(UrlError::MissingScheme)));
    }

    #[test]
    fn trailing_slash() {
        let u = Url::parse("https://h/a?q#f").unwrap().with_trailing_slash();
        assert_eq!((u.as_str(), u.path(), u.query(), u.fragment()), ("https://h/a/?q#f", "/a/", Some("q"), Some("f")));
        assert_eq!(Url::parse(u.as_str()).unwrap(), u);
        let s = Url::parse("s3://bkt").unwrap().with_trailing_slash();
        assert_eq!(s.as_str(), "s3://bkt/");
        assert_eq!(Url::parse("https://h/").unwrap().with_trailing_slash().as_str(), "https://h/");
    }
}
