//! A process's life: new -> running -> blocked -> terminated, with
//! `is_alive`, the pid and the exit status at each step.
//!
//! Python: `p = Process(...)` (new), `p.start()` (running), the child blocks
//! in `sleep`, `p.join(timeout)` returns while it still runs, `p.join()` and
//! `p.exitcode` once it has ended. Python's `join(timeout)` returns `None`
//! either way; `join_timeout` here says which.

use super::{Sleep, header};
use anyhow::{Result, ensure};
use child_processes::process::Joined;
use child_processes::task::ChildTask;
use std::time::Duration;

/// How long the child stays blocked.
const CHILD_SLEEP_MS: u64 = 300;
const SHORT_JOIN: Duration = Duration::from_millis(50);

pub fn run() -> Result<()> {
    header(
        "lifecycle",
        "new -> running -> blocked -> terminated",
        "start, is_alive, join(timeout), exitcode",
    );
    let builder = Sleep { ms: CHILD_SLEEP_MS }.builder();
    println!("new:        a Builder, not started: no pid yet, nothing is alive");

    let mut child = builder.start()?;
    ensure!(child.is_alive()?, "the child died at once");
    println!(
        "running:    started, pid {}, is_alive {}",
        child.pid(),
        child.is_alive()?
    );

    let joined = child.join_timeout(SHORT_JOIN)?;
    ensure!(
        joined == Joined::StillRunning,
        "the child ended before {SHORT_JOIN:?}: {joined:?}"
    );
    println!(
        "blocked:    the child sleeps {CHILD_SLEEP_MS} ms; join_timeout({} ms) -> still running, is_alive {}",
        SHORT_JOIN.as_millis(),
        child.is_alive()?
    );

    let report = child.join()?;
    ensure!(report.success(), "the child ended with {report}");
    ensure!(!child.is_alive()?, "the child is alive after join");
    println!(
        "terminated: join -> {report}, is_alive {}, Python's exitcode {}",
        child.is_alive()?,
        report.python_exitcode()
    );
    Ok(())
}
