//! The workload for `cargo xtask bench`: P processes x N increments of one
//! shared counter, with `fetch_add`, under the robust mutex and under the
//! file lock, printed as
//! `key=value` lines. `reference.py` runs it with `Value` + `get_lock()`.
//! Figures are printed, never asserted; the counts are checked.

use super::counting::Strategy;
use super::runs;
use anyhow::{Result, ensure};

#[derive(clap::Args)]
pub struct Args {
    /// How many worker processes
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub processes: u32,
    /// How many increments each process makes
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    pub increments: u64,
}

impl Args {
    /// The tour's settings: the same shape, small enough for a debug build.
    pub fn quick() -> Self {
        Args {
            increments: 10_000,
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
    Ok(())
}
