//! A crash-proof process pool over ipc-channel: Python's
//! `ProcessPoolExecutor` and `multiprocessing.Pool` for jobs of your own
//! type, without `BrokenProcessPool`.
//!
//! You write a [`Job`]: a serde type and the code that runs it. The pool
//! re-executes your binary as its workers, and
//! [`worker::run_if_worker`] at the top of `main` turns each of those into
//! a worker. When a worker dies, exactly the task it was running fails
//! ([`TaskError::WorkerCrashed`], with its pid and the signal), a new
//! worker takes its place, and every other task succeeds.
//!
//! This example starts two real worker processes. It is a standalone
//! doctest, so that its workers re-execute this very program, whose `main`
//! begins with the worker's call.
//!
//! ```standalone_crate
//! use process_pool::{Job, Pool, TaskError};
//! use serde::{Deserialize, Serialize};
//!
//! /// The seed's `square`, as data the worker runs.
//! #[derive(Clone, Serialize, Deserialize)]
//! struct Square(u64);
//!
//! impl Job for Square {
//!     type Output = u64;
//!     fn run(self) -> u64 {
//!         self.0 * self.0
//!     }
//! }
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // In a worker process this call runs jobs and never returns.
//!     process_pool::worker::run_if_worker::<Square>();
//!
//!     // `with Pool(2) as pool: pool.map(square, range(10))`
//!     let pool = Pool::builder().workers(2).build()?;
//!     let squares = pool
//!         .map((0..10).map(Square), None)
//!         .into_iter()
//!         .collect::<Result<Vec<u64>, TaskError>>()?;
//!     assert_eq!(squares, [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
//!
//!     // `executor.submit(square, 12).result()`
//!     assert_eq!(pool.submit(Square(12)).result()?, 144);
//!     Ok(())
//! }
//! ```
//!
//! The modules:
//! - [`job`]: the [`Job`] trait, the one thing a user implements.
//! - [`pool`]: [`Pool`]: `submit`, `as_completed`, `map`,
//!   `map_unordered`, `stats`, `shutdown`, and a supervisor thread per
//!   worker that replaces dead ones.
//! - [`worker`]: [`worker::run_if_worker`], the worker's side.
//! - [`error`]: [`TaskError`] for one task, [`PoolError`] for the pool.
//! - `sys` (private): the libc calls std lacks, and all of the crate's `unsafe`.
//!
//! Unix only (Linux and macOS). On Linux, workers also get
//! `PR_SET_PDEATHSIG`, and are started from `/proc/self/exe`.
#![warn(missing_docs)]

// Everything below needs Unix; elsewhere the crate is one clear error.
#[cfg(not(unix))]
compile_error!(
    "process-pool teaches Unix processes (fork and exec, signals, waitpid) and builds on Linux and macOS only. On Windows, run it under WSL, or use the thread-pool crate (rayon) for CPU work across cores."
);

#[cfg(unix)]
pub mod error;
#[cfg(unix)]
pub mod job;
#[cfg(unix)]
pub mod pool;
#[cfg(unix)]
mod progress;
#[cfg(unix)]
mod protocol;
#[cfg(unix)]
mod sys;
#[cfg(unix)]
pub mod worker;

#[cfg(unix)]
pub use error::{PoolError, TaskError, TaskId};
#[cfg(unix)]
pub use job::Job;
#[cfg(unix)]
pub use pool::{AsCompleted, Builder, Pool, Stats, TaskHandle, Waited};
