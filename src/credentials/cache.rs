//! Caching and refresh: credentials are reused until five minutes before they expire, then
//! fetched again. Readers share a read lock; one refresh runs at a time (others wait for it and
//! take its result). When a refresh fails while the old credentials have not expired yet, the
//! old ones are returned (a short STS or IMDS outage does not break running transfers).

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use crate::clock::Clock;

use super::provider::{AwsCredentials, CredentialsProvider, ProviderError};

/// How long before expiry credentials are refreshed.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// A provider that caches another one's credentials.
#[derive(Debug)]
pub struct CachedProvider {
    inner: Box<dyn CredentialsProvider>,
    clock: Arc<dyn Clock>,
    margin: Duration,
    cached: RwLock<Option<AwsCredentials>>,
    refresh: Mutex<()>,
}

impl CachedProvider {
    /// Caches `inner`, judging expiry by `clock`.
    pub fn new(inner: Box<dyn CredentialsProvider>, clock: Arc<dyn Clock>) -> Self {
        Self { inner, clock, margin: REFRESH_MARGIN, cached: RwLock::new(None), refresh: Mutex::new(()) }
    }

    /// The same with another refresh margin.
    pub fn with_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Forgets the cached credentials (e.g. after the server said they were revoked).
    pub fn invalidate(&self) {
        if let Ok(mut c) = self.cached.write() {
            *c = None;
        }
    }

    fn fresh(&self, c: &AwsCredentials, now: SystemTime) -> bool {
        match c.expiry {
            None => true,
            Some(exp) => exp.checked_sub(self.margin).is_some_and(|t| now < t),
        }
    }

    fn current(&self) -> Option<AwsCredentials> {
        self.cached.read().ok().and_then(|c| c.clone())
    }
}

impl CredentialsProvider for CachedProvider {
    fn credentials(&self) -> Result<AwsCredentials, ProviderError> {
        let now = self.clock.now();
        if let Some(c) = self.current().filter(|c| self.fresh(c, now)) {
            return Ok(c);
        }
        // One refresh at a time; a poisoned lock only means another refresh panicked.
        let _guard = self.refresh.lock().unwrap_or_else(|p| p.into_inner());
        let now = self.clock.now();
        let old = self.current();
        if let Some(c) = old.as_ref().filter(|c| self.fresh(c, now)) {
            return Ok(c.clone());
        }
        match self.inner.credentials() {
            Ok(c) => {
                if let Ok(mut slot) = self.cached.write() {
                    *slot = Some(c.clone());
                }
                Ok(c)
            }
            Err(e) => match old {
                Some(c) if c.expiry.is_some_and(|exp| now < exp) => Ok(c),
                _ => Err(e),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::provider::CredentialSource;
    use crate::sigv4::Credentials;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::UNIX_EPOCH;

    #[derive(Debug, Default)]
    struct Counting {
        calls: AtomicU64,
        fail_after: Option<u64>,
    }

    impl CredentialsProvider for Counting {
        fn credentials(&self) -> Result<AwsCredentials, ProviderError> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            if self.fail_after.is_some_and(|f| n > f) {
                return Err(ProviderError::not_configured("test", "down"));
            }
            std::thread::sleep(Duration::from_millis(20));
            let mut c = AwsCredentials::new(Credentials::new(format!("AKID{n}"), "S"), CredentialSource::Explicit);
            c.expiry = Some(UNIX_EPOCH + Duration::from_secs(10_000));
            Ok(c)
        }
    }

    #[derive(Debug)]
    struct Stepped(AtomicU64);
    impl Clock for Stepped {
        fn now(&self) -> SystemTime {
            UNIX_EPOCH + Duration::from_secs(self.0.load(Ordering::SeqCst))
        }
    }

    #[test]
    fn refreshes_five_minutes_before_expiry_once_across_threads() {
        let clock = Arc::new(Stepped(AtomicU64::new(1000)));
        let cache = Arc::new(CachedProvider::new(Box::new(Counting::default()), clock.clone()));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let c = cache.clone();
                std::thread::spawn(move || c.credentials().unwrap().creds.access_key_id().to_string())
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap(), "AKID1");
        }
        clock.0.store(10_000 - 301, Ordering::SeqCst);
        assert_eq!(cache.credentials().unwrap().creds.access_key_id(), "AKID1");
        clock.0.store(10_000 - 299, Ordering::SeqCst);
        assert_eq!(cache.credentials().unwrap().creds.access_key_id(), "AKID2");
    }

    #[test]
    fn keeps_unexpired_credentials_when_refresh_fails() {
        let clock = Arc::new(Stepped(AtomicU64::new(1000)));
        let inner = Counting { fail_after: Some(1), ..Counting::default() };
        let cache = CachedProvider::new(Box::new(inner), clock.clone());
        cache.credentials().unwrap();
        clock.0.store(9_900, Ordering::SeqCst);
        assert_eq!(cache.credentials().unwrap().creds.access_key_id(), "AKID1");
        clock.0.store(10_001, Ordering::SeqCst);
        assert!(cache.credentials().is_err());
    }
}
