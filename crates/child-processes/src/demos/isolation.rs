//! Processes do not share memory; threads do.
//!
//! Python (the seed): a global list changed in a child process is unchanged
//! in the parent. A child process gets its own copy of everything (here a
//! fresh copy of the program), so its change stays there; a thread works on
//! the very same memory.

use super::header;
use anyhow::{Result, ensure};
use child_processes::task::ChildTask;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

/// The value each side changes.
static COUNTER: AtomicU64 = AtomicU64::new(0);

pub fn run() -> Result<()> {
    header(
        "isolation",
        "processes do not share memory; threads do",
        "a global changed in a child",
    );
    println!("parent: counter is {}", COUNTER.load(Ordering::SeqCst));
    let report = AddOne.builder().start()?.join()?;
    ensure!(report.success(), "the child ended with {report}");
    let after_child = COUNTER.load(Ordering::SeqCst);
    ensure!(after_child == 0, "the child's change reached the parent");
    println!("parent after joining the child: counter is still {after_child}");

    thread::scope(|scope| {
        scope.spawn(|| {
            let now = COUNTER.fetch_add(1, Ordering::SeqCst) + 1;
            println!("a thread adds 1 and sees {now}");
        });
    });
    let after_thread = COUNTER.load(Ordering::SeqCst);
    ensure!(
        after_thread == 1,
        "the thread's change did not reach the parent"
    );
    println!("parent after joining the thread: counter is {after_thread}");
    COUNTER.store(0, Ordering::SeqCst);
    Ok(())
}

/// The child: changes its own copy of the counter.
pub struct AddOne;

impl ChildTask for AddOne {
    const ROLE: &'static str = "isolation";
    fn to_args(&self) -> Vec<String> {
        Vec::new()
    }
    fn from_args(_: &[String]) -> Result<Self> {
        Ok(AddOne)
    }
    fn run(self) -> Result<()> {
        let now = COUNTER.fetch_add(1, Ordering::SeqCst) + 1;
        println!("the child process adds 1 and sees {now}");
        Ok(())
    }
}
