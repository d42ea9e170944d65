//! stdout and stderr: results on stdout (buffered), one-line errors on stderr, progress on
//! stderr only when it is a terminal, and every line scrubbed of the secrets in reach.

use std::io::{self, BufWriter, IsTerminal, Stdout, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::CliError;

struct Inner {
    stdout: Mutex<BufWriter<Stdout>>,
    secrets: Mutex<Vec<String>>,
    progress_shown: Mutex<bool>,
    stderr_tty: bool,
    /// Byte progress: bytes moved so far, when the command started, the last status text and
    /// when the line was last drawn.
    bytes: AtomicU64,
    started: Instant,
    status: Mutex<(String, Option<Instant>)>,
}

/// The process's output streams; cheap to clone.
#[derive(Clone)]
pub struct Output(Arc<Inner>);

impl Default for Output {
    fn default() -> Self {
        Self::new()
    }
}

fn map_stdout_error(e: io::Error) -> CliError {
    if e.kind() == io::ErrorKind::BrokenPipe {
        CliError::BrokenPipe
    } else {
        CliError::Failed(format!("cannot write to stdout: {e}: check where the output goes"))
    }
}

impl Output {
    /// The real stdout and stderr.
    pub fn new() -> Self {
        Output(Arc::new(Inner {
            stdout: Mutex::new(BufWriter::new(io::stdout())),
            secrets: Mutex::new(Vec::new()),
            progress_shown: Mutex::new(false),
            stderr_tty: io::stderr().is_terminal(),
            bytes: AtomicU64::new(0),
            started: Instant::now(),
            status: Mutex::new((String::new(), None)),
        }))
    }

    /// Adds strings that must never be printed.
    pub fn add_secrets(&self, secrets: &[String]) {
        if let Ok(mut s) = self.0.secrets.lock() {
            s.extend(secrets.iter().filter(|x| x.len() >= 4).cloned());
        }
    }

    /// `text` with secrets replaced by `****` and line breaks by spaces.
    pub fn scrub(&self, text: &str) -> String {
        let mut t = text.replace(['\n', '\r'], " ");
        if let Ok(s) = self.0.secrets.lock() {
            for secret in s.iter() {
                t = t.replace(secret.as_str(), "****");
            }
        }
        t
    }

    /// One line on stdout.
    pub fn line(&self, text: &str) -> Result<(), CliError> {
        self.clear_progress();
        let text = self.scrub(text);
        let mut out = self.0.stdout.lock().map_err(|_| CliError::Failed("stdout lock poisoned".into()))?;
        out.write_all(text.as_bytes()).and_then(|_| out.write_all(b"\n")).map_err(map_stdout_error)
    }

    /// Bytes on stdout as they are (object contents, help).
    pub fn write_raw(&self, bytes: &[u8]) -> Result<(), CliError> {
        let mut out = self.0.stdout.lock().map_err(|_| CliError::Failed("stdout lock poisoned".into()))?;
        out.write_all(bytes).map_err(map_stdout_error)
    }

    /// Flushes stdout.
    pub fn flush(&self) -> Result<(), CliError> {
        let mut out = self.0.stdout.lock().map_err(|_| CliError::Failed("stdout lock poisoned".into()))?;
        out.flush().map_err(map_stdout_error)
    }

    /// `minis3: MESSAGE` on stderr (one line).
    pub fn error(&self, message: &str) {
        self.clear_progress();
        let _ = self.flush();
        let _ = writeln!(io::stderr().lock(), "minis3: {}", self.scrub(message));
    }

    /// `minis3: debug: MESSAGE` on stderr.
    pub fn debug(&self, message: &str) {
        self.clear_progress();
        let _ = writeln!(io::stderr().lock(), "minis3: debug: {}", self.scrub(message));
    }

    /// A line of status on stderr, such as a transfer's summary (only when stderr is a
    /// terminal: nothing on a pipe).
    pub fn status_line(&self, text: &str) {
        if !self.0.stderr_tty {
            return;
        }
        self.clear_progress();
        let _ = self.flush();
        let _ = writeln!(io::stderr().lock(), "{}", self.scrub(text));
    }

    /// Whether progress is drawn at all (stderr is a terminal).
    pub fn shows_progress(&self) -> bool {
        self.0.stderr_tty
    }

    /// Replaces the progress line on stderr (only when stderr is a terminal); the bytes moved
    /// so far and the rate are appended.
    pub fn progress(&self, text: &str) {
        if !self.0.stderr_tty {
            return;
        }
        if let Ok(mut status) = self.0.status.lock() {
            status.0 = text.to_owned();
        }
        self.draw();
    }

    fn draw(&self) {
        let text = match self.0.status.lock() {
            Ok(mut status) => {
                status.1 = Some(Instant::now());
                status.0.clone()
            }
            Err(_) => return,
        };
        let bytes = self.0.bytes.load(Ordering::Relaxed);
        let mut line = text;
        if bytes > 0 {
            let secs = self.0.started.elapsed().as_secs_f64();
            let rate = if secs > 0.0 { bytes as f64 / secs } else { 0.0 };
            if !line.is_empty() {
                line.push_str(", ");
            }
            line.push_str(&format!("{} transferred ({}/s)", human_bytes(bytes as f64), human_bytes(rate)));
        }
        let _ = self.flush();
        if let Ok(mut shown) = self.0.progress_shown.lock() {
            let _ = write!(io::stderr().lock(), "\r\x1b[2K{}", self.scrub(&line));
            *shown = true;
        }
    }

    /// Removes the progress line, if one is shown.
    pub fn clear_progress(&self) {
        if !self.0.stderr_tty {
            return;
        }
        if let Ok(mut shown) = self.0.progress_shown.lock() {
            if *shown {
                let _ = write!(io::stderr().lock(), "\r\x1b[2K");
                *shown = false;
            }
        }
    }
}

/// The client's notices (retries, region changes) on stderr, with `--debug`.
#[derive(Clone)]
pub struct StderrNotices(Output);

impl StderrNotices {
    /// Notices printed through `out`.
    pub fn new(out: Output) -> Self {
        StderrNotices(out)
    }
}

impl std::fmt::Debug for StderrNotices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StderrNotices")
    }
}

