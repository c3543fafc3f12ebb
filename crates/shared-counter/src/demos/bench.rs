//! The workload for `cargo xtask bench`: P processes x N increments of one
//! shared counter, with `fetch_add`, under the robust mutex and under the
//! file lock, printed as
//! `key=value` lines. `reference.py` runs it with `Value` + `get_lock()`.
//! Then the chaos run under the robust mutex: the same processes, one
//! killed with SIGKILL every few milliseconds and replaced; `reference.py`
//! runs it on `Value` + `get_lock()`, which hangs the first time a holder
//! dies. Figures are printed, never asserted; the counts are checked.

use super::counting::Strategy;
use super::runs;
use anyhow::{Result, ensure};
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// How many worker processes
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub processes: u32,
    /// How many increments each process makes
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    pub increments: u64,
    /// How long the chaos run goes on
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub chaos_seconds: u64,
    /// Milliseconds between two kills in the chaos run
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub kill_every_ms: u64,
}

impl Args {
    /// The tour's settings: the same shape, small enough for a debug build.
    pub fn quick() -> Self {
        Args {
            increments: 10_000,
            chaos_seconds: 1,
            ..super::defaults()
        }
    }
}

pub fn run(args: &Args) -> Result<()> {
    println!("processes={}", args.processes);
    println!("increments_per_process={}", args.increments);
    for strategy in [Strategy::Atomic, Strategy::Locked, Strategy::FileLock] {
        if !strategy.available() {
            continue;
        }
        let report = runs::count(strategy, args.processes as usize, args.increments, || {})?;
        ensure!(
            report.lost() == 0,
            "{} lost {} increments",
            strategy.name(),
            report.lost()
        );
        println!("{}_final={}", strategy.name(), report.actual);
        println!(
            "{}_per_s={:.0}",
            strategy.name(),
            report.increments_per_second()
        );
    }
    let lock = if Strategy::Locked.available() {
        Strategy::Locked
    } else {
        Strategy::FileLock
    };
    let chaos = runs::chaos(
        lock,
        args.processes.max(2) as usize,
        Duration::from_secs(args.chaos_seconds),
        Duration::from_millis(args.kill_every_ms),
    )?;
    println!("chaos_lasted_s={:.3}", chaos.elapsed.as_secs_f64());
    println!("chaos_kills={}", chaos.kills);
    println!("chaos_hangs={}", u64::from(chaos.hung));
    println!("chaos_final={}", chaos.final_value);
    println!("chaos_acknowledged={}", chaos.acknowledged);
    Ok(())
}
