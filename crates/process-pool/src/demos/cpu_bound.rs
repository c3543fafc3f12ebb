//! CPU-bound work across processes: count primes with 1 worker and with N.

use super::header;
use super::jobs::CountPrimes;
use anyhow::{Result, ensure};
use process_pool::Pool;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Args {
    /// Count the primes below this number
    #[arg(long, default_value_t = 3_000_000, value_parser = clap::value_parser!(u64).range(2..=1_000_000_000))]
    pub limit: u64,
    /// How many chunks to split the range into
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub chunks: u64,
    /// How many workers for the parallel run
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub workers: u32,
}

impl Args {
    pub fn quick() -> Self {
        Args {
            limit: 300_000,
            ..super::defaults()
        }
    }
}

/// Counts the primes below `limit` on a pool of `workers`; the count and
/// the time, pool start-up excluded.
pub fn count_primes(limit: u64, chunks: u64, workers: usize) -> Result<(u64, Duration)> {
    let pool = Pool::builder().workers(workers).build()?;
    let step = limit.div_ceil(chunks);
    let tasks = (0..chunks).map(|chunk| CountPrimes {
        start: chunk * step,
        end: ((chunk + 1) * step).min(limit),
    });
    let started = Instant::now();
    let mut total = 0;
    for (_, result) in pool.as_completed(tasks) {
        total += result?;
    }
    Ok((total, started.elapsed()))
}

pub fn run(args: &Args) -> Result<()> {
    header(
        "cpu-bound",
        &format!(
            "primes below {} in {} chunks, 1 worker vs {}",
            args.limit, args.chunks, args.workers
        ),
        "ProcessPoolExecutor for CPU-bound work",
    );
    let (one, one_time) = count_primes(args.limit, args.chunks, 1)?;
    let (many, many_time) = count_primes(args.limit, args.chunks, args.workers as usize)?;
    ensure!(
        one == many,
        "1 worker found {one} primes, {} workers found {many}",
        args.workers
    );
    println!("1 worker:  {one} primes in {:.3} s", one_time.as_secs_f64());
    println!(
        "{} workers: {many} primes in {:.3} s",
        args.workers,
        many_time.as_secs_f64()
    );
    println!(
        "speedup {:.2}x; both counts agree",
        one_time.as_secs_f64() / many_time.as_secs_f64()
    );
    Ok(())
}
