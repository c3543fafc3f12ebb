//! What travels between the pool and its workers, for any job type `J`.
//! Jobs are data: no function or closure ever crosses the boundary.
//!
//! Two kinds of batching ride on these types, and they are two on purpose:
//!
//! - A *write* carries several messages ([`ToWorker`]s): while the pool's
//!   queue is deep, a supervisor sends every message waiting in one write,
//!   and the worker answers them in one write ([`FromWorker::Done`]). The
//!   pool chooses this, and no caller sees it: each message keeps its own
//!   result, its own timeout and its own crash.
//! - A *message* carries one job, or a chunk of them ([`Work::Batch`]):
//!   `map`'s `chunksize`, chosen by the caller as in Python. A chunk is one
//!   entry with one reply, so `map` types a whole chunk's results at once,
//!   and a chunk is the unit of a crash or a timeout, as in Python.
//!
//! Either way the worker runs parts in order and answers with one result
//! per part, so a panic in one part fails that part alone.

use crate::error::TaskId;
use ipc_channel::ipc::{IpcSender, IpcSharedMemory};
use serde::de::DeserializeOwned;
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
    /// The worker could not encode the output: why.
    Unencodable(String),
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

/// One write from the parent: the messages that were waiting, in order.
pub(crate) type Write<M> = Vec<M>;

/// Answers to several messages, each encoded on its own, so that one the
/// pool cannot read fails its own message and no other.
///
/// Written by hand because this is a frame format, not a serde type: each
/// answer is a little-endian `u32` length and that many bytes of the
/// answer in postcard (ipc-channel's own encoding, so no new crate is built).
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Answers {
    /// The messages answered, in order.
    pub(crate) tasks: Vec<TaskId>,
    /// Their answers, framed, in the same order.
    #[serde(with = "serde_bytes")]
    pub(crate) frames: Vec<u8>,
}

impl Answers {
    /// Appends the answer to message `task`. An answer that cannot be
    /// encoded is replaced by one saying so.
    pub(crate) fn push<O: Serialize>(&mut self, task: TaskId, answer: &Answer<O>) {
        let at = self.frames.len();
        self.frames.extend_from_slice(&[0; 4]);
        if let Err(error) = postcard::to_io(answer, &mut self.frames) {
            self.frames.truncate(at + 4);
            let unencodable = Answer::<O>::Unencodable(error.to_string());
            // A string always encodes.
            let _ = postcard::to_io(&unencodable, &mut self.frames);
        }
        let len = (self.frames.len() - at - 4) as u32;
        self.frames[at..at + 4].copy_from_slice(&len.to_le_bytes());
        self.tasks.push(task);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Each message's id and its answer, or why it could not be read.
    pub(crate) fn read<O: DeserializeOwned>(
        &self,
    ) -> impl Iterator<Item = (TaskId, Result<Answer<O>, String>)> + '_ {
        let mut rest = self.frames.as_slice();
        self.tasks.iter().map(move |&task| {
            let Some((len, after)) = rest.split_first_chunk::<4>() else {
                return (task, Err("the answer is missing".to_string()));
            };
            let len = (u32::from_le_bytes(*len) as usize).min(after.len());
            let (frame, after) = after.split_at(len);
            rest = after;
            let answer = match postcard::take_from_bytes(frame) {
                Ok((answer, [])) => Ok(answer),
                Ok((_, left)) => Err(format!("{} bytes were left over", left.len())),
                Err(error) => Err(error.to_string()),
            };
            (task, answer)
        })
    }
}

/// Worker to parent, on the channel the worker opened when it connected.
/// `M` is the message type of the job channel, as each side names it. The
/// answers' type is in their frames, so it is not in this one.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum FromWorker<M> {
    /// The first message: where to send the jobs, and the page where the
    /// worker keeps which task it is on (see `progress`).
    Hello {
        pid: u32,
        tasks_tx: IpcSender<Write<M>>,
        progress: IpcSharedMemory,
    },
    /// Answers to messages, in the order they were sent, and how long the
    /// worker spent on them, which sets how many the pool keeps in flight.
    Done { answers: Answers, busy_ns: u64 },
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_that_cannot_be_read_fails_alone() {
        let mut answers = Answers::default();
        answers.push(7, &Answer::One(Ok(1_u8)));
        answers.push(8, &Answer::One(Ok(2_u8)));
        answers.push(9, &Answer::One(Ok(300_u16)));
        answers.push(10, &Answer::AllOk(vec![0_u8, 1]));
        // Read back as `bool`: 2 is no bool, and 300 is two bytes where a
        // bool is one, and only their own frames say so.
        let read: Vec<_> = answers.read::<bool>().collect();
        assert!(matches!(read[0], (7, Ok(Answer::One(Ok(true))))));
        assert!(matches!(read[1], (8, Err(_))));
        assert!(matches!(read[2], (9, Err(_))));
        assert!(matches!(&read[3], (10, Ok(Answer::AllOk(parts))) if parts == &[false, true]));
    }

    #[test]
    fn cut_frames_are_reported_not_misread() {
        let mut answers = Answers::default();
        answers.push(1, &Answer::One(Ok(1_u32)));
        answers.push(2, &Answer::One(Ok(2_u32)));
        answers.frames.truncate(answers.frames.len() - 3);
        let read: Vec<_> = answers.read::<u32>().collect();
        assert!(matches!(read[0], (1, Ok(Answer::One(Ok(1))))));
        assert!(matches!(read[1], (2, Err(_))));
    }
}
