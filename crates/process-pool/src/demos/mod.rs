//! One module per demo. Each `run` prints what it does and checks its own
//! invariant, returning an error (and so a non-zero exit) if it does not hold.
//! `jobs` holds the work they send to the pool.

pub mod as_completed;
pub mod bench;
pub mod bulk;
pub mod cpu_bound;
pub mod crash;
pub mod faults;
pub mod jobs;
pub mod map;
pub mod queue;

/// Prints a demo's title line, naming the Python it translates.
pub fn header(name: &str, what: &str, python: &str) {
    println!("== {name}: {what} (Python: {python}) ==");
}
