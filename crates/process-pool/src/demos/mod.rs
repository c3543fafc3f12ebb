//! One module per demo. Each `run` prints what it does and checks its own
//! invariant, returning an error (and so a non-zero exit) if it does not hold.

pub mod as_completed;
pub mod bench;
pub mod bulk;
pub mod cpu_bound;
pub mod crash;
pub mod faults;
pub mod map;
pub mod queue;

use anyhow::{Result, bail};
use process_pool::protocol::{Output, TaskError};

/// Prints a demo's title line, naming the Python it translates.
pub fn header(name: &str, what: &str, python: &str) {
    println!("== {name}: {what} (Python: {python}) ==");
}

/// The number in a task's output.
pub fn number(result: Result<Output, TaskError>) -> Result<u64> {
    match result? {
        Output::Number(number) => Ok(number),
        other => bail!("expected a number, got {other}"),
    }
}
