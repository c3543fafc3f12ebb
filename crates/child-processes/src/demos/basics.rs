//! The parent starts three children, each given its number; each prints
//! that it started and completed, with its pid and its parent's pid. The
//! parent joins them all and prints "parent process completed" once.
//!
//! Python (the seed):
//!     p = multiprocessing.Process(target=child_process, args=(n,))
//!     p.start(); ...; p.join()
//! The seed prints "parent process completed" three times, because the
//! print sits inside the loop that joins the children; here it comes once.

use super::{arg, header};
use anyhow::{Result, ensure};
use child_processes::process::Builder;

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
        children.push(
            Builder::new("basics")
                .arg(number.to_string())
                .arg(parent.to_string())
                .start()?,
        );
    }
    for child in &mut children {
        let report = child.join()?;
        ensure!(report.success(), "{} ended with {report}", child.name());
    }
    println!("parent process completed");
    Ok(())
}

/// The child: prints its start and end, and checks its parent pid.
pub fn child(args: &[String]) -> Result<()> {
    let number: u32 = arg(args, 0)?;
    let expected_parent: u32 = arg(args, 1)?;
    let parent = std::os::unix::process::parent_id();
    println!(
        "child process {number} started: pid {}, parent pid {parent}",
        std::process::id()
    );
    ensure!(
        parent == expected_parent,
        "my parent is {parent}, not {expected_parent}"
    );
    println!("child process {number} completed");
    Ok(())
}
