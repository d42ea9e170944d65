use super::*;
use crate::test_secrets::CleanErr;

fn spec(s: &str) -> MatchSpec {
    MatchSpec::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

fn rec<'a>(name: &'a str, v: &'a Version, build: &'a str, n: u64) -> Candidate<'a> {
    Candidate::new(name, v, build, n, "linux-64")
}

#[test]
fn forms_from_the_issue() {
    let v126 = Version::parse("1.26.0").unwrap();
    let v2 = Version::parse("2.0").unwrap();
    let numpy = rec("numpy", &v126, "py312_0", 3);
    assert!(spec("numpy").matches(&numpy));
    assert!(spec("NumPy").matches(&numpy));
    assert!(spec("numpy*").matches(&numpy) && spec("*py*").matches(&numpy));
    assert!(!spec("Numpy*").matches(&numpy), "name globs are case-sensitive, as in rattler");
    assert!(spec("numpy >=1.26,<2").matches(&numpy));
    assert!(!spec("numpy >=1.26,<2").matches(&rec("numpy", &v2, "py312_0", 3)));
    assert!(spec("numpy=1.26").matches(&numpy));
    assert!(spec("numpy=1.26=*_0").matches(&rec("numpy", &Version::parse("1.26").unwrap(), "py312_0", 0)));
    let v1261 = Version::parse("1.26.1").unwrap();
    let numpy1261 = rec("numpy", &v1261, "py312_0", 3);
    assert!(spec("numpy=1.26").matches(&numpy1261));
    assert!(!spec("numpy=1.26=*_0").matches(&numpy1261), "with a build, =1.26 is ==1.26");
    assert!(spec("numpy==1.26.0=py312_0").matches(&numpy));
    assert!(spec("numpy 1.26.0 PY312_0").matches(&numpy));
    assert!(spec("numpy[build_number=3]").matches(&numpy));
    assert!(spec("numpy[build_number='>=3']").matches(&numpy));
    assert!(!spec("numpy[build_number='>3']").matches(&numpy));
    assert!(spec("numpy[version='>=1.2']").matches(&numpy));
    assert!(spec("numpy[build=*_0]").matches(&numpy));
    assert!(spec("python 3.12.*").matches(&rec("python", &Version::parse("3.12.1").unwrap(), "h_0", 0)));
}

#[test]
fn prefixes_and_fields() {
    let s = spec("conda-forge/linux-64::numpy >=1");
    assert_eq!(s.channel.as_deref(), Some("conda-forge"));
    assert_eq!(s.subdir.as_deref(), Some("linux-64"));
    let s = spec("s3://bucket/channel::numpy");
    assert_eq!(s.channel.as_deref(), Some("s3://bucket/channel"));
    assert_eq!(spec("ns:numpy").namespace.as_deref(), Some("ns"));
    let md5 = "0123456789abcdef0123456789ABCDEF";
    let s = spec(&format!("numpy[md5={md5}, subdir=osx-arm64]"));
    assert_eq!(s.md5.as_deref(), Some(md5.to_ascii_lowercase().as_str()));
    let v = Version::parse("1").unwrap();
    let mut c = rec("numpy", &v, "0", 0);
    assert!(!s.matches(&c));
    c.md5 = Some(md5);
    assert!(s.matches(&c), "rattler does not match on subdir");
    assert!(!s.matches_in(&c));
    c.subdir = "osx-arm64";
    assert!(s.matches_in(&c));
    assert!(MatchSpec::parse("numpy[md5=abc]").is_err());
    assert!(MatchSpec::parse("numpy[sha256=00]").is_err());
}

#[test]
fn unsupported_and_invalid_are_errors() {
    for s in [
        "",
        "   ",
        "^num.*$",
        "numpy[build=^py.*$]",
        "https://x.org/numpy-1.0-0.conda",
        "/tmp/numpy-1.0-0.conda",
        "numpy[extras=[a]]",
        "numpy[foo=bar]",
        "num py[",
        "numpy ; if x",
        "nu$mpy",
        "numpy[version='>=1'",
        "numpy***",
    ] {
        let e = MatchSpec::parse(s).clean_expect_err(s);
        assert!(e.to_string().starts_with("invalid match spec"), "{e}");
    }
}

#[test]
fn newest_by_version_then_build_number_then_timestamp() {
    let v1 = Version::parse("1.0").unwrap();
    let v2 = Version::parse("2.0").unwrap();
    let mut cands = vec![
        rec("numpy", &v1, "a", 9),
        rec("numpy", &v2, "a", 0),
        rec("numpy", &v2, "b", 1),
        rec("numpy", &v2, "c", 1),
        rec("scipy", &v2, "a", 7),
    ];
    cands[3].timestamp = Some(5);
    assert_eq!(newest(&spec("numpy"), &cands), Some(3));
    assert_eq!(newest(&spec("numpy <2"), &cands), Some(0));
    assert_eq!(newest(&spec("pandas"), &cands), None);
    cands[3].timestamp = None;
    assert_eq!(newest(&spec("numpy"), &cands), Some(2), "a full tie keeps the first");
}
