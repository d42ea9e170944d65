//! The keys a request is signed with. Secrets are redacted in every `Debug`.

use std::fmt;

/// An AWS access key pair, with an optional session token for temporary credentials.
///
/// `Debug` shows the access key id only; the secret and the token are never printed.
///
/// ```
/// use minis3::sigv4::Credentials;
/// let c = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
/// assert!(!format!("{c:?}").contains("EXAMPLEKEY"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
}

impl Credentials {
    /// Long-term credentials (no session token).
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        Self { access_key_id: access_key_id.into(), secret_access_key: secret_access_key.into(), session_token: None }
    }

    /// Adds (or removes) the session token of temporary credentials.
    pub fn with_session_token(mut self, token: Option<impl Into<String>>) -> Self {
        self.session_token = token.map(Into::into);
        self
    }

    /// The access key id (not a secret).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key. Handle with care: never log it.
    pub fn secret_access_key(&self) -> &str {
        &self.secret_access_key
    }

    /// The session token, if these are temporary credentials. Never log it.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }

    /// The access key id shown safely: `****` and its last four characters.
    pub fn redacted_access_key_id(&self) -> String {
        redact_tail(&self.access_key_id)
    }
}

/// `****` followed by the last four characters of `s` (all of it hidden when shorter than 8).
pub fn redact_tail(s: &str) -> String {
    let n = s.chars().count();
    if n < 8 {
        return "****".to_owned();
    }
    let tail: String = s.chars().skip(n - 4).collect();
    format!("****{tail}")
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &self.session_token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}
