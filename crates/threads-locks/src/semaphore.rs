//! A counting semaphore: Python's `threading.Semaphore(k)`, which std lacks.
//!
//! Python writes `with sem:`; here `acquire` returns a [`Permit`] guard and
//! dropping it gives the permit back, so a permit cannot be leaked by an early
//! `return`, a `?` or a panic. Other ways to cap concurrency in Rust: a pool
//! of exactly K worker threads (rayon's `ThreadPoolBuilder`), or a
//! `sync_channel(K)` pre-filled with K tokens; async code has
//! `tokio::sync::Semaphore`.

use crate::sync::{Condvar, Mutex, lock_unpoisoned};
use std::time::{Duration, Instant};

/// Python's `threading.Semaphore(k)`: at most `k` permits out at once.
pub struct Semaphore {
    available: Mutex<usize>,
    released: Condvar,
}

/// One permit, given back when dropped.
#[must_use = "the permit is released as soon as it is dropped"]
pub struct Permit<'a> {
    semaphore: &'a Semaphore,
}

impl Semaphore {
    /// A semaphore with `permits` permits to give out.
    pub fn new(permits: usize) -> Self {
        Semaphore {
            available: Mutex::new(permits),
            released: Condvar::new(),
        }
    }

    /// Takes a permit, blocking until one is free.
    pub fn acquire(&self) -> Permit<'_> {
        let mut available = lock_unpoisoned(&self.available);
        while *available == 0 {
            available = self
                .released
                .wait(available)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        *available -= 1;
        Permit { semaphore: self }
    }

    /// Takes a permit if one is free right now.
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        let mut available = lock_unpoisoned(&self.available);
        if *available == 0 {
            return None;
        }
        *available -= 1;
        Some(Permit { semaphore: self })
    }

    /// Takes a permit, waiting at most `timeout` for one.
    pub fn acquire_timeout(&self, timeout: Duration) -> Option<Permit<'_>> {
        let deadline = Instant::now() + timeout;
        let mut available = lock_unpoisoned(&self.available);
        while *available == 0 {
            let left = deadline
                .checked_duration_since(Instant::now())
                .filter(|left| !left.is_zero())?;
            available = self
                .released
                .wait_timeout(available, left)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
        *available -= 1;
        Some(Permit { semaphore: self })
    }

    /// How many permits are free right now (already stale when you read it).
    pub fn available(&self) -> usize {
        *lock_unpoisoned(&self.available)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *lock_unpoisoned(&self.semaphore.available) += 1;
        self.semaphore.released.notify_one();
    }
}
