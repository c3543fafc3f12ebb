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
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
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

/// `step` run `increments` times on each of `threads` threads, driven and
/// timed by `count_concurrently` like the counters, so the floor differs
/// from them only in what one increment is.
fn bare_loop(threads: usize, increments: u64, step: impl Fn() + Sync) -> Duration {
    count_concurrently(&Bare(step), threads, increments).elapsed
}

/// A bare step as a `Counter`, for the driver: no lock or atomic of the
/// library's around it, and no count of its own to report.
struct Bare<F>(F);

impl<F: Fn() + Sync> Counter for Bare<F> {
    fn name(&self) -> &'static str {
        "a bare loop"
    }

    fn increment(&self) {
        (self.0)()
    }

    fn get(&self) -> u64 {
        0
    }
}
