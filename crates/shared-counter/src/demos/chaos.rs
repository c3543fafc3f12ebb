//! Sustained faults: P processes increment one counter under a lock that
//! survives its holder, and every few milliseconds one of them, picked at
//! random, is killed with SIGKILL and replaced. Whatever instant the kill
//! lands on (before the lock, holding it half-way through an increment, in
//! the kernel), the final count must equal the increments the workers
//! completed, no process may hang, and nothing may be left in `/dev/shm`.
//!
//! Python's `Value` + `get_lock()` hangs for good the first time a holder
//! is killed: `python3 reference.py` runs the same chaos after the seed's
//! workload (`--chaos-seconds`, `--kill-every-ms`) and shows after how many
//! kills.

use super::counting::Strategy;
use super::header;
use super::runs;
use anyhow::{Result, ensure};
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// How many worker processes run at once
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(2..=64))]
    pub processes: u32,
    /// How long the faults go on
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub seconds: u64,
    /// Milliseconds between two kills
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub kill_every_ms: u64,
    /// The lock the workers increment under
    #[arg(long, value_enum, default_value_t = ChaosLock::Robust)]
    pub lock: ChaosLock,
}

impl Args {
    /// The tour's settings: a second of it, under the robust mutex where
    /// there is one.
    pub fn quick() -> Self {
        Args {
            seconds: 1,
            lock: if cfg!(target_os = "linux") {
                ChaosLock::Robust
            } else {
                ChaosLock::File
            },
            ..super::defaults()
        }
    }
}

/// The locks that survive a holder's death.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ChaosLock {
    /// The robust pthread mutex (Linux)
    Robust,
    /// The record lock on the block's file (every Unix)
    File,
}

pub fn run(args: &Args) -> Result<()> {
    let (strategy, name) = match args.lock {
        ChaosLock::Robust => (Strategy::Locked, "the robust mutex"),
        ChaosLock::File => (Strategy::FileLock, "the file lock"),
    };
    header(
        "chaos",
        &format!(
            "{} processes increment under {name}; one is SIGKILLed every {} ms for {} s",
            args.processes, args.kill_every_ms, args.seconds
        ),
        "Value + get_lock() hangs at the first kill of its holder",
    );
    ensure!(
        strategy.available(),
        "{name} exists on Linux only; use --lock file"
    );
    let shm_before = shm_entries();
    let report = runs::chaos(
        strategy,
        args.processes as usize,
        Duration::from_secs(args.seconds),
        Duration::from_millis(args.kill_every_ms),
    )?;
    let left = shm_entries()
        .into_iter()
        .filter(|name| !shm_before.contains(name))
        .count();
    let hangs = u64::from(report.hung);
    println!(
        "{name}: {} kills in {:.1} s; a dead holder's lock or half-done increment recovered {} times",
        report.kills,
        report.elapsed.as_secs_f64(),
        report.recoveries
    );
    println!(
        "final {}, acknowledged {}, kills {}, hangs {hangs}, left in /dev/shm {left}",
        report.final_value, report.acknowledged, report.kills
    );
    ensure!(!report.hung, "the counter stopped moving: a worker hung");
    ensure!(
        report.final_value == report.acknowledged,
        "the count ({}) is not the increments acknowledged ({})",
        report.final_value,
        report.acknowledged
    );
    ensure!(left == 0, "{left} new entries in /dev/shm");
    Ok(())
}

/// The names in `/dev/shm`, where a POSIX shared-memory object would be
/// left behind; none on a system without it.
fn shm_entries() -> Vec<String> {
    std::fs::read_dir("/dev/shm")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect()
}
