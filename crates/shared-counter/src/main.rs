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
use shared_counter::shm;
use shared_counter::workers::{WORKER_ENV, worker_main};
use std::path::Path;
use std::process::ExitCode;

/// Workers are this very binary, re-executed.
const SELF_EXE: &str = "/proc/self/exe";

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
    /// Python's Array: one element per process, plus a shared total
    Array(demos::array::Args),
    /// Print key=value figures for the atomic and locked counters
    Bench(demos::bench::Args),
}

fn main() -> ExitCode {
    // A worker never parses the parent's command line: its role arrives in
    // the environment, and nothing else may run before it is read.
    if let Some(role) = shm::take_env(WORKER_ENV) {
        return match worker_main(&role) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("shared-counter worker: {error:#}");
                ExitCode::FAILURE
            }
        };
    }
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
    let exe = Path::new(SELF_EXE);
    match demo {
        Demo::Strategies(args) => demos::strategies::run(exe, &args),
        Demo::Crash(args) => demos::crash::run(exe, &args),
        Demo::Array(args) => demos::array::run(exe, &args),
        Demo::Bench(args) => demos::bench::run(exe, &args),
    }
}

/// Every demo in turn, with settings small enough for a debug build.
fn tour() -> Result<()> {
    let demos = [
        Demo::Strategies(demos::strategies::Args::default()),
        Demo::Crash(demos::crash::Args::default()),
        Demo::Array(demos::array::Args::default()),
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
