//! One module per demo. Each `run` prints what it does and checks its own
//! invariant, returning an error (and so a non-zero exit) if it does not hold.

pub mod barrier;
pub mod basics;
pub mod bench;
pub mod channel;
pub mod condvar;
pub mod counter;
pub mod event;
pub mod io_bound;
pub mod lock;
pub mod poison;
pub mod rwlock;
pub mod scoped;
pub mod semaphore;

use anyhow::{Result, anyhow};
use std::any::Any;

/// Prints a demo's title line, naming the Python it translates.
pub fn header(name: &str, what: &str, python: &str) {
    println!("== {name}: {what} (Python: {python}) ==");
}

/// The text of a panic, as `panic!` was given it.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a non-text payload".to_string()
    }
}

/// Turns the result of `JoinHandle::join` into an error naming the thread,
/// so a panicking worker fails the demo instead of being ignored.
pub fn joined<T>(thread_name: &str, result: std::thread::Result<T>) -> Result<T> {
    result.map_err(|payload| {
        anyhow!(
            "thread {thread_name} panicked: {}",
            panic_message(payload.as_ref())
        )
    })
}

/// A demo's settings as its command line gives them with no flags, so each
/// default is written once, in its `#[arg]` attribute.
pub fn defaults<A: clap::Args>() -> A {
    let matches = A::augment_args(clap::Command::new("defaults")).get_matches_from(["defaults"]);
    A::from_arg_matches(&matches).expect("every flag of a demo has a default")
}
