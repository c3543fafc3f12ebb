//! One task kills its own worker. Only that task fails, named with the dead
//! worker's pid and signal; the other tasks finish, a replacement worker
//! takes the slot, and the pool runs another batch.
//!
//! Python's `ProcessPoolExecutor` marks itself broken instead: every pending
//! future fails with `BrokenProcessPool`, nothing says which task was to
//! blame, and the pool takes no more work.
//!
//! With `--external-kill-rounds N` the parent itself SIGKILLs a busy worker
//! in the middle of a `map` of 1,000 tasks, N times (the tests use it).

use super::header;
use super::jobs::{Drill, DrillOutput, SlowSquare};
use anyhow::{Context, Result, bail, ensure};
use process_pool::{Pool, TaskError};
use std::thread;
use std::time::Duration;

const BATCH: u64 = 8;
const CULPRIT: u64 = 3;
const MAP_TASKS: u64 = 1000;

#[derive(clap::Args, Default)]
pub struct Args {
    /// Instead of the demo: SIGKILL a worker mid-map this many times
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000))]
    pub external_kill_rounds: Option<u32>,
}

pub fn run(args: &Args) -> Result<()> {
    if let Some(rounds) = args.external_kill_rounds {
        return external_kills(rounds);
    }
    header(
        "crash",
        "one task kills its own worker; only that task fails",
        "BrokenProcessPool fails them all",
    );
    let pool = Pool::builder().workers(2).build()?;
    let tasks = (0..BATCH).map(|value| {
        if value == CULPRIT {
            Drill::KillWorker
        } else {
            Drill::Fine(SlowSquare {
                value,
                sleep_ms: 20,
            })
        }
    });
    let handles: Vec<_> = tasks.map(|task| pool.submit(task)).collect();
    for (value, handle) in (0..BATCH).zip(handles) {
        match handle.result() {
            Err(TaskError::WorkerCrashed { task, pid, how }) if value == CULPRIT => {
                println!("task {task}: its worker (pid {pid}) died running it: {how}");
            }
            Ok(_) if value == CULPRIT => bail!("the culprit task succeeded"),
            Ok(DrillOutput::Number(square)) if square == value * value => {
                println!("task {value}: {square}");
            }
            other => bail!("task {value} gave {other:?}"),
        }
    }
    let stats = pool.stats();
    ensure!(
        stats.crashed == 1 && stats.restarted == 1,
        "expected one crash and one restart: {stats:?}"
    );
    println!(
        "pool stats: {} crashed, {} restarted, {} workers",
        stats.crashed, stats.restarted, stats.workers
    );
    let again = pool
        .map(
            (0..4).map(|value| Drill::Fine(SlowSquare { value, sleep_ms: 0 })),
            None,
        )
        .into_iter()
        .map(|result| match result? {
            DrillOutput::Number(square) => Ok(square),
            other => bail!("a square gave {other:?}"),
        })
        .collect::<Result<Vec<u64>>>()?;
    ensure!(again == [0, 1, 4, 9], "the next batch gave {again:?}");
    println!("the pool is still usable: the next batch gave {again:?}");
    Ok(())
}

/// SIGKILL a busy worker in the middle of a map, `rounds` times: exactly
/// one task fails each time, every other result is right, and the pool
/// keeps working.
fn external_kills(rounds: u32) -> Result<()> {
    let pool = Pool::builder().workers(2).build()?;
    for round in 1..=rounds {
        let victim = pool.worker_pids()[0];
        let completed_before = pool.stats().completed;
        let results = thread::scope(|scope| {
            scope.spawn(|| {
                // Wait until the map is well under way, then kill.
                while pool.stats().completed < completed_before + MAP_TASKS / 4 {
                    thread::sleep(Duration::from_micros(200));
                }
                super::kill(victim).context("killing the worker")
            });
            let tasks = (0..MAP_TASKS).map(|value| SlowSquare { value, sleep_ms: 1 });
            let handles: Vec<_> = tasks.map(|task| pool.submit(task)).collect();
            handles
                .into_iter()
                .map(|handle| handle.result())
                .collect::<Vec<_>>()
        });
        let mut failed = Vec::new();
        for (value, result) in (0..MAP_TASKS).zip(results) {
            match result {
                Err(TaskError::WorkerCrashed { pid, how, .. })
                    if pid == victim && how.contains("SIGKILL") =>
                {
                    failed.push(value)
                }
                result => ensure!(
                    result? == value * value,
                    "round {round}: task {value} gave a wrong result"
                ),
            }
        }
        ensure!(
            failed.len() == 1,
            "round {round}: {} tasks failed, not exactly the one in flight",
            failed.len()
        );
        ensure!(
            !pool.worker_pids().contains(&victim),
            "round {round}: the dead worker was not replaced"
        );
    }
    let stats = pool.stats();
    println!(
        "{rounds} rounds: one worker SIGKILLed mid-map each time, exactly one task failed each time"
    );
    println!(
        "pool stats: {} crashed, {} restarted",
        stats.crashed, stats.restarted
    );
    ensure!(
        stats.crashed == u64::from(rounds),
        "the pool counted {} crashes",
        stats.crashed
    );
    Ok(())
}
