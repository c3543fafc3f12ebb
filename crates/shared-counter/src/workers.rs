//! Worker processes: this same binary, re-executed with its role in the
//! environment, counting into the block it inherited.
//!
//! Python's `multiprocessing` forks (or spawns a fresh interpreter) and sends
//! the target function along. Rust sends no functions: the role is a small
//! enum that the worker's `main` parses before anything else, and the
//! shared block travels as an inherited memfd.

use crate::shm::{self, SharedMemory};
use anyhow::{Context, Result, anyhow, bail, ensure};
use std::os::fd::RawFd;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

/// Set in a worker's environment: its role. `main` checks it first.
pub const WORKER_ENV: &str = "SHARED_COUNTER_WORKER";
const INDEX_ENV: &str = "SHARED_COUNTER_INDEX";
const INCREMENTS_ENV: &str = "SHARED_COUNTER_INCREMENTS";
const PHASE_ENV: &str = "SHARED_COUNTER_START_PHASE";

/// How long a worker waits for the start signal before giving up.
const START_LIMIT: Duration = Duration::from_secs(30);
/// How long the parent waits for every worker to be ready.
const READY_LIMIT: Duration = Duration::from_secs(10);

/// How the processes share the counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Strategy {
    /// An atomic load, a yield, an atomic store: loses updates
    Racy,
    /// `fetch_add`: one indivisible read-modify-write
    Atomic,
    /// A robust process-shared mutex around a plain counter: `get_lock()`
    Locked,
}

impl Strategy {
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Racy => "racy",
            Strategy::Atomic => "atomic",
            Strategy::Locked => "locked",
        }
    }
}

/// What one worker process does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Count(Strategy),
    /// Python's `Array`: add to its own element and to the shared total.
    Array,
    /// The crash demo's victim: count under the lock `crash_after` times,
    /// then stop half-way through one more increment, holding the lock.
    Victim {
        crash_after: u64,
    },
}

impl Role {
    fn encode(self) -> String {
        match self {
            Role::Count(strategy) => format!("count:{}", strategy.name()),
            Role::Array => "array".to_string(),
            Role::Victim { crash_after } => format!("victim:{crash_after}"),
        }
    }

    fn decode(text: &str) -> Result<Self> {
        Ok(match text.split_once(':') {
            Some(("count", "racy")) => Role::Count(Strategy::Racy),
            Some(("count", "atomic")) => Role::Count(Strategy::Atomic),
            Some(("count", "locked")) => Role::Count(Strategy::Locked),
            Some(("victim", after)) => Role::Victim {
                crash_after: after.parse().context("victim's count")?,
            },
            None if text == "array" => Role::Array,
            _ => bail!("unknown worker role `{text}`"),
        })
    }
}

/// One worker to start: its role, its slot, its count, and the phase at
/// which it may begin.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub role: Role,
    pub increments: u64,
    pub start_phase: u32,
}

/// The running workers. Dropping the set kills and reaps any still running,
/// so no error path leaves a process or a zombie behind.
pub struct Workers {
    children: Vec<Option<Child>>,
}

impl Workers {
    /// Starts one worker per plan; worker `i` gets slot `i`. `exe` is the
    /// worker binary: `/proc/self/exe` from `main`, so this very program.
    pub fn spawn(memory: &SharedMemory, plans: &[Plan], exe: &Path) -> Result<Self> {
        ensure!(
            plans.len() <= crate::layout::MAX_WORKERS,
            "at most {} workers",
            crate::layout::MAX_WORKERS
        );
        let mut workers = Workers {
            children: Vec::with_capacity(plans.len()),
        };
        for (index, plan) in plans.iter().enumerate() {
            let child = worker_command(exe, memory.raw_fd(), index, plan)
                .spawn()
                .with_context(|| format!("starting worker {index}"))?;
            workers.children.push(Some(child));
        }
        Ok(workers)
    }

    pub fn pid(&self, index: usize) -> Option<u32> {
        self.children.get(index)?.as_ref().map(Child::id)
    }

    /// Waits until every worker has mapped the block and is ready to start.
    /// A worker that dies first is reported, not waited for.
    pub fn wait_ready(&mut self, memory: &SharedMemory) -> Result<()> {
        let deadline = Instant::now() + READY_LIMIT;
        let shared = memory.shared();
        loop {
            let ready = (0..self.children.len())
                .filter(|&index| shared.workers[index].0.ready.load(Ordering::SeqCst) == 1);
            if ready.count() == self.children.len() {
                return Ok(());
            }
            for (index, child) in self.children.iter_mut().enumerate() {
                if let Some(child) = child
                    && let Some(status) = child.try_wait()?
                {
                    bail!(
                        "worker {index} (pid {}) exited before it was ready: {}",
                        child.id(),
                        describe(status)
                    );
                }
            }
            ensure!(
                Instant::now() < deadline,
                "the workers were not ready within {READY_LIMIT:?}"
            );
            thread::sleep(Duration::from_millis(1));
        }
    }

