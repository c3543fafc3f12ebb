//! Worker processes: this same binary, re-executed with its role on the
//! command line, counting into the block it inherited.
//!
//! Python's `multiprocessing` forks (or spawns a fresh interpreter) and sends
//! the target function along. Rust sends no functions: the role is a small
//! enum that [`run_if_worker`], first thing in `main`, reads back from argv,
//! and the shared block travels as an inherited memfd.

use super::counting::{self, Strategy};
use super::layout::Shared;
use anyhow::{Context, Result, anyhow, bail, ensure};
use shared_counter::counter::MAX_WORKERS;
use shared_counter::shm::{self, SharedMemory};
use std::ffi::{OsStr, OsString};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

/// The first argument of a worker's command line; [`run_if_worker`] looks
/// for it.
pub const WORKER_FLAG: &str = "--shared-counter-worker";

/// This very binary, to re-execute as a worker: `/proc/self/exe` on Linux,
/// which names the running binary even after its file is replaced;
/// elsewhere the path [`std::env::current_exe`] reports.
fn self_exe() -> std::path::PathBuf {
    if cfg!(target_os = "linux") {
        std::path::PathBuf::from("/proc/self/exe")
    } else {
        std::env::current_exe().unwrap_or_default()
    }
}

/// How long a worker waits for the start signal before giving up.
const START_LIMIT: Duration = Duration::from_secs(30);
/// How long the parent waits for every worker to be ready.
const READY_LIMIT: Duration = Duration::from_secs(10);

/// What one worker process does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Count with a strategy: the seed's loop.
    Count(Strategy),
    /// Python's `Array`: add to its own element and to the shared total.
    Array,
    /// The crash demo's victim: count under the lock `crash_after` times,
    /// then stop half-way through one more increment, holding the lock.
    Victim {
        /// The lock: [`Strategy::Locked`] or [`Strategy::FileLock`].
        lock: Strategy,
        /// How many increments it completes first.
        crash_after: u64,
    },
    /// The chaos demo's worker: count under the lock until the phase after
    /// its start phase, whenever the parent's SIGKILL comes.
    Chaos {
        /// The lock: [`Strategy::Locked`] or [`Strategy::FileLock`].
        lock: Strategy,
    },
}

impl Role {
    fn encode(self) -> String {
        match self {
            Role::Count(strategy) => format!("count:{}", strategy.name()),
            Role::Array => "array".to_string(),
            Role::Victim { lock, crash_after } => {
                format!("victim:{}:{crash_after}", lock.name())
            }
            Role::Chaos { lock } => format!("chaos:{}", lock.name()),
        }
    }

    fn decode(text: &str) -> Result<Self> {
        let strategy = |name: &str| {
            <Strategy as clap::ValueEnum>::value_variants()
                .iter()
                .copied()
                .find(|strategy| strategy.name() == name)
        };
        let parts: Vec<&str> = text.split(':').collect();
        Ok(match parts.as_slice() {
            ["count", name] if strategy(name).is_some() => {
                Role::Count(strategy(name).unwrap_or(Strategy::Racy))
            }
            ["victim", lock @ ("locked" | "file-lock"), after] => Role::Victim {
                lock: strategy(lock).unwrap_or(Strategy::Locked),
                crash_after: after.parse().context("victim's count")?,
            },
            ["chaos", lock @ ("locked" | "file-lock")] => Role::Chaos {
                lock: strategy(lock).unwrap_or(Strategy::Locked),
            },
            ["array"] => Role::Array,
            _ => bail!("unknown worker role `{text}`"),
        })
    }
}

/// One worker to start: its role, its slot, its count, and the phase at
/// which it may begin.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// What the worker does.
    pub role: Role,
    /// How many times it does it.
    pub increments: u64,
    /// The value of [`Shared::phase`] it waits for before it starts.
    pub start_phase: u32,
}

/// The running workers. Dropping the set kills and reaps any still running,
/// so no error path leaves a process or a zombie behind.
pub struct Workers {
    children: Vec<Option<Child>>,
}

impl Workers {
    /// Starts one worker per plan, each this very program re-executed;
    /// worker `i` gets slot `i`. Call it from `main`'s thread (see
    /// [`SharedMemory::command`]).
    pub fn spawn(memory: &SharedMemory<Shared>, plans: &[Plan]) -> Result<Self> {
        ensure!(plans.len() <= MAX_WORKERS, "at most {MAX_WORKERS} workers");
        let mut workers = Workers {
            children: Vec::with_capacity(plans.len()),
        };
        for (index, plan) in plans.iter().enumerate() {
            let child = start(memory, index, plan)?;
            workers.children.push(Some(child));
        }
        Ok(workers)
    }

    /// Starts a new worker in slot `index`, in place of one killed and
    /// reaped there. Call it from `main`'s thread, as [`Workers::spawn`].
    pub fn respawn(
        &mut self,
        memory: &SharedMemory<Shared>,
        index: usize,
        plan: &Plan,
    ) -> Result<()> {
        let slot = self
            .children
            .get_mut(index)
            .context("no such worker slot")?;
        ensure!(slot.is_none(), "worker {index} is still running");
        *slot = Some(start(memory, index, plan)?);
        Ok(())
    }

