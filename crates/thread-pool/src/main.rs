//! Python's `ThreadPoolExecutor`, and CPU-bound parallelism, with rayon.
//!
//! Run the whole tour with `cargo run -p thread-pool`, or one demo with
//! `cargo run -p thread-pool -- <demo> [flags]`; `--help` lists the demos.
//! Every demo checks its own result and exits non-zero if the check fails.
//!
//! Output that varies between runs (timings, thread counts, and the order in
//! which tasks finish) is marked in `expected-output.txt` with `[..]` and
//! `[unordered]` blocks.

mod demos;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "thread-pool",
    about = "Thread pools with rayon: Python's ThreadPoolExecutor in Rust"
)]
struct Cli {
    /// The demo to run; with none, the whole tour runs with quick settings
    #[command(subcommand)]
    demo: Option<Demo>,
}

#[derive(Subcommand)]
enum Demo {
    /// The seed's executor.map over 13 numbers with 3 workers
    Map(demos::map::Args),
    /// Submit tasks, then block on each result (executor.submit)
    Submit,
    /// Results in the order tasks finish (as_completed)
    AsCompleted(demos::as_completed::Args),
    /// Count primes in chunks: one thread vs the whole pool
    CpuBound(demos::cpu_bound::Args),
    /// Divide and conquer with rayon::join: a parallel merge sort
    Join(demos::join::Args),
    /// Blocking waits inside rayon starve CPU work; what to do instead
    BlockingIo(demos::blocking_io::Args),
    /// A panicking task fails only its own result
    Panics,
    /// Print key=value figures for the primes and tiny-task workloads
    Bench(demos::bench::Args),
}

fn main() -> Result<()> {
    match Cli::parse().demo {
        None => tour(),
        Some(demo) => run(demo),
    }
}

fn run(demo: Demo) -> Result<()> {
    match demo {
        Demo::Map(args) => demos::map::run(&args),
        Demo::Submit => demos::submit::run(),
        Demo::AsCompleted(args) => demos::as_completed::run(&args),
        Demo::CpuBound(args) => demos::cpu_bound::run(&args),
        Demo::Join(args) => demos::join::run(&args),
        Demo::BlockingIo(args) => demos::blocking_io::run(&args),
        Demo::Panics => demos::panics::run(),
        Demo::Bench(args) => demos::bench::run(&args),
    }
}

/// Every demo in turn, with settings small enough for a debug build to finish
/// in a few seconds.
fn tour() -> Result<()> {
    let demos = [
        Demo::Map(demos::defaults()),
        Demo::Submit,
        Demo::AsCompleted(demos::defaults()),
        Demo::CpuBound(demos::cpu_bound::Args::quick()),
        Demo::Join(demos::defaults()),
        Demo::BlockingIo(demos::defaults()),
        Demo::Panics,
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
