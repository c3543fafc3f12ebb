//! The seed's "extend the Process class", the Rust way: a task type with
//! `run` and `Display`, instead of a `Process` subclass.
//!
//! Python:
//!     class CustomProcess(Process):
//!         def run(self): print('This is another process')
//!         def __str__(self): return 'This is another process'
//! The task travels to the child as its role and arguments, is rebuilt
//! there with `from_args`, and `run` runs in the child.

use super::header;
use anyhow::{Context, Result, ensure};
use child_processes::task::{ChildTask, arg};
use std::fmt;

/// A task that greets from the child after a short wait.
pub struct Greeting {
    pub from: String,
    pub delay_ms: u64,
}

impl fmt::Display for Greeting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a greeting from {}", self.from)
    }
}

impl ChildTask for Greeting {
    const ROLE: &'static str = "greeting";

    fn to_args(&self) -> Vec<String> {
        vec![self.from.clone(), self.delay_ms.to_string()]
    }

    fn from_args(args: &[String]) -> Result<Self> {
        let from = args.first().context("missing `from`")?.clone();
        Ok(Greeting {
            from,
            delay_ms: arg(args, 1)?,
        })
    }

    fn run(self) -> Result<()> {
        std::thread::sleep(std::time::Duration::from_millis(self.delay_ms));
        println!("child: this is another process, running {self}");
        Ok(())
    }
}

pub fn run() -> Result<()> {
    header(
        "custom",
        "a task type with run() and Display",
        "class CustomProcess(Process)",
    );
    let task = Greeting {
        from: "the custom demo".to_string(),
        delay_ms: 100,
    };
    println!("the task displays as: {task}");
    let mut child = task.builder().name("custom").start()?;
    println!("waiting for the process to finish");
    let report = child.join()?;
    ensure!(report.success(), "the custom task ended with {report}");
    println!("the custom task's process ended: {report}");
    Ok(())
}
