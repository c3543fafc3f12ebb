//! The workloads for `cargo xtask bench`, printed as `key=value` lines:
//!
//! - primes below `--limit` in `--chunks` chunks, on one thread and on the
//!   global rayon pool (one thread per core), each the median of `--repeat`
//!   runs;
//! - `--tiny-tasks` tiny tasks submitted to an `Executor` with one worker per
//!   core, then every result collected, in submission order.
//!
//! `reference.py` runs the same workloads with `ThreadPoolExecutor` and
//! `ProcessPoolExecutor`. Figures are printed, never asserted; the counts are
//! checked.

use super::primes;
use anyhow::{Result, ensure};
use std::time::Instant;
use thread_pool::executor::Executor;

#[derive(clap::Args)]
pub struct Args {
    /// Count the primes below this number
    #[arg(long, default_value_t = 3_000_000, value_parser = clap::value_parser!(u32).range(2..=100_000_000))]
    pub limit: u32,
    /// How many chunks to split the range into
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub chunks: u32,
    /// How many tiny tasks to submit
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub tiny_tasks: u64,
    /// Time the primes this many times and report the median of each
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub repeat: u32,
}

impl Args {
    /// The tour's settings: the same shapes, small enough for a debug build.
    pub fn quick() -> Self {
        Args {
            limit: 300_000,
            tiny_tasks: 10_000,
            repeat: 1,
            ..super::defaults()
        }
    }
}

pub fn run(args: &Args) -> Result<()> {
    let workers = rayon::current_num_threads();
    println!("workers={workers}");

    let ranges = primes::chunks(args.limit, args.chunks);
    let (sequential, sequential_time) =
        median_run(args.repeat, || primes::count_sequential(&ranges));
    let (parallel, parallel_time) = median_run(args.repeat, || primes::count_parallel(&ranges));
    ensure!(
        sequential == parallel,
        "sequential found {sequential} primes, parallel {parallel}"
    );
    println!("primes_repeat={}", args.repeat);
    println!("primes_limit={}", args.limit);
    println!("primes_chunks={}", args.chunks);
    println!("primes_found={parallel}");
    println!("primes_sequential_s={sequential_time:.4}");
    println!("primes_parallel_s={parallel_time:.4}");
    println!("primes_speedup={:.2}", sequential_time / parallel_time);

    let executor = Executor::new(workers)?;
    let started = Instant::now();
    let handles: Vec<_> = (0..args.tiny_tasks)
        .map(|number| executor.submit(move || number * 2))
        .collect();
    let mut sum = 0;
    for handle in handles {
        sum += handle.result()?;
    }
    let tiny_time = started.elapsed().as_secs_f64();
    ensure!(
        sum == args.tiny_tasks * (args.tiny_tasks - 1),
        "the tiny tasks' results add up to {sum}"
    );
    println!("tiny_tasks={}", args.tiny_tasks);
    println!("tiny_tasks_s={tiny_time:.4}");
    println!("tiny_tasks_per_s={:.0}", args.tiny_tasks as f64 / tiny_time);
    Ok(())
}

/// Runs `work` `repeat` times; returns its result and the median time in
/// seconds. One short timing is at the mercy of whatever else the machine
/// does; the median of a few is not.
fn median_run(repeat: u32, work: impl Fn() -> u64) -> (u64, f64) {
    let mut result = 0;
    let mut seconds: Vec<f64> = (0..repeat)
        .map(|_| {
            let started = Instant::now();
            result = work();
            started.elapsed().as_secs_f64()
        })
        .collect();
    seconds.sort_by(f64::total_cmp);
    (result, seconds[seconds.len() / 2])
}
