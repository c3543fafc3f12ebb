//! Divide and conquer with `rayon::join`: a parallel merge sort over one
//! borrowed slice (`merge_sort.rs`).
//!
//! Python's pools take independent tasks; splitting one piece of data
//! recursively across threads is where `join` shines. The result is checked
//! against the standard library's sort.

use super::header;
use super::merge_sort::parallel_merge_sort;
use anyhow::{Result, ensure};
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// How many numbers to sort
    #[arg(long, default_value_t = 200_000, value_parser = clap::value_parser!(u32).range(1..=100_000_000))]
    pub count: u32,
}

/// Deterministic pseudo-random numbers (xorshift64), so every run sorts the
/// same input; no dependency needed for that.
fn shuffled_numbers(count: u32) -> Vec<u64> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        })
        .collect()
}

pub fn run(args: &Args) -> Result<()> {
    header(
        "join",
        &format!(
            "a parallel merge sort of {} numbers with rayon::join",
            args.count
        ),
        "no counterpart",
    );
    let mut numbers = shuffled_numbers(args.count);
    let mut reference = numbers.clone();
    reference.sort_unstable();

    let started = Instant::now();
    parallel_merge_sort(&mut numbers);
    let elapsed = started.elapsed();
    ensure!(
        numbers == reference,
        "the parallel merge sort gave a different order than sort_unstable"
    );
    println!(
        "sorted {} numbers in {:.3} s on {} threads; the result matches sort_unstable",
        numbers.len(),
        elapsed.as_secs_f64(),
        rayon::current_num_threads()
    );
    Ok(())
}
