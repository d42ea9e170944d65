//! Shared by the token flows: POSTing to an OAuth 2.0 token endpoint (retried on 5xx, 429 and
//! connection errors), reading its answer (`access_token`, `token_type`, `expires_in`) or its
//! error (`{"error": "...", "error_description": "..."}`, Google's `{"error": {"message": ...}}`,
//! or plain text), and form encoding.

use std::time::{Duration, SystemTime};

use crate::credentials::provider::one_line;
use crate::http::{Body, Http};
use crate::sigv4::encode::encode_component;

use super::{GcsAuthError, GcsCredentialSource, GcsToken};

/// Largest token answer read.
const MAX_BODY: u64 = 1 << 20;

/// `k=v&k=v` with RFC 3986 percent-encoding (valid `application/x-www-form-urlencoded`).
pub(crate) fn form_encode(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v))).collect::<Vec<_>>().join("&")
}

/// Sends `method url` with `headers` and `body`, up to three times while the failure is
/// transient; returns the status and body.
pub(crate) fn send_with_retries(
    http: &Http,
    service: &'static str,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<(u16, Vec<u8>), GcsAuthError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = http
            .send(method, url, headers, if body.is_empty() { Body::Empty } else { Body::Bytes(body) })
            .and_then(|r| {
                let status = r.status();
                r.read_to_vec(MAX_BODY).map(|b| (status, b))
            });
        match result {
            Ok((status, body)) if (status >= 500 || status == 429) && attempt < 3 => drop(body),
            Ok(answer) => return Ok(answer),
            Err(e) if e.is_retryable() && attempt < 3 => drop(e),
            Err(source) => return Err(GcsAuthError::Http { service, url: url.to_string(), source }),
        }
        std::thread::sleep(Duration::from_millis(100 << attempt));
    }
}

/// The error a non-2xx token answer stands for.
pub(crate) fn refused(service: &'static str, url: &str, status: u16, body: &[u8], hint: &'static str) -> GcsAuthError {
    let (mut code, mut message) = (None, None);
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) => match v.get("error") {
            Some(serde_json::Value::String(c)) => {
                code = Some(one_line(c));
                message = v.get("error_description").and_then(|d| d.as_str()).map(one_line);
            }
            Some(obj @ serde_json::Value::Object(_)) => {
                code = obj.get("status").and_then(|s| s.as_str()).map(one_line);
                message = obj.get("message").and_then(|s| s.as_str()).map(one_line);
            }
            _ => {}
        },
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            message = Some(one_line(&text)).filter(|m| !m.is_empty());
        }
    }
    GcsAuthError::Refused { service, url: url.to_string(), status, code, message, hint }
}

/// Reads a 200 answer holding `access_token` (required), `token_type` (default `Bearer`) and
/// `expires_in` (seconds, number or numeric string). Messages never quote the answer.
pub(crate) fn parse_token(
    service: &'static str,
    url: &str,
    body: &[u8],
    now: SystemTime,
    source: GcsCredentialSource,
) -> Result<GcsToken, GcsAuthError> {
    let bad = |reason: &str| GcsAuthError::BadResponse { service, url: url.to_string(), reason: reason.to_string() };
    let v: serde_json::Value = serde_json::from_slice(body).map_err(|_| bad("the answer is not JSON"))?;
    let token = v
        .get("access_token")
        .and_then(|t| t.as_str())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad("the answer has no access_token"))?;
    if token.bytes().any(|b| !(0x21..0x7f).contains(&b)) {
        return Err(bad("the access_token is not a printable header value"));
    }
    let token_type = match v.get("token_type") {
        None | Some(serde_json::Value::Null) => "Bearer".to_string(),
        Some(serde_json::Value::String(t)) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            // OAuth token types are case-insensitive; Google says "Bearer".
            if t.eq_ignore_ascii_case("bearer") {
                "Bearer".to_string()
            } else {
                t.clone()
            }
        }
        Some(_) => return Err(bad("the token_type is not a word")),
    };
    let expires_in = match v.get("expires_in") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Number(n)) => {
            Some(n.as_u64().ok_or_else(|| bad("expires_in is not a whole number of seconds"))?)
        }
        Some(serde_json::Value::String(s)) => {
            Some(s.trim().parse().map_err(|_| bad("expires_in is not a whole number of seconds"))?)
        }
        Some(_) => return Err(bad("expires_in is not a number")),
    };
    let mut t = GcsToken::new(token, source);
    t.token_type = token_type;
    t.expiry = expires_in.map(|s| now + Duration::from_secs(s));
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_secrets::CleanErr;
    use std::time::UNIX_EPOCH;

    #[test]
    fn token_answers() {
        let now = UNIX_EPOCH + Duration::from_secs(1000);
        let src = GcsCredentialSource::Explicit;
        let t = parse_token(
            "t",
            "u",
            br#"{"access_token":"ya29.X","expires_in":3599,"token_type":"bearer"}"#,
            now,
            src.clone(),
        )
        .unwrap();
        assert_eq!((t.authorization().as_str(), t.expiry), ("Bearer ya29.X", Some(now + Duration::from_secs(3599))));
        let t = parse_token("t", "u", br#"{"access_token":"A","expires_in":"60"}"#, now, src.clone()).unwrap();
        assert_eq!(t.expiry, Some(now + Duration::from_secs(60)));
        for (body, want) in [
            (&b"nope"[..], "not JSON"),
            (br#"{"token_type":"Bearer"}"#, "no access_token"),
            (br#"{"access_token":"SECRET\nX"}"#, "printable"),
            (br#"{"access_token":"SECRET","expires_in":-5}"#, "whole number"),
            (br#"{"access_token":"SECRET","token_type":"a b"}"#, "token_type"),
        ] {
            let e = parse_token("token endpoint", "u", body, now, src.clone()).clean_err().to_string();
            assert!(e.contains(want) && !e.contains("SECRET"), "{e}");
        }
    }

    #[test]
    fn error_answers() {
        let e = refused(
            "token endpoint",
            "http://x/token",
            400,
            br#"{"error":"invalid_grant","error_description":"Bad Request"}"#,
            "do X",
        );
        assert_eq!(e.to_string(), "Google token endpoint http://x/token refused the token request with HTTP 400 (invalid_grant: Bad Request); do X");
        let e = refused(
            "metadata server",
            "u",
            403,
            br#"{"error":{"code":403,"message":"no scope","status":"PERMISSION_DENIED"}}"#,
            "h",
        );
        assert!(e.to_string().contains("(PERMISSION_DENIED: no scope)"), "{e}");
        let e = refused("metadata server", "u", 404, b"Not Found\n", "h");
        assert!(e.to_string().contains("HTTP 404 (Not Found); h"), "{e}");
        assert!(!e.is_retryable());
        assert!(refused("s", "u", 503, b"", "h").is_retryable());
        assert_eq!(form_encode(&[("grant_type", "urn:a:b"), ("x", "a b+c")]), "grant_type=urn%3Aa%3Ab&x=a%20b%2Bc");
    }
}
