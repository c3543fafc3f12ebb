//! One module per demo. Each `run` prints what it does and checks its own
//! invariant, returning an error (and so a non-zero exit) if it does not hold.

pub mod array;
pub mod bench;
pub mod crash;
pub mod strategies;

/// Prints a demo's title line, naming the Python it translates.
pub fn header(name: &str, what: &str, python: &str) {
    println!("== {name}: {what} (Python: {python}) ==");
}
