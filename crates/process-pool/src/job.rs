//! The one thing a user writes: a job type.
//!
//! Python's `pool.map(f, items)` pickles `f` by name and each worker
//! imports it again; in a notebook that import fails, and the pool breaks.
//! Rust cannot send a function or a closure to another process at all: a
//! function pointer is an address in *this* process's memory, and a closure
//! may hold references into it. So the work travels as data. A job is a
//! serde type of your own, and [`Job::run`] is the code the worker runs on
//! it. The worker is this same binary, so the code is already there.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Work that a worker process can run: plain data in, plain data out.
///
/// Implement it for a struct (one kind of work) or an enum (several kinds,
/// matched in `run`). The bounds are what the pool needs:
///
/// - `Serialize + DeserializeOwned`: the job crosses the process boundary
///   over ipc-channel. It may carry an
///   [`IpcSharedMemory`](ipc_channel::ipc::IpcSharedMemory), which travels
///   as a file descriptor, not as bytes.
/// - `Clone`: the builder's `initializer` job is sent to every new worker.
/// - `Send + Sync + 'static`: jobs and outputs move between the pool's
///   threads, and a job is shared, not copied, between the thread that
///   sends it and the one that keeps it until its answer comes: if the
///   worker dies before starting it, it goes to the replacement.
///
/// A panic in `run` fails that job alone ([`TaskError::Panicked`]); the
/// worker lives on. A crash (a signal, `process::exit`) fails the job that
/// was running ([`TaskError::WorkerCrashed`]) and the worker is replaced.
///
/// ```
/// use process_pool::Job;
/// use serde::{Deserialize, Serialize};
///
/// /// Counts the words of a text.
/// #[derive(Clone, Serialize, Deserialize)]
/// struct CountWords(String);
///
/// impl Job for CountWords {
///     type Output = usize;
///     fn run(self) -> usize {
///         self.0.split_whitespace().count()
///     }
/// }
///
/// // The worker calls `run`; a test can too.
/// assert_eq!(CountWords("to be or not".to_string()).run(), 4);
/// ```
///
/// [`TaskError::Panicked`]: crate::TaskError::Panicked
/// [`TaskError::WorkerCrashed`]: crate::TaskError::WorkerCrashed
pub trait Job: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    /// What `run` returns, sent back to the pool the same way.
    type Output: Serialize + DeserializeOwned + Send + 'static;

    /// Does the work, in the worker process.
    fn run(self) -> Self::Output;
}
