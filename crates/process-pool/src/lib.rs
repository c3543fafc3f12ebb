//! A crash-proof process pool over ipc-channel: Python's
//! `ProcessPoolExecutor` and `multiprocessing.Pool`, without
//! `BrokenProcessPool`.
//!
//! - [`pool`]: the pool: `submit`, `as_completed`, `map`, `stats`,
//!   `shutdown`, and a supervisor per worker that replaces dead ones.
//! - [`protocol`]: the task enum and the messages; no function pointers.
//! - [`worker`]: the worker process's loop.
//! - [`sys`]: the libc calls std lacks, and all of the crate's `unsafe`.

pub mod pool;
pub mod protocol;
pub mod sys;
pub mod worker;
