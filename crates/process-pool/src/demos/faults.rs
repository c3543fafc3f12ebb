//! A task that runs too long, and a task that panics.
//!
//! Python's `ProcessPoolExecutor` has no per-task timeout (a hung task holds
//! its worker for ever), and re-raises a task's exception from
//! `future.result()`. Here a task past `task_timeout` fails with `TimedOut`,
//! and its worker is killed and replaced; a panic is caught in the worker,
//! which lives on.

use super::{header, number};
use anyhow::{Result, bail, ensure};
use process_pool::pool::Pool;
use process_pool::protocol::{Output, Task, TaskError};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_millis(200);

pub fn timeout() -> Result<()> {
    header(
        "timeout",
        "a task runs past its timeout",
        "no per-task timeout in ProcessPoolExecutor",
    );
    let pool = Pool::builder().workers(1).task_timeout(TIMEOUT).build()?;
    let first_pid = pool.worker_pids()[0];
    let stuck = pool.submit(Task::Sleep { ms: 60_000 });
    let next = pool.submit(Task::Square(7));
    match stuck.result() {
        Err(error @ TaskError::TimedOut { .. }) => println!("{error}"),
        other => bail!("expected a timeout, got {other:?}"),
    }
    ensure!(
        number(next.result())? == 49,
        "the next task gave a wrong result"
    );
    ensure!(
        pool.worker_pids()[0] != first_pid,
        "the timed-out worker was not replaced"
    );
    println!("the next task ran on the replacement worker: 7 squared is 49");
    Ok(())
}

pub fn panic() -> Result<()> {
    header(
        "panic",
        "a task panics; the worker survives",
        "future.result() re-raises",
    );
    let pool = Pool::builder().workers(1).build()?;
    let before = pool.submit(Task::WhoAmI(0)).result()?;
    match pool
        .submit(Task::Panic("deliberate panic in a task".to_string()))
        .result()
    {
        Err(error @ TaskError::Panicked { .. }) => println!("{error}"),
        other => bail!("expected a panic, got {other:?}"),
    }
    let after = pool.submit(Task::WhoAmI(1)).result()?;
    let (
        Output::Taken {
            pid: pid_before, ..
        },
        Output::Taken { pid: pid_after, .. },
    ) = (before, after)
    else {
        bail!("WhoAmI gave no pid");
    };
    ensure!(
        pid_before == pid_after,
        "the worker was replaced after a panic"
    );
    match pool.submit(Task::UnreadableResult).result() {
        Err(error @ TaskError::BadResult { .. }) => println!("{error}"),
        other => bail!("expected an unreadable result, got {other:?}"),
    }
    println!("the same worker (pid {pid_after}) ran the tasks before and after the panic");
    Ok(())
}
