//! A task that runs too long, and a task that panics.
//!
//! Python's `ProcessPoolExecutor` has no per-task timeout (a hung task holds
//! its worker for ever), and re-raises a task's exception from
//! `future.result()`. Here a task past `task_timeout` fails with `TimedOut`,
//! and its worker is killed and replaced; a panic is caught in the worker,
//! which lives on.

use super::header;
use super::jobs::{Drill, DrillOutput, SlowSquare};
use anyhow::{Result, bail, ensure};
use process_pool::{Pool, TaskError};
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
    let stuck = pool.submit(Drill::Sleep { ms: 60_000 });
    let next = pool.submit(Drill::Fine(SlowSquare {
        value: 7,
        sleep_ms: 0,
    }));
    match stuck.result() {
        Err(error @ TaskError::TimedOut { .. }) => println!("{error}"),
        other => bail!("expected a timeout, got {other:?}"),
    }
    ensure!(
        next.result()? == DrillOutput::Number(49),
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
    let before = pool.submit(Drill::WhoAmI).result()?;
    match pool
        .submit(Drill::Panic("deliberate panic in a task".to_string()))
        .result()
    {
        Err(error @ TaskError::Panicked { .. }) => println!("{error}"),
        other => bail!("expected a panic, got {other:?}"),
    }
    let after = pool.submit(Drill::WhoAmI).result()?;
    let DrillOutput::Pid(pid) = after else {
        bail!("WhoAmI gave {after:?}");
    };
    ensure!(before == after, "the worker was replaced after a panic");
    match pool.submit(Drill::UnreadableResult).result() {
        Err(error @ TaskError::BadResult { .. }) => println!("{error}"),
        other => bail!("expected an unreadable result, got {other:?}"),
    }
    println!("the same worker (pid {pid}) ran the tasks before and after the panic");
    Ok(())
}
