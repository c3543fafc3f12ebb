//! One module per demo. Each `run` prints what it does and checks its own
//! invariant, returning an error (and so a non-zero exit) if it does not hold.

pub mod array;
pub mod bench;
pub mod chaos;
pub mod crash;
pub mod strategies;

// The machinery under them, each using only those below it and the
// library: the parent's side of each run, the worker processes (this binary
// re-executed with a role), the loops a worker runs (the seed's
// `v.value += 1`, three ways), and the block they share.
pub mod counting;
pub mod layout;
pub mod runs;
pub mod workers;

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
