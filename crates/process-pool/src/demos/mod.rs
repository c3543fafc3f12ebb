//! One module per demo. Each `run` prints what it does and checks its own
//! invariant, returning an error (and so a non-zero exit) if it does not hold.
//! `jobs` holds the work they send to the pool.

pub mod as_completed;
pub mod bench;
pub mod bulk;
pub mod chaos;
pub mod cpu_bound;
pub mod crash;
pub mod faults;
pub mod jobs;
pub mod leak;
pub mod map;
pub mod queue;

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

/// Sends SIGKILL to the process `pid`, as `kill -9` would: the demos kill
/// workers on purpose to show the pool surviving it. The library's own
/// signal calls stay private to it.
pub fn kill(pid: u32) -> std::io::Result<()> {
    let pid = libc::pid_t::try_from(pid).map_err(std::io::Error::other)?;
    // SAFETY: kill takes two integers and touches no memory of ours.
    if unsafe { libc::kill(pid, libc::SIGKILL) } == -1 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}
