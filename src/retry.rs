//! Retries, shared by the S3 client and the credential providers: exponential backoff with
//! full jitter ([`Backoff`]), an injectable [`Sleeper`] so that tests never wait, and
//! [`RetryPolicy`], the loop the credential providers run their calls in.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Sleeps between attempts. Injectable so tests do not wait.
pub trait Sleeper: Send + Sync + fmt::Debug {
    /// Waits `d`.
    fn sleep(&self, d: Duration);
}

/// [`std::thread::sleep`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ThreadSleeper;

impl Sleeper for ThreadSleeper {
    fn sleep(&self, d: Duration) {
        std::thread::sleep(d);
    }
}

/// A sleeper that only records what it was asked to wait (for tests).
#[derive(Debug, Default)]
pub struct RecordingSleeper {
    waits: std::sync::Mutex<Vec<Duration>>,
}

impl RecordingSleeper {
    /// A new, shareable one.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The waits asked for so far.
    pub fn waits(&self) -> Vec<Duration> {
        self.waits.lock().map(|w| w.clone()).unwrap_or_default()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, d: Duration) {
        if let Ok(mut w) = self.waits.lock() {
            w.push(d);
        }
    }
}

/// Backoff parameters: attempt `n` (1-based, after the `n`th failure) waits a random time in
/// `0..=min(max, base * 2^(n-1))` ("full jitter").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The first cap.
    pub base: Duration,
    /// The largest cap.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { base: Duration::from_millis(100), max: Duration::from_secs(20) }
    }
}

static SEED: AtomicU64 = AtomicU64::new(0);

/// A xorshift64* step on a process-wide state seeded from the time and the thread.
fn random_u64() -> u64 {
    let mut x = SEED.load(Ordering::Relaxed);
    if x == 0 {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64);
        let tid = format!("{:?}", std::thread::current().id());
        x = t.unwrap_or(0x9e37_79b9_7f4a_7c15)
            ^ tid.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
        x |= 1;
    }
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    SEED.store(x, Ordering::Relaxed);
    x.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

impl Backoff {
    /// The wait after failed attempt `attempt` (1-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let shift = attempt.saturating_sub(1).min(30);
        let cap = self.base.saturating_mul(1u32 << shift).min(self.max);
        let nanos = cap.as_nanos() as u64;
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(random_u64() % (nanos + 1))
    }
}

/// How a call is retried: at most `attempts` tries while it fails with a retryable error,
/// waiting [`Backoff::delay`] (through `sleeper`) after each failed one.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Tries in all (the first and the retries); 0 is taken as 1.
    pub attempts: u32,
    /// The waits.
    pub backoff: Backoff,
    /// Who waits.
    pub sleeper: Arc<dyn Sleeper>,
}

impl RetryPolicy {
    /// The policy of the credential providers (STS, SSO, IMDS, container): 3 attempts, waits
    /// capped at 100 ms and then 200 ms, on the thread.
    pub fn credentials() -> Self {
        Self {
            attempts: 3,
            backoff: Backoff { base: Duration::from_millis(100), max: Duration::from_secs(1) },
            sleeper: Arc::new(ThreadSleeper),
        }
    }

    /// The same policy with another sleeper.
    pub fn with_sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// Runs `f` until it succeeds, fails with an error `retryable` refuses, or the attempts
    /// are used up; returns the last result.
    pub fn run<T, E>(&self, retryable: impl Fn(&E) -> bool, mut f: impl FnMut() -> Result<T, E>) -> Result<T, E> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match f() {
                Err(e) if attempt < self.attempts && retryable(&e) => self.sleeper.sleep(self.backoff.delay(attempt)),
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_stay_under_the_growing_cap() {
        let b = Backoff { base: Duration::from_millis(100), max: Duration::from_secs(1) };
        for attempt in 1..10 {
            let cap = Duration::from_millis(100 * (1 << (attempt - 1))).min(Duration::from_secs(1));
            for _ in 0..50 {
                assert!(b.delay(attempt) <= cap);
            }
        }
        // Jitter: not always the same value.
        let v: std::collections::HashSet<_> = (0..20).map(|_| b.delay(5)).collect();
        assert!(v.len() > 1);
    }

    #[test]
    fn a_policy_retries_only_what_is_retryable_and_sleeps_through_its_sleeper() {
        let sleeper = RecordingSleeper::new();
        let policy = RetryPolicy::credentials().with_sleeper(sleeper.clone());
        let mut calls = 0;
        let r: Result<(), u32> = policy.run(
            |e| *e >= 500,
            || {
                calls += 1;
                Err(503)
            },
        );
        assert_eq!((r, calls), (Err(503), 3));
        let waits = sleeper.waits();
        assert_eq!(waits.len(), 2);
        assert!(waits[0] <= Duration::from_millis(100) && waits[1] <= Duration::from_millis(200), "{waits:?}");
        calls = 0;
        let r: Result<(), u32> = policy.run(
            |e| *e >= 500,
            || {
                calls += 1;
                Err(403)
            },
        );
        assert_eq!((r, calls, sleeper.waits().len()), (Err(403), 1, 2));
        calls = 0;
        let r = policy.run(
            |e: &u32| *e >= 500,
            || {
                calls += 1;
                if calls < 3 {
                    Err(500)
                } else {
                    Ok(calls)
                }
            },
        );
        assert_eq!(r, Ok(3));
    }
}
