//! Caching and refresh of Google tokens: a token is reused until four minutes before it
//! expires (google-cloud-auth's margin; for a token living less than eight minutes, until half
//! its life is over), then fetched again. Readers share a read lock; one refresh runs at a time
//! and the others wait for it and take its result. When a refresh fails while the old token has
//! not expired yet, the old one is returned.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use crate::clock::Clock;

use super::{GcsAuthError, GcsToken, TokenSource};

/// How long before expiry a token is refreshed (google-cloud-auth's `NORMAL_REFRESH_SLACK`).
pub const REFRESH_MARGIN: Duration = Duration::from_secs(240);

#[derive(Debug)]
struct Entry {
    token: GcsToken,
    /// From when on a refresh is due (`None`: never, the token has no expiry).
    refresh_at: Option<SystemTime>,
}

/// A token source that caches another one's tokens.
#[derive(Debug)]
pub struct CachedTokenSource {
    inner: Box<dyn TokenSource>,
    clock: Arc<dyn Clock>,
    cached: RwLock<Option<Entry>>,
    refresh: Mutex<()>,
}

impl CachedTokenSource {
    /// Caches `inner`, judging expiry by `clock`.
    pub fn new(inner: Box<dyn TokenSource>, clock: Arc<dyn Clock>) -> Self {
        Self { inner, clock, cached: RwLock::new(None), refresh: Mutex::new(()) }
    }

    /// Forgets the cached token (e.g. after the server answered 401).
    pub fn invalidate(&self) {
        if let Ok(mut c) = self.cached.write() {
            *c = None;
        }
    }

    fn fresh(&self, now: SystemTime) -> Option<GcsToken> {
        let c = self.cached.read().ok()?;
        let e = c.as_ref()?;
        e.refresh_at.is_none_or(|r| now < r).then(|| e.token.clone())
    }

    fn unexpired(&self, now: SystemTime) -> Option<GcsToken> {
        let c = self.cached.read().ok()?;
        let e = c.as_ref()?;
        e.token.expiry.is_none_or(|x| now < x).then(|| e.token.clone())
    }
}

/// When a token obtained at `now` that expires at `expiry` is refreshed.
fn refresh_time(now: SystemTime, expiry: Option<SystemTime>) -> Option<SystemTime> {
    let expiry = expiry?;
    let life = expiry.duration_since(now).unwrap_or(Duration::ZERO);
    let margin = if life >= REFRESH_MARGIN * 2 { REFRESH_MARGIN } else { life / 2 };
    Some(expiry - margin)
}

impl TokenSource for CachedTokenSource {
    fn token(&self) -> Result<GcsToken, GcsAuthError> {
        if let Some(t) = self.fresh(self.clock.now()) {
            return Ok(t);
        }
        // One refresh at a time; a poisoned lock only means another refresh panicked.
        let _guard = self.refresh.lock().unwrap_or_else(|p| p.into_inner());
        let now = self.clock.now();
        if let Some(t) = self.fresh(now) {
            return Ok(t);
        }
        match self.inner.token() {
            Ok(t) => {
                let refresh_at = refresh_time(now, t.expiry);
                if let Ok(mut slot) = self.cached.write() {
                    *slot = Some(Entry { token: t.clone(), refresh_at });
                }
                Ok(t)
            }
            Err(e) => self.unexpired(now).ok_or(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::gcs::GcsCredentialSource;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::UNIX_EPOCH;

    #[derive(Debug)]
    struct Counting {
        calls: AtomicU64,
        life: u64,
        clock: Arc<Stepped>,
        fail_after: u64,
    }

    impl TokenSource for Counting {
        fn token(&self) -> Result<GcsToken, GcsAuthError> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            if n > self.fail_after {
                return Err(GcsAuthError::NotConfigured { tried: vec!["down".into()] });
            }
            std::thread::sleep(Duration::from_millis(20));
            let mut t = GcsToken::new(format!("T{n}"), GcsCredentialSource::Explicit);
            t.expiry = Some(self.clock.now() + Duration::from_secs(self.life));
            Ok(t)
        }
    }

    #[derive(Debug)]
    struct Stepped(AtomicU64);
    impl Clock for Stepped {
        fn now(&self) -> SystemTime {
            UNIX_EPOCH + Duration::from_secs(self.0.load(Ordering::SeqCst))
        }
    }

    fn cache(life: u64, fail_after: u64) -> (Arc<CachedTokenSource>, Arc<Stepped>) {
        let clock = Arc::new(Stepped(AtomicU64::new(1000)));
        let inner = Counting { calls: AtomicU64::new(0), life, clock: clock.clone(), fail_after };
        (Arc::new(CachedTokenSource::new(Box::new(inner), clock.clone())), clock)
    }

    #[test]
    fn one_fetch_across_threads_then_refresh_four_minutes_before_expiry() {
        let (c, clock) = cache(3600, u64::MAX);
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let c = c.clone();
                std::thread::spawn(move || c.token().unwrap().secret().to_string())
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap(), "T1");
        }
        clock.0.store(1000 + 3600 - 241, Ordering::SeqCst);
        assert_eq!(c.token().unwrap().secret(), "T1");
        clock.0.store(1000 + 3600 - 240, Ordering::SeqCst);
        assert_eq!(c.token().unwrap().secret(), "T2");
    }

    #[test]
    fn short_lived_tokens_refresh_at_half_life_and_survive_a_failed_refresh() {
        let (c, clock) = cache(100, 1);
        assert_eq!(c.token().unwrap().secret(), "T1");
        clock.0.store(1049, Ordering::SeqCst);
        assert_eq!(c.token().unwrap().secret(), "T1");
        // Refresh due at 1050 fails; the token is still good until 1100.
        clock.0.store(1060, Ordering::SeqCst);
        assert_eq!(c.token().unwrap().secret(), "T1");
        clock.0.store(1100, Ordering::SeqCst);
        assert!(c.token().is_err());
        c.invalidate();
        assert!(c.token().is_err());
    }
}
