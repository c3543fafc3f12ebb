//! A child process handle shaped like Python's `multiprocessing.Process`.
//!
//! | Python | here |
//! |---|---|
//! | `Process(target=f, args=(1,), name="n", daemon=True)` | `F { x: 1 }.builder().name("n").daemon(true)`, `F` a [`ChildTask`](crate::task::ChildTask) |
//! | `p.start()` | `builder.start()?` returns the running `Process` |
//! | `p.pid`, `p.name`, `p.daemon` | `p.pid()`, `p.name()`, `p.is_daemon()` |
//! | `p.is_alive()` | `p.is_alive()?` |
//! | `p.join()`, `p.join(timeout)` | `p.join()?`, `p.join_timeout(d)?` → `Joined::Exited` or `StillRunning` |
//! | `p.terminate()`, `p.kill()` | `p.terminate()?` (SIGTERM), `p.kill()?` (SIGKILL) |
//! | `p.exitcode` (−N if killed by signal N) | `ExitReport`, with `python_exitcode()` |
//!
//! Python pickles the target function into the child. Rust sends no
//! functions: the child is this same binary, re-executed with the task's
//! role and arguments, and its `main` runs the task (see
//! [`ChildTasks`](crate::task::ChildTasks)).
//!
//! Two guarantees Python does not give:
//! - Dropping a `Process` that is still running kills and reaps it, unless
//!   it was [`Process::detach`]ed. No zombie can outlive the handle.
//! - A daemon child dies with its parent even if the parent is killed with
//!   SIGKILL. Its stdin is a pipe whose other end only the parent holds (the
//!   lifeline), and the child exits as soon as that pipe reports end of file.

use crate::sys;
use std::fmt;
use std::io::{self, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// The role a child runs, set in its environment; `main` checks it first.
const TASK_ENV: &str = "CHILD_PROCESSES_TASK";
const NAME_ENV: &str = "CHILD_PROCESSES_NAME";
const DAEMON_ENV: &str = "CHILD_PROCESSES_DAEMON";
/// The exit code of a daemon child whose parent went away.
pub const PARENT_GONE_EXIT: i32 = 70;
/// How often `join_timeout` looks at the child.
const POLL: Duration = Duration::from_millis(2);

/// Numbers default names, as Python's "Process-1", "Process-2", ...
static NEXT_NUMBER: AtomicU64 = AtomicU64::new(1);

/// Why a child could not be started or looked after.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// The binary could not be executed.
    #[error("could not start {name}: {source}")]
    Start {
        /// The child's name.
        name: String,
        /// Why.
        source: io::Error,
    },
    /// Waiting for the child failed.
    #[error("could not wait for {name} (pid {pid}): {source}")]
    Wait {
        /// The child's name.
        name: String,
        /// The child's pid.
        pid: u32,
        /// Why.
        source: io::Error,
    },
    /// Signalling the child failed.
    #[error("could not signal {name} (pid {pid}): {source}")]
    Signal {
        /// The child's name.
        name: String,
        /// The child's pid.
        pid: u32,
        /// Why.
        source: io::Error,
    },
}

/// How a child ended: an exit code, or the signal that killed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitReport {
    /// The exit code, if the child exited.
    pub code: Option<i32>,
    /// The signal that killed it, if one did.
    pub signal: Option<i32>,
}

impl ExitReport {
    /// From std's exit status.
    pub fn from_status(status: ExitStatus) -> Self {
        ExitReport {
            code: status.code(),
            signal: status.signal(),
        }
    }

    /// From a raw `waitpid` status, for processes that are not a `Child`.
    pub fn from_raw(status: i32) -> Self {
        Self::from_status(ExitStatus::from_raw(status))
    }

    /// Whether the child exited with code 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// Python's `Process.exitcode`: the exit code, or −N for signal N.
    pub fn python_exitcode(&self) -> i32 {
        match (self.code, self.signal) {
            (Some(code), _) => code,
            (None, Some(signal)) => -signal,
            (None, None) => i32::MIN,
        }
    }
}

