//! The pieces behind the `thread-pool` demos, reusable on their own:
//!
//! - [`executor`]: Python's `ThreadPoolExecutor` (`map`, `submit`,
//!   `as_completed`, `max_workers`) as a thin layer over a rayon pool and
//!   std channels.
//! - [`primes`]: the CPU-bound workload, counting primes in chunks.
//! - [`merge_sort`]: divide and conquer with `rayon::join` over borrowed data.

pub mod executor;
pub mod merge_sort;
pub mod primes;
