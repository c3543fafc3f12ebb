//! Python's `multiprocessing.Process`, in Rust: start and join, names and
//! pids, daemon children, exit codes, terminate and kill, orphans, and
//! children that answer over ipc-channel.
//!
//! Run the whole tour with `cargo run -p child-processes`, or one demo with
//! `cargo run -p child-processes -- <demo> [flags]`; `--help` lists them.
//! Every demo checks its own result and exits non-zero if the check fails.
//!
//! Output that varies between runs (pids, timings, and the order in which
//! children print) is marked in `expected-output.txt` with `[..]` and
//! `[unordered]` blocks.

mod demos;

use anyhow::Result;
use child_processes::task::ChildTasks;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "child-processes",
    about = "Child processes: Python's multiprocessing.Process in Rust"
)]
struct Cli {
    /// The demo to run; with none, the whole tour runs with quick settings
    #[command(subcommand)]
    demo: Option<Demo>,
}

#[derive(Subcommand)]
enum Demo {
    /// The parent starts 3 children and joins them
    Basics,
    /// new -> running -> blocked -> terminated, with join_timeout
    Lifecycle,
    /// A task type with run() and Display: the Rust way to extend Process
    Custom,
    /// Process names, the daemon flag, pids and parent pids
    Names,
    /// Normal exit, exit(1), panic, a caught SIGTERM, SIGKILL
    ExitCodes,
    /// Kill a parent with SIGKILL: its daemon child goes, its other child is orphaned
    Daemon,
    /// Processes do not share memory; threads do
    Isolation,
    /// The seed's square and cube in two processes at once
    Parallel(demos::parallel::Args),
    /// Each request handled by a child that answers over ipc-channel
    Server(demos::server::Args),
    /// Each order cooked by a child; a delivery thread per receipt
    Restaurant,
    /// Benchmarks (key=value figures)
    Bench {
        #[command(subcommand)]
        workload: demos::bench::Workload,
    },
}

fn main() -> ExitCode {
    // A child never parses the parent's command line: in a child, this runs
    // the task it was started for and exits. Every task type that a demo
    // starts a child for is listed here, and its role is written only on
    // its type.
    ChildTasks::new()
        .with::<demos::Noop>()
        .with::<demos::Sleep>()
        .with::<demos::Exit>()
        .with::<demos::Panic>()
        .with::<demos::basics::Report>()
        .with::<demos::custom::Greeting>()
        .with::<demos::names::Introduce>()
        .with::<demos::exit_codes::CleanUpOnSigterm>()
        .with::<demos::daemon::Middle>()
        .with::<demos::isolation::AddOne>()
        .with::<demos::parallel::Powers>()
        .with::<demos::server::Handle>()
        .with::<demos::restaurant::Cook>()
        .run_if_child();
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
        Demo::Basics => demos::basics::run(),
        Demo::Lifecycle => demos::lifecycle::run(),
        Demo::Custom => demos::custom::run(),
        Demo::Names => demos::names::run(),
        Demo::ExitCodes => demos::exit_codes::run(),
        Demo::Daemon => demos::daemon::run(),
        Demo::Isolation => demos::isolation::run(),
        Demo::Parallel(args) => demos::parallel::run(&args),
        Demo::Server(args) => demos::server::run(&args),
        Demo::Restaurant => demos::restaurant::run(),
        Demo::Bench { workload } => demos::bench::run(&workload),
    }
}

/// Every demo in turn, with settings small enough for a debug build.
fn tour() -> Result<()> {
    let demos = [
        Demo::Basics,
        Demo::Lifecycle,
        Demo::Custom,
        Demo::Names,
        Demo::ExitCodes,
        Demo::Daemon,
        Demo::Isolation,
        Demo::Parallel(demos::defaults()),
        Demo::Server(demos::defaults()),
        Demo::Restaurant,
        Demo::Bench {
            workload: demos::bench::Workload::quick(),
        },
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
