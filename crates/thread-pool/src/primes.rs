//! The CPU-bound workload: count the primes below a limit, split into chunks.
//!
//! Each number is tested by trial division by every odd number up to its
//! square root: the textbook `is_prime` of the Python tutorials, written the
//! same way in `reference.py`, so a comparison measures the languages and the
//! parallelism, not two different algorithms.

use rayon::prelude::*;
use std::ops::Range;

/// Whether `number` is prime, by trial division.
pub fn is_prime(number: u32) -> bool {
    if number < 2 {
        return false;
    }
    if number.is_multiple_of(2) {
        return number == 2;
    }
    // Python: `for divisor in range(3, math.isqrt(number) + 1, 2)`. A plain
    // loop: `(3..=limit).step_by(2)` measured about 4% slower here.
    let limit = number.isqrt();
    let mut divisor = 3;
    while divisor <= limit {
        if number.is_multiple_of(divisor) {
            return false;
        }
        divisor += 2;
    }
    true
}

/// The primes in `range`.
pub fn count_in(range: Range<u32>) -> u64 {
    range.filter(|&number| is_prime(number)).count() as u64
}

/// `0..limit` split into `chunks` ranges of nearly equal length. Later chunks
/// cost more (bigger numbers, longer trial division); work stealing evens
/// that out when they run in parallel.
pub fn chunks(limit: u32, chunks: u32) -> Vec<Range<u32>> {
    let chunks = chunks.clamp(1, limit.max(1));
    let base = limit / chunks;
    let extra = limit % chunks;
    let mut start = 0;
    (0..chunks)
        .map(|index| {
            let len = base + u32::from(index < extra);
            let range = start..start + len;
            start += len;
            range
        })
        .collect()
}

/// Counts chunk after chunk on the calling thread.
pub fn count_sequential(ranges: &[Range<u32>]) -> u64 {
    ranges.iter().cloned().map(count_in).sum()
}

/// Counts the chunks in parallel on the current rayon pool (the global one,
/// or the one given to `ThreadPool::install`).
pub fn count_parallel(ranges: &[Range<u32>]) -> u64 {
    ranges.par_iter().cloned().map(count_in).sum()
}
