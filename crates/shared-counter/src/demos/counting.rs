//! The loops the workers run: the seed's `v.value += 1`, three ways, and
//! Python's `Array`. Each runs in a worker process of its own, on the block
//! every worker maps.
//!
//! ```python
//! def increment(v):
//!     for _ in range(1000):
//!         with v.get_lock():
//!             v.value += 1
//! ```

use super::layout::Shared;
use shared_counter::shm::SharedMemory;
use std::io;
use std::sync::atomic::Ordering;
use std::thread;

/// How the processes share the counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Strategy {
    /// An atomic load, a yield, an atomic store: loses updates
    Racy,
    /// `fetch_add`: one indivisible read-modify-write
    Atomic,
    /// A robust process-shared mutex around a plain counter: `get_lock()` (Linux)
    Locked,
    /// A record lock on the block's file, which the kernel drops when its holder dies (every Unix)
    FileLock,
}

impl Strategy {
    /// The strategy's name, as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Racy => "racy",
            Strategy::Atomic => "atomic",
            Strategy::Locked => "locked",
            Strategy::FileLock => "file-lock",
        }
    }

    /// Whether this system has what the strategy needs: the robust mutex
    /// is Linux-only.
    pub fn available(self) -> bool {
        self != Strategy::Locked || cfg!(target_os = "linux")
    }

    /// One worker's loop: add one to this strategy's counter, `increments`
    /// times. `worker` is the worker's slot, for its tally under the lock.
    pub fn count(
        self,
        memory: &SharedMemory<Shared>,
        worker: usize,
        increments: u64,
    ) -> io::Result<()> {
        let shared: &Shared = memory;
        match self {
            // `v.value += 1` without the lock: a read, then a write. Each is
            // atomic, the two together are not.
            Strategy::Racy => {
                for _ in 0..increments {
                    let seen = shared.racy.0.load(Ordering::SeqCst);
                    // Let another process run between the read and the write.
                    thread::yield_now();
                    shared.racy.0.store(seen + 1, Ordering::SeqCst);
                }
            }
            // One indivisible read-modify-write; no lock to hold or lose.
            Strategy::Atomic => {
                for _ in 0..increments {
                    shared.atomic.0.fetch_add(1, Ordering::Relaxed);
                }
            }
            // `with v.get_lock(): v.value += 1`; the guard unlocks on drop.
            Strategy::Locked => {
                for _ in 0..increments {
                    shared.locked.0.lock()?.increment(worker, || {});
                }
            }
            // The same, with a lock the kernel holds for the process.
            Strategy::FileLock => {
                for _ in 0..increments {
                    shared.file_locked.0.lock(memory)?.increment(worker, || {});
                }
            }
        }
        Ok(())
    }

    /// The counter's value, once the workers are done.
    pub fn read(self, memory: &SharedMemory<Shared>) -> io::Result<u64> {
        Ok(match self {
            Strategy::Racy => memory.racy.0.load(Ordering::SeqCst),
            Strategy::Atomic => memory.atomic.0.load(Ordering::SeqCst),
            Strategy::Locked => memory.locked.0.lock()?.get(),
            Strategy::FileLock => memory.file_locked.0.lock(memory)?.get(),
        })
    }
}

/// Python's `arr[i] += i + 1`, beside a shared total: worker `worker` adds
/// `worker + 1` to its own element (nobody else writes it) and to the total
/// (everybody does, so it is an atomic), `increments` times.
pub fn array(shared: &Shared, worker: usize, increments: u64) {
    let step = worker as u64 + 1;
    let element = &shared.workers[worker].0.element;
    for _ in 0..increments {
        element.fetch_add(step, Ordering::Relaxed);
        shared.total.0.fetch_add(step, Ordering::Relaxed);
    }
}

/// The chaos demo's loop: add one under `lock` (the robust mutex or the
/// file lock) until the phase reaches `stop`, and count each increment in
/// the worker's slot once it is done. A SIGKILL can land anywhere in it; the
/// ledger's tally, written under the lock with its undo record, is the
/// count that survives.
pub fn chaos(
    memory: &SharedMemory<Shared>,
    lock: Strategy,
    worker: usize,
    stop: u32,
) -> io::Result<()> {
    let shared: &Shared = memory;
    let progress = &shared.workers[worker].0.progress;
    while shared.phase.0.load(Ordering::SeqCst) < stop {
        if lock == Strategy::FileLock {
            shared.file_locked.0.lock(memory)?.increment(worker, || {});
        } else {
            shared.locked.0.lock()?.increment(worker, || {});
        }
        progress.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}
