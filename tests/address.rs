//! Addressing: provider tables, key round trips, error cases.

#[path = "support/secrets.rs"]
mod secrets;
use secrets::CleanErr;

use minis3::address::{
    AddressError, AddressingStyle, BucketProblem, Endpoint, EndpointProblem, Location, Scheme, GCS_ADDRESSING_STYLE,
    GCS_REGION,
};
use minis3::sigv4::encode::{encode_path, percent_decode};

/// The S3 key-to-path rule, written out independently: every byte outside
/// `A-Z a-z 0-9 - . _ ~ /` becomes `%XX` (upper-case hex).
fn reference_encode(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The path the library must produce; `encode_path` must agree with the reference rule.
fn expected_path(path: &str) -> String {
    assert_eq!(encode_path(path), reference_encode(path));
    reference_encode(path)
}
use proptest::prelude::*;

use AddressingStyle::{Auto, Path, Virtual};

/// (what, endpoint-url, region, style, bucket, key, expected URL)
type Row =
    (&'static str, Option<&'static str>, &'static str, AddressingStyle, &'static str, &'static str, &'static str);

const KEY: &str = "channel/noarch/repodata.json";

#[rustfmt::skip]
const TABLE: &[Row] = &[
    // AWS, no endpoint: the regional endpoint, virtual host by default.
    ("aws default region", None, "us-east-1", Auto, "my-bucket", KEY,
     "https://my-bucket.s3.us-east-1.amazonaws.com/channel/noarch/repodata.json"),
    ("aws eu-central-1", None, "eu-central-1", Auto, "my-bucket", KEY,
     "https://my-bucket.s3.eu-central-1.amazonaws.com/channel/noarch/repodata.json"),
    ("aws ap-southeast-2 path", None, "ap-southeast-2", Path, "my-bucket", KEY,
     "https://s3.ap-southeast-2.amazonaws.com/my-bucket/channel/noarch/repodata.json"),
    ("aws china", None, "cn-north-1", Auto, "my-bucket", "k",
     "https://my-bucket.s3.cn-north-1.amazonaws.com.cn/k"),
    ("aws dotted bucket over https", None, "us-west-2", Auto, "my.dotted.bucket", "k",
     "https://s3.us-west-2.amazonaws.com/my.dotted.bucket/k"),
    ("aws dotted bucket, virtual forced", None, "us-west-2", Virtual, "my.dotted.bucket", "k",
     "https://my.dotted.bucket.s3.us-west-2.amazonaws.com/k"),
    ("aws legacy bucket name", None, "us-east-1", Auto, "Legacy_Bucket", "k",
     "https://s3.us-east-1.amazonaws.com/Legacy_Bucket/k"),
    ("aws bucket root", None, "us-east-1", Auto, "my-bucket", "",
     "https://my-bucket.s3.us-east-1.amazonaws.com/"),
    ("aws bucket root, path", None, "us-east-1", Path, "my-bucket", "",
     "https://s3.us-east-1.amazonaws.com/my-bucket"),
    ("aws explicit global endpoint", Some("https://s3.amazonaws.com"), "us-east-1", Auto,
     "my-bucket", "k", "https://my-bucket.s3.amazonaws.com/k"),
    // MinIO, as in rattler's path-style test.
    ("minio localhost", Some("http://localhost:9000"), "us-east-1", Auto,
     "rattler-s3-testing", KEY,
     "http://localhost:9000/rattler-s3-testing/channel/noarch/repodata.json"),
    ("minio localhost, path", Some("http://localhost:9000"), "us-east-1", Path,
     "rattler-s3-testing", KEY,
     "http://localhost:9000/rattler-s3-testing/channel/noarch/repodata.json"),
    ("localhost, virtual forced", Some("http://localhost:9000"), "us-east-1", Virtual,
     "my-bucket", "k", "http://my-bucket.localhost:9000/k"),
    // Cloudflare R2.
    ("r2", Some("https://0123abcd.eu.r2.cloudflarestorage.com"), "WEUR", Auto, "my-bucket", "k",
     "https://my-bucket.0123abcd.eu.r2.cloudflarestorage.com/k"),
    ("r2 path", Some("https://0123abcd.eu.r2.cloudflarestorage.com"), "WEUR", Path, "my-bucket",
     "k", "https://0123abcd.eu.r2.cloudflarestorage.com/my-bucket/k"),
    // Wasabi.
    ("wasabi", Some("https://s3.de-1.wasabisys.com"), "de-1", Auto, "my-bucket", KEY,
     "https://my-bucket.s3.de-1.wasabisys.com/channel/noarch/repodata.json"),
    // Backblaze B2, path style as pixi documents it.
    ("b2", Some("https://s3.us-west-004.backblazeb2.com"), "us-west-004", Path, "my-bucket", KEY,
     "https://s3.us-west-004.backblazeb2.com/my-bucket/channel/noarch/repodata.json"),
    // Google Cloud Storage through the S3 API.
    ("gcs", Some("https://storage.googleapis.com"), "us-east-1", Auto, "my-bucket", "k",
     "https://my-bucket.storage.googleapis.com/k"),
    ("gcs path", Some("https://storage.googleapis.com"), "us-east-1", Path, "my-bucket", "k",
     "https://storage.googleapis.com/my-bucket/k"),
    // Hetzner.
    ("hetzner", Some("https://fsn1.your-objectstorage.com"), "US", Auto, "my-bucket", "k",
     "https://my-bucket.fsn1.your-objectstorage.com/k"),
    // Custom endpoints: ports, default ports, prefixes.
    ("custom port", Some("https://s3.example.com:8443"), "r", Auto, "my-bucket", "k",
     "https://my-bucket.s3.example.com:8443/k"),
    ("default port dropped", Some("https://s3.example.com:443/"), "r", Auto, "my-bucket", "k",
     "https://my-bucket.s3.example.com/k"),
    ("http default port dropped", Some("http://s3.example.com:80"), "r", Path, "my-bucket", "k",
     "http://s3.example.com/my-bucket/k"),
    ("prefix", Some("https://gw.example.com/s3/"), "r", Auto, "my-bucket", "k",
     "https://gw.example.com/s3/my-bucket/k"),
    ("prefix and port", Some("http://gw.example.com:8080/a/b"), "r", Path, "my-bucket", "k",
     "http://gw.example.com:8080/a/b/my-bucket/k"),
    ("prefix, virtual forced", Some("https://gw.example.com/s3"), "r", Virtual, "my-bucket", "k",
     "https://my-bucket.gw.example.com/s3/k"),
    ("custom http endpoint, virtual by default", Some("http://custom-aws"), "r", Auto,
     "my-bucket", "k", "http://my-bucket.custom-aws/k"),
    // IP endpoints.
    ("ipv4", Some("http://127.0.0.1:9000"), "us-east-1", Auto, "my-bucket", "k",
     "http://127.0.0.1:9000/my-bucket/k"),
    ("ipv6", Some("http://[::1]:9000"), "us-east-1", Auto, "my-bucket", "k",
     "http://[::1]:9000/my-bucket/k"),
    ("ipv4 https", Some("https://10.0.0.5"), "us-east-1", Auto, "my.bucket", "k",
     "https://10.0.0.5/my.bucket/k"),
    // Dotted bucket names: https vs http.
    ("dotted over http", Some("http://s3.internal.test:8080"), "r", Auto, "my.dotted.bucket", "k",
     "http://my.dotted.bucket.s3.internal.test:8080/k"),
    ("dotted over https", Some("https://s3.internal.test:8443"), "r", Auto, "my.dotted.bucket",
     "k", "https://s3.internal.test:8443/my.dotted.bucket/k"),
    // Keys are encoded once and never normalized.
    ("key encoding, path", Some("http://localhost:9000"), "r", Auto, "bkt",
     "a b/c+d/%20/./../x//é~?#", "http://localhost:9000/bkt/a%20b/c%2Bd/%2520/./../x//%C3%A9~%3F%23"),
    ("key encoding, virtual", None, "us-east-1", Auto, "bkt", "/lead/trail/",
     "https://bkt.s3.us-east-1.amazonaws.com//lead/trail/"),
];

#[test]
fn provider_table() {
    for &(what, endpoint, region, style, bucket, key, want) in TABLE {
        let e = Endpoint::resolve(endpoint, region).unwrap_or_else(|e| panic!("{what}: {e}"));
        let u = e.request_url(style, bucket, key).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(u.to_url_string(), want, "{what}");
        assert_eq!(u.to_string(), want, "{what}");
        // The parts agree with the whole.
        let rest = want.split_once("://").unwrap().1;
        let (host, path) = rest.split_at(rest.find('/').unwrap());
        assert_eq!(u.host(), host, "{what}: host");
        assert_eq!(u.path(), path, "{what}: path");
        assert_eq!(u.scheme().as_str(), want.split_once("://").unwrap().0, "{what}");
        assert_ne!(u.style(), Auto, "{what}: a resolved style");
        assert_eq!(e.object_url(style, bucket, key).unwrap(), want, "{what}: object_url");
    }
}

#[test]
fn gcs_location_maps_to_google() {
    let loc = Location::parse("gcs://my-bucket/channel/noarch/repodata.json").unwrap();
    let Location::Gcs { bucket, key } = &loc else { panic!("{loc:?}") };
    let e = Endpoint::gcs();
    assert_eq!(e.to_string(), minis3::address::GCS_ENDPOINT);
    assert_eq!(GCS_REGION, "us-east-1");
    let u = e.request_url(GCS_ADDRESSING_STYLE, bucket, key).unwrap();
    assert_eq!(u.to_url_string(), "https://storage.googleapis.com/my-bucket/channel/noarch/repodata.json");
}

#[test]
fn https_locations() {
    let loc = Location::parse("https://my-bucket.s3.amazonaws.com/channel/a%2Bb/../c").unwrap();
    let Location::Https(u) = &loc else { panic!("{loc:?}") };
    assert_eq!(u.scheme(), Scheme::Https);
    assert_eq!(u.host_header(), "my-bucket.s3.amazonaws.com");
    assert_eq!(u.path(), "/channel/a%2Bb/../c");
    assert_eq!(u.query(), None);
    let loc = Location::parse("http://127.0.0.1:9000/b/k?x-id=1").unwrap();
    assert_eq!(loc.to_string(), "http://127.0.0.1:9000/b/k?x-id=1");
    assert_eq!(loc.bucket(), None);
}

#[test]
fn service_url_is_the_endpoint_root() {
    let e = Endpoint::parse("http://127.0.0.1:9000").unwrap();
    assert_eq!(e.service_url().to_url_string(), "http://127.0.0.1:9000/");
    let e = Endpoint::parse("https://gw.example.com/s3/").unwrap();
    assert_eq!(e.service_url().to_url_string(), "https://gw.example.com/s3");
}

fn loc_err(input: &str) -> AddressError {
    Location::parse(input).clean_expect_err(input)
}

#[test]
fn location_errors() {
    // (input, expected variant check, words the message must contain)
    type Check = fn(&AddressError) -> bool;
    #[rustfmt::skip]
    let cases: &[(&str, Check, &[&str])] = &[
        ("s3://", |e| matches!(e, AddressError::EmptyBucket { .. }), &["no bucket name", "s3://BUCKET/KEY"]),
        ("s3:///key", |e| matches!(e, AddressError::EmptyBucket { .. }), &["no bucket name"]),
        ("gcs:///key", |e| matches!(e, AddressError::EmptyBucket { .. }), &["no bucket name"]),
        ("s3://ab/k", |e| matches!(e, AddressError::InvalidBucket { problem: BucketProblem::TooShort, .. }), &["\"ab\"", "at least 3"]),
        ("s3://my bucket/k", |e| matches!(e, AddressError::InvalidBucket { problem: BucketProblem::InvalidChar(' '), .. }), &["' '", "not allowed"]),
        ("s3://bücket/k", |e| matches!(e, AddressError::InvalidBucket { problem: BucketProblem::InvalidChar('ü'), .. }), &["'ü'"]),
        ("s3://-bucket/k", |e| matches!(e, AddressError::InvalidBucket { problem: BucketProblem::BadFirst, .. }), &["start"]),
        ("s3://bucket-/k", |e| matches!(e, AddressError::InvalidBucket { problem: BucketProblem::BadLast, .. }), &["end"]),
        ("s3://a..b/k", |e| matches!(e, AddressError::InvalidBucket { problem: BucketProblem::AdjacentPeriods, .. }), &[".."]),
        ("s3://a-.b/k", |e| matches!(e, AddressError::InvalidBucket { problem: BucketProblem::PeriodNextToHyphen, .. }), &["hyphen"]),
        ("s3://a.-b/k", |e| matches!(e, AddressError::InvalidBucket { problem: BucketProblem::PeriodNextToHyphen, .. }), &["hyphen"]),
        ("s3://192.168.1.1/k", |e| matches!(e, AddressError::InvalidBucket { problem: BucketProblem::IpAddress, .. }), &["IP address"]),
        ("s3://bucket?versionId=1", |e| matches!(e, AddressError::InvalidBucket { problem: BucketProblem::InvalidChar('?'), .. }), &["'?'"]),
        ("s3://arn:aws:s3:us-west-2:123456789012:accesspoint/ap/k", |e| matches!(e, AddressError::InvalidBucket { problem: BucketProblem::Arn, .. }), &["ARN"]),
        ("ftp://host/x", |e| matches!(e, AddressError::UnsupportedScheme { scheme } if scheme == "ftp"), &["\"ftp://\"", "use s3://BUCKET/KEY"]),
        ("file:///tmp/x", |e| matches!(e, AddressError::UnsupportedScheme { .. }), &["\"file://\"", "use s3://BUCKET/KEY"]),
        ("gs://bucket/x", |e| matches!(e, AddressError::UnsupportedScheme { .. }), &["gcs://BUCKET/KEY"]),
        ("bucket/key", |e| matches!(e, AddressError::MissingScheme { .. }), &["\"bucket/key\"", "use s3://BUCKET/KEY"]),
        ("", |e| matches!(e, AddressError::MissingScheme { .. }), &["use s3://BUCKET/KEY"]),
        ("s3:/bucket/key", |e| matches!(e, AddressError::MissingScheme { .. }), &["use s3://BUCKET/KEY"]),
        ("/tmp/a://b", |e| matches!(e, AddressError::MissingScheme { .. }), &["use s3://BUCKET/KEY"]),
        ("https://", |e| matches!(e, AddressError::InvalidUrl { problem: EndpointProblem::MissingHost, .. }), &["no host"]),
        ("https://user:pw@host/x", |e| matches!(e, AddressError::InvalidUrl { problem: EndpointProblem::HasCredentials, .. }), &["user:password@"]),
        ("https://host:99999/x", |e| matches!(e, AddressError::InvalidUrl { problem: EndpointProblem::Malformed(_), .. }), &["port"]),
    ];
    for (input, check, words) in cases {
        let e = loc_err(input);
        assert!(check(&e), "{input:?} gave {e:?}");
        let msg = e.to_string();
        for w in *words {
            assert!(msg.contains(w), "{input:?}: {msg:?} lacks {w:?}");
        }
        assert!(!msg.contains('\n'), "{msg:?}");
    }
    let long = format!("s3://{}/k", "a".repeat(64));
    assert!(matches!(loc_err(&long), AddressError::InvalidBucket { problem: BucketProblem::TooLong, .. }));
    // Even with control characters in the input, the message is one line.
    assert!(!loc_err("bucket\n/key").to_string().contains('\n'));
    assert!(!loc_err("s3://bad\nbucket/k").to_string().contains('\n'));
}

#[test]
fn endpoint_and_building_errors() {
    let ep = |s: &str| match Endpoint::parse(s) {
        Err(AddressError::InvalidEndpoint { problem, .. }) => problem,
        other => panic!("{s}: {other:?}"),
    };
    assert_eq!(ep("localhost:9000"), EndpointProblem::MissingScheme);
    assert_eq!(ep("s3.us-west-004.backblazeb2.com"), EndpointProblem::MissingScheme);
    assert_eq!(ep("s3://bucket"), EndpointProblem::UnsupportedScheme("s3".into()));
    assert_eq!(ep("https://h/?x=1"), EndpointProblem::HasQuery);
    assert_eq!(ep("https://h/#x"), EndpointProblem::HasFragment);
    assert_eq!(ep("https://k:s@h"), EndpointProblem::HasCredentials);
    let msg = Endpoint::parse("localhost:9000").clean_err().to_string();
    assert!(msg.contains("no scheme") && msg.contains("https://"), "{msg}");

    assert_eq!(Endpoint::resolve(None, ""), Err(AddressError::MissingRegion));
    assert!(AddressError::MissingRegion.to_string().contains("region"));
    assert!(matches!(Endpoint::resolve(None, "us-east-1.evil.com/"), Err(AddressError::InvalidRegion { .. })));
    // A custom endpoint does not need the region.
    assert!(Endpoint::resolve(Some("http://127.0.0.1:9000"), "").is_ok());

    let ip = Endpoint::parse("http://127.0.0.1:9000").unwrap();
    let e = ip.request_url(Virtual, "my-bucket", "k").clean_err();
    assert!(matches!(e, AddressError::VirtualHostUnavailable { .. }));
    assert!(e.to_string().contains("IP address") && e.to_string().contains("path style"));
    let aws = Endpoint::aws("us-east-1").unwrap();
    assert!(matches!(aws.request_url(Virtual, "Legacy_Bucket", "k"), Err(AddressError::VirtualHostUnavailable { .. })));
    assert!(matches!(aws.request_url(Auto, "", "k"), Err(AddressError::EmptyBucket { .. })));
    assert!(matches!(
        aws.request_url(Path, "a/b", "k"),
        Err(AddressError::InvalidBucket { problem: BucketProblem::InvalidChar('/'), .. })
    ));
    assert!(matches!("sideways".parse::<AddressingStyle>(), Err(AddressError::InvalidAddressingStyle { .. })));
}

/// Keys made of the characters that go wrong: unicode, `+`, spaces, `%`, `~`, `/`, `.`, `?`, `#`.
fn key_strategy() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        Just('/'),
        Just('.'),
        Just('%'),
        Just('+'),
        Just(' '),
        Just('~'),
        Just('?'),
        Just('#'),
        Just('&'),
        Just('='),
        Just('é'),
        Just('ሴ'),
        Just('😀'),
        Just('\u{0}'),
        Just('\\'),
        any::<char>(),
        proptest::char::range('a', 'z'),
    ];
    proptest::collection::vec(ch, 1..40).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #[test]
    fn key_round_trips(bucket in "[a-z0-9][a-z0-9-]{1,20}[a-z0-9]", key in key_strategy()) {
        let input = format!("s3://{bucket}/{key}");
        let loc = Location::parse(&input).unwrap();
        prop_assert_eq!(loc.bucket(), Some(bucket.as_str()));
        prop_assert_eq!(loc.key(), Some(key.as_str()));
        prop_assert_eq!(Location::parse(&loc.to_string()).unwrap(), loc.clone());

        let minio = Endpoint::parse("http://127.0.0.1:9000").unwrap();
        let u = minio.request_url(Auto, &bucket, &key).unwrap();
        prop_assert_eq!(u.path(), expected_path(&format!("/{bucket}/{key}")));
        let encoded_key = u.path().strip_prefix(&format!("/{bucket}/")).unwrap();
        prop_assert_eq!(percent_decode(encoded_key), Some(key.clone()));

        let aws = Endpoint::aws("eu-west-1").unwrap();
        let v = aws.request_url(Auto, &bucket, &key).unwrap();
        prop_assert_eq!(v.style(), Virtual);
        prop_assert_eq!(v.host(), format!("{bucket}.s3.eu-west-1.amazonaws.com"));
        prop_assert_eq!(percent_decode(&v.path()[1..]), Some(key.clone()));

        let prefixed = Endpoint::parse("https://gw.example.com:8443/s3").unwrap();
        let p = prefixed.request_url(Auto, &bucket, &key).unwrap();
        prop_assert_eq!(p.path(), format!("/s3{}", expected_path(&format!("/{bucket}/{key}"))));
        // The path is all ASCII, with no character that needs escaping in a request line.
        prop_assert!(p.path().bytes().all(|b| b.is_ascii_graphic() && b != b'?' && b != b'#'));
    }

    #[test]
    fn parsing_never_panics(input in ".*") {
        if let Ok(loc) = Location::parse(&input) {
            prop_assert_eq!(Location::parse(&loc.to_string()).unwrap(), loc);
        } else if let Err(e) = Location::parse(&input) {
            prop_assert!(!e.to_string().contains('\n'));
        }
        let _ = Endpoint::parse(&input);
    }

    #[test]
    fn s3_prefix_never_panics(rest in ".*") {
        let _ = Location::parse(&format!("s3://{rest}"));
        let _ = Location::parse(&format!("https://{rest}"));
        let _ = Endpoint::parse(&format!("http://{rest}"));
    }
}
