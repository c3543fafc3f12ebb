//! The synchronisation types the library uses: std's normally, loom's under
//! `--cfg loom`. Loom replaces each with a version that records every access,
//! so that its model checker can run a test once per possible interleaving.

#[cfg(loom)]
pub use loom::sync::atomic::{AtomicU64, Ordering};
#[cfg(loom)]
pub use loom::sync::{Condvar, Mutex, MutexGuard};
#[cfg(loom)]
pub use loom::thread;

#[cfg(not(loom))]
pub use std::sync::atomic::{AtomicU64, Ordering};
#[cfg(not(loom))]
pub use std::sync::{Condvar, Mutex, MutexGuard};
#[cfg(not(loom))]
pub use std::thread;

use std::sync::PoisonError;

/// Locks a mutex whose data no panic can leave half-updated.
///
/// Our primitives never run caller code while holding their own lock, and
/// each critical section is a few plain assignments, so a poisoned lock
/// cannot mean broken data here: taking the guard back with `into_inner` is
/// sound. The `poison` demo shows the case where poisoning does matter.
pub fn lock_unpoisoned<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
