//! What `submit` and `as_completed` give back: Python's `Future` and the
//! `as_completed` iterator.

use super::entry::TaskResult;
use super::shared::lock;
use crate::error::{TaskError, TaskId};
use std::collections::HashSet;
use std::ops::Range;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A submitted task: Python's `Future`.
pub struct TaskHandle<O> {
    pub(super) id: TaskId,
    pub(super) result_rx: Receiver<TaskResult<O>>,
    pub(super) cancelled: Arc<Mutex<HashSet<TaskId>>>,
}

/// What [`TaskHandle::result_timeout`] found.
pub enum Waited<O> {
    /// The task ended: its value, or why it failed.
    Done(Result<O, TaskError>),
    /// Not yet: the handle, to wait again or cancel.
    Pending(TaskHandle<O>),
}

impl<O> TaskHandle<O> {
    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// Blocks until the task ends: its value, or why it failed.
    pub fn result(self) -> Result<O, TaskError> {
        self.result_rx
            .recv()
            .unwrap_or(Err(TaskError::PoolClosed { task: self.id }))
    }

    /// Waits at most `timeout` (Python's `future.result(timeout)`). The task
    /// goes on either way; on `Pending` the handle comes back to wait again.
    pub fn result_timeout(self, timeout: Duration) -> Waited<O> {
        match self.result_rx.recv_timeout(timeout) {
            Ok(result) => Waited::Done(result),
            Err(RecvTimeoutError::Timeout) => Waited::Pending(self),
            Err(RecvTimeoutError::Disconnected) => {
                Waited::Done(Err(TaskError::PoolClosed { task: self.id }))
            }
        }
    }

    /// Cancels the task. One that has not started never runs; one that is
    /// running has its worker killed and replaced, within
    /// 50 ms, and no other task is affected (Python's `Future.cancel()`
    /// cannot stop a running task; pebble's can, the same way). Either way
    /// it fails with [`TaskError::Cancelled`], unless its result came first.
    pub fn cancel(&self) {
        lock(&self.cancelled).insert(self.id);
    }
}

/// Results in the order the tasks finish, each with its task id.
pub struct AsCompleted<O> {
    pub(super) done_rx: Receiver<(TaskId, TaskResult<O>)>,
    pub(super) remaining: usize,
    pub(super) task_ids: Range<TaskId>,
    pub(super) cancelled: Arc<Mutex<HashSet<TaskId>>>,
    /// Which of the tasks have answered, by their place in `task_ids`.
    pub(super) answered: Vec<bool>,
    /// `cancel_pending` was called: answers clear their ids from the set.
    pub(super) cancelling: bool,
}

impl<O> AsCompleted<O> {
    /// The results of the tasks `task_ids`, as they arrive on `done_rx`.
    pub(super) fn new(
        done_rx: Receiver<(TaskId, TaskResult<O>)>,
        task_ids: Range<TaskId>,
        cancelled: &Arc<Mutex<HashSet<TaskId>>>,
    ) -> Self {
        let count = task_ids.clone().count();
        Self {
            done_rx,
            remaining: count,
            task_ids,
            cancelled: Arc::clone(cancelled),
            answered: vec![false; count],
            cancelling: false,
        }
    }

    /// Cancels every task of this call that has not answered yet, running
    /// or not, as [`TaskHandle::cancel`] does (Python's
    /// `executor.shutdown(cancel_futures=True)`, which cannot stop the
    /// running ones). The iterator goes on, and yields each as
    /// [`TaskError::Cancelled`], or its result if that came first.
    pub fn cancel_pending(&mut self) {
        self.cancelling = true;
        let mut cancelled = lock(&self.cancelled);
        for (id, answered) in self.task_ids.clone().zip(&self.answered) {
            if !answered {
                cancelled.insert(id);
            }
        }
    }

    /// The ids of this call's tasks, in input order: the input's item `i`
    /// is task `task_ids().start + i`, even if other threads submit to the
    /// same pool meanwhile.
    pub fn task_ids(&self) -> Range<TaskId> {
        self.task_ids.clone()
    }
}

impl<O> Iterator for AsCompleted<O> {
    type Item = (TaskId, Result<O, TaskError>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let (id, result) = self.done_rx.recv().ok()?;
        if let Some(answered) = id
            .checked_sub(self.task_ids.start)
            .and_then(|index| self.answered.get_mut(index as usize))
        {
            *answered = true;
        }
        // The answer is in: its cancel, if any, is done with.
        if self.cancelling {
            lock(&self.cancelled).remove(&id);
        }
        Some((id, result))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining))
    }
}
