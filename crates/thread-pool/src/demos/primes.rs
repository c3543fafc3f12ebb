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
    //
    // The root by the FPU, not `u32::isqrt`: that one is exact by integer
    // steps and a table, and took 5% of the whole count in a profile (the
    // C floor, bench/primes.c, uses `sqrt` too). For a `u32` the float
    // root is exact: `f64` holds every `u32`, `sqrt` is correctly rounded,
    // and no root of a 32-bit number lies within rounding of an integer
    // without being one. The test below checks it against `isqrt`.
    let limit = f64::from(number).sqrt() as u32;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The float root in `is_prime` is `isqrt` for every `u32`: a floor can
    /// only go wrong beside a perfect square, so those are all checked.
    #[test]
    fn the_float_root_is_exact_for_every_u32() {
        let root = |number: u32| f64::from(number).sqrt() as u32;
        for k in 1..=u32::from(u16::MAX) {
            let square = k * k;
            assert_eq!(root(square), k, "{square}");
            assert_eq!(root(square - 1), k - 1, "{}", square - 1);
        }
        assert_eq!(root(u32::MAX), u32::MAX.isqrt());
    }

    #[test]
    fn primes_are_counted_as_python_counts_them() {
        assert!(!is_prime(0) && !is_prime(1) && is_prime(2) && is_prime(3));
        assert!(!is_prime(9) && !is_prime(25) && is_prime(65_521));
        assert_eq!(count_in(0..100), 25);
        let ranges = chunks(3_000, 7);
        assert_eq!(count_sequential(&ranges), 430);
    }

    #[test]
    fn primes_are_counted_right_whatever_the_chunking() {
        assert!(!is_prime(0) && !is_prime(1) && is_prime(2) && !is_prime(9));
        assert!(
            is_prime(u32::MAX - 4),
            "4294967291 is the largest 32-bit prime"
        );
        for chunk_count in [1, 3, 64, 1000] {
            let ranges = chunks(10_000, chunk_count);
            assert_eq!(ranges.first().unwrap().start, 0);
            assert_eq!(ranges.last().unwrap().end, 10_000);
            assert!(
                ranges.windows(2).all(|pair| pair[0].end == pair[1].start),
                "gaps or overlaps"
            );
            assert_eq!(count_sequential(&ranges), 1229);
            assert_eq!(count_parallel(&ranges), 1229);
        }
    }
}
