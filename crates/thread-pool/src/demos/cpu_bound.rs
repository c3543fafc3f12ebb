//! CPU-bound work: count primes in chunks, on one thread and then on every
//! thread of the pool.
//!
//! In Python, threads do not speed this up: the GIL lets one thread run
//! Python code at a time, and only processes help. Rust threads run truly
//! in parallel, so the speedup approaches the number of cores. The bench's
//! rows in the README set the two languages' speedups side by side.

use super::header;
use super::primes;
use anyhow::{Result, ensure};
use std::thread;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// Count the primes below this number
    #[arg(long, default_value_t = 3_000_000, value_parser = clap::value_parser!(u32).range(2..=100_000_000))]
    pub limit: u32,
    /// How many chunks to split the range into
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub chunks: u32,
}

impl Args {
    /// The tour's settings: small enough for a debug build.
    pub fn quick() -> Self {
        Args {
            limit: 300_000,
            ..super::defaults()
        }
    }
}

pub fn run(args: &Args) -> Result<()> {
    header(
        "cpu-bound",
        &format!(
            "primes below {} in {} chunks, one thread vs the pool",
            args.limit, args.chunks
        ),
        "threads gain nothing under the GIL, processes use the cores",
    );
    let ranges = primes::chunks(args.limit, args.chunks);
    let started = Instant::now();
    let sequential = primes::count_sequential(&ranges);
    let sequential_time = started.elapsed();
    let started = Instant::now();
    let parallel = primes::count_parallel(&ranges);
    let parallel_time = started.elapsed();
    ensure!(
        sequential == parallel,
        "sequential found {sequential} primes, parallel {parallel}"
    );

    let threads = rayon::current_num_threads();
    let cores = thread::available_parallelism()
        .map(|cores| cores.get())
        .unwrap_or(1);
    let speedup = sequential_time.as_secs_f64() / parallel_time.as_secs_f64();
    println!(
        "sequential: {sequential} primes in {:.3} s",
        sequential_time.as_secs_f64()
    );
    println!(
        "parallel:   {parallel} primes in {:.3} s on {threads} threads",
        parallel_time.as_secs_f64()
    );
    println!(
        "speedup {speedup:.2}x, parallel efficiency {:.0}% of {cores} cores; both counts agree",
        100.0 * speedup / cores as f64
    );
    Ok(())
}