    /// Worker `index`'s pid, unless it was already reaped.
    pub fn pid(&self, index: usize) -> Option<u32> {
        self.children.get(index)?.as_ref().map(Child::id)
    }

    /// Waits until every worker has mapped the block and is ready to start.
    /// A worker that dies first is reported, not waited for.
    pub fn wait_ready(&mut self, memory: &SharedMemory<Shared>) -> Result<()> {
        let deadline = Instant::now() + READY_LIMIT;
        let shared: &Shared = memory;
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

/// Starts worker `index` with `plan`: this program, re-executed, with the
/// block as an inherited memfd.
fn start(memory: &SharedMemory<Shared>, index: usize, plan: &Plan) -> Result<Child> {
    memory
        .command(self_exe())
        .arg(WORKER_FLAG)
        .arg(plan.role.encode())
        .args([index.to_string(), plan.increments.to_string()])
        .arg(plan.start_phase.to_string())
        .stdin(Stdio::null())
        .spawn()
        .with_context(|| format!("starting worker {index}"))
}

/// "exit code N" or "killed by signal N".
pub fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        _ => status.to_string(),
    }
}

/// Turns this process into a worker if its command line says so, and then
/// never returns: call it first thing in `main`. A worker's role arrives on
/// argv, so nothing that reads the command line, and no other thread, runs
/// before it. Bad worker arguments, or no block to inherit, exit with
/// code 2; a failed run exits with 1.
pub fn run_if_worker() {
    let mut args = std::env::args_os().skip(1);
    if args.next().as_deref() != Some(OsStr::new(WORKER_FLAG)) {
        return;
    }
    let attached = WorkerArgs::parse(args).and_then(|worker| {
        let memory = SharedMemory::<Shared>::inherited().context("mapping the shared block")?;
        Ok((worker, memory))
    });
    let code = match attached {
        Err(error) => {
            eprintln!("shared-counter worker: {error:#}");
            2
        }
        Ok((worker, memory)) => match worker.run(&memory) {
            Ok(()) => 0,
            Err(error) => {
                eprintln!("shared-counter worker: {error:#}");
                1
            }
        },
    };
    std::process::exit(code);
}

/// What a worker's command line says.
struct WorkerArgs {
    role: Role,
    index: usize,
    increments: u64,
    start_phase: u32,
}

impl WorkerArgs {
    fn parse(mut args: impl Iterator<Item = OsString>) -> Result<Self> {
        let mut next = |what: &str| -> Result<String> {
            args.next()
                .with_context(|| format!("missing {what}"))?
                .into_string()
                .map_err(|_| anyhow!("{what} is not UTF-8"))
        };
        let role = Role::decode(&next("the role")?)?;
        let index: usize = next("the index")?.parse().context("the index")?;
        ensure!(index < MAX_WORKERS, "slot {index} is out of range");
        let increments = next("the increments")?.parse().context("the increments")?;
        let start_phase = next("the start phase")?
            .parse()
            .context("the start phase")?;
        Ok(WorkerArgs {
            role,
            index,
            increments,
            start_phase,
        })
    }

    /// The worker's whole life, once attached: report ready, wait for the
    /// start, count.
    fn run(self, memory: &SharedMemory<Shared>) -> Result<()> {
        let shared: &Shared = memory;
        let slot = &shared.workers[self.index].0;

        slot.ready.store(1, Ordering::SeqCst);
        let deadline = Instant::now() + START_LIMIT;
        while shared.phase.0.load(Ordering::SeqCst) < self.start_phase {
            ensure!(
                Instant::now() < deadline,
                "no start signal within {START_LIMIT:?}"
            );
            thread::yield_now();
        }

        slot.started_ns
            .store(shm::monotonic_nanos(), Ordering::SeqCst);
        match self.role {
            Role::Count(strategy) => strategy.count(memory, self.index, self.increments)?,
            Role::Array => counting::array(shared, self.index, self.increments),
            Role::Victim { lock, crash_after } => victim(memory, lock, self.index, crash_after)?,
            Role::Chaos { lock } => {
                counting::chaos(memory, lock, self.index, self.start_phase + 1)?
            }
        }
        slot.finished_ns
            .store(shm::monotonic_nanos(), Ordering::SeqCst);
        Ok(())
    }
}

/// The crash demo's victim: `crash_after` increments under `lock`, then
/// half of one more, holding the lock until the parent's SIGKILL.
fn victim(
    memory: &SharedMemory<Shared>,
    lock: Strategy,
    index: usize,
    crash_after: u64,
) -> Result<()> {
    let hold = || {
        // Half-way through an increment, holding the lock: tell the parent,
        // and wait for its SIGKILL.
        memory.victim_holds_lock.0.store(1, Ordering::SeqCst);
        loop {
            thread::sleep(Duration::from_secs(1));
        }
    };
    if lock == Strategy::FileLock {
        let counter = &memory.file_locked.0;
        for _ in 0..crash_after {
            counter.lock(memory)?.increment(index, || {});
        }
        counter.lock(memory)?.increment(index, hold);
    } else {
        let counter = &memory.locked.0;
        for _ in 0..crash_after {
            counter.lock()?.increment(index, || {});
        }
        counter.lock()?.increment(index, hold);
    }
    Ok(())
}
