//! Submit ten tasks, keep a handle for each, then wait on each result, once
//! with a timeout that runs out.
//!
//! Python:
//!     futures = [executor.submit(square, n) for n in range(10)]
//!     futures[9].result(timeout=0.01)   # TimeoutError; the task runs on
//!     for future in futures: print(future.result())
//! `result_timeout` gives up without stopping the task, as Python's does,
//! and a later `result()` still collects the value. (A task that panics is
//! the `panics` demo.)

use super::header;
use anyhow::{Result, bail, ensure};
use std::time::Duration;
use thread_pool::executor::{Executor, TaskError};

const TASKS: u64 = 10;
const WORKERS: usize = 4;
/// The task that takes a while, and how long.
const SLOW_TASK: u64 = 9;
const SLOW_FOR: Duration = Duration::from_millis(300);
/// How long the first wait for the slow task lasts: far less than it takes.
const IMPATIENCE: Duration = Duration::from_millis(10);

pub fn run() -> Result<()> {
    header(
        "submit",
        "10 tasks, a handle each; result() waits, result_timeout() may give up",
        "executor.submit, future.result(timeout)",
    );
    let executor = Executor::new(WORKERS)?;
    let handles: Vec<_> = (0..TASKS)
        .map(|number| {
            executor.submit(move || {
                if number == SLOW_TASK {
                    std::thread::sleep(SLOW_FOR);
                }
                number * number
            })
        })
        .collect();

    match handles[SLOW_TASK as usize].result_timeout(IMPATIENCE) {
        Err(error @ TaskError::TimedOut { .. }) => println!("{error}; it keeps running"),
        other => bail!("task {SLOW_TASK} should still be running, got {other:?}"),
    }
    for handle in handles {
        let id = handle.id();
        let square = handle.result()?;
        ensure!(square == id * id, "task {id} returned {square}");
        println!("task {id}: {id} squared is {square}");
    }
    println!("{TASKS} values; the slow task's came to the second wait");
    Ok(())
}
