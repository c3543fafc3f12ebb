//! A worker is killed with SIGKILL while it holds the lock, half-way through
//! an increment. The others recover and finish, and the final count is
//! exactly the increments that completed.
//!
//! Python's `Value` lock is a semaphore; when its holder dies, nobody ever
//! releases it and every other process hangs in `get_lock()` for good. A
//! robust pthread mutex is released by the kernel when its owner dies, and
//! the next locker is told (`EOWNERDEAD`) so it can repair the data first.

use super::counting::Strategy;
use super::header;
use super::runs;
use super::workers;
use anyhow::{Result, ensure};

#[derive(clap::Args)]
pub struct Args {
    /// How many worker processes, the victim included
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(2..=64))]
    pub processes: u32,
    /// How many increments each survivor makes
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub increments: u64,
    /// How many increments the victim completes before it is killed
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(0..=100_000_000))]
    pub crash_after: u64,
    /// The locks to kill a holder of (repeatable; default: both)
    #[arg(long = "lock", value_enum)]
    pub locks: Vec<Lock>,
}

/// The two locks that survive a holder's death.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Lock {
    /// The robust pthread mutex (Linux)
    Mutex,
    /// The record lock on the block's file (every Unix)
    File,
}

pub fn run(args: &Args) -> Result<()> {
    header(
        "crash",
        "a worker is killed with SIGKILL while it holds the lock",
        "the Value's lock is never released; the others hang",
    );
    let locks = if args.locks.is_empty() {
        vec![Lock::Mutex, Lock::File]
    } else {
        args.locks.clone()
    };
    for lock in locks {
        let strategy = match lock {
            Lock::Mutex => Strategy::Locked,
            Lock::File => Strategy::FileLock,
        };
        if !strategy.available() {
            println!("the robust mutex: skipped, robust mutexes exist on Linux only");
            continue;
        }
        crash_one(args, strategy)?;
    }
    Ok(())
}

fn crash_one(args: &Args, strategy: Strategy) -> Result<()> {
    let (lock, recovery) = if strategy == Strategy::FileLock {
        (
            "the file lock",
            "the kernel dropped the dead holder's record lock; the next locker found its undo record and undid the half-done increment",
        )
    } else {
        (
            "the robust mutex",
            "the next locker got EOWNERDEAD, undid the half-done increment, and marked the mutex consistent",
        )
    };
    let survivors = args.processes as u64 - 1;
    println!(
        "{lock}: worker 0 completes {} increments, then stops half-way through one more, holding the lock",
        args.crash_after
    );
    let report = runs::crash(
        strategy,
        args.processes as usize,
        args.increments,
        args.crash_after,
    )?;
    println!(
        "{lock}: killed worker 0 (pid {}): {}",
        report.victim_pid,
        workers::describe(report.victim_status)
    );
    ensure!(
        report.recoveries == 1,
        "expected one recovery, saw {}",
        report.recoveries
    );
    println!("{lock}: {recovery}");

    let expected = args.crash_after + survivors * args.increments;
    let tallied = report.victim_done + report.others_done.iter().sum::<u64>();
    ensure!(
        report.victim_done == args.crash_after,
        "the victim's tally is {}",
        report.victim_done
    );
    ensure!(
        report
            .others_done
            .iter()
            .all(|&done| done == args.increments),
        "a survivor fell short"
    );
    ensure!(
        report.final_value == expected && tallied == expected,
        "final value {}, expected {expected}",
        report.final_value
    );
    println!(
        "{lock}: final value: {} = {} by the killed worker + {survivors} x {} by the survivors; no process hung",
        report.final_value, args.crash_after, args.increments
    );
    Ok(())
}
