//! Kill a parent with SIGKILL. Its daemon child is gone within a second; its
//! other child becomes an orphan, adopted by the nearest "subreaper"
//! ancestor (here, this demo's own process), and is then cleaned up.
//!
//! Python's `daemon=True` children are terminated when the parent exits
//! normally, but not when the parent is killed: they live on as orphans.
//! Here a daemon child's stdin is its lifeline, a pipe that only the parent
//! can write to; the kernel closes it when the parent dies, however it dies.

use super::sys;
use super::{CONNECT_LIMIT, Sleep, header};
use anyhow::{Context, Result, bail, ensure};
use child_processes::ipc::{Bootstrap, connect_and_send};
use child_processes::process::{ExitReport, PARENT_GONE_EXIT};
use child_processes::task::{ChildTask, arg};
use std::thread;
use std::time::{Duration, Instant};

/// How long the daemon child may take to notice its parent died.
const DAEMON_LIMIT: Duration = Duration::from_secs(1);
/// How long the kernel may take to reparent the orphan.
const REPARENT_LIMIT: Duration = Duration::from_secs(2);
const POLL: Duration = Duration::from_millis(2);

use sys::parent_of;

/// Waits until `pid`, now our child, has exited, and reaps it.
fn reap_within(pid: u32, limit: Duration) -> Result<ExitReport> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = sys::try_reap(pid) {
            return Ok(ExitReport::from_raw(status));
        }
        ensure!(
            Instant::now() < deadline,
            "pid {pid} still runs after {limit:?}"
        );
        thread::sleep(POLL);
    }
}

pub fn run() -> Result<()> {
    header(
        "daemon",
        "a parent is killed with SIGKILL: its daemon child goes, its other child is orphaned",
        "daemon=True",
    );
    // Orphans of our descendants are handed to us instead of to init, on
    // Linux. Elsewhere init (launchd on macOS) adopts them.
    let subreaper = if cfg!(target_os = "linux") {
        sys::become_subreaper().context("becoming a child subreaper")?;
        true
    } else {
        false
    };
    let us = std::process::id();
    let adopter = if subreaper { us } else { 1 };

    let bootstrap = Bootstrap::<(u32, u32)>::new()?;
    let mut middle = Middle {
        server: bootstrap.name().to_string(),
    }
    .builder()
    .name("middle")
    .start()?;
    let (_, (daemon_pid, orphan_pid)) = bootstrap.accept(&mut middle, CONNECT_LIMIT)?;
    let middle_pid = middle.pid();
    println!(
        "a middle process started a daemon child and a normal child; now it is killed with SIGKILL"
    );
    middle.kill()?;
    middle.join()?;
    let killed_at = Instant::now();

    let report = reap_within(daemon_pid, DAEMON_LIMIT)?;
    ensure!(
        report.code == Some(PARENT_GONE_EXIT),
        "the daemon child ended with {report}"
    );
    println!(
        "the daemon child exited {} ms after its parent died: its lifeline pipe closed",
        killed_at.elapsed().as_millis()
    );

    let deadline = Instant::now() + REPARENT_LIMIT;
    while parent_of(orphan_pid) != Some(adopter) {
        if parent_of(orphan_pid).is_none() {
            bail!("the orphan {orphan_pid} disappeared");
        }
        ensure!(Instant::now() < deadline, "the orphan was not handed to us");
        thread::sleep(POLL);
    }
    if !subreaper {
        println!(
            "the normal child was orphaned: its parent pid changed from {middle_pid} (dead) to 1 (launchd adopts orphans here; only Linux has subreapers)"
        );
        sys::send_signal(orphan_pid, libc::SIGKILL)?;
        println!("killed the orphan; its new parent reaps it");
        return Ok(());
    }
    println!(
        "the normal child was orphaned: its parent pid changed from {middle_pid} (dead) to {us} (this process, a subreaper)"
    );
    sys::send_signal(orphan_pid, libc::SIGKILL)?;
    let report = reap_within(orphan_pid, DAEMON_LIMIT)?;
    ensure!(
        report.signal == Some(libc::SIGKILL),
        "the orphan ended with {report}"
    );
    println!("cleaned up the orphan: {report}");
    Ok(())
}

/// The middle process: starts a daemon child and a normal one, sends their
/// pids to the parent through the bootstrap server `server`, and waits to be
/// killed. Its `Process` handles never drop, since SIGKILL runs no code.
pub struct Middle {
    pub server: String,
}

impl ChildTask for Middle {
    const ROLE: &'static str = "daemon-middle";

    fn to_args(&self) -> Vec<String> {
        vec![self.server.clone()]
    }

    fn from_args(args: &[String]) -> Result<Self> {
        Ok(Middle {
            server: arg(args, 0)?,
        })
    }

    fn run(self) -> Result<()> {
        let long_sleep = Sleep { ms: 60_000 };
        let daemon = long_sleep
            .builder()
            .name("daemon-child")
            .daemon(true)
            .start()?;
        let orphan = long_sleep.builder().name("normal-child").start()?;
        let _channel = connect_and_send(&self.server, (daemon.pid(), orphan.pid()))?;
        loop {
            thread::sleep(Duration::from_secs(1));
        }
    }
}
