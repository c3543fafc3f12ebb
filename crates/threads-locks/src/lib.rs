//! Thread primitives for the `threads-locks` demos, written so they can be
//! reused and model-checked: what Python's `threading` and `queue` offer and
//! std lacks.
//!
//! ```
//! use std::thread;
//! use threads_locks::bounded_queue::BoundedQueue;
//! use threads_locks::semaphore::Semaphore;
//!
//! // `queue.Queue(maxsize=2)` between a producer and a consumer thread.
//! let queue = BoundedQueue::new(2);
//! let total = thread::scope(|scope| {
//!     let consumer = scope.spawn(|| {
//!         let mut total = 0;
//!         // `pop` returns `None` once the queue is closed and drained.
//!         while let Some(item) = queue.pop() {
//!             total += item;
//!         }
//!         total
//!     });
//!     for item in 1..=10 {
//!         queue.push(item).expect("the queue is open"); // waits while full
//!     }
//!     queue.close();
//!     consumer.join().unwrap()
//! });
//! assert_eq!(total, 55);
//! assert!(queue.high_water_mark() <= 2);
//!
//! // `threading.Semaphore(1)`: the permit is given back when dropped.
//! let semaphore = Semaphore::new(1);
//! let permit = semaphore.acquire();
//! assert!(semaphore.try_acquire().is_none());
//! drop(permit);
//! assert!(semaphore.try_acquire().is_some());
//! ```
//!
//! - [`counter`]: a shared counter four ways: racy, std `Mutex`,
//!   `parking_lot::Mutex`, atomic.
//! - [`bounded_queue`]: Python's `queue.Queue(maxsize)`, built from a `Mutex`
//!   and two `Condvar`s, with timeouts and a clean `close`.
//! - [`semaphore`]: Python's `threading.Semaphore`, which std does not have.
//! - [`event`]: Python's `threading.Event`.
//!
//! They take their `Mutex`, `Condvar`, atomics and `thread` from `sync` (private),
//! which swaps in loom's model-checked versions when built with
//! `RUSTFLAGS="--cfg loom"`, so `tests/loom.rs` checks this very code in every
//! possible interleaving.

#![warn(missing_docs)]
// The library holds no `unsafe` code, and this keeps it so.
#![forbid(unsafe_code)]

pub mod bounded_queue;
pub mod counter;
pub mod event;
pub mod semaphore;
mod sync;
