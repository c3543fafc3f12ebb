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

    /// Cancels the task if it has not started; then it fails with
    /// `Cancelled`. A running task is unaffected and its result still comes.
    pub fn cancel(&self) {
        lock(&self.cancelled).insert(self.id);
    }
}

/// Results in the order the tasks finish, each with its task id.
pub struct AsCompleted<O> {
    pub(super) done_rx: Receiver<(TaskId, TaskResult<O>)>,
    pub(super) remaining: usize,
    pub(super) task_ids: Range<TaskId>,
}

impl<O> AsCompleted<O> {
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
        self.done_rx.recv().ok()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining))
    }
}
