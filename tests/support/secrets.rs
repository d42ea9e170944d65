//! Every secret and token the tests give minis3, in one list, and the one check that none of
//! them ever appears in what minis3 prints or says: the captured output of every CLI test
//! ([`assert_clean_output`], [`assert_clean_text`]) and every error or notice a library test
//! renders ([`assert_clean_error`]). A leak anywhere fails the test that saw it.
//!
//! Access key ids are not in the list: they are shown (masked or whole) on purpose, e.g. in a
//! `--debug` canonical request's credential scope. Only secret keys, session tokens, bearer and
//! refresh tokens and client secrets are.
#![allow(dead_code)]

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
];

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

/// Fails the test if either captured stream of a finished process holds any test secret.
#[track_caller]
pub fn assert_clean_output(what: &str, stdout: &[u8], stderr: &[u8]) {
    assert_clean_text(&format!("{what} (stdout)"), &String::from_utf8_lossy(stdout));
    assert_clean_text(&format!("{what} (stderr)"), &String::from_utf8_lossy(stderr));
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

/// The check's own test (called from one test binary, `cli_usage`, rather than compiled into
/// every binary that includes the harness): every listed secret is caught in plain text, in a
/// process's output and in an error's `Debug`, and clean text passes.
pub fn self_check() {
    assert_clean_text("clean", "minis3: access denied for AKIDEXAMPLE (check the secret access key)");
    for secret in TEST_SECRETS {
        let leak = format!("minis3: signed with {secret} and failed");
        assert_eq!(find_secret(&leak), Some(*secret));
        let caught = std::panic::catch_unwind(|| assert_clean_text("a leaking line", &leak));
        assert!(caught.is_err(), "{secret} went unnoticed");
    }
    let caught = std::panic::catch_unwind(|| assert_clean_output("cli", b"ok", b"SESSIONTOKEN123"));
    assert!(caught.is_err());
    #[derive(Debug)]
    struct Leaky(&'static str);
    impl std::fmt::Display for Leaky {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an error that hides its field in Display only")
        }
    }
    let caught = std::panic::catch_unwind(|| assert_clean_error(&Leaky("minis3testsecret0123456789")));
    assert!(caught.is_err(), "a secret in Debug only went unnoticed");
    assert_eq!(assert_clean_error(&std::io::Error::other("refused")), "refused");
}
