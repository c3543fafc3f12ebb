//! Python's `multiprocessing.Value`, across real processes: one counter in
//! shared memory, incremented by re-executed worker processes.
//!
//! Run the whole tour with `cargo run -p shared-counter`, or one demo with
//! `cargo run -p shared-counter -- <demo> [flags]`; `--help` lists them.
//! Every demo checks its own result and exits non-zero if the check fails.
//!
//! Output that varies between runs (lost-update counts, pids, timings) is
//! marked in `expected-output.txt` with `[..]`.

mod demos;

use anyhow::Result;
use clap::{Parser, Subcommand};
use demos::workers;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "shared-counter",
    about = "A counter in shared memory across processes: multiprocessing.Value in Rust"
)]
struct Cli {
    /// The demo to run; with none, the whole tour runs with quick settings
    #[command(subcommand)]
    demo: Option<Demo>,
}

#[derive(Subcommand)]
enum Demo {
    /// The seed's run: P processes x N increments, racy, atomic and locked
    Strategies(demos::strategies::Args),
    /// Kill a worker with SIGKILL while it holds the lock; the others recover
    Crash(demos::crash::Args),
    /// Kill a random worker every few ms for seconds; nothing is lost or hangs
    Chaos(demos::chaos::Args),
    /// Python's Array: one element per process, plus a shared total
    Array(demos::array::Args),
    /// Print key=value figures for the atomic and locked counters
    Bench(demos::bench::Args),
}

fn main() -> ExitCode {
    // A re-executed worker runs its role here and exits; it never parses
    // the demos' command line.
    workers::run_if_worker();
    let cli = Cli::parse();
    let result = match cli.demo {
        None => tour(),
        Some(demo) => run(demo),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("Error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(demo: Demo) -> Result<()> {
    match demo {
        Demo::Strategies(args) => demos::strategies::run(&args),
        Demo::Crash(args) => demos::crash::run(&args),
        Demo::Chaos(args) => demos::chaos::run(&args),
        Demo::Array(args) => demos::array::run(&args),
        Demo::Bench(args) => demos::bench::run(&args),
    }
}

/// Every demo in turn, with settings small enough for a debug build.
fn tour() -> Result<()> {
    let demos = [
        Demo::Strategies(demos::defaults()),
        Demo::Crash(demos::defaults()),
        Demo::Chaos(demos::chaos::Args::quick()),
        Demo::Array(demos::defaults()),
        Demo::Bench(demos::bench::Args::quick()),
    ];
    for (index, demo) in demos.into_iter().enumerate() {
        if index > 0 {
            println!();
        }
        run(demo)?;
    }
    println!();
    println!("tour complete: every demo checked its result");
    Ok(())
}
