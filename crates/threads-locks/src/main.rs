//! Python's `threading` module, translated to Rust's std threads and locks.
//!
//! Run the whole tour with `cargo run -p threads-locks`, or one demo with
//! `cargo run -p threads-locks -- <demo> [flags]`; `--help` lists the demos.
//! Every demo checks its own result and exits non-zero if the check fails.
//!
//! Output that varies between runs (timings, lost-update counts, and the order
//! in which racing threads print) is marked in `expected-output.txt` with
//! `[..]` and `[unordered]` blocks.

mod demos;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "threads-locks",
    about = "Threads and locks: Python's threading module in Rust"
)]
struct Cli {
    /// The demo to run; with none, the whole tour runs with quick settings
    #[command(subcommand)]
    demo: Option<Demo>,
}

#[derive(Subcommand)]
enum Demo {
    /// Two threads each print 0-9; join them (threading.Thread)
    Basics,
    /// Sleeping work, one after the other vs in two threads (time.sleep)
    IoBound(demos::io_bound::Args),
    /// Threads print whole blocks under one Mutex (threading.Lock)
    Lock(demos::lock::Args),
    /// A shared counter: racy, Mutex and atomic (counter += 1)
    Counter(demos::counter::Args),
    /// Many readers and one writer share a config (RWLock)
    Rwlock(demos::rwlock::Args),
    /// A bounded producer/consumer queue from Mutex + Condvar (queue.Queue)
    Condvar(demos::condvar::Args),
    /// At most K tasks at once (threading.Semaphore)
    Semaphore(demos::semaphore::Args),
    /// Threads wait until main sets a flag (threading.Event)
    Event(demos::event::Args),
    /// Threads meet between two phases (threading.Barrier)
    Barrier(demos::barrier::Args),
    /// Threads borrow local data with thread::scope, no Arc
    Scoped,
    /// Many producers, one consumer over mpsc (queue.Queue fan-in)
    Channel(demos::channel::Args),
    /// A thread panics while holding a lock: PoisonError and recovery
    Poison,
    /// Print key=value figures for the counter workload
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
        Demo::Basics => demos::basics::run(),
        Demo::IoBound(args) => demos::io_bound::run(&args),
        Demo::Lock(args) => demos::lock::run(&args),
        Demo::Counter(args) => demos::counter::run(&args),
        Demo::Rwlock(args) => demos::rwlock::run(&args),
        Demo::Condvar(args) => demos::condvar::run(&args),
        Demo::Semaphore(args) => demos::semaphore::run(&args),
        Demo::Event(args) => demos::event::run(&args),
        Demo::Barrier(args) => demos::barrier::run(&args),
        Demo::Scoped => demos::scoped::run(),
        Demo::Channel(args) => demos::channel::run(&args),
        Demo::Poison => demos::poison::run(),
        Demo::Bench(args) => demos::bench::run(&args),
    }
}

/// Every demo in turn, with settings small enough for a debug build to finish
/// in a few seconds.
fn tour() -> Result<()> {
    let demos = [
        Demo::Basics,
        Demo::IoBound(demos::defaults()),
        Demo::Lock(demos::defaults()),
        Demo::Counter(demos::defaults()),
        Demo::Rwlock(demos::defaults()),
        Demo::Condvar(demos::defaults()),
        Demo::Semaphore(demos::defaults()),
        Demo::Event(demos::defaults()),
        Demo::Barrier(demos::defaults()),
        Demo::Scoped,
        Demo::Channel(demos::defaults()),
        Demo::Poison,
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
