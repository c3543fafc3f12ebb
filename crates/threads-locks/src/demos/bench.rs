//! The counter workload for `cargo xtask bench`: T threads x N increments
//! under std's `Mutex`, under `parking_lot::Mutex`, and with an atomic,
//! printed as `key=value` lines.
//!
//! `reference.py` runs the same workload with `threading.Lock`, so the two
//! can be compared in one run. Figures are printed, never asserted; the only
//! check is that all three counts are exact.

use anyhow::{Result, ensure};
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
    let measured: [(&str, &dyn Counter); 3] = [
        ("mutex", &MutexCounter::default()),
        ("parking_lot_mutex", &ParkingLotCounter::default()),
        ("atomic", &AtomicCounter::default()),
    ];
    for (key, counter) in measured {
        let report = count_concurrently(counter, args.threads as usize, args.increments);
        ensure!(
            report.lost_updates() == 0,
            "the {key} counter lost {} updates",
            report.lost_updates()
        );
        println!("{key}_final={}", report.actual);
        println!("{key}_ns_per_increment={:.2}", report.nanos_per_increment());
    }
    Ok(())
}
