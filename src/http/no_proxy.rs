//! [`NoProxy`]: which hosts bypass the proxy, by curl's rules.

/// A `NO_PROXY` list, matched the way curl does.
///
/// Entries are separated by commas (and white space), trimmed and compared case-insensitively:
/// - `*` alone: every host bypasses the proxy;
/// - `example.com`, `.example.com` and `*.example.com`: `example.com` itself and every name
///   under it (a leading `.` or `*.` is ignored, as curl does);
/// - `127.0.0.1`, `::1`, `[::1]`, `localhost`: that host exactly (IP addresses are compared as
///   text; CIDR ranges are not supported);
/// - an entry with `:PORT` matches only that port.
///
/// Nothing bypasses the proxy implicitly: `localhost` and `127.0.0.1` do only when listed.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub struct NoProxy {
    all: bool,
    entries: Vec<(String, Option<u16>)>,
}

impl NoProxy {
    /// Parses a `NO_PROXY` value. Never fails: an entry that means nothing matches nothing.
    pub fn parse(list: &str) -> Self {
        let mut out = Self::default();
        for raw in list.split(|c: char| c == ',' || c.is_whitespace()) {
            let entry = raw.trim();
            if entry.is_empty() {
                continue;
            }
            if entry == "*" {
                out.all = true;
                continue;
            }
            let (host, port) = split_host_port(entry);
            let host = host.trim_start_matches("*.").trim_start_matches('.').trim_end_matches('.').to_ascii_lowercase();
            if !host.is_empty() {
                out.entries.push((host, port));
            }
        }
        out
    }

    /// Whether a request to `host`:`port` goes direct. `host` is as in a URL (an IPv6 address
    /// with or without brackets).
    pub fn bypasses(&self, host: &str, port: u16) -> bool {
        if self.all {
            return true;
        }
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.entries.iter().any(|(entry, entry_port)| {
            if entry_port.is_some_and(|p| p != port) {
                return false;
            }
            host == *entry
                || (host.len() > entry.len()
                    && host.ends_with(entry.as_str())
                    && host.as_bytes()[host.len() - entry.len() - 1] == b'.')
        })
    }

    /// Whether the list is empty (nothing bypasses the proxy).
    pub fn is_empty(&self) -> bool {
        !self.all && self.entries.is_empty()
    }
}

/// Splits `host:port`, `[v6]:port`, `[v6]`, a bare IPv6 address or a plain host.
fn split_host_port(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[') {
        if let Some((host, after)) = rest.split_once(']') {
            let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
            return (host, port);
        }
        return (rest, None);
    }
    match entry.rsplit_once(':') {
        // More than one ':' and no brackets: a bare IPv6 address.
        Some((host, _)) if host.contains(':') => (entry, None),
        Some((host, port)) => match port.parse() {
            Ok(p) => (host, Some(p)),
            Err(_) => (entry, None),
        },
        None => (entry, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_rules() {
        let n = NoProxy::parse(" example.com ,.dot.test,*.star.test, localhost\t127.0.0.1 [::1] only.port:8080,,");
        for (host, port, want) in [
            ("example.com", 443, true),
            ("EXAMPLE.com", 443, true),
            ("example.com.", 443, true),
            ("sub.example.com", 443, true),
            ("badexample.com", 443, false),
            ("example.com.evil", 443, false),
            ("dot.test", 80, true),
            ("a.dot.test", 80, true),
            ("star.test", 80, true),
            ("a.b.star.test", 80, true),
            ("localhost", 9000, true),
            ("127.0.0.1", 9000, true),
            ("127.0.0.2", 9000, false),
            ("[::1]", 9000, true),
            ("::1", 9000, true),
            ("only.port", 8080, true),
            ("only.port", 8081, false),
            ("s3.amazonaws.com", 443, false),
        ] {
            assert_eq!(n.bypasses(host, port), want, "{host}:{port}");
        }
        assert!(NoProxy::parse("*").bypasses("anything", 1));
        assert!(NoProxy::parse("").is_empty());
        assert!(!NoProxy::parse("").bypasses("localhost", 80));
        assert!(NoProxy::parse("::1").bypasses("[::1]", 1));
    }
}
