//! The seed's run: 4 processes each add 1 to one shared counter 1000 times.
//!
//! Python:
//!     value = multiprocessing.Value('i', 0)
//!     def increment(v):
//!         for _ in range(1000):
//!             with v.get_lock():
//!                 v.value += 1
//! `v.value += 1` is a read, an add and a write, even in Python, and the
//! processes run truly in parallel: without `get_lock()` updates are lost.
//! Here four ways: racy (load, yield, store), atomic (`fetch_add`), locked
//! (a robust process-shared mutex, on Linux) and file-lock (a record lock
//! the kernel drops when its holder dies, on every Unix). The loops are
//! [`Strategy::count`], in `src/demos/counting.rs`; each worker process runs one
//! of them.

use super::counting::Strategy;
use super::header;
use super::runs;
use anyhow::{Result, ensure};

#[derive(clap::Args)]
pub struct Args {
    /// How many worker processes
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub processes: u32,
    /// How many increments each process makes
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub increments: u64,
    /// The strategies to run (repeatable; default: all four)
    #[arg(long = "strategy", value_enum)]
    pub strategies: Vec<Strategy>,
    /// Repeat every strategy this many times, checking each run
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub runs: u32,
    /// For the tests: panic in the parent once the workers are started
    #[arg(long, hide = true)]
    pub panic_after_spawn: bool,
}

pub fn run(args: &Args) -> Result<()> {
    let processes = args.processes as usize;
    header(
        "strategies",
        &format!(
            "{processes} processes x {} increments of one shared counter",
            args.increments
        ),
        "multiprocessing.Value('i', 0) with get_lock()",
    );
    let strategies = if args.strategies.is_empty() {
        vec![
            Strategy::Racy,
            Strategy::Atomic,
            Strategy::Locked,
            Strategy::FileLock,
        ]
    } else {
        args.strategies.clone()
    };
    for strategy in strategies {
        if !strategy.available() {
            println!(
                "{:<10} skipped: robust mutexes exist on Linux only",
                format!("{}:", strategy.name())
            );
            continue;
        }
        let mut lost_per_run = Vec::new();
        for _ in 0..args.runs {
            let report = runs::count(strategy, processes, args.increments, || {
                if args.panic_after_spawn {
                    panic!("deliberate panic in the parent, with the workers started");
                }
            })?;
            if strategy != Strategy::Racy {
                ensure!(
                    report.lost() == 0,
                    "{}: final value {} of {}",
                    strategy.name(),
                    report.actual,
                    report.expected
                );
            }
            lost_per_run.push((report.actual, report.lost()));
        }
        let (last_value, last_lost) = lost_per_run[lost_per_run.len() - 1];
        let runs_note = if args.runs > 1 {
            format!(" (every one of {} runs exact)", args.runs)
        } else {
            String::new()
        };
        match strategy {
            Strategy::Racy => {
                // With several processes and a yield in the gap, updates are
                // lost on every run; if none were, the demo showed nothing.
                ensure!(
                    processes == 1 || last_lost > 0,
                    "the racy counter lost no update this time"
                );
                println!(
                    "{:<10} final value: {last_value} ({last_lost} increments lost)",
                    "racy:"
                );
            }
            _ => println!(
                "{:<10} final value: {last_value}{runs_note}",
                format!("{}:", strategy.name())
            ),
        }
    }
    Ok(())
}