    /// Sends SIGKILL to worker `index` and reaps it.
    pub fn kill(&mut self, index: usize) -> Result<ExitStatus> {
        let mut child = self.children[index]
            .take()
            .context("that worker was already reaped")?;
        child.kill().context("sending SIGKILL")?;
        child.wait().context("reaping the killed worker")
    }

    /// Waits for every remaining worker, up to `limit`, and checks that each
    /// exited with status 0.
    pub fn finish(mut self, limit: Duration) -> Result<()> {
        let deadline = Instant::now() + limit;
        let mut failures = Vec::new();
        for index in 0..self.children.len() {
            let Some(child) = self.children[index].as_mut() else {
                continue;
            };
            let status = loop {
                if let Some(status) = child.try_wait()? {
                    break status;
                }
                if Instant::now() >= deadline {
                    // Drop kills and reaps it and the rest.
                    bail!(
                        "worker {index} (pid {}) did not finish within {limit:?}",
                        child.id()
                    );
                }
                thread::sleep(Duration::from_millis(1));
            };
            self.children[index] = None;
            if !status.success() {
                failures.push(format!("worker {index}: {}", describe(status)));
            }
        }
        ensure!(
            failures.is_empty(),
            "workers failed: {}",
            failures.join("; ")
        );
        Ok(())
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for mut child in self.children.drain(..).flatten() {
            // Either may fail if the child already exited; reaping is what
            // matters, and `wait` does that.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// "exit code N" or "killed by signal N".
pub fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        _ => status.to_string(),
    }
}

fn worker_command(exe: &Path, fd: RawFd, index: usize, plan: &Plan) -> Command {
    let mut command = Command::new(exe);
    command
        .env(WORKER_ENV, plan.role.encode())
        .env(shm::FD_ENV, fd.to_string())
        .env(INDEX_ENV, index.to_string())
        .env(INCREMENTS_ENV, plan.increments.to_string())
        .env(PHASE_ENV, plan.start_phase.to_string())
        .stdin(Stdio::null());
    shm::prepare_worker(&mut command, fd);
    command
}

/// Reads and removes one of our variables from the environment.
fn take_env(name: &str) -> Result<String> {
    shm::take_env(name).with_context(|| format!("{name} is not set"))
}

/// The worker's whole life: attach, report ready, wait for the start, count.
pub fn worker_main(role: &str) -> Result<()> {
    let role = Role::decode(role)?;
    let index: usize = take_env(INDEX_ENV)?.parse().context("the index")?;
    let increments: u64 = take_env(INCREMENTS_ENV)?
        .parse()
        .context("the increments")?;
    let start_phase: u32 = take_env(PHASE_ENV)?.parse().context("the start phase")?;
    let memory = SharedMemory::attach_inherited().context("mapping the shared block")?;
    let shared = memory.shared();
    let slot = &shared
        .workers
        .get(index)
        .ok_or_else(|| anyhow!("slot {index} is out of range"))?
        .0;

    slot.ready.store(1, Ordering::SeqCst);
    let deadline = Instant::now() + START_LIMIT;
    while shared.phase.0.load(Ordering::SeqCst) < start_phase {
        ensure!(
            Instant::now() < deadline,
            "no start signal within {START_LIMIT:?}"
        );
        thread::yield_now();
    }

    slot.started_ns
        .store(shm::monotonic_nanos(), Ordering::SeqCst);
    match role {
        Role::Count(Strategy::Racy) => {
            for _ in 0..increments {
                let seen = shared.racy.0.load(Ordering::SeqCst);
                // Let another process run between the read and the write.
                thread::yield_now();
                shared.racy.0.store(seen + 1, Ordering::SeqCst);
            }
        }
        Role::Count(Strategy::Atomic) => {
            for _ in 0..increments {
                shared.atomic.0.fetch_add(1, Ordering::Relaxed);
            }
        }
        Role::Count(Strategy::Locked) => {
            for _ in 0..increments {
                shared.locked.lock()?.increment(index, || {});
            }
        }
        Role::Array => {
            let step = index as u64 + 1;
            for _ in 0..increments {
                slot.element.fetch_add(step, Ordering::Relaxed);
                shared.total.0.fetch_add(step, Ordering::Relaxed);
            }
        }
        Role::Victim { crash_after } => {
            for _ in 0..crash_after {
                shared.locked.lock()?.increment(index, || {});
            }
            shared.locked.lock()?.increment(index, || {
                // Half-way through an increment, holding the lock: tell the
                // parent, and wait for its SIGKILL.
                shared.victim_holds_lock.0.store(1, Ordering::SeqCst);
                loop {
                    thread::sleep(Duration::from_secs(1));
                }
            });
        }
    }
    slot.finished_ns
        .store(shm::monotonic_nanos(), Ordering::SeqCst);
    Ok(())
}
