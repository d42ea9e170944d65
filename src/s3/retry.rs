//! Retries: which failures are worth another attempt, and exponential backoff with full jitter.

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

/// Whether an S3 error code or status is transient (throttling, server failure, timeout).
pub fn is_retryable_status(status: u16, code: &str) -> bool {
    matches!(status, 500 | 502 | 503 | 504 | 429)
        || matches!(
            code,
            "SlowDown"
                | "RequestTimeout"
                | "InternalError"
                | "ServiceUnavailable"
                | "Throttling"
                | "ThrottlingException"
                | "RequestLimitExceeded"
                | "TooManyRequests"
        )
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
    fn transient_codes() {
        assert!(is_retryable_status(503, "SlowDown"));
        assert!(is_retryable_status(400, "RequestTimeout"));
        assert!(!is_retryable_status(403, "AccessDenied"));
        assert!(!is_retryable_status(404, "NoSuchKey"));
    }
}
