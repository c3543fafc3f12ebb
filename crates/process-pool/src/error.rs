//! What can go wrong: with the pool as a whole ([`PoolError`]) or with one
//! task ([`TaskError`]). Neither names the job type, so a caller can match
//! on them the same way for any pool.

use std::time::Duration;

/// Identifies one task, in submission order from 0. Each item of a `map`
/// is a task of its own, with its own id.
pub type TaskId = u64;

/// Why a task gave no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskError {
    /// The worker died while running the task: a signal (`how` names it) or
    /// an exit. Python's pool breaks as a whole here (`BrokenProcessPool`).
    #[error("task {task}: worker pid {pid} died running it ({how})")]
    WorkerCrashed {
        /// The task.
        task: TaskId,
        /// The dead worker's pid.
        pid: u32,
        /// "killed by signal 9 (SIGKILL)", "exit code 7", ...
        how: String,
    },
    /// The job panicked; the worker caught it and lives on.
    #[error("task {task} panicked in worker pid {pid}: {message}")]
    Panicked {
        /// The task.
        task: TaskId,
        /// The worker that ran it.
        pid: u32,
        /// The panic's message.
        message: String,
    },
    /// The task ran past the pool's `task_timeout`; its worker was killed
    /// and replaced.
    #[error(
        "task {task} ran past its {limit_ms} ms timeout; worker pid {pid} was killed and replaced"
    )]
    TimedOut {
        /// The task.
        task: TaskId,
        /// The worker that was killed.
        pid: u32,
        /// The timeout, in milliseconds.
        limit_ms: u64,
    },
    /// The worker sent a result that could not be deserialized (a bug in a
    /// `Deserialize` impl, or a worker binary built from other code).
    #[error("task {task}: its result from worker pid {pid} could not be read: {reason}")]
    BadResult {
        /// The task.
        task: TaskId,
        /// The worker that sent it.
        pid: u32,
        /// The deserializer's error.
        reason: String,
    },
    /// `TaskHandle::cancel` or `AsCompleted::cancel_pending` was called
    /// before the task answered: it never ran, or its worker was killed.
    #[error("task {task} was cancelled")]
    Cancelled {
        /// The task.
        task: TaskId,
    },
    /// The pool stopped itself before the task could run: too many
    /// workers in a row died before finishing a task (see
    /// [`Builder::max_consecutive_crashes`](crate::pool::Builder::max_consecutive_crashes)),
    /// or none could start. Python's `BrokenProcessPool`, but only once the
    /// crashes show that retrying is hopeless.
    #[error("task {task} never ran: the pool stopped because {cause}")]
    PoolBroken {
        /// The task.
        task: TaskId,
        /// The crash loop: how many workers died, and how the last one
        /// died, with the end of its stderr.
        cause: String,
    },
    /// The pool was dropped, or its shutdown deadline passed, first.
    #[error("task {task} was dropped: the pool shut down first")]
    PoolClosed {
        /// The task.
        task: TaskId,
    },
}

impl TaskError {
    /// The task this error belongs to.
    pub fn task(&self) -> TaskId {
        match self {
            TaskError::WorkerCrashed { task, .. }
            | TaskError::Panicked { task, .. }
            | TaskError::TimedOut { task, .. }
            | TaskError::BadResult { task, .. }
            | TaskError::Cancelled { task }
            | TaskError::PoolBroken { task, .. }
            | TaskError::PoolClosed { task } => *task,
        }
    }

    /// The same failure, for another task of the same message: every item
    /// of a `map` chunk shares its chunk's fate when the worker dies.
    pub(crate) fn for_task(&self, task: TaskId) -> TaskError {
        let mut error = self.clone();
        match &mut error {
            TaskError::WorkerCrashed { task: id, .. }
            | TaskError::Panicked { task: id, .. }
            | TaskError::TimedOut { task: id, .. }
            | TaskError::BadResult { task: id, .. }
            | TaskError::Cancelled { task: id }
            | TaskError::PoolBroken { task: id, .. }
            | TaskError::PoolClosed { task: id } => *id = task,
        }
        error
    }
}

/// Why the pool could not start or keep a worker.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// `workers(0)`.
    #[error("the pool needs at least one worker")]
    NoWorkers,
    /// The worker binary could not be executed.
    #[error("could not start a worker: {0}")]
    Spawn(#[source] std::io::Error),
    /// The worker died before it connected: a binary that does not call
    /// `worker::run_if_worker` first thing, or one built for another job
    /// type (it says so on stderr and exits with code 2).
    #[error("worker pid {pid} exited before connecting: {how}; {}", stderr_tail(.stderr))]
    ExitedBeforeConnecting {
        /// The worker.
        pid: u32,
        /// How it ended.
        how: String,
        /// The last lines it wrote to stderr (it may say why).
        stderr: String,
    },
    /// The worker neither connected nor died in time.
    #[error("worker pid {pid} did not connect within {limit:?}")]
    ConnectTimeout {
        /// The worker, which has been killed.
        pid: u32,
        /// How long it had.
        limit: Duration,
    },
    /// The builder's `initializer` job panicked in a new worker.
    #[error("the initializer failed in worker pid {pid}: {message}")]
    InitializerFailed {
        /// The worker, which has been killed.
        pid: u32,
        /// The panic's message.
        message: String,
    },
    /// ipc-channel failed: making a channel, connecting, or a message.
    #[error("ipc: {0}")]
    Ipc(String),
}

/// The end of a worker's stderr, for a message.
pub(crate) fn stderr_tail(stderr: &str) -> String {
    if stderr.trim().is_empty() {
        "it wrote nothing to stderr".to_string()
    } else {
        format!("its stderr ended: {}", stderr.trim_end())
    }
}