impl fmt::Display for ExitReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code, self.signal) {
            (Some(code), _) => write!(f, "exit code {code}"),
            (None, Some(signal)) => write!(f, "killed by signal {signal} (exitcode {})", -signal),
            (None, None) => write!(f, "unknown end"),
        }
    }
}

/// What [`Process::join_timeout`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joined {
    /// The child has ended, and has been reaped.
    Exited(ExitReport),
    /// The timeout passed first; the child runs on.
    StillRunning,
}

/// How to start a child: Python's `Process(...)` before `start()`.
#[derive(Debug, Clone)]
pub struct Builder {
    task: String,
    args: Vec<String>,
    name: Option<String>,
    daemon: bool,
    exe: PathBuf,
}

impl Builder {
    /// A child that will run the task whose `ChildTask::ROLE` is `task`.
    /// [`ChildTask::builder`](crate::task::ChildTask::builder) fills in the
    /// role and the arguments from a typed task; prefer it.
    pub fn new(task: impl Into<String>) -> Self {
        Builder {
            task: task.into(),
            args: Vec::new(),
            name: None,
            daemon: false,
            exe: crate::sys::self_exe(),
        }
    }

    /// One more argument for the task.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// More arguments for the task.
    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// The process's name; "Process-N" by default, as in Python.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// A daemon child dies with its parent, however the parent ends.
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.daemon = daemon;
        self
    }

    /// The binary to run as the worker (default: this one).
    pub fn exe(mut self, exe: impl Into<PathBuf>) -> Self {
        self.exe = exe.into();
        self
    }

    /// Starts the child: Python's `p.start()`.
    pub fn start(self) -> Result<Process, ProcessError> {
        let name = self
            .name
            .unwrap_or_else(|| format!("Process-{}", NEXT_NUMBER.fetch_add(1, Ordering::Relaxed)));
        let start_error = |source| ProcessError::Start {
            name: name.clone(),
            source,
        };
        let mut command = Command::new(&self.exe);
        command
            .args(&self.args)
            .env(TASK_ENV, &self.task)
            .env(NAME_ENV, &name);
        let lifeline = if self.daemon {
            // The child reads its stdin until end of file; only we hold the
            // write end, and the kernel closes it when we die, however we die.
            let (lifeline_rx, lifeline_tx) = io::pipe().map_err(start_error)?;
            command.stdin(lifeline_rx).env(DAEMON_ENV, "1");
            Some(lifeline_tx)
        } else {
            // Not inherited from a daemon parent: set or removed each time.
            command.stdin(Stdio::null()).env_remove(DAEMON_ENV);
            None
        };
        let child = command.spawn().map_err(start_error)?;
        Ok(Process {
            name,
            daemon: self.daemon,
            pid: child.id(),
            child,
            lifeline,
            exit: None,
            detached: false,
        })
    }
}

/// A started child process. Dropping it kills and reaps the child unless it
/// has already exited or was detached.
#[derive(Debug)]
pub struct Process {
    name: String,
    daemon: bool,
    pid: u32,
    child: Child,
    /// Held only to be closed when we go: a daemon child watches it.
    #[allow(dead_code)]
    lifeline: Option<io::PipeWriter>,
    exit: Option<ExitReport>,
    detached: bool,
}

impl Process {
    /// Python's `p.pid`.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Python's `p.name`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Python's `p.daemon`.
    pub fn is_daemon(&self) -> bool {
        self.daemon
    }

    /// How the child ended, if it has been seen to end.
    pub fn exit_report(&self) -> Option<ExitReport> {
        self.exit
    }

    /// Whether the child is still running (reaping it if it has exited).
    pub fn is_alive(&mut self) -> Result<bool, ProcessError> {
        Ok(self.poll()?.is_none())
    }

