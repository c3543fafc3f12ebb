//! Typed child tasks: the Rust way to "extend the Process class".
//!
//! Python subclasses `Process` and overrides `run` (and `__str__`). The child
//! then runs the pickled object. Rust cannot send an object to a fresh
//! process, so a task describes itself as a role and string arguments (what
//! `ps` shows), and the child rebuilds it from them and calls `run`.
//!
//! Each role is written once, as `ChildTask::ROLE` on the task's type: the
//! parent starts a task with [`ChildTask::builder`], and the child's `main`
//! lists the task types it runs in [`ChildTasks`]. No role string is matched
//! in one file and written in another.

use crate::process::{Builder, child_role, take_up_duties};
use anyhow::{Context, Result};
use std::io::Write;
use std::str::FromStr;

/// Work for a child process: Python's `Process` subclass with its `run`.
pub trait ChildTask: Sized {
    /// The name that picks this task in the child. Unique per binary.
    const ROLE: &'static str;
    /// The task's fields, as arguments for the child.
    fn to_args(&self) -> Vec<String>;
    /// Rebuilds the task from those arguments, in the child.
    fn from_args(args: &[String]) -> Result<Self>;
    /// What the child does: Python's `run`. An error ends the child with
    /// exit code 1 and the error on stderr; a panic, with code 101.
    fn run(self) -> Result<()>;

    /// A builder for a child that runs this task.
    fn builder(&self) -> Builder {
        Builder::new(Self::ROLE).args(self.to_args())
    }
}

/// The child's argument `index`, parsed: for `from_args`.
pub fn arg<T: FromStr>(args: &[String], index: usize) -> Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    args.get(index)
        .with_context(|| format!("missing argument {index}"))?
        .parse()
        .with_context(|| format!("argument {index}"))
}

/// A task's child side: rebuild it from its arguments and run it.
type RunTask = fn(&[String]) -> Result<()>;

/// The task types this binary's children run. Call
/// [`run_if_child`](ChildTasks::run_if_child) first thing in `main`.
///
/// ```no_run
/// use child_processes::task::{ChildTask, ChildTasks};
///
/// struct Hello;
///
/// impl ChildTask for Hello {
///     const ROLE: &'static str = "hello";
///     fn to_args(&self) -> Vec<String> { Vec::new() }
///     fn from_args(_: &[String]) -> anyhow::Result<Self> { Ok(Hello) }
///     fn run(self) -> anyhow::Result<()> {
///         println!("hello from pid {}", std::process::id());
///         Ok(())
///     }
/// }
///
/// fn main() -> anyhow::Result<()> {
///     ChildTasks::new().with::<Hello>().run_if_child();
///     // The parent: start a child that runs `Hello`, and wait for it.
///     let report = Hello.builder().start()?.join()?;
///     assert!(report.success());
///     Ok(())
/// }
/// ```
/// (`no_run`: the crate's front page has the same program as a doctest
/// that really starts the child.)
#[derive(Default)]
pub struct ChildTasks {
    served: Vec<(&'static str, RunTask)>,
}

impl ChildTasks {
    /// No task types yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs tasks of type `T` too.
    pub fn with<T: ChildTask>(mut self) -> Self {
        self.served
            .push((T::ROLE, |args| T::from_args(args)?.run()));
        self
    }

    /// In a child a `Builder` started: runs its task and exits, never
    /// returning (code 0, or 1 with the error on stderr; a role that is not
    /// listed gets code 2). In any other process: returns at once.
    pub fn run_if_child(self) {
        let Some(role) = child_role() else {
            return;
        };
        take_up_duties();
        let Some((_, run)) = self.served.iter().find(|(served, _)| *served == role) else {
            let served: Vec<&str> = self.served.iter().map(|(role, _)| *role).collect();
            eprintln!("child-processes: no task `{role}` in this binary; it runs {served:?}");
            std::process::exit(2);
        };
        let args: Vec<String> = std::env::args().skip(1).collect();
        let code = match run(&args) {
            Ok(()) => 0,
            Err(error) => {
                eprintln!("Error: {error:#}");
                1
            }
        };
        // `exit` runs no destructors: flush what the task printed first.
        let _ = std::io::stdout().flush();
        std::process::exit(code);
    }
}
