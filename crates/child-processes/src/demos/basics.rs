//! The parent starts three children, each given its number; each prints
//! that it started and completed, with its pid and its parent's pid. The
//! parent joins them all and prints "parent process completed" once.
//!
//! Python (the seed):
//!     p = multiprocessing.Process(target=child_process, args=(n,))
//!     p.start(); ...; p.join()
//! The seed prints "parent process completed" three times, because the
//! print sits inside the loop that joins the children; here it comes once.

use super::header;
use anyhow::{Result, ensure};
use child_processes::task::{ChildTask, arg};

const CHILDREN: u32 = 3;

pub fn run() -> Result<()> {
    header(
        "basics",
        "the parent starts 3 children and joins them",
        "Process(target=child_process, args=(n,))",
    );
    let parent = std::process::id();
    println!("parent process starting {CHILDREN} children");
    let mut children = Vec::new();
    for number in 1..=CHILDREN {
        // The child checks that its parent pid is ours, and fails if not.
        children.push(Report { number, parent }.builder().start()?);
    }
    for child in &mut children {
        let report = child.join()?;
        ensure!(report.success(), "{} ended with {report}", child.name());
    }
    println!("parent process completed");
    Ok(())
}

/// The seed's `child_process(n)`: prints its start and end, and checks
/// that its parent is the one that started it.
pub struct Report {
    pub number: u32,
    pub parent: u32,
}

impl ChildTask for Report {
    const ROLE: &'static str = "basics";

    fn to_args(&self) -> Vec<String> {
        vec![self.number.to_string(), self.parent.to_string()]
    }

    fn from_args(args: &[String]) -> Result<Self> {
        Ok(Report {
            number: arg(args, 0)?,
            parent: arg(args, 1)?,
        })
    }

    fn run(self) -> Result<()> {
        let (number, parent) = (self.number, std::os::unix::process::parent_id());
        println!(
            "child process {number} started: pid {}, parent pid {parent}",
            std::process::id()
        );
        ensure!(
            parent == self.parent,
            "my parent is {parent}, not {}",
            self.parent
        );
        println!("child process {number} completed");
        Ok(())
    }
}
