//! The workspace's own tooling, as a library so that the `tests/` package can
//! run the same checks as `cargo xtask`: the expected-output checker, the
//! tour runner with its leftover-process and `/dev/shm` checks, copy-check,
//! tidy and the benchmarks.

pub mod bench;
pub mod contents;
pub mod copy_check;
pub mod diagrams;
pub mod expected;
pub mod figures;
pub mod layers;
pub mod markdown;
pub mod model;
pub mod new;
pub mod procs;
pub mod run_all;
pub mod runner;
pub mod stats;
pub mod tidy;
pub mod workspace;
