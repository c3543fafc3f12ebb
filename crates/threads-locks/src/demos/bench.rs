//! The counter workload for `cargo xtask bench`: T threads x N increments
//! under std's `Mutex`, under `parking_lot::Mutex`, and with an atomic,
//! printed as `key=value` lines.
//!
//! `reference.py` runs the same workload with `threading.Lock`, so the two
//! can be compared in one run. Figures are printed, never asserted; the only
//! check is that all three counts are exact.
//!
//! Beside each, its floor, measured in the same run with the same threads:
//! the same increments in a bare loop, the atomic's `fetch_add` or std's
//! `Mutex` called directly rather than through `&dyn Counter`, each thread
//! released by one barrier. A floor is what the machine does at best, so
//! it is the best of three runs.

use anyhow::{Result, ensure};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Mutex, PoisonError};
use std::time::{Duration, Instant};
use threads_locks::counter::{
    AtomicCounter, Counter, MutexCounter, ParkingLotCounter, count_concurrently,
};

#[derive(clap::Args)]
pub struct Args {
    /// How many threads increment the counter
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub threads: u32,
    /// How many times each thread increments it
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
    println!("threads={}", args.threads);
    println!("increments_per_thread={}", args.increments);
    // One call per counter type, not a loop over `&dyn Counter`s: each call
    // is then compiled for its counter, with no indirect call per increment.
    report("mutex", &MutexCounter::default(), args)?;
    report("parking_lot_mutex", &ParkingLotCounter::default(), args)?;
    report("atomic", &AtomicCounter::default(), args)?;
    let (threads, increments) = (args.threads as usize, args.increments);
    let atomic = AtomicU64::new(0);
    let atomic_floor = best_of_three(|| {
        bare_loop(threads, increments, || {
            atomic.fetch_add(1, Ordering::Relaxed);
        })
    });
    let mutex = Mutex::new(0u64);
    let mutex_floor = best_of_three(|| {
        bare_loop(threads, increments, || {
            *mutex.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        })
    });
    let total = threads as f64 * increments as f64;
    println!(
        "atomic_floor_ns_per_increment={:.2}",
        atomic_floor.as_secs_f64() * 1e9 / total
    );
    println!(
        "mutex_floor_ns_per_increment={:.2}",
        mutex_floor.as_secs_f64() * 1e9 / total
    );
    Ok(())
}

/// Counts with `counter` on the workload's threads and prints its figures.
fn report(key: &str, counter: &impl Counter, args: &Args) -> Result<()> {
    let report = count_concurrently(counter, args.threads as usize, args.increments);
    ensure!(
        report.lost_updates() == 0,
        "the {key} counter lost {} updates",
        report.lost_updates()
    );
    println!("{key}_final={}", report.actual);
    println!("{key}_ns_per_increment={:.2}", report.nanos_per_increment());
    Ok(())
}

fn best_of_three(mut run: impl FnMut() -> Duration) -> Duration {
    (0..3).map(|_| run()).min().unwrap_or_default()
}

/// `step` run `increments` times on each of `threads` threads released
/// together: the wall time from the first start to the last finish, as
/// `count_concurrently` times the counters.
fn bare_loop(threads: usize, increments: u64, step: impl Fn() + Sync) -> Duration {
    let start_line = Barrier::new(threads);
    let spans: Vec<(Instant, Instant)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    start_line.wait();
                    let started = Instant::now();
                    for _ in 0..increments {
                        step();
                    }
                    (started, Instant::now())
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let first = spans.iter().map(|span| span.0).min();
    let last = spans.iter().map(|span| span.1).max();
    match (first, last) {
        (Some(first), Some(last)) => last.duration_since(first),
        _ => Duration::ZERO,
    }
}
