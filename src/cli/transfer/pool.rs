//! Running many transfers at once, in bounded memory: the planner submits one job per file,
//! worker threads run them. Each job holds as many of the budget's request slots as it may
//! have requests in flight (1 for a small object, up to the client's `concurrency` for a
//! large one sent as parallel ranges or parts), and submitting waits for free slots: many
//! small files get many requests in flight, a few large ones a few streams each, and the queue
//! of work waiting never holds more than the budget. Threads (and so connections) are started
//! only as jobs need them.
//!
//! Progress (on a terminal only): files and bytes done of what was planned so far (`~` while
//! the listing is still being read), with the rate; at the end one summary line.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::Scope;
use std::time::{Duration, Instant};

use minis3::safe_path::UnsafePath;

use super::{outcome, refusal, Failure};
use crate::cli::output::human_bytes;
use crate::cli::{CliError, Ctx};

/// Request slots when `max_concurrent_requests` is not configured: enough requests in flight
/// to hide each one's latency with small objects (measured: see the README's figures).
pub const DEFAULT_SLOTS: usize = 32;

/// A job: the transfer of one file or object; its error is reported as one line.
pub type Work<'env> = Box<dyn FnOnce() -> Result<(), Failure> + Send + 'env>;

struct Job<'env> {
    work: Work<'env>,
    bytes: u64,
    weight: usize,
}

/// Counters shared with the workers.
#[derive(Default)]
struct Shared {
    free: Mutex<usize>,
    freed: Condvar,
    files_done: AtomicU64,
    bytes_done: AtomicU64,
    files_planned: AtomicU64,
    bytes_planned: AtomicU64,
    skipped: AtomicU64,
    refused: AtomicUsize,
    failures: AtomicUsize,
    /// The first failure saying the endpoint stopped answering: no job starts after it.
    stopped: Mutex<Option<String>>,
    planning_done: AtomicBool,
    drawn: Mutex<Option<Instant>>,
}

/// What the run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Totals {
    /// Files transferred (or attempted).
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Paths found up to date.
    pub skipped: u64,
    /// Failed jobs (each reported).
    pub failures: usize,
    /// Keys refused for the local side ([`minis3::safe_path`]), each reported.
    pub refused: usize,
    /// The line of the failure that stopped the run (the endpoint stopped answering).
    pub stopped: Option<String>,
}

/// Submits jobs to the workers; see [`run`].
pub struct Pool<'scope, 'env> {
    ctx: &'env Ctx,
    scope: &'scope Scope<'scope, 'env>,
    shared: Arc<Shared>,
    tx: Option<Sender<Job<'env>>>,
    rx: Arc<Mutex<Receiver<Job<'env>>>>,
    slots: usize,
    workers: usize,
    show: bool,
}

impl<'env> Pool<'_, 'env> {
    /// Queues `work` (moving `bytes`, with up to `weight` requests at a time), waiting while
    /// the slots are taken.
    pub fn submit(&mut self, bytes: u64, weight: usize, work: Work<'env>) {
        let weight = weight.clamp(1, self.slots);
        {
            let mut free = self.shared.free.lock().unwrap_or_else(|e| e.into_inner());
            while *free < weight {
                free = self.shared.freed.wait(free).unwrap_or_else(|e| e.into_inner());
            }
            *free -= weight;
        }
        self.shared.files_planned.fetch_add(1, Ordering::Relaxed);
        self.shared.bytes_planned.fetch_add(bytes, Ordering::Relaxed);
        let busy = self.slots - *self.shared.free.lock().unwrap_or_else(|e| e.into_inner());
        if self.workers < self.slots && self.workers < busy {
            self.spawn();
        }
        if let Some(tx) = &self.tx {
            let _ = tx.send(Job { work, bytes, weight });
        }
    }

    /// Counts a path found up to date.
    pub fn skip(&self) {
        self.shared.skipped.fetch_add(1, Ordering::Relaxed);
    }

    /// Reports a failure that is not a job's (a refused key, a failed deletion).
    pub fn fail(&self, message: &str) {
        self.shared.failures.fetch_add(1, Ordering::Relaxed);
        self.ctx.out.error(message);
    }

    /// Reports a key whose local path is refused (see [`super::refusal`]).
    pub fn refuse(&self, source: &str, why: &UnsafePath) {
        match refusal(source, why) {
            Ok(line) => {
                self.shared.refused.fetch_add(1, Ordering::Relaxed);
                self.ctx.out.error(&line);
            }
            Err(failure) => self.fail(&failure.line),
        }
    }

    /// Whether the endpoint stopped answering: the planner stops submitting.
    pub fn stopped(&self) -> bool {
        self.shared.stopped.lock().map(|s| s.is_some()).unwrap_or(true)
    }

    /// Counts failures reported elsewhere.
    pub fn add_failures(&self, n: usize) {
        self.shared.failures.fetch_add(n, Ordering::Relaxed);
    }

    fn spawn(&mut self) {
        self.workers += 1;
        let (rx, shared, ctx, show) = (self.rx.clone(), self.shared.clone(), self.ctx, self.show);
        self.scope.spawn(move || loop {
            let job = match rx.lock() {
                Ok(r) => r.recv(),
                Err(_) => return,
            };
            let Ok(job) = job else { return };
            let gone = shared.stopped.lock().map(|s| s.is_some()).unwrap_or(true);
            // After the endpoint is gone, queued jobs are dropped: each would fail the same way.
            if let Some(Err(f)) = (!gone).then(job.work) {
                shared.failures.fetch_add(1, Ordering::Relaxed);
                let mut stopped = shared.stopped.lock().unwrap_or_else(|e| e.into_inner());
                match (f.unreachable, stopped.is_some()) {
                    (true, false) => *stopped = Some(f.line),
                    (true, true) => {} // the same cause, already the command's one line
                    (false, _) => ctx.out.error(&f.line),
                }
            }
            shared.files_done.fetch_add(1, Ordering::Relaxed);
            shared.bytes_done.fetch_add(job.bytes, Ordering::Relaxed);
            {
                let mut free = shared.free.lock().unwrap_or_else(|e| e.into_inner());
                *free += job.weight;
            }
            shared.freed.notify_all();
            if show {
                draw(ctx, &shared);
            }
        });
    }
}

