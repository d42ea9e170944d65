//! Byte-level progress of transfers, for a caller that wants to show it (the CLI draws a line
//! on a terminal). The client reports bytes as they are written to a file or read from an
//! upload source; a retried upload reports its bytes again.

use std::fmt;
use std::io::{self, Read};
use std::sync::Arc;

/// Receives the number of bytes moved since the previous call. Called from transfer threads:
/// keep it cheap.
pub trait Progress: Send + Sync + fmt::Debug {
    /// `bytes` more were transferred.
    fn advance(&self, bytes: u64);
}

/// A reader that reports what passes through it.
pub(crate) struct CountingReader<'r> {
    inner: Box<dyn Read + Send + 'r>,
    progress: Arc<dyn Progress>,
}

impl<'r> CountingReader<'r> {
    pub(crate) fn wrap(
        inner: Box<dyn Read + Send + 'r>,
        progress: &Option<Arc<dyn Progress>>,
    ) -> Box<dyn Read + Send + 'r> {
        match progress {
            Some(p) => Box::new(CountingReader { inner, progress: p.clone() }),
            None => inner,
        }
    }
}

impl Read for CountingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            self.progress.advance(n as u64);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[derive(Debug, Default)]
    struct Sum(AtomicU64);
    impl Progress for Sum {
        fn advance(&self, bytes: u64) {
            self.0.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    #[test]
    fn counts_every_byte_read() {
        let sum = Arc::new(Sum::default());
        let p: Option<Arc<dyn Progress>> = Some(sum.clone());
        let mut r = CountingReader::wrap(Box::new(io::repeat(7).take(100_000)), &p);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out.len(), 100_000);
        assert_eq!(sum.0.load(Ordering::Relaxed), 100_000);
    }
}
