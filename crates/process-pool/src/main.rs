//! A crash-proof process pool: Python's `ProcessPoolExecutor` and
//! `multiprocessing.Pool` over re-executed worker processes and ipc-channel.
//!
//! Run the whole tour with `cargo run -p process-pool`, or one demo with
//! `cargo run -p process-pool -- <demo> [flags]`; `--help` lists them.
//! Every demo checks its own result and exits non-zero if the check fails.
//!
//! Output that varies between runs (pids, timings, completion order) is
//! marked in `expected-output.txt` with `[..]` and `[unordered]` blocks.

mod demos;

use anyhow::Result;
use clap::{Parser, Subcommand};
use demos::jobs::{Checksum, CountPrimes, Drill, Leak, SlowSquare, Square, WhoAmI};
use process_pool::worker::JobTypes;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "process-pool",
    about = "A process pool that survives its workers: ProcessPoolExecutor in Rust"
)]
struct Cli {
    /// The demo to run; with none, the whole tour runs with quick settings
    #[command(subcommand)]
    demo: Option<Demo>,
}

#[derive(Subcommand)]
enum Demo {
    /// The seed's Pool(4).map(square, range(10))
    Map,
    /// The seed's 14 square_number tasks, printed as they complete
    AsCompleted(demos::as_completed::Args),
    /// A queue of items drained by 4 worker processes
    Queue,
    /// A task kills its own worker; only that task fails, the pool goes on
    Crash(demos::crash::Args),
    /// A task runs past its timeout; its worker is killed and replaced
    Timeout,
    /// Tasks that kill their worker or hang, at random among good ones; each fails alone
    Chaos(demos::chaos::Args),
    /// A job that leaks; a worker over its memory limit is replaced, and no task fails
    Leak,
    /// A task panics; the worker survives
    Panic,
    /// Count primes with 1 and with N workers
    CpuBound(demos::cpu_bound::Args),
    /// A large payload: serde Vec<u8> against IpcSharedMemory
    Bulk(demos::bulk::Args),
    /// Print key=value figures for map, as_completed and primes
    Bench(demos::bench::Args),
}

fn main() -> ExitCode {
    // A worker never parses the parent's command line: when a pool started
    // this process, this call runs its jobs and never returns. Every job
    // type that a demo builds a pool for is listed here.
    JobTypes::new()
        .with::<Square>()
        .with::<SlowSquare>()
        .with::<CountPrimes>()
        .with::<WhoAmI>()
        .with::<Checksum>()
        .with::<Drill>()
        .with::<Leak>()
        .run_if_worker();
    let result = match Cli::parse().demo {
        None => tour(),
        Some(demo) => run(demo),
    };
    exit_code(result)
}

fn exit_code(result: Result<()>) -> ExitCode {
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
        Demo::Map => demos::map::run(),
        Demo::AsCompleted(args) => demos::as_completed::run(&args),
        Demo::Queue => demos::queue::run(),
        Demo::Crash(args) => demos::crash::run(&args),
        Demo::Timeout => demos::faults::timeout(),
        Demo::Chaos(args) => demos::chaos::run(&args),
        Demo::Leak => demos::leak::run(),
        Demo::Panic => demos::faults::panic(),
        Demo::CpuBound(args) => demos::cpu_bound::run(&args),
        Demo::Bulk(args) => demos::bulk::run(&args),
        Demo::Bench(args) => demos::bench::run(&args),
    }
}

/// Every demo in turn, with settings small enough for a debug build.
fn tour() -> Result<()> {
    let demos = [
        Demo::Map,
        Demo::AsCompleted(demos::defaults()),
        Demo::Queue,
        Demo::Crash(demos::defaults()),
        Demo::Timeout,
        Demo::Chaos(demos::chaos::Args::quick()),
        Demo::Leak,
        Demo::Panic,
        Demo::CpuBound(demos::cpu_bound::Args::quick()),
        Demo::Bulk(demos::bulk::Args::quick()),
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
