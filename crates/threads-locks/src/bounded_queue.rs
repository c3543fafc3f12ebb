//! A blocking, bounded, closable queue: Python's `queue.Queue(maxsize=N)`
//! (with the `shutdown()` Python 3.13 added), built from one `Mutex` and two
//! `Condvar`s.
//!
//! In production you would reach for `std::sync::mpsc::sync_channel` or
//! crossbeam's bounded channel. This one is written out because it is the
//! classic lesson in what a condition variable is for: a thread waits, with
//! the lock released, until another thread changes the state it waits on.

use crate::sync::{Condvar, Mutex, MutexGuard, lock_unpoisoned};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Why `push` gave the item back.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PushError<T> {
    /// The queue was closed; here is the item back.
    #[error("the queue is closed")]
    Closed(T),
    /// The queue stayed full until the timeout; here is the item back.
    #[error("the queue stayed full until the timeout")]
    Timeout(T),
}

/// Why `pop_timeout` returned no item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PopError {
    /// The queue is closed, and nothing is left in it.
    #[error("the queue is closed and empty")]
    Closed,
    /// The queue stayed empty until the timeout.
    #[error("the queue stayed empty until the timeout")]
    Timeout,
}

struct State<T> {
    items: VecDeque<T>,
    closed: bool,
    /// The most items the queue ever held, to show the bound held.
    high_water_mark: usize,
}

/// Python's `queue.Queue(maxsize)`: a FIFO that blocks producers while it
/// is full and consumers while it is empty, with timeouts and a `close`
/// that ends both sides cleanly.
pub struct BoundedQueue<T> {
    state: Mutex<State<T>>,
    /// Signalled when an item arrives or the queue closes.
    not_empty: Condvar,
    /// Signalled when an item leaves or the queue closes.
    not_full: Condvar,
    capacity: usize,
}

impl<T> BoundedQueue<T> {
    /// A queue that holds at most `capacity` items (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        BoundedQueue {
            state: Mutex::new(State {
                items: VecDeque::with_capacity(capacity),
                closed: false,
                high_water_mark: 0,
            }),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            capacity,
        }
    }

    /// The most items the queue holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Adds an item, blocking while the queue is full. Fails, handing the item
    /// back, once the queue is closed.
    pub fn push(&self, item: T) -> Result<(), PushError<T>> {
        self.push_until(item, None)
    }

    /// Like [`push`](Self::push), but gives up after `timeout`.
    pub fn push_timeout(&self, item: T, timeout: Duration) -> Result<(), PushError<T>> {
        self.push_until(item, Some(Instant::now() + timeout))
    }

    /// Takes the oldest item, blocking while the queue is empty. Returns
    /// `None` once the queue is closed and drained: the consumer's signal to
    /// finish, like a `for` loop over a channel.
    pub fn pop(&self) -> Option<T> {
        self.pop_until(None).ok()
    }

    /// Like [`pop`](Self::pop), but gives up after `timeout`.
    pub fn pop_timeout(&self, timeout: Duration) -> Result<T, PopError> {
        self.pop_until(Some(Instant::now() + timeout))
    }

    /// Stops the queue: pushes fail from now on, and pops drain what is left
    /// and then return `None`. Wakes every waiting thread so none hangs.
    pub fn close(&self) {
        lock_unpoisoned(&self.state).closed = true;
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }

    /// The most items the queue held at any one time.
    pub fn high_water_mark(&self) -> usize {
        lock_unpoisoned(&self.state).high_water_mark
    }

    fn push_until(&self, item: T, deadline: Option<Instant>) -> Result<(), PushError<T>> {
        let mut state = lock_unpoisoned(&self.state);
        // Always re-check the condition after waking: wake-ups can be spurious,
        // and another producer may have filled the free slot first.
        loop {
            if state.closed {
                return Err(PushError::Closed(item));
            }
            if state.items.len() < self.capacity {
                break;
            }
            state = match self.wait(&self.not_full, state, deadline) {
                Some(state) => state,
                None => return Err(PushError::Timeout(item)),
            };
        }
        state.items.push_back(item);
        state.high_water_mark = state.high_water_mark.max(state.items.len());
        drop(state);
        // Notify after unlocking, so the woken consumer need not wait for us.
        self.not_empty.notify_one();
        Ok(())
    }

    fn pop_until(&self, deadline: Option<Instant>) -> Result<T, PopError> {
        let mut state = lock_unpoisoned(&self.state);
        loop {
            if let Some(item) = state.items.pop_front() {
                drop(state);
                self.not_full.notify_one();
                return Ok(item);
            }
            if state.closed {
                return Err(PopError::Closed);
            }
            state = match self.wait(&self.not_empty, state, deadline) {
                Some(state) => state,
                None => return Err(PopError::Timeout),
            };
        }
    }

    /// Waits on `condvar`, releasing the lock meanwhile. Returns `None` when
    /// the deadline has passed.
    fn wait<'a>(
        &self,
        condvar: &Condvar,
        state: MutexGuard<'a, State<T>>,
        deadline: Option<Instant>,
    ) -> Option<MutexGuard<'a, State<T>>> {
        let Some(deadline) = deadline else {
            return Some(
                condvar
                    .wait(state)
                    .unwrap_or_else(|poisoned| poisoned.into_inner()),
            );
        };
        let left = deadline
            .checked_duration_since(Instant::now())
            .filter(|left| !left.is_zero())?;
        let (state, _) = condvar
            .wait_timeout(state, left)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Whether or not this wait timed out, the caller re-checks the queue
        // and comes back here, where a passed deadline ends the wait.
        Some(state)
    }
}
