//! The demos' shared block, the same in every process: `#[repr(C)]`, with
//! each field that processes write on a cache line of its own, so that one
//! process's writes do not slow down another's reads of a neighbour
//! (false sharing).
//!
//! Every field is an atomic or sits inside the robust-mutex counter, and
//! all-zero bytes are a valid starting state: that is what a new memfd holds.

use shared_counter::counter::{FileLockedCounter, LockedCounter, MAX_WORKERS};
use shared_counter::shm::{CacheLine, Fresh, SharedBlock};
use std::io;
use std::sync::atomic::{AtomicU32, AtomicU64};

/// What one worker reports about itself.
#[derive(Default)]
#[repr(C)]
pub struct WorkerSlot {
    /// Set once the worker has mapped the block and is waiting to start.
    pub ready: AtomicU32,
    /// `CLOCK_MONOTONIC` nanoseconds when it started counting.
    pub started_ns: AtomicU64,
    /// `CLOCK_MONOTONIC` nanoseconds when it finished counting.
    pub finished_ns: AtomicU64,
    /// The `array` demo's element: Python's `Array` slot for this worker.
    pub element: AtomicU64,
    /// The `chaos` demo's increments done in this slot, by every worker
    /// that held it: the parent watches it move to tell a hang.
    pub progress: AtomicU64,
}

/// Everything the demos share between processes.
#[repr(C)]
pub struct Shared {
    /// The start signal: a worker waits until `phase` reaches its own
    /// start phase, so that all of them begin counting together.
    pub phase: CacheLine<AtomicU32>,
    /// The crash demo's victim sets this once it holds the lock mid-update.
    pub victim_holds_lock: CacheLine<AtomicU32>,
    /// The racy strategy's counter.
    pub racy: CacheLine<AtomicU64>,
    /// The atomic strategy's counter.
    pub atomic: CacheLine<AtomicU64>,
    /// The `array` demo's shared total.
    pub total: CacheLine<AtomicU64>,
    /// The locked strategy's counter, with each worker's tally: a robust
    /// pthread mutex, on Linux.
    pub locked: CacheLine<LockedCounter>,
    /// The file-lock strategy's counter, with each worker's tally: a
    /// record lock, on every Unix.
    pub file_locked: CacheLine<FileLockedCounter>,
    /// One slot per worker.
    pub workers: [CacheLine<WorkerSlot>; MAX_WORKERS],
}

// SAFETY: `#[repr(C)]`, atomics and two locked counters only, all valid as
// zero bytes, and no pointers; `init` sets the robust mutex up on Linux.
// Elsewhere it stays unset, and locking it says robust mutexes are
// Linux-only.
unsafe impl SharedBlock for Shared {
    fn init(&self, fresh: &Fresh<'_>) -> io::Result<()> {
        if cfg!(target_os = "linux") {
            self.locked.0.init(fresh)?;
        }
        Ok(())
    }
}
