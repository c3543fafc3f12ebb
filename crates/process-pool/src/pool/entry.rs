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
    /// `None` once the entry is answered or failed; an entry dropped with
    /// it still here fails its tasks (see `Drop`).
    reply: Option<Reply<J::Output>>,
}

impl<J: Job> Entry<J> {
    pub(crate) fn new(id: TaskId, work: Work<J>, reply: Reply<J::Output>) -> Self {
        Entry {
            id,
            work: Arc::new(work),
            reply: Some(reply),
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

    fn finish(mut self, outcome: Outcome<J::Output>) {
        if let Some(reply) = self.reply.take() {
            reply.send(self.id, self.len(), outcome);
        }
    }
}

/// Every entry ends with a result for each of its tasks: one dropped
/// without an answer or a failure (which only a bug in a supervisor could
/// do) fails them as if the pool had closed, rather than leave a caller,
/// or an async task awaiting a stream, waiting for ever.
impl<J: Job> Drop for Entry<J> {
    fn drop(&mut self) {
        if let Some(reply) = self.reply.take() {
            let task = self.id;
            reply.send(
                task,
                self.len(),
                Outcome::Failed(TaskError::PoolClosed { task }),
            );
        }
    }
}

impl<O> Reply<O> {
    /// Sends the outcome of a message whose tasks are `first` and the
    /// `len - 1` after it, and wakes a stream that waits for it.
    fn send(self, first: TaskId, len: usize, outcome: Outcome<O>) {
        // A receiver may be gone (a dropped handle or iterator); then nobody
        // wants the result, and dropping it is right.
        match self {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::task::Wake;

    #[derive(Clone, Serialize, Deserialize)]
    struct Echo(u8);

    impl Job for Echo {
        type Output = u8;
        fn run(self) -> u8 {
            self.0
        }
    }

    /// Counts its wake-ups.
    #[derive(Default)]
    struct Wakes(AtomicUsize);

    impl Wake for Wakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// An entry, the stream end of its reply, and its waker's count.
    type Streamed = (
        Entry<Echo>,
        mpsc::Receiver<(TaskId, TaskResult<u8>)>,
        Arc<Wakes>,
    );

    /// A stream's reply for a chunk of two tasks, from task 5, with a
    /// registered waker.
    fn streamed() -> Streamed {
        let (done_tx, done_rx) = mpsc::channel();
        let (wake_on_result, wakes) = (
            Arc::new(WakeOnResult::default()),
            Arc::new(Wakes::default()),
        );
        wake_on_result.register(&Waker::from(Arc::clone(&wakes)));
        let work = Work::Batch(vec![Echo(1), Echo(2)]);
        let entry = Entry::new(5, work, Reply::EachTask(done_tx, wake_on_result));
        (entry, done_rx, wakes)
    }

    #[test]
    fn an_entry_dropped_unanswered_fails_each_task_and_wakes_its_stream() {
        let (entry, done_rx, wakes) = streamed();
        drop(entry);
        let results: Vec<_> = done_rx.try_iter().collect();
        assert_eq!(
            results,
            [
                (5, Err(TaskError::PoolClosed { task: 5 })),
                (6, Err(TaskError::PoolClosed { task: 6 }))
            ]
        );
        assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn an_answered_entry_gives_each_result_once() {
        let (entry, done_rx, wakes) = streamed();
        entry.answer(Answer::AllOk(vec![1, 2]), 42);
        let results: Vec<_> = done_rx.try_iter().collect();
        assert_eq!(results, [(5, Ok(1)), (6, Ok(2))]);
        assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
    }
}
