//! One module per demo. Each has the parent's side (`run`), which checks its
//! own invariant and fails the demo if it does not hold, and where needed a
//! `ChildTask` type for the child's side, which `main` lists so that a
//! re-executed child can run it. The small tasks several demos share are
//! here.

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
pub mod sys;

use anyhow::Result;
use child_processes::task::{ChildTask, arg};
use std::time::Duration;

/// How long a parent waits for a child to connect over ipc-channel.
pub const CONNECT_LIMIT: Duration = Duration::from_secs(10);

/// Prints a demo's title line, naming the Python it translates.
pub fn header(name: &str, what: &str, python: &str) {
    println!("== {name}: {what} (Python: {python}) ==");
}

/// Does nothing and exits 0.
pub struct Noop;

impl ChildTask for Noop {
    const ROLE: &'static str = "noop";
    fn to_args(&self) -> Vec<String> {
        Vec::new()
    }
    fn from_args(_: &[String]) -> Result<Self> {
        Ok(Noop)
    }
    fn run(self) -> Result<()> {
        Ok(())
    }
}

/// Sleeps, then exits 0: a child that stays blocked for a while.
pub struct Sleep {
    pub ms: u64,
}

impl ChildTask for Sleep {
    const ROLE: &'static str = "sleep";
    fn to_args(&self) -> Vec<String> {
        vec![self.ms.to_string()]
    }
    fn from_args(args: &[String]) -> Result<Self> {
        Ok(Sleep { ms: arg(args, 0)? })
    }
    fn run(self) -> Result<()> {
        std::thread::sleep(Duration::from_millis(self.ms));
        Ok(())
    }
}

/// Exits at once with this code: Python's `sys.exit(code)`.
pub struct Exit {
    pub code: i32,
}

impl ChildTask for Exit {
    const ROLE: &'static str = "exit";
    fn to_args(&self) -> Vec<String> {
        vec![self.code.to_string()]
    }
    fn from_args(args: &[String]) -> Result<Self> {
        Ok(Exit {
            code: arg(args, 0)?,
        })
    }
    fn run(self) -> Result<()> {
        std::process::exit(self.code)
    }
}

/// Panics: Rust ends the process with code 101.
pub struct Panic;

impl ChildTask for Panic {
    const ROLE: &'static str = "panic";
    fn to_args(&self) -> Vec<String> {
        Vec::new()
    }
    fn from_args(_: &[String]) -> Result<Self> {
        Ok(Panic)
    }
    fn run(self) -> Result<()> {
        panic!("deliberate panic in a child process")
    }
}

/// A demo's settings as its command line gives them with no flags, so each
/// default is written once, in its `#[arg]` attribute.
pub fn defaults<A: clap::Args>() -> A {
    let matches = A::augment_args(clap::Command::new("defaults")).get_matches_from(["defaults"]);
    A::from_arg_matches(&matches).expect("every flag of a demo has a default")
}
