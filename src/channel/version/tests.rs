use super::*;
use crate::test_secrets::CleanErr;

fn v(s: &str) -> Version {
    Version::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn conda_test_suite_order() {
    // From conda's test_version.py (as rattler's tests use it): each is less than the next,
    // except `==` which equals the previous.
    let chain = [
        "0.4",
        "==0.4.0",
        "0.4.1.rc",
        "==0.4.1.RC",
        "0.4.1",
        "0.5a1",
        "0.5b3",
        "0.5C1",
        "0.5",
        "0.9.6",
        "0.960923",
        "1.0",
        "1.1dev1",
        "1.1a1",
        "1.1.0dev1",
        "==1.1.dev1",
        "1.1.a1",
        "1.1.0rc1",
        "1.1.0",
        "==1.1",
        "1.1.0post1",
        "==1.1.post1",
        "1.1post1",
        "1996.07.12",
        "1!0.4.1",
        "1!3.1.1.6",
        "2!0.4.1",
    ];
    let mut prev: Option<Version> = None;
    for item in chain {
        let (eq, s) = match item.strip_prefix("==") {
            Some(s) => (true, s),
            None => (false, item),
        };
        let cur = v(s);
        if let Some(p) = &prev {
            if eq {
                assert_eq!(p, &cur, "{p} == {cur}");
            } else {
                assert!(p < &cur, "{p} < {cur}");
            }
        }
        prev = Some(cur);
    }
}

#[test]
fn pre_and_post_releases_trailing_zeros_openssl() {
    assert!(v("1.0dev1") < v("1.0a1"));
    assert!(v("1.0a1") < v("1.0alpha1"));
    assert!(v("1.0b1") < v("1.0rc1"));
    assert!(v("1.0rc1") < v("1.0"));
    assert!(v("1.0") < v("1.0post1"));
    assert_eq!(v("1.0"), v("1.0.0"));
    assert_eq!(v("1"), v("1.0.0.0"));
    // openssl-style letters: a string sorts below the implicit 0, so 1.1.1a < 1.1.1 (rattler
    // and conda agree), while the letters order among themselves and below 1.1.2.
    assert!(v("1.1.1a") < v("1.1.1"));
    assert!(v("1.1.1a") < v("1.1.1b"));
    assert!(v("1.1.1w") < v("1.1.2"));
    assert!(v("1.0_") < v("1.0a"));
    assert!(v("2.0") < v("1!1.0"));
    assert!(v("1.0") < v("1.0+1"));
    assert_eq!(v("1.0-"), v("1.0_"));
    assert!(!v("1.0-").exactly_equals(&v("1.0_")));
    assert_eq!(v("1.0A"), v("1.0a"));
}

#[test]
fn display_round_trips_the_input() {
    for s in ["1.0A", "1!2.0-rc1", "1.0.1_", "1__", "3.12.0+Local.2", "01.02"] {
        assert_eq!(v(s).to_string(), s);
    }
}

#[test]
fn invalid_versions_name_the_input() {
    for (s, kind) in [
        ("", VersionErrorKind::Empty),
        ("1..2", VersionErrorKind::UnexpectedCharacters),
        ("1-2_3", VersionErrorKind::MixedDashesAndUnderscores),
        ("1+", VersionErrorKind::ExpectedComponent),
        ("1.*", VersionErrorKind::UnexpectedCharacters),
        ("99999999999999999999", VersionErrorKind::InvalidNumber),
        ("99999999999999999999!1", VersionErrorKind::EpochNotANumber),
        ("1___", VersionErrorKind::UnexpectedCharacters),
    ] {
        let e = Version::parse(s).clean_err();
        assert_eq!(e.kind(), kind, "{s:?}");
        assert!(e.to_string().contains(&format!("'{s}'")), "{e}");
    }
}

#[test]
fn starts_with_and_compatible() {
    assert!(v("1.2.3").starts_with(&v("1.2")));
    assert!(v("1.2").starts_with(&v("1.2.0")));
    assert!(!v("1.20").starts_with(&v("1.2")));
    assert!(v("1.2.3").compatible_with(&v("1.2")));
    assert!(v("1.9").compatible_with(&v("1.2")));
    assert!(!v("2.0").compatible_with(&v("1.2")));
    assert!(!v("1.1").compatible_with(&v("1.2")));
}

#[test]
fn hash_agrees_with_equality() {
    use std::collections::hash_map::DefaultHasher;
    let h = |x: &Version| {
        let mut s = DefaultHasher::new();
        x.hash(&mut s);
        s.finish()
    };
    assert_eq!(h(&v("1.0")), h(&v("1.0.0")));
    assert_eq!(h(&v("1.0A")), h(&v("1.0a")));
    assert_eq!(h(&v("1.0-")), h(&v("1.0_")));
}
