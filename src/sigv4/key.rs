//! The derived signing key (`kSigning`) and a cache of them.

use std::fmt;
use std::sync::Mutex;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::Credentials;

type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA256 of `data` under `key`.
pub(crate) fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The key that signs every string for one (secret, date, region, service):
/// `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
///
/// It holds the HMAC state already keyed, so signing a string costs only the message blocks.
/// `Debug` never prints the key.
#[derive(Clone)]
pub struct SigningKey {
    bytes: [u8; 32],
    keyed: HmacSha256,
}

impl SigningKey {
    /// Derives the key for `date` (`YYYYMMDD`), `region` and `service`.
    ///
    /// ```
    /// use minis3::sigv4::SigningKey;
    /// let k = SigningKey::derive("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3");
    /// assert_eq!(hex::encode(k.as_bytes()), "dbb893acc010964918f1fd433add87c70e8b0db6be30c1fbeafefa5ec6ba8378");
    /// ```
    pub fn derive(secret_access_key: &str, date: &str, region: &str, service: &str) -> Self {
        // "AWS4" + secret, on the stack when it fits in one HMAC block (it always does for AWS keys).
        let secret = secret_access_key.as_bytes();
        let k_date = if secret.len() <= 60 {
            let mut first = [0u8; 64];
            first[..4].copy_from_slice(b"AWS4");
            first[4..4 + secret.len()].copy_from_slice(secret);
            let k = hmac(&first[..4 + secret.len()], date.as_bytes());
            first.iter_mut().for_each(|b| *b = 0);
            k
        } else {
            let mut first = Vec::with_capacity(4 + secret.len());
            first.extend_from_slice(b"AWS4");
            first.extend_from_slice(secret);
            let k = hmac(&first, date.as_bytes());
            first.iter_mut().for_each(|b| *b = 0);
            k
        };
        let k_region = hmac(&k_date, region.as_bytes());
        let k_service = hmac(&k_region, service.as_bytes());
        Self::from_bytes(hmac(&k_service, b"aws4_request"))
    }

    /// A key from its 32 raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        let keyed = HmacSha256::new_from_slice(&bytes).expect("HMAC takes keys of any length");
        Self { bytes, keyed }
    }

    /// The raw key bytes. Treat them like the secret they come from.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// HMAC-SHA256 of `data` under this key.
    pub fn sign(&self, data: &[u8]) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// [`SigningKey::sign`], as 64 lower-case hex digits.
    pub fn sign_hex(&self, data: &[u8]) -> String {
        super::encode::to_hex(&self.sign(data))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

struct Entry {
    access_key_id: String,
    secret: String,
    date: String,
    region: String,
    service: String,
    key: SigningKey,
}

/// A small thread-safe cache of derived signing keys, keyed by
/// (access key id, secret, date, region, service).
///
/// The secret is part of the key, so a secret rotated on the same day never reuses the old
/// signing key. At most [`SigningKeyCache::CAPACITY`] keys are kept; the least recently used
/// one is evicted.
///
/// ```
/// use minis3::sigv4::{Credentials, SigningKeyCache};
/// let cache = SigningKeyCache::new();
/// let c = Credentials::new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
/// let a = cache.get(&c, "20130524", "us-east-1", "s3");
/// let b = cache.get(&c, "20130524", "us-east-1", "s3");
/// assert_eq!(a.as_bytes(), b.as_bytes());
/// ```
pub struct SigningKeyCache {
    entries: Mutex<Vec<Entry>>,
}

impl Default for SigningKeyCache {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for SigningKeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.entries.lock().map(|e| e.len()).unwrap_or(0);
        write!(f, "SigningKeyCache({n} keys)")
    }
}

impl SigningKeyCache {
    /// How many keys the cache keeps.
    pub const CAPACITY: usize = 16;

    /// An empty cache.
    pub const fn new() -> Self {
        Self { entries: Mutex::new(Vec::new()) }
    }

    /// The signing key for these credentials and scope, derived on first use.
    pub fn get(&self, creds: &Credentials, date: &str, region: &str, service: &str) -> SigningKey {
        let mut entries = match self.entries.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(i) = entries.iter().position(|e| {
            e.date == date
                && e.region == region
                && e.service == service
                && e.access_key_id == creds.access_key_id()
                && e.secret == creds.secret_access_key()
        }) {
            if i != 0 {
                let e = entries.remove(i);
                entries.insert(0, e);
            }
            return entries[0].key.clone();
        }
        let key = SigningKey::derive(creds.secret_access_key(), date, region, service);
        if entries.len() >= Self::CAPACITY {
            entries.pop();
        }
        entries.insert(
            0,
            Entry {
                access_key_id: creds.access_key_id().to_owned(),
                secret: creds.secret_access_key().to_owned(),
                date: date.to_owned(),
                region: region.to_owned(),
                service: service.to_owned(),
                key: key.clone(),
            },
        );
        key
    }

    /// How many keys are cached now.
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotated_secret_on_the_same_day_gets_a_new_key() {
        let cache = SigningKeyCache::new();
        let old = Credentials::new("AKID", "secret-one");
        let new = Credentials::new("AKID", "secret-two");
        let a = cache.get(&old, "20240101", "us-east-1", "s3");
        let b = cache.get(&new, "20240101", "us-east-1", "s3");
        assert_ne!(a.as_bytes(), b.as_bytes());
        assert_eq!(b.as_bytes(), SigningKey::derive("secret-two", "20240101", "us-east-1", "s3").as_bytes());
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn every_scope_part_is_in_the_cache_key() {
        let cache = SigningKeyCache::new();
        let c = Credentials::new("AKID", "s");
        let base = cache.get(&c, "20240101", "r", "s3");
        for (d, r, s) in [("20240102", "r", "s3"), ("20240101", "r2", "s3"), ("20240101", "r", "sts")] {
            let k = cache.get(&c, d, r, s);
            assert_ne!(k.as_bytes(), base.as_bytes());
            assert_eq!(k.as_bytes(), SigningKey::derive("s", d, r, s).as_bytes());
        }
        let other_id = cache.get(&Credentials::new("AKID2", "s"), "20240101", "r", "s3");
        assert_eq!(other_id.as_bytes(), base.as_bytes(), "same secret and scope derive the same key");
        assert_eq!(cache.len(), 5);
    }

    #[test]
    fn capacity_is_bounded() {
        let cache = SigningKeyCache::new();
        let c = Credentials::new("AKID", "s");
        for i in 0..40 {
            cache.get(&c, &format!("2024{i:04}"), "r", "s3");
        }
        assert_eq!(cache.len(), SigningKeyCache::CAPACITY);
    }

    #[test]
    fn debug_hides_key_material() {
        let k = SigningKey::derive("topsecret", "20240101", "r", "s3");
        let shown = format!("{k:?}");
        assert!(!shown.contains(&hex::encode(k.as_bytes())[..8]));
        assert_eq!(shown, "SigningKey(<redacted>)");
    }
}
