//! Typed child tasks: the Rust way to "extend the Process class".
//!
//! Python subclasses `Process` and overrides `run` (and `__str__`). The child
//! then runs the pickled object. Rust cannot send an object to a fresh
//! process, so a task describes itself as a name and string arguments, and
//! the child rebuilds it from them and calls `run`. `Display` plays the part
//! of `__str__`.

use crate::process::Builder;
use anyhow::Result;
use std::fmt::Display;

pub trait ChildTask: Display + Sized {
    /// The name the worker's `main` matches on.
    const ROLE: &'static str;
    /// The task's fields, as arguments for the child.
    fn to_args(&self) -> Vec<String>;
    /// Rebuilds the task from those arguments, in the child.
    fn from_args(args: &[String]) -> Result<Self>;
    /// What the child does: Python's `run`.
    fn run(self) -> Result<()>;

    /// A builder for a child that runs this task.
    fn builder(&self) -> Builder {
        Builder::new(Self::ROLE).args(self.to_args())
    }
}
