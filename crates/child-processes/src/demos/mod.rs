//! One module per demo. Each has the parent's side (`run`), which checks its
//! own invariant and fails the demo if it does not hold, and where needed the
//! child's side (`child`), which `main` runs in a re-executed worker.

pub mod basics;
pub mod bench;
pub mod custom;
pub mod daemon;
pub mod exit_codes;
pub mod isolation;
pub mod lifecycle;
pub mod names;
pub mod parallel;
pub mod restaurant;
pub mod server;

use anyhow::{Context, Result};
use std::str::FromStr;
use std::time::Duration;

/// How long a parent waits for a child to connect over ipc-channel.
pub const CONNECT_LIMIT: Duration = Duration::from_secs(10);

/// Prints a demo's title line, naming the Python it translates.
pub fn header(name: &str, what: &str, python: &str) {
    println!("== {name}: {what} (Python: {python}) ==");
}

/// The child's argument `index`, parsed.
pub fn arg<T: FromStr>(args: &[String], index: usize) -> Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    args.get(index)
        .with_context(|| format!("missing argument {index}"))?
        .parse()
        .with_context(|| format!("argument {index}"))
}

/// The `sleep` child: sleeps for its first argument, in milliseconds.
pub fn sleep_ms(args: &[String]) -> Result<()> {
    std::thread::sleep(Duration::from_millis(arg(args, 0)?));
    Ok(())
}
