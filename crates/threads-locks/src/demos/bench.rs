//! The counter workload for `cargo xtask bench`: T threads x N increments
//! under std's `Mutex`, under `parking_lot::Mutex`, and with an atomic,
//! printed as `key=value` lines.
//!
//! `reference.py` runs the same workload with `threading.Lock`, so the two
//! can be compared in one run. Figures are printed, never asserted; the only
//! check is that all three counts are exact.
//!
//! Beside them, their floor, measured in the same run with the same
//! threads and driven by the same `count_concurrently`: the same increments
//! as a bare, contended `fetch_add`, not the library's counter. No
//! exclusive increment of one shared word can cost less on these threads:
//! a lock's acquire is itself at least one such read-modify-write of a
//! contended cache line, so this is the floor of both mutexes as well as
//! of the atomic. A floor is what the machine does at best, so it is the
//! best of three trials; every counter is measured the same way, in the
//! same trials, so a counter and its floor differ only in what one
//! increment is. `reference.py` takes the best of three runs too.

use anyhow::{Result, ensure};
use std::sync::atomic::{AtomicU64, Ordering};
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
    let (threads, increments) = (args.threads as usize, args.increments);
    let atomic = AtomicU64::new(0);
    // Three trials, each running every counter and then the floor, so
    // that a slow spell of the machine falls on all four alike; each figure
    // is its best trial, measured the same way as its floor.
    let mut best = [Duration::MAX; KEYS.len()];
    for _ in 0..TRIALS {
        // One call per counter type, not a loop over `&dyn Counter`s: each
        // call is then compiled for its counter, with no indirect call per
        // increment.
        let measured = [
            trial("mutex", &MutexCounter::default(), args)?,
            trial("parking_lot_mutex", &ParkingLotCounter::default(), args)?,
            trial("atomic", &AtomicCounter::default(), args)?,
            bare_loop(threads, increments, || {
                atomic.fetch_add(1, Ordering::Relaxed);
            }),
        ];
        for (best, elapsed) in best.iter_mut().zip(measured) {
            *best = (*best).min(elapsed);
        }
    }
    // Every trial's count was exact (`trial` checks), so each ended here.
    let total = threads as u64 * increments;
    for ((key, counter), elapsed) in KEYS.into_iter().zip(best) {
        if counter {
            println!("{key}_final={total}");
        }
        let nanos = elapsed.as_secs_f64() * 1e9 / total as f64;
        println!("{key}_ns_per_increment={nanos:.2}");
    }
    Ok(())
}

/// How many times each counter and the floor run; each prints its best.
const TRIALS: usize = 3;

/// The figures' keys, in the order each trial measures them, and whether
/// each is a counter (with a final count) rather than a floor.
const KEYS: [(&str, bool); 4] = [
    ("mutex", true),
    ("parking_lot_mutex", true),
    ("atomic", true),
    ("atomic_floor", false),
];

/// Counts with `counter` once on the workload's threads and returns how
/// long it took; a count that is not exact is an error.
fn trial(key: &str, counter: &impl Counter, args: &Args) -> Result<Duration> {
    let report = count_concurrently(counter, args.threads as usize, args.increments);
    ensure!(
        report.actual == report.expected,
        "the {key} counter ended at {} of {}",
        report.actual,
        report.expected
    );
    Ok(report.elapsed)
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