    /// Waits for the child to end.
    pub fn join(&mut self) -> Result<ExitReport, ProcessError> {
        if let Some(report) = self.exit {
            return Ok(report);
        }
        let status = self
            .child
            .wait()
            .map_err(|source| self.wait_error(source))?;
        Ok(*self.exit.insert(ExitReport::from_status(status)))
    }

    /// Waits at most `timeout`. Unlike Python's `join(timeout)`, which
    /// returns `None` either way, this says whether the child ended.
    pub fn join_timeout(&mut self, timeout: Duration) -> Result<Joined, ProcessError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(report) = self.poll()? {
                return Ok(Joined::Exited(report));
            }
            if Instant::now() >= deadline {
                return Ok(Joined::StillRunning);
            }
            thread::sleep(POLL);
        }
    }

    /// Asks the child to stop with SIGTERM; it may catch it and clean up.
    pub fn terminate(&mut self) -> Result<(), ProcessError> {
        self.signal(libc::SIGTERM)
    }

    /// Stops the child with SIGKILL, which it cannot catch.
    pub fn kill(&mut self) -> Result<(), ProcessError> {
        self.signal(libc::SIGKILL)
    }

    /// Gives up ownership: the child is neither killed nor reaped when this
    /// handle goes. Returns its pid; reaping it is now the caller's job.
    pub fn detach(mut self) -> u32 {
        self.detached = true;
        self.pid
    }

    fn signal(&mut self, signal: libc::c_int) -> Result<(), ProcessError> {
        if self.poll()?.is_some() {
            return Ok(()); // already gone: nothing to signal
        }
        sys::send_signal(self.pid, signal).map_err(|source| ProcessError::Signal {
            name: self.name.clone(),
            pid: self.pid,
            source,
        })
    }

    fn poll(&mut self) -> Result<Option<ExitReport>, ProcessError> {
        if self.exit.is_none()
            && let Some(status) = self
                .child
                .try_wait()
                .map_err(|source| self.wait_error(source))?
        {
            self.exit = Some(ExitReport::from_status(status));
        }
        Ok(self.exit)
    }

    fn wait_error(&self, source: io::Error) -> ProcessError {
        ProcessError::Wait {
            name: self.name.clone(),
            pid: self.pid,
            source,
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if self.exit.is_none() && !self.detached {
            // Either may fail if it already exited; `wait` reaps it anyway.
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// What a process knows about itself: Python's `current_process()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentProcess {
    /// The name its parent gave it, or "MainProcess" for a process that no
    /// `Builder` started, as in Python.
    pub name: String,
    /// Whether it is a daemon child.
    pub daemon: bool,
}

/// Python's `multiprocessing.current_process()`.
pub fn current_process() -> CurrentProcess {
    // The variables are only read, never removed: removing one is sound
    // only while no other thread runs. Every child a `Builder` starts gets
    // them set afresh (or removed) for it, so none leaks to a grandchild.
    CurrentProcess {
        name: std::env::var(NAME_ENV).unwrap_or_else(|_| "MainProcess".to_string()),
        daemon: std::env::var_os(DAEMON_ENV).is_some(),
    }
}

/// In a child a `Builder` started: the role it was started for.
pub(crate) fn child_role() -> Option<String> {
    std::env::var(TASK_ENV).ok()
}

/// A child's duties before its task runs: take the name `ps` shows, and for
/// a daemon, start the lifeline watch that ends the process when the parent
/// is gone.
pub(crate) fn take_up_duties() {
    let me = current_process();
    // A cosmetic name for `ps`: failing to set it harms nothing.
    let _ = sys::set_process_name(&me.name);
    if me.daemon {
        thread::spawn(|| {
            let mut byte = [0u8; 1];
            // The parent never writes; read returns 0 (end of file) when its
            // end closes, or an error: either way the parent is gone.
            while let Ok(1) = io::stdin().lock().read(&mut byte) {}
            std::process::exit(PARENT_GONE_EXIT);
        });
    }
}
