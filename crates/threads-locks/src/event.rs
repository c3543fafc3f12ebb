//! A one-bit signal that threads can wait on: Python's `threading.Event`.
//!
//! A `bool` in a `Mutex` says whether the event is set; a `Condvar` wakes the
//! waiters when it becomes set. `set` wakes *all* waiters (`notify_all`),
//! since every one of them is waiting for the same news.

use crate::sync::{Condvar, Mutex, lock_unpoisoned};
use std::time::{Duration, Instant};

/// Python's `threading.Event`: `set`, `clear`, `is_set`, `wait`.
pub struct Event {
    flag: Mutex<bool>,
    changed: Condvar,
}

impl Default for Event {
    fn default() -> Self {
        Event::new()
    }
}

impl Event {
    /// A cleared event.
    pub fn new() -> Self {
        Event {
            flag: Mutex::new(false),
            changed: Condvar::new(),
        }
    }

    /// Sets the flag and wakes every waiter.
    pub fn set(&self) {
        *lock_unpoisoned(&self.flag) = true;
        self.changed.notify_all();
    }

    /// Clears the flag; later waiters block again.
    pub fn clear(&self) {
        *lock_unpoisoned(&self.flag) = false;
    }

    /// Whether the flag is set now.
    pub fn is_set(&self) -> bool {
        *lock_unpoisoned(&self.flag)
    }

    /// Blocks until the flag is set.
    pub fn wait(&self) {
        let mut flag = lock_unpoisoned(&self.flag);
        while !*flag {
            flag = self
                .changed
                .wait(flag)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    /// Blocks until the flag is set or `timeout` passes. Returns whether the
    /// flag was set, as Python's `Event.wait(timeout)` does.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut flag = lock_unpoisoned(&self.flag);
        while !*flag {
            let Some(left) = deadline
                .checked_duration_since(Instant::now())
                .filter(|left| !left.is_zero())
            else {
                return false;
            };
            flag = self
                .changed
                .wait_timeout(flag, left)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
        true
    }
}
