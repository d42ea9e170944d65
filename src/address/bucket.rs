//! Bucket-name rules: which names are accepted, and which can be a DNS label.

use super::error::{AddressError, BucketProblem};

/// Checks a bucket name against the S3 naming rules.
///
/// Rules enforced: 3 to 63 characters; only ASCII letters, digits, `.`, `-` and `_`; first
/// and last character a letter or digit; no `..`, `.-` or `-.`; not formatted as an IPv4
/// address. Uppercase letters and `_` are accepted because real servers hold such names
/// (legacy `us-east-1` buckets, Ceph's relaxed names, MinIO's non-strict mode); such buckets
/// are not [DNS-compatible](is_dns_compatible) and are always addressed in path style.
///
/// ```
/// use minis3::address::validate_bucket;
/// assert!(validate_bucket("my-bucket.example").is_ok());
/// assert!(validate_bucket("ab").is_err());
/// assert!(validate_bucket("192.168.5.4").is_err());
/// ```
pub fn validate_bucket(bucket: &str) -> Result<(), AddressError> {
    let err = |problem| Err(AddressError::InvalidBucket { bucket: bucket.to_owned(), problem });
    if bucket.is_empty() {
        return Err(AddressError::EmptyBucket { input: bucket.to_owned() });
    }
    if bucket.starts_with("arn:") {
        return err(BucketProblem::Arn);
    }
    if let Some(c) = bucket.chars().find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))) {
        return err(BucketProblem::InvalidChar(c));
    }
    // Only ASCII from here on, so byte length is character count.
    if bucket.len() < 3 {
        return err(BucketProblem::TooShort);
    }
    if bucket.len() > 63 {
        return err(BucketProblem::TooLong);
    }
    let bytes = bucket.as_bytes();
    if !bytes[0].is_ascii_alphanumeric() {
        return err(BucketProblem::BadFirst);
    }
    if !bytes[bytes.len() - 1].is_ascii_alphanumeric() {
        return err(BucketProblem::BadLast);
    }
    if bucket.contains("..") {
        return err(BucketProblem::AdjacentPeriods);
    }
    if bucket.contains(".-") || bucket.contains("-.") {
        return err(BucketProblem::PeriodNextToHyphen);
    }
    if is_ipv4_formatted(bucket) {
        return err(BucketProblem::IpAddress);
    }
    Ok(())
}

/// Whether a [valid](validate_bucket) bucket name can be the first labels of a host name:
/// no uppercase letters and no `_`. Names with dots are DNS-compatible but do not match a
/// TLS wildcard certificate, which is why [`AddressingStyle::Auto`](super::AddressingStyle)
/// puts them in the path over `https`.
///
/// ```
/// use minis3::address::is_dns_compatible;
/// assert!(is_dns_compatible("logs.example.com"));
/// assert!(!is_dns_compatible("Legacy_Bucket"));
/// ```
pub fn is_dns_compatible(bucket: &str) -> bool {
    validate_bucket(bucket).is_ok()
        && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
}

/// Four dot-separated groups of decimal digits, as S3 defines "formatted as an IP address".
fn is_ipv4_formatted(s: &str) -> bool {
    let mut groups = 0;
    for part in s.split('.') {
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        groups += 1;
    }
    groups == 4
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(b: &str) -> Option<BucketProblem> {
        match validate_bucket(b) {
            Ok(()) => None,
            Err(AddressError::InvalidBucket { problem, .. }) => Some(problem),
            Err(e) => panic!("unexpected {e:?}"),
        }
    }

    #[test]
    fn accepts_valid_names() {
        for b in [
            "abc",
            "my-bucket",
            "a.b.c",
            "rattler-s3-testing",
            "0123456789",
            &"a".repeat(63),
            "xn--bucket",
            "1.2.3",
            "1.2.3.4.5",
            "Legacy_Bucket",
        ] {
            assert_eq!(problem(b), None, "{b}");
        }
    }

    #[test]
    fn rejects_invalid_names() {
        assert_eq!(problem("ab"), Some(BucketProblem::TooShort));
        assert_eq!(problem(&"a".repeat(64)), Some(BucketProblem::TooLong));
        assert_eq!(problem("my bucket"), Some(BucketProblem::InvalidChar(' ')));
        assert_eq!(problem("bücket"), Some(BucketProblem::InvalidChar('ü')));
        assert_eq!(problem("-abc"), Some(BucketProblem::BadFirst));
        assert_eq!(problem("abc."), Some(BucketProblem::BadLast));
        assert_eq!(problem("a..b"), Some(BucketProblem::AdjacentPeriods));
        assert_eq!(problem("a.-b"), Some(BucketProblem::PeriodNextToHyphen));
        assert_eq!(problem("a-.b"), Some(BucketProblem::PeriodNextToHyphen));
        assert_eq!(problem("192.168.5.4"), Some(BucketProblem::IpAddress));
        assert_eq!(problem("arn:aws:s3:us-west-2:123456789012:accesspoint/ap"), Some(BucketProblem::Arn));
        assert!(matches!(validate_bucket(""), Err(AddressError::EmptyBucket { .. })));
    }

    #[test]
    fn dns_compatibility() {
        assert!(is_dns_compatible("my.bucket"));
        assert!(!is_dns_compatible("MyBucket"));
        assert!(!is_dns_compatible("my_bucket"));
        assert!(!is_dns_compatible("a..b"));
    }
}
