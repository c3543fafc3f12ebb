//! The seed's `ThreadPoolExecutor(max_workers=3).map` over 13 numbers.
//!
//! Python:
//!     with ThreadPoolExecutor(max_workers=3) as executor:
//!         results = executor.map(print_number, numbers)
//! Here a rayon pool sized to 3 does the same; `map` collects the results in
//! input order, however the work was split among the threads. The seed's
//! `time.sleep(1)` becomes `--delay-ms`. (Sleeping blocks a pool thread; that
//! is fine in a pool of its own like this one, and harmful in a shared one:
//! see the `blocking-io` demo.)

use super::header;
use anyhow::{Result, ensure};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};
use thread_pool::executor::Executor;

/// The seed's input, repeats and all.
const NUMBERS: [u32; 13] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3];

#[derive(clap::Args)]
pub struct Args {
    /// How long each call sleeps, standing in for the seed's 1 s
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    pub delay_ms: u64,
    /// The pool's size
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub max_workers: u32,
}

pub fn run(args: &Args) -> Result<()> {
    header(
        "map",
        "the seed's 13 numbers through a pool of 3",
        "ThreadPoolExecutor(max_workers=3).map",
    );
    let executor = Executor::new(args.max_workers as usize)?;
    let delay = Duration::from_millis(args.delay_ms);
    let running = AtomicUsize::new(0);
    let peak = AtomicUsize::new(0);

    let started = Instant::now();
    let results = executor.map(NUMBERS, |number| {
        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
        peak.fetch_max(now, Ordering::SeqCst);
        thread::sleep(delay);
        running.fetch_sub(1, Ordering::SeqCst);
        format!("Number :{number}")
    });
    let elapsed = started.elapsed();

    for result in &results {
        println!("{result}");
    }
    let expected: Vec<String> = NUMBERS
        .iter()
        .map(|number| format!("Number :{number}"))
        .collect();
    ensure!(
        results == expected,
        "the results are not in input order: {results:?}"
    );
    let peak = peak.load(Ordering::SeqCst);
    ensure!(
        peak <= args.max_workers as usize,
        "{peak} calls ran at once in a pool of {}",
        args.max_workers
    );
    println!(
        "{} results in input order in {:.2} s; at most {peak} calls ran at once (max_workers {}); one worker would sleep {:.2} s",
        results.len(),
        elapsed.as_secs_f64(),
        args.max_workers,
        (delay * NUMBERS.len() as u32).as_secs_f64()
    );
    Ok(())
}
