//! What travels between the pool and its workers, for any job type `J`.
//! Jobs are data: no function or closure ever crosses the boundary.
//!
//! A message carries one job, or a batch of them: `map` sends its items in
//! chunks so that a million tiny jobs are not a million round trips. The
//! worker runs a batch's parts in order and answers with one result per
//! part, so a panic in one part fails that part alone.

use crate::error::TaskId;
use ipc_channel::ipc::IpcSender;
use serde::{Deserialize, Serialize};

/// One message's work.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Work<J> {
    One(J),
    /// Parts with consecutive task ids, from the message's own id.
    Batch(Vec<J>),
}

impl<J> Work<J> {
    /// How many tasks the message holds.
    pub(crate) fn len(&self) -> usize {
        match self {
            Work::One(_) => 1,
            Work::Batch(parts) => parts.len(),
        }
    }
}

/// A job's outcome in the worker: its output, or its panic message.
pub(crate) type Ran<O> = Result<O, String>;

/// One message's answer, shaped like its `Work`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Answer<O> {
    One(Ran<O>),
    /// A batch in which nothing panicked, the usual case: the bare outputs,
    /// with no `Result` to encode and decode around each.
    AllOk(Vec<O>),
    /// A batch in which a part panicked: each part's outcome.
    Batch(Vec<Ran<O>>),
}

/// Parent to worker. The worker reads a `ToWorker<Work<J>>`; the parent
/// writes a `ToWorker<Arc<Work<J>>>`, which serde encodes byte for byte the
/// same, so that the parent can send a message and keep the very same work
/// for requeueing without copying it.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ToWorker<W> {
    pub(crate) task: TaskId,
    pub(crate) work: W,
}

/// Worker to parent, on the channel the worker opened when it connected.
/// `M` is the message type of the job channel, as each side names it.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum FromWorker<M, O> {
    /// The first message: where to send the jobs.
    Hello {
        pid: u32,
        tasks_tx: IpcSender<M>,
    },
    Done {
        task: TaskId,
        answer: Answer<O>,
    },
}

/// A worker's first argument; the job type and the pool's bootstrap server
/// name follow it. The job type lets a binary that does not serve it say so
/// instead of misreading jobs.
///
/// The role travels on the command line rather than in the environment:
/// reading it changes nothing, so `run_if_worker` can be a safe function
/// (removing an environment variable is sound only while no other thread
/// runs), and a worker's own child processes do not inherit it.
pub(crate) const WORKER_ARG: &str = "--process-pool-worker";
