//! The workloads for `cargo xtask bench`, as `key=value` lines:
//! `map` of square over `--map-items` ints, `submit` + `as_completed` of
//! `--tiny-tasks` tiny tasks, `--round-trips` single tasks each waited for, and primes below `--limit` with 1 and with
//! `--workers` workers; and `chaos` (tiny tasks, 0, 1 and 10 in every
//! thousand killing their worker). `reference.py` runs the same with Python's
//! `Pool.map`, `ProcessPoolExecutor.map` and `submit` + `as_completed`.

use super::chaos;
use super::cpu_bound::count_primes;
use super::jobs::Square;
use anyhow::{Result, ensure};
use process_pool::Pool;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// How many workers
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub workers: u32,
    /// How many ints `map` squares
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub map_items: u64,
    /// How many tiny tasks to submit
    #[arg(long, default_value_t = 200_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub tiny_tasks: u64,
    /// How many tiny tasks each chaos run submits: with none, 1 and 10 in
    /// every thousand killing their worker
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub chaos_tasks: u64,
    /// How many single submits, each waited for before the next, to time
    /// one task's round trip on an idle pool
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub round_trips: u64,
    /// Count the primes below this number
    #[arg(long, default_value_t = 3_000_000, value_parser = clap::value_parser!(u64).range(2..=1_000_000_000))]
    pub limit: u64,
}

impl Args {
    pub fn quick() -> Self {
        Args {
            map_items: 100_000,
            tiny_tasks: 2_000,
            chaos_tasks: 2_000,
            round_trips: 200,
            limit: 300_000,
            ..super::defaults()
        }
    }
}

pub fn run(args: &Args) -> Result<()> {
    let workers = args.workers as usize;
    println!("workers={workers}");
    let pool = Pool::builder().workers(workers).build()?;

    let started = Instant::now();
    let squares = pool.map((0..args.map_items).map(Square), None);
    let map_time = started.elapsed().as_secs_f64();
    ensure!(
        squares.len() as u64 == args.map_items,
        "map returned {} results",
        squares.len()
    );
    for (value, square) in (0..args.map_items).zip(squares) {
        ensure!(
            square? == value * value,
            "map gave a wrong square for {value}"
        );
    }
    println!("map_items={}", args.map_items);
    println!("map_per_s={:.0}", args.map_items as f64 / map_time);

    let started = Instant::now();
    let mut sum = 0;
    for (_, result) in pool.as_completed((0..args.tiny_tasks).map(Square)) {
        sum += result?;
    }
    let tiny_time = started.elapsed().as_secs_f64();
    let expected: u64 = (0..args.tiny_tasks).map(|value| value * value).sum();
    ensure!(
        sum == expected,
        "the tiny tasks' squares add up to {sum}, not {expected}"
    );
    println!("tiny_tasks={}", args.tiny_tasks);
    println!("tiny_tasks_per_s={:.0}", args.tiny_tasks as f64 / tiny_time);

    let (p50, p99) = round_trips(&pool, args.round_trips)?;
    println!("round_trips={}", args.round_trips);
    println!("round_trip_p50_us={p50:.1}");
    println!("round_trip_p99_us={p99:.1}");
    drop(pool);

    chaos_rows(workers as u32, args.chaos_tasks)?;

    let (one, one_time) = count_primes(args.limit, 64, 1)?;
    let (many, many_time) = count_primes(args.limit, 64, workers)?;
    ensure!(one == many, "the prime counts differ: {one} and {many}");
    println!("primes_limit={}", args.limit);
    println!("primes_found={many}");
    println!("primes_one_worker_s={:.4}", one_time.as_secs_f64());
    println!("primes_workers_s={:.4}", many_time.as_secs_f64());
    println!(
        "primes_speedup={:.2}",
        one_time.as_secs_f64() / many_time.as_secs_f64()
    );
    Ok(())
}

/// One tiny task at a time, `count` times, each waited for before the next
/// is submitted: the median and the 99th percentile of the round trip, in
/// µs. This is what a caller with one task in hand waits, which batching
/// must not make slower.
fn round_trips(pool: &Pool<Square>, count: u64) -> Result<(f64, f64)> {
    let mut micros = Vec::with_capacity(count as usize);
    for value in 0..count {
        let started = Instant::now();
        let square = pool.submit(Square(value)).result()?;
        micros.push(started.elapsed().as_secs_f64() * 1e6);
        ensure!(square == value * value, "a wrong square for {value}");
    }
    micros.sort_by(f64::total_cmp);
    let at = |quantile: f64| micros[((micros.len() - 1) as f64 * quantile).round() as usize];
    Ok((at(0.50), at(0.99)))
}

/// `chaos` without hangs, at 0, 1 and 10 in every thousand tasks killing
/// their worker: the speed each keeps, and whether every task answered once
/// and as its kind must.
fn chaos_rows(workers: u32, tasks: u64) -> Result<()> {
    let mut answered_right = 0;
    for per_mille in [0, 1, 10] {
        let args = chaos::Args {
            tasks,
            abort_per_mille: per_mille,
            hang_per_mille: 0,
            workers,
            quiet: true,
            ..super::defaults()
        };
        let tally = chaos::tally(&args, 7 + per_mille)?;
        eprintln!("chaos, {per_mille} in 1000: {}", tally.line());
        chaos::check(&tally)?;
        answered_right += tally.ok + tally.aborted + tally.timed_out;
        println!("chaos_{per_mille}_per_s={:.0}", tally.per_s);
        println!("chaos_{per_mille}_replaced={}", tally.workers_replaced);
        println!("chaos_{per_mille}_aborted={}", tally.aborted);
    }
    println!("chaos_tasks={}", 3 * tasks);
    println!("chaos_answered_right={answered_right}");
    Ok(())
}
