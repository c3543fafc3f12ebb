//! Python's `ThreadPoolExecutor` in Rust, over rayon.
//!
//! ```
//! use thread_pool::executor::{Executor, TaskError};
//!
//! // `with ThreadPoolExecutor(max_workers=3) as executor:`
//! let executor = Executor::new(3)?;
//!
//! // `list(executor.map(square, range(10)))`: results in input order.
//! let squares = executor.map((0..10u64).collect::<Vec<_>>(), |n| n * n);
//! assert_eq!(squares, [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
//!
//! // `future = executor.submit(f); future.result()`: a panic stays in its
//! // own task's result, and the pool goes on.
//! let fine = executor.submit(|| 6 * 7);
//! let broken = executor.submit(|| -> u64 { panic!("no answer") });
//! assert_eq!(fine.result()?, 42);
//! assert!(matches!(broken.result(), Err(TaskError::Panicked { .. })));
//!
//! // `for future in as_completed(futures):` results as they finish.
//! let mut lengths: Vec<usize> = executor
//!     .as_completed(["a", "bb", "ccc"].map(|word| move || word.len()))
//!     .map(|(_task, result)| result.unwrap())
//!     .collect();
//! lengths.sort();
//! assert_eq!(lengths, [1, 2, 3]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! - [`executor`]: `map`, `submit`, `as_completed`, `result_timeout` and a
//!   `shutdown` that waits, as a thin layer over a rayon pool: a one-shot
//!   channel per `submit`, a std channel per `as_completed`.
//!
//! The demos' workloads (counting primes, a parallel merge sort with
//! `rayon::join`) are part of the tour, in `src/demos/`, not of the library.
#![warn(missing_docs)]
// The library holds no `unsafe` code, and this keeps it so.
#![forbid(unsafe_code)]

pub mod executor;
