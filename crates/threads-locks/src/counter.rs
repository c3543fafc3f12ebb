//! One counter, incremented from many threads, four ways: racy, std
//! `Mutex`, `parking_lot::Mutex`, and an atomic.
//!
//! Python's `counter += 1` from several threads can lose updates, because it
//! is a read, an add and a write, and the GIL may switch threads in between;
//! `with lock:` fixes it. Rust will not compile a plain `u64` shared between
//! threads, so the racy version here is written in *safe* Rust: an atomic
//! load and an atomic store with a `yield_now` between them. Each access is
//! atomic, the pair is not, and that gap is exactly the bug.

use crate::sync::{AtomicU64, Mutex, Ordering, lock_unpoisoned, thread};

/// A counter that many threads can increment through a shared reference.
pub trait Counter: Sync {
    /// A short name for reports.
    fn name(&self) -> &'static str;
    /// Adds one.
    fn increment(&self);
    /// The count now.
    fn get(&self) -> u64;
}

/// Read, yield, write: loses updates whenever another thread runs in the gap.
#[derive(Default)]
pub struct RacyCounter {
    value: AtomicU64,
}

impl Counter for RacyCounter {
    fn name(&self) -> &'static str {
        "racy load/yield/store"
    }

    fn increment(&self) {
        let seen = self.value.load(Ordering::Relaxed);
        // Invite the scheduler to run another thread between our read and our
        // write, so lost updates show on every run rather than once in a while.
        thread::yield_now();
        self.value.store(seen + 1, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }
}

/// The counterpart of Python's `with lock: counter += 1`. The `Mutex` owns
/// the number, so there is no way to touch it without holding the lock.
#[derive(Default)]
pub struct MutexCounter {
    value: Mutex<u64>,
}

impl Counter for MutexCounter {
    fn name(&self) -> &'static str {
        "Mutex<u64>"
    }

    fn increment(&self) {
        *lock_unpoisoned(&self.value) += 1;
    }

    fn get(&self) -> u64 {
        *lock_unpoisoned(&self.value)
    }
}

/// The same as [`MutexCounter`] with `parking_lot::Mutex`, which is built for
/// throughput under contention: a waiter spins adaptively and an unlocking
/// thread may let a running thread barge in, instead of handing the lock to
/// a parked one. std's mutex parks waiters sooner, so with more threads than
/// cores nearly every unlock pays for a wake-up system call. No poisoning
/// either: a panic while holding the lock just unlocks it.
#[derive(Default)]
pub struct ParkingLotCounter {
    value: parking_lot::Mutex<u64>,
}

impl Counter for ParkingLotCounter {
    fn name(&self) -> &'static str {
        "parking_lot::Mutex<u64>"
    }

    fn increment(&self) {
        *self.value.lock() += 1;
    }

    fn get(&self) -> u64 {
        *self.value.lock()
    }
}

/// One `fetch_add`: the read, the add and the write as a single indivisible
/// instruction. `Relaxed` is enough because the count orders nothing else;
/// joining the threads makes the final value visible to whoever reads it.
#[derive(Default)]
pub struct AtomicCounter {
    value: AtomicU64,
}

impl Counter for AtomicCounter {
    fn name(&self) -> &'static str {
        "AtomicU64::fetch_add"
    }

    fn increment(&self) {
        self.value.fetch_add(1, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }
}

/// What a run of [`count_concurrently`] produced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CountReport {
    /// Threads x increments: what an exact counter ends at.
    pub expected: u64,
    /// What the counter ended at.
    pub actual: u64,
    /// How long all the threads took together.
    pub elapsed: std::time::Duration,
}

impl CountReport {
    /// How many increments vanished. A counter can lose updates, never invent them.
    pub fn lost_updates(&self) -> u64 {
        self.expected.saturating_sub(self.actual)
    }

    /// Wall time per increment, all threads together.
    pub fn nanos_per_increment(&self) -> f64 {
        self.elapsed.as_nanos() as f64 / self.expected.max(1) as f64
    }
}

/// Has `threads` threads each increment `counter` `increments` times, all
/// released at once by a barrier so they really contend.
///
/// The elapsed time runs from the first worker's start to the last worker's
/// end, as each worker saw them. (Timing from the main thread would be wrong:
/// it may wake from the barrier after the workers have already finished.)
///
/// It uses std's scoped threads and `Barrier` directly (not the `sync` shim):
/// this is the driver for real runs, while the loom tests drive the counters
/// with loom's own threads.
///
/// Generic, so that a concrete counter's `increment` is inlined into the
/// loop: through a `&dyn Counter`, every increment would also be an
/// indirect call, which the bench measured at a tenth of a contended
/// atomic's cost. A `&dyn Counter` still works, as `C = dyn Counter`.
pub fn count_concurrently<C: Counter + ?Sized>(
    counter: &C,
    threads: usize,
    increments: u64,
) -> CountReport {
    use std::sync::Barrier;
    use std::time::Instant;

    let start_line = Barrier::new(threads);
    let spans: Vec<(Instant, Instant)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    start_line.wait();
                    let started = Instant::now();
                    for _ in 0..increments {
                        counter.increment();
                    }
                    (started, Instant::now())
                })
            })
            .collect();
        // An increment cannot panic, so neither can a worker; if one somehow
        // did, re-raising its panic here is the honest thing to do.
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let first_start = spans.iter().map(|&(started, _)| started).min();
    let last_end = spans.iter().map(|&(_, ended)| ended).max();
    let elapsed = match (first_start, last_end) {
        (Some(started), Some(ended)) => ended.duration_since(started),
        _ => std::time::Duration::ZERO,
    };
    CountReport {
        expected: threads as u64 * increments,
        actual: counter.get(),
        elapsed,
    }
}
