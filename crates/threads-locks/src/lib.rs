//! Thread primitives for the `threads-locks` demos, written so they can be
//! reused and model-checked.
//!
//! - [`counter`]: a shared counter three ways: racy, `Mutex`, atomic.
//! - [`bounded_queue`]: Python's `queue.Queue(maxsize)`, built from a `Mutex`
//!   and two `Condvar`s, with timeouts and a clean `close`.
//! - [`semaphore`]: Python's `threading.Semaphore`, which std does not have.
//! - [`event`]: Python's `threading.Event`.
//!
//! They take their `Mutex`, `Condvar`, atomics and `thread` from [`sync`],
//! which swaps in loom's model-checked versions when built with
//! `RUSTFLAGS="--cfg loom"`, so `tests/loom.rs` checks this very code in every
//! possible interleaving.

pub mod bounded_queue;
pub mod counter;
pub mod event;
pub mod semaphore;
pub mod sync;