impl minis3::s3::Notices for StderrNotices {
    fn notice(&self, message: &str) {
        self.0.debug(message);
    }
}

/// `2009-10-12T17:50:30.000Z` as `2009-10-12 17:50:30` (UTC), as `aws s3 ls` shows times.
pub fn short_time(iso: &str) -> String {
    let t = iso.trim();
    match (t.get(..10), t.get(11..19)) {
        (Some(d), Some(h)) if t.as_bytes().get(10) == Some(&b'T') => format!("{d} {h}"),
        _ => format!("{t:>19}"),
    }
}

/// `n` bytes in B, KiB, MiB, GiB or TiB.
pub fn human_bytes(n: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{v:.0} {}", UNITS[u])
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Output")
    }
}

/// The client reports bytes here; the line is redrawn at most five times a second.
impl minis3::s3::Progress for Output {
    fn advance(&self, bytes: u64) {
        self.0.bytes.fetch_add(bytes, Ordering::Relaxed);
        let due = match self.0.status.lock() {
            Ok(status) => status.1.is_none_or(|t| t.elapsed() >= Duration::from_millis(200)),
            Err(_) => false,
        };
        if due {
            self.draw();
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn human_bytes_picks_the_unit() {
        assert_eq!(super::human_bytes(512.0), "512 B");
        assert_eq!(super::human_bytes(1536.0), "1.5 KiB");
        assert_eq!(super::human_bytes(3.0 * 1024.0 * 1024.0 * 1024.0), "3.0 GiB");
    }

    use super::*;

    #[test]
    fn times_and_sizes() {
        assert_eq!(short_time("2009-10-12T17:50:30.000Z"), "2009-10-12 17:50:30");
    }

    #[test]
    fn secrets_are_scrubbed() {
        let o = Output::new();
        o.add_secrets(&["s3cr3tvalue".to_string(), "ab".to_string()]);
        assert_eq!(o.scrub("key s3cr3tvalue\nnext ab"), "key **** next ab");
    }
}
