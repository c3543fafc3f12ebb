//! Python's `multiprocessing.Process`, in Rust.
//!
//! A child runs a [`task::ChildTask`]: a type of yours, which travels to
//! the child as its role and arguments. The child is this same binary,
//! re-executed, so `main` starts with [`task::ChildTasks::run_if_child`].
//! This example starts a real child process; it is a standalone doctest so
//! that the child re-executes its own `main`.
//!
//! ```standalone_crate
//! use child_processes::task::{ChildTask, ChildTasks, arg};
//!
//! /// Python's `Process(target=greet, args=("world",))`.
//! struct Greet {
//!     whom: String,
//! }
//!
//! impl ChildTask for Greet {
//!     const ROLE: &'static str = "greet";
//!     fn to_args(&self) -> Vec<String> {
//!         vec![self.whom.clone()]
//!     }
//!     fn from_args(args: &[String]) -> anyhow::Result<Self> {
//!         Ok(Greet { whom: arg(args, 0)? })
//!     }
//!     fn run(self) -> anyhow::Result<()> {
//!         // Exit code 3 proves that this ran in the child.
//!         std::process::exit(if self.whom == "world" { 3 } else { 4 })
//!     }
//! }
//!
//! fn main() -> anyhow::Result<()> {
//!     // In the child, this runs `Greet` and exits.
//!     ChildTasks::new().with::<Greet>().run_if_child();
//!
//!     // `p = Process(...); p.start(); p.join(); p.exitcode`
//!     let task = Greet { whom: "world".to_string() };
//!     let mut child = task.builder().name("greeter").start()?;
//!     let report = child.join()?;
//!     assert_eq!(report.python_exitcode(), 3);
//!     Ok(())
//! }
//! ```
//!
//! - [`process`]: the [`process::Process`] type: start, pid, `is_alive`,
//!   join with or without a timeout, terminate, kill, exit reports, daemon
//!   children, and no zombies ever.
//! - [`task`]: typed child tasks, the Rust way to "extend the Process class",
//!   and [`task::ChildTasks`], the child's side at the top of `main`.
//! - [`ipc`]: a channel from a child over ipc-channel, with a bootstrap
//!   that cannot hang when the child dies first.
//! - `sys` (private): the few libc calls std lacks, and all of the
//!   library's `unsafe`.

#![warn(missing_docs)]

// Everything below needs Unix; elsewhere the crate is one clear error.
#[cfg(not(unix))]
compile_error!(
    "child-processes teaches Unix processes (fork and exec, signals, waitpid, orphans and zombies) and builds on Linux and macOS only. On Windows, run it under WSL; std::process::Command alone spawns and waits for children there."
);

#[cfg(unix)]
pub mod ipc;
#[cfg(unix)]
pub mod process;
#[cfg(unix)]
mod sys;
#[cfg(unix)]
pub mod task;
