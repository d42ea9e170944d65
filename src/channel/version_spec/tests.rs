use super::*;
use crate::test_secrets::CleanErr;

fn m(spec: &str, version: &str) -> bool {
    VersionSpec::parse(spec).unwrap_or_else(|e| panic!("{e}")).matches(&Version::parse(version).unwrap())
}

#[test]
fn operators() {
    assert!(m("==1.2", "1.2.0"));
    assert!(!m("!=1.2", "1.2"));
    assert!(m(">1.2", "1.2.1") && !m(">1.2", "1.2"));
    assert!(m(">=1.2", "1.2") && m("<1.3", "1.2.9") && m("<=1.2", "1.2"));
    assert!(m("~=1.2", "1.9") && !m("~=1.2", "2.0"));
    assert!(m("=1.2", "1.2.5") && !m("=1.2", "1.20"));
    assert!(m("1.2.*", "1.2.5") && m("1.2*", "1.2.5"));
    assert!(m("1.2", "1.2.0") && !m("1.2", "1.2.1"));
    assert!(m("*", "0.1") && m("*.*", "7"));
}

#[test]
fn and_binds_tighter_than_or() {
    assert!(m(">=1,<2|>=3", "3.5"));
    assert!(m(">=1,<2|>=3", "1.5"));
    assert!(!m(">=1,<2|>=3", "2.5"));
    assert!(!m(">=1,(<2|>=3)", "0.5"));
    assert!(m("(1.2.*|1.3.*) , !=1.3.1", "1.3.2"));
    assert_eq!(VersionSpec::parse(">=1,(<2|>3)").unwrap().to_string(), ">=1,(<2|>3)");
}

#[test]
fn lenient_legacy_forms() {
    assert!(m(">=1.2.*", "1.2") && m("!=1.2.*", "1.3") && !m("!=1.2.*", "1.2.7"));
    assert!(m("2023.*.*", "2023.1") && m("==1.2.*", "1.2") && !m("==1.2.*", "1.2.1"));
    assert!(m(">=*", "1") && m("==*", "1"));
    assert!(m("1.2-*", "1.2-") && !m("1.2-*", "1.2-3"));
}

#[test]
fn rejected() {
    for s in [
        "", " 1.2", ">= 1.2", "1.2 ", ">*", "!=*", "<>1", "=>1", "1.*.2", "^1.2$", "1.2$", "(1.2", "1.2)", "1,", "|1",
        "1..2",
    ] {
        let e = VersionSpec::parse(s).clean_err();
        assert!(e.to_string().contains(&format!("'{s}'")), "{e}");
    }
    let deep = format!("{}1{}", "(".repeat(100), ")".repeat(100));
    assert_eq!(VersionSpec::parse(&deep).clean_err().kind(), &VersionSpecErrorKind::TooDeep);
}
