// The one list of test secrets and the checks against it, included by
// tests/support/secrets.rs (integration tests) and src/test_secrets.rs (unit tests).

/// The secrets and tokens used by the tests (the harness's keys, the published example keys,
/// and the fixed values of the credential, SSO, container, web-identity and GCS tests). Add a
/// new one here when a test introduces it.
pub const TEST_SECRETS: &[&str] = &[
    // tests/support: the keys every test server accepts, and the transfer benchmark's.
    "minis3testsecret0123456789",
    "minis3benchsecret0123456789",
    // The published example secrets: the S3 documentation's and the generic SigV4 suite's
    // (not interchangeable), and the suite's session token.
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
    // Wrong secrets the CLI tests sign with (a refused request must not echo them).
    "not-the-secret-at-all",
    "wrong-secret-wrong",
    // Profiles in the CLI's `config show` tests.
    "dev-secret-never-shown",
    "dev-token-never-shown",
    // `auth login` with pixi's page spelling of the flags.
    "s3cr3t-s3cr3t",
    "tok-tok-tok",
    // Credential providers: STS, SSO, container, web identity, session tokens.
    "FwoGZXIvYXdzEXAMPLETOKEN",
    "SESSIONTOKEN123",
    "SSOACCESSTOKEN123",
    "CONTAINERTOKEN123",
    "SECRETKEY123",
    // GCS: OAuth access and refresh tokens, client secret.
    "ACCESSTOKEN123",
    "REFRESHSECRET123",
    "CLIENTSECRET123",
    // The unit tests' (src/): credential files, environments, processes.
    "filesecret",
    "envsecret",
    "SECRETX",
    "SECRETVALUE",
    "TOKENVALUE",
    "SECRETSECRETSECRET",
    "secret-two",
    "topsecret",
    "secretvalue123",
];

/// `Result::unwrap_err` and `expect_err` with the leak check: the error's `Display` and
/// `Debug` are checked for every test secret ([`assert_clean_error`]), so every error a test
/// looks at is checked.
pub trait CleanErr<E> {
    /// The error, checked; panics on `Ok` as `unwrap_err` does.
    fn clean_err(self) -> E;
    /// The error, checked; panics with `msg` on `Ok`.
    fn clean_expect_err(self, msg: &str) -> E;
}

impl<T: std::fmt::Debug, E: std::fmt::Display + std::fmt::Debug> CleanErr<E> for Result<T, E> {
    #[track_caller]
    fn clean_err(self) -> E {
        let e = self.unwrap_err();
        assert_clean_error(&e);
        e
    }

    #[track_caller]
    fn clean_expect_err(self, msg: &str) -> E {
        let e = self.expect_err(msg);
        assert_clean_error(&e);
        e
    }
}

/// The first test secret found in `text`, if any.
pub fn find_secret(text: &str) -> Option<&'static str> {
    TEST_SECRETS.iter().copied().find(|s| text.contains(s))
}

/// Fails the test if `text` (what `what` printed or said) holds any test secret.
#[track_caller]
pub fn assert_clean_text(what: &str, text: &str) {
    if let Some(secret) = find_secret(text) {
        panic!("a test secret ({secret:?}) leaked in {what}:\n{text}");
    }
}

/// Fails the test if an error's `Display` or `Debug` holds any test secret; returns its
/// `Display` text for further assertions.
#[track_caller]
pub fn assert_clean_error<E: std::fmt::Display + std::fmt::Debug + ?Sized>(err: &E) -> String {
    let shown = err.to_string();
    assert_clean_text("an error's Display", &shown);
    assert_clean_text("an error's Debug", &format!("{err:?}"));
    shown
}

