//! [`parallel_map`]: a slice's items handed to a bounded number of scoped threads, the
//! results kept in the slice's order. The index reads its packages and writes its shards so.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// `f(i, &items[i])` for every item, on at most `workers` threads (at least one), results in
/// the items' order. Once a result makes `stop` true, no further item is started: the items
/// not started are `None`.
pub(crate) fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    workers: usize,
    stop: impl Fn(&R) -> bool + Sync,
    f: impl Fn(usize, &T) -> R + Sync,
) -> Vec<Option<R>> {
    let next = AtomicUsize::new(0);
    let stopped = AtomicBool::new(false);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(std::iter::repeat_with(|| None).take(items.len()).collect());
    std::thread::scope(|scope| {
        for _ in 0..workers.max(1).min(items.len()) {
            scope.spawn(|| {
                while !stopped.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(i, item);
                    if stop(&r) {
                        stopped.store(true, Ordering::Relaxed);
                    }
                    results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(r);
                }
            });
        }
    });
    results.into_inner().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_order_and_a_stop_leaves_the_rest_unstarted() {
        let items: Vec<u32> = (0..100).collect();
        let all = parallel_map(&items, 7, |_| false, |i, &x| (i, x * 2));
        assert_eq!(all, (0..100).map(|i| Some((i as usize, i * 2))).collect::<Vec<_>>());
        // One worker: the items after the one that stops are never started.
        let some = parallel_map(&items, 1, |&x| x == 10, |_, &x| x);
        assert_eq!(some.iter().flatten().count(), 11);
        assert!(some[11..].iter().all(Option::is_none));
        assert!(parallel_map(&[] as &[u32], 4, |_| false, |_, &x| x).is_empty());
    }
}
