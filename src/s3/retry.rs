//! Which S3 failures are worth another attempt. The backoff and the sleeper are the crate's
//! shared ones ([`crate::retry`]), re-exported here.

pub use crate::retry::{Backoff, RecordingSleeper, Sleeper, ThreadSleeper};

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
    fn transient_codes() {
        assert!(is_retryable_status(503, "SlowDown"));
        assert!(is_retryable_status(400, "RequestTimeout"));
        assert!(!is_retryable_status(403, "AccessDenied"));
        assert!(!is_retryable_status(404, "NoSuchKey"));
    }
}
