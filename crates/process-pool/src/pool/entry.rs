//! One queued message and where its results go.
//!
//! An entry holds one job (`submit`, `as_completed`) or a chunk of them
//! (`map`, `map_unordered`). The supervisor keeps the entry until its
//! answer arrives, so that if the worker dies first, the entry can be
//! failed or handed to another worker. Each answer or failure becomes one
//! result per task, with the task's own id and the worker's real pid.

use crate::error::{TaskError, TaskId};
use crate::job::Job;
use crate::protocol::{Answer, Ran, ToWorker, Work};
use std::sync::Arc;
use std::sync::mpsc::{Sender, SyncSender};
use std::sync::{Mutex, PoisonError};
use std::task::Waker;

/// A task's result, as the caller sees it.
pub(crate) type TaskResult<O> = Result<O, TaskError>;

/// A message as the parent sends it: the work is shared with its entry.
pub(crate) type Outgoing<J> = ToWorker<Arc<Work<J>>>;

/// How a message ended: the worker's answer, one per task, or one failure
/// for all of its tasks.
pub(crate) enum Outcome<O> {
    /// One job's answer: kept apart so that a single task costs no `Vec`.
    One {
        pid: u32,
        ran: Ran<O>,
    },
    Outputs(Vec<O>),
    Answered {
        pid: u32,
        rans: Vec<Ran<O>>,
    },
    Failed(TaskError),
}

impl<O> Outcome<O> {
    /// The typed result of a message holding the single task `task`.
    fn single(self, task: TaskId) -> TaskResult<O> {
        match self {
            Outcome::One { pid, ran } => {
                ran.map_err(|message| TaskError::Panicked { task, pid, message })
            }
            Outcome::Failed(error) => Err(error.for_task(task)),
            // A chunk of one, from `map_unordered`: `answer` checked the count.
            batch => {
                let mut results = Vec::with_capacity(1);
                batch.extend_results(task, 1, &mut results);
                results.pop().unwrap_or(Err(TaskError::PoolClosed { task }))
            }
        }
    }

    /// Appends the message's typed results to `out`, in one pass: a panic
    /// becomes `Panicked` for its own task, a failure is copied to each.
    pub(crate) fn extend_results(self, first: TaskId, len: usize, out: &mut Vec<TaskResult<O>>) {
        match self {
            Outcome::One { .. } => out.push(self.single(first)),
            Outcome::Outputs(outputs) => out.extend(outputs.into_iter().map(Ok)),
            Outcome::Answered { pid, rans } => {
                out.extend((first..).zip(rans).map(|(task, ran)| {
                    ran.map_err(|message| TaskError::Panicked { task, pid, message })
                }))
            }
            Outcome::Failed(error) => {
                out.extend((first..first + len as u64).map(|task| Err(error.for_task(task))))
            }
        }
    }
}

/// Where an entry's results go.
pub(crate) enum Reply<O> {
    /// `submit`: the one result, to its handle, which a thread may block on
    /// or async code await.
    One(oneshot::Sender<TaskResult<O>>),
    /// `as_completed`, `map_unordered`: each task's result as it comes, and
    /// the waker of a task awaiting them as a stream, if any.
    EachTask(Sender<(TaskId, TaskResult<O>)>, Arc<WakeOnResult>),
    /// `map`, which types a chunk's results as it stores them.
    Chunk(SyncSender<Outcome<O>>),
}

/// The waker of an async task reading `as_completed` as a stream: set when
/// it found no result waiting, taken and woken when one arrives. A plain
/// iterator never sets it, so then a result costs one uncontended lock.
#[derive(Default)]
pub(crate) struct WakeOnResult(Mutex<Option<Waker>>);

impl WakeOnResult {
    pub(crate) fn register(&self, waker: &Waker) {
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.as_mut() {
            Some(registered) if registered.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }

    fn wake(&self) {
        let waker = self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

pub(crate) struct Entry<J: Job> {
    /// The first task's id; a chunk's tasks count up from it.
    pub(crate) id: TaskId,
    pub(crate) work: Arc<Work<J>>,
    reply: Reply<J::Output>,
}

impl<J: Job> Entry<J> {
    pub(crate) fn new(id: TaskId, work: Work<J>, reply: Reply<J::Output>) -> Self {
        Entry {
            id,
            work: Arc::new(work),
            reply,
        }
    }

    /// How many tasks this entry holds.
    pub(crate) fn len(&self) -> usize {
        self.work.len()
    }

    /// Whether `task` is one of this entry's tasks.
    pub(crate) fn holds(&self, task: TaskId) -> bool {
        task.checked_sub(self.id)
            .is_some_and(|offset| offset < self.len() as u64)
    }

    /// The message for the worker; the entry keeps the same work.
    pub(crate) fn message(&self) -> Outgoing<J> {
        ToWorker {
            task: self.id,
            work: Arc::clone(&self.work),
        }
    }

    /// The worker `pid` answered.
    pub(crate) fn answer(self, answer: Answer<J::Output>, pid: u32) {
        let (outcome, given) = match answer {
            Answer::One(ran) => (Outcome::One { pid, ran }, 1),
            Answer::AllOk(outputs) => {
                let given = outputs.len();
                (Outcome::Outputs(outputs), given)
            }
            Answer::Batch(rans) => {
                let given = rans.len();
                (Outcome::Answered { pid, rans }, given)
            }
            Answer::Unencodable(reason) => {
                let task = self.id;
                let reason = format!("the worker could not encode it: {reason}");
                return self.fail(TaskError::BadResult { task, pid, reason });
            }
        };
        if given == self.len() {
            self.finish(outcome);
        } else {
            let reason = format!("{} tasks sent, {given} results came back", self.len());
            let task = self.id;
            self.fail(TaskError::BadResult { task, pid, reason });
        }
    }

    /// Fails every task of the entry with `error`, each under its own id.
    pub(crate) fn fail(self, error: TaskError) {
        self.finish(Outcome::Failed(error));
    }

    fn finish(self, outcome: Outcome<J::Output>) {
        // A receiver may be gone (a dropped handle or iterator); then nobody
        // wants the result, and dropping it is right.
        let (first, len) = (self.id, self.len());
        match self.reply {
            Reply::Chunk(chunk_tx) => drop(chunk_tx.send(outcome)),
            Reply::One(result_tx) => drop(result_tx.send(outcome.single(first))),
            Reply::EachTask(done_tx, waker) if len == 1 => {
                drop(done_tx.send((first, outcome.single(first))));
                waker.wake();
            }
            Reply::EachTask(done_tx, waker) => {
                let mut results = Vec::with_capacity(len);
                outcome.extend_results(first, len, &mut results);
                for (task, result) in (first..).zip(results) {
                    if done_tx.send((task, result)).is_err() {
                        break;
                    }
                }
                waker.wake();
            }
        }
    }
}
