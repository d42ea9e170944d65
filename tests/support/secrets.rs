//! Every secret and token the tests give minis3, in one list, and the one check that none of
//! them ever appears in what minis3 prints or says: the captured output of every CLI test
//! ([`assert_clean_output`], [`assert_clean_text`]) and every error or notice a library test
//! renders ([`assert_clean_error`]). A leak anywhere fails the test that saw it.
//!
//! Access key ids are not in the list: they are shown (masked or whole) on purpose, e.g. in a
//! `--debug` canonical request's credential scope. Only secret keys, session tokens, bearer and
//! refresh tokens and client secrets are.
#![allow(dead_code)]

include!("secret_check.rs");

/// Fails the test if either captured stream of a finished process holds any test secret.
#[track_caller]
pub fn assert_clean_output(what: &str, stdout: &[u8], stderr: &[u8]) {
    assert_clean_text(&format!("{what} (stdout)"), &String::from_utf8_lossy(stdout));
    assert_clean_text(&format!("{what} (stderr)"), &String::from_utf8_lossy(stderr));
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
    let leaking: Result<(), Leaky> = Err(Leaky("SESSIONTOKEN123"));
    assert!(std::panic::catch_unwind(|| leaking.clean_err()).is_err(), "clean_err let a leak through");
    let clean: Result<(), std::io::Error> = Err(std::io::Error::other("refused"));
    assert_eq!(clean.clean_err().to_string(), "refused");
}
