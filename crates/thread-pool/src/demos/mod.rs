//! One module per demo. Each `run` prints what it does and checks its own
//! invariant, returning an error (and so a non-zero exit) if it does not hold.

pub mod as_completed;
pub mod bench;
pub mod blocking_io;
pub mod cpu_bound;
pub mod join;
pub mod map;
pub mod merge_sort;
pub mod panics;
pub mod primes;
pub mod submit;

/// Prints a demo's title line, naming the Python it translates.
pub fn header(name: &str, what: &str, python: &str) {
    println!("== {name}: {what} (Python: {python}) ==");
}

/// A demo's settings as its command line gives them with no flags, so each
/// default is written once, in its `#[arg]` attribute.
pub fn defaults<A: clap::Args>() -> A {
    let matches = A::augment_args(clap::Command::new("defaults")).get_matches_from(["defaults"]);
    A::from_arg_matches(&matches).expect("every flag of a demo has a default")
}