/// Draws the progress line (at most ten times a second).
fn draw(ctx: &Ctx, shared: &Shared) {
    if let Ok(mut drawn) = shared.drawn.lock() {
        if drawn.is_some_and(|t| t.elapsed() < Duration::from_millis(100)) {
            return;
        }
        *drawn = Some(Instant::now());
    }
    let approx = if shared.planning_done.load(Ordering::Relaxed) { "" } else { "~" };
    // The output adds the bytes moved so far and the rate (the client reports them).
    ctx.out.progress(&format!(
        "Completed {} of {approx}{} file(s) ({approx}{} in all)",
        shared.files_done.load(Ordering::Relaxed),
        shared.files_planned.load(Ordering::Relaxed),
        human_bytes(shared.bytes_planned.load(Ordering::Relaxed) as f64),
    ));
}

/// Runs `plan`, which submits jobs to the pool, with `slots` request slots; waits for every
/// job, then prints the summary line (on a terminal, unless `quiet`). Returns what was done;
/// an error from `plan` is returned after the jobs already queued have finished.
pub fn run<'env, F>(ctx: &'env Ctx, slots: usize, quiet: bool, plan: F) -> Result<Totals, CliError>
where
    F: for<'scope> FnOnce(&mut Pool<'scope, 'env>) -> Result<(), CliError>,
{
    let slots = slots.max(1);
    let shared = Arc::new(Shared { free: Mutex::new(slots), ..Default::default() });
    let started = Instant::now();
    let show = ctx.out.shows_progress() && !quiet;
    let planned = std::thread::scope(|scope| {
        let (tx, rx) = channel();
        let mut pool = Pool {
            ctx,
            scope,
            shared: shared.clone(),
            tx: Some(tx),
            rx: Arc::new(Mutex::new(rx)),
            slots,
            workers: 0,
            show,
        };
        let result = plan(&mut pool);
        shared.planning_done.store(true, Ordering::Relaxed);
        pool.tx = None; // the workers stop when the queue is empty
        result
    });
    let totals = Totals {
        files: shared.files_done.load(Ordering::Relaxed),
        bytes: shared.bytes_done.load(Ordering::Relaxed),
        skipped: shared.skipped.load(Ordering::Relaxed),
        failures: shared.failures.load(Ordering::Relaxed),
        refused: shared.refused.load(Ordering::Relaxed),
        stopped: shared.stopped.lock().unwrap_or_else(|e| e.into_inner()).take(),
    };
    if show {
        ctx.out.clear_progress();
        let secs = started.elapsed().as_secs_f64();
        let rate = if secs > 0.0 { totals.bytes as f64 / secs } else { 0.0 };
        ctx.out.status_line(&format!(
            "{} file(s), {} in {secs:.1} s ({}/s); {} up to date, skipped{}",
            totals.files,
            human_bytes(totals.bytes as f64),
            human_bytes(rate),
            totals.skipped,
            if totals.failures > 0 { format!("; {} failed", totals.failures) } else { String::new() }
                + &if totals.refused > 0 { format!("; {} refused", totals.refused) } else { String::new() }
        ));
    }
    planned?;
    Ok(totals)
}

impl Totals {
    /// `Ok` when nothing failed or was refused, else the error whose exit status says which.
    pub fn result(&self) -> Result<(), CliError> {
        outcome(self.failures, self.refused, self.stopped.as_deref())
    }
}
