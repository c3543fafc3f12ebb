//! Submit ten tasks, keep a handle for each, then block on each result.
//!
//! Python:
//!     futures = [executor.submit(square, n) for n in range(10)]
//!     for future in futures: print(future.result())
//! A task that raises makes Python's `result()` re-raise; here `result()`
//! returns the panic as an `Err` naming the task, and the others are
//! untouched.

use super::header;
use anyhow::{Result, bail, ensure};
use thread_pool::executor::{Executor, TaskError};

const TASKS: u64 = 10;
const WORKERS: usize = 4;
/// The task that panics, to show that `result()` reports it.
const PANICKING_TASK: u64 = 7;

pub fn run() -> Result<()> {
    header(
        "submit",
        "10 tasks, a handle each; result() blocks for the value",
        "executor.submit, future.result()",
    );
    let executor = Executor::new(WORKERS)?;
    let handles: Vec<_> = (0..TASKS)
        .map(|number| {
            executor.submit(move || {
                if number == PANICKING_TASK {
                    panic!("deliberate panic in task {number}");
                }
                number * number
            })
        })
        .collect();

    let (mut values, mut panics) = (0, 0);
    for handle in handles {
        let id = handle.id();
        match handle.result() {
            Ok(square) => {
                ensure!(square == id * id, "task {id} returned {square}");
                println!("task {id}: {id} squared is {square}");
                values += 1;
            }
            Err(TaskError::Panicked { task, message }) if task == PANICKING_TASK => {
                println!("task {task}: result() returned the panic: {message}");
                panics += 1;
            }
            Err(error) => bail!("unexpected error: {error}"),
        }
    }
    ensure!(
        (values, panics) == (TASKS - 1, 1),
        "got {values} values and {panics} panics"
    );
    println!("{values} values and {panics} panic, each in its own task's result");
    Ok(())
}
