//! What travels between the pool and its workers. Tasks are a serde enum
//! that the worker matches on: functions are never sent.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// Identifies one task, in submission order from 0.
pub type TaskId = u64;

/// The work a worker can do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Task {
    /// `n * n`.
    Square(u64),
    /// Sleep, then return `value * value`: the seed's `square_number`.
    SlowSquare { value: u64, sleep_ms: u64 },
    /// Square every number of a chunk (what `map` sends).
    SquareChunk(Vec<u64>),
    /// Count the primes in `start..end`, by trial division.
    CountPrimes { start: u64, end: u64 },
    /// Kill the worker running it with SIGKILL.
    KillWorker,
    /// Exit the worker with this code.
    ExitWorker(i32),
    /// Panic with this message.
    Panic(String),
    /// Return a value the pool refuses to deserialize.
    UnreadableResult,
    /// Sleep this long (to show task timeouts).
    Sleep { ms: u64 },
    /// Report the worker's pid (the `queue` demo).
    WhoAmI(u64),
    /// Checksum a payload sent the plain serde way, byte by byte.
    Checksum(Vec<u8>),
    /// Checksum a payload sent as shared memory: only a file descriptor
    /// travels, and the worker maps the same pages.
    ChecksumShared(ipc_channel::ipc::IpcSharedMemory),
    /// Several tasks in one message, run in order: how `map_tasks` chunks
    /// any kind of work. Each part's panic stays in that part's result.
    Batch(Vec<Task>),
}

/// A simple checksum, so both ways of sending a payload can be compared.
pub fn checksum(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |sum, &byte| {
        sum.wrapping_mul(31).wrapping_add(u64::from(byte))
    })
}

/// A task's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Output {
    Number(u64),
    Numbers(Vec<u64>),
    Text(String),
    /// Who ran an item: (item, worker pid).
    Taken {
        item: u64,
        pid: u32,
    },
    Checked(Checked),
    /// The results of a `Batch`, in order; an error is a part's panic.
    Batch(Vec<Result<Output, String>>),
}

/// A number that refuses to be deserialized when it is odd: the worker can
/// send it, the pool cannot read it. It stands in for any result that fails
/// to decode (a version mismatch, a bug in a `Deserialize` impl).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Checked(pub u64);

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = u64::deserialize(deserializer)?;
        if value % 2 == 1 {
            return Err(serde::de::Error::custom(format!(
                "{value} is odd, and a Checked must be even"
            )));
        }
        Ok(Checked(value))
    }
}

/// Parent to worker.
#[derive(Debug, Serialize, Deserialize)]
pub enum ToWorker {
    Run { task: TaskId, work: Task },
}

/// Worker to parent, on the channel the worker opened when it connected.
#[derive(Debug, Serialize, Deserialize)]
pub enum FromWorker {
    /// The first message: where to send tasks.
    Hello {
        pid: u32,
        tasks_tx: ipc_channel::ipc::IpcSender<ToWorker>,
    },
    Done {
        task: TaskId,
        result: Result<Output, String>,
    },
}

/// Why a task gave no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskError {
    #[error("task {task}: worker pid {pid} died running it ({how})")]
    WorkerCrashed { task: TaskId, pid: u32, how: String },
    #[error("task {task} panicked in worker pid {pid}: {message}")]
    Panicked {
        task: TaskId,
        pid: u32,
        message: String,
    },
    #[error(
        "task {task} ran past its {limit_ms} ms timeout; worker pid {pid} was killed and replaced"
    )]
    TimedOut {
        task: TaskId,
        pid: u32,
        limit_ms: u64,
    },
    #[error("task {task}: its result from worker pid {pid} could not be read: {reason}")]
    BadResult {
        task: TaskId,
        pid: u32,
        reason: String,
    },
    #[error("task {task} was cancelled before it started")]
    Cancelled { task: TaskId },
    #[error("task {task} was dropped: the pool shut down first")]
    PoolClosed { task: TaskId },
}

impl TaskError {
    pub fn task(&self) -> TaskId {
        match self {
            TaskError::WorkerCrashed { task, .. }
            | TaskError::Panicked { task, .. }
            | TaskError::TimedOut { task, .. }
            | TaskError::BadResult { task, .. }
            | TaskError::Cancelled { task }
            | TaskError::PoolClosed { task } => *task,
        }
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Output::Number(number) => write!(f, "{number}"),
            Output::Numbers(numbers) => write!(f, "{} numbers", numbers.len()),
            Output::Text(text) => write!(f, "{text}"),
            Output::Taken { item, pid } => write!(f, "item {item} by pid {pid}"),
            Output::Checked(Checked(value)) => write!(f, "{value}"),
            Output::Batch(results) => write!(f, "a batch of {} results", results.len()),
        }
    }
}

/// Whether `number` is prime, by trial division (the thread-pool crate's
/// workload, so the two crates can be compared).
pub fn is_prime(number: u64) -> bool {
    if number < 2 {
        return false;
    }
    if number.is_multiple_of(2) {
        return number == 2;
    }
    let limit = number.isqrt();
    let mut divisor = 3;
    while divisor <= limit {
        if number.is_multiple_of(divisor) {
            return false;
        }
        divisor += 2;
    }
    true
}
