//! One task panics; only its own result shows it, and the pool goes on.
//!
//! Python: the exception is stored in the future, and `future.result()`
//! re-raises it (or `future.exception()` returns it). Here the executor
//! catches the panic on the worker thread and puts it in that task's result,
//! so the worker survives. Compare rayon's parallel iterators, where a
//! panicking item re-raises the panic in the caller: right for a computation
//! that is one whole, wrong for independent tasks.

use super::header;
use anyhow::{Result, bail, ensure};
use thread_pool::executor::{Executor, TaskError};

const TASKS: u64 = 5;
const WORKERS: usize = 2;
const PANICKING_TASK: u64 = 2;

pub fn run() -> Result<()> {
    header(
        "panics",
        "one task panics; only its own result shows it",
        "future.result() re-raises",
    );
    let executor = Executor::new(WORKERS)?;
    let handles: Vec<_> = (0..TASKS)
        .map(|number| {
            executor.submit(move || {
                if number == PANICKING_TASK {
                    panic!("deliberate panic in task {number}");
                }
                number * 10
            })
        })
        .collect();
    for handle in handles {
        let id = handle.id();
        match (id, handle.result()) {
            (PANICKING_TASK, Err(error @ TaskError::Panicked { .. })) => {
                println!("task {id}: error: {error}")
            }
            (PANICKING_TASK, other) => bail!("task {id} should have panicked, got {other:?}"),
            (_, Ok(value)) if value == id * 10 => println!("task {id}: ok {value}"),
            (_, other) => bail!("task {id} should have returned {}, got {other:?}", id * 10),
        }
    }
    let after = executor.submit(|| 42).result()?;
    ensure!(after == 42, "the pool gave {after} after the panic");
    println!("after the panic, all {WORKERS} workers still run tasks: a new task returned {after}");
    Ok(())
}
