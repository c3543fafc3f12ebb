//! Python's `multiprocessing.Process`, in Rust.
//!
//! - [`process`]: the [`process::Process`] type: start, pid, `is_alive`,
//!   join with or without a timeout, terminate, kill, exit reports, daemon
//!   children, and no zombies ever.
//! - [`task`]: typed child tasks, the Rust way to "extend the Process class".
//! - [`ipc`]: a channel from a child over ipc-channel, with a bootstrap
//!   that cannot hang when the child dies first.
//! - [`sys`]: the few libc calls std lacks, and all of the crate's `unsafe`.

pub mod ipc;
pub mod process;
pub mod sys;
pub mod task;
