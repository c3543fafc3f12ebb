//! The shared block's layout, the same in every process: `#[repr(C)]`, with
//! each field that processes write on a cache line of its own, so that one
//! process's writes do not slow down another's reads of a neighbour
//! (false sharing).
//!
//! Every field is an atomic or sits inside the robust-mutex counter, and
//! all-zero bytes are a valid starting state: that is what a new memfd holds.

use crate::shm::LockedCounter;
use std::sync::atomic::{AtomicU32, AtomicU64};

/// The most worker processes one block has slots for.
pub const MAX_WORKERS: usize = 64;

/// Pads and aligns its content to a 64-byte cache line.
#[derive(Default)]
#[repr(C, align(64))]
pub struct CacheLine<T>(pub T);

/// What one worker reports about itself.
#[derive(Default)]
#[repr(C)]
pub struct WorkerSlot {
    /// Set once the worker has mapped the block and is waiting to start.
    pub ready: AtomicU32,
    /// `CLOCK_MONOTONIC` nanoseconds when it started and finished counting.
    pub started_ns: AtomicU64,
    pub finished_ns: AtomicU64,
    /// The `array` demo's element: Python's `Array` slot for this worker.
    pub element: AtomicU64,
}

/// The undo record of one increment under the lock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Journal {
    /// 1 while an increment is half-done, else 0.
    pub pending: u64,
    /// The worker whose tally the increment also changes.
    pub worker: u64,
    pub count_before: u64,
    pub done_before: u64,
}

#[repr(C)]
pub struct Shared {
    /// The start signal: a worker waits until `phase` reaches its own
    /// start phase, so that all of them begin counting together.
    pub phase: CacheLine<AtomicU32>,
    /// The crash demo's victim sets this once it holds the lock mid-update.
    pub victim_holds_lock: CacheLine<AtomicU32>,
    pub racy: CacheLine<AtomicU64>,
    pub atomic: CacheLine<AtomicU64>,
    /// The `array` demo's shared total.
    pub total: CacheLine<AtomicU64>,
    pub locked: LockedCounter,
    pub workers: [CacheLine<WorkerSlot>; MAX_WORKERS],
}
