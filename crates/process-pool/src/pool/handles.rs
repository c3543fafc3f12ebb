//! What `submit` and `as_completed` give back: Python's `Future` and the
//! `as_completed` iterator, each usable from async code as well (a future
//! and a `Stream`), with no thread parked per task and no runtime needed
//! for the blocking calls.

use super::entry::{TaskResult, WakeOnResult};
use super::shared::lock;
use crate::error::{TaskError, TaskId};
use futures_core::Stream;
use std::collections::HashSet;
use std::future::{Future, IntoFuture};
use std::ops::Range;
use std::pin::Pin;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

/// A submitted task: Python's `Future`. Block on it with
/// [`result`](TaskHandle::result), or `.await` it from async code (Python's
/// `await asyncio.wrap_future(future)`): the result wakes the awaiting
/// task, and no thread waits for it.
pub struct TaskHandle<O> {
    pub(super) id: TaskId,
    pub(super) result_rx: oneshot::Receiver<TaskResult<O>>,
    pub(super) cancelled: Arc<Mutex<HashSet<TaskId>>>,
}

/// A [`TaskHandle`] being awaited: its result, or why it failed.
pub struct TaskFuture<O> {
    id: TaskId,
    result_rx: oneshot::AsyncReceiver<TaskResult<O>>,
    cancelled: Arc<Mutex<HashSet<TaskId>>>,
}

impl<O> IntoFuture for TaskHandle<O> {
    type Output = Result<O, TaskError>;
    type IntoFuture = TaskFuture<O>;

    fn into_future(self) -> TaskFuture<O> {
        TaskFuture {
            id: self.id,
            result_rx: self.result_rx.into_future(),
            cancelled: self.cancelled,
        }
    }
}

impl<O> TaskFuture<O> {
    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// Cancels the task, as [`TaskHandle::cancel`] does. Dropping the
    /// future does not: the task runs on, as a dropped handle's does.
    pub fn cancel(&self) {
        lock(&self.cancelled).insert(self.id);
    }
}

impl<O> Future for TaskFuture<O> {
    type Output = Result<O, TaskError>;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let task = self.id;
        Pin::new(&mut self.result_rx)
            .poll(context)
            .map(|received| received.unwrap_or(Err(TaskError::PoolClosed { task })))
    }
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
            Err(oneshot::RecvTimeoutError::Timeout) => Waited::Pending(self),
            Err(oneshot::RecvTimeoutError::Disconnected) => {
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

/// Results in the order the tasks finish, each with its task id: an
/// iterator that blocks, or a [`Stream`] that async code polls, which an
/// arriving result wakes. With both traits in scope, name the stream's
/// `next` by its trait: `StreamExt::next(&mut completed).await`.
pub struct AsCompleted<O> {
    pub(super) done_rx: Receiver<(TaskId, TaskResult<O>)>,
    pub(super) waker: Arc<WakeOnResult>,
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
        waker: Arc<WakeOnResult>,
        task_ids: Range<TaskId>,
        cancelled: &Arc<Mutex<HashSet<TaskId>>>,
    ) -> Self {
        let count = task_ids.clone().count();
        Self {
            done_rx,
            waker,
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

impl<O> AsCompleted<O> {
    /// Books an answer in: counted, marked, and its cancel forgotten.
    fn arrived(&mut self, id: TaskId) {
        self.remaining -= 1;
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
    }
}

impl<O> Iterator for AsCompleted<O> {
    type Item = (TaskId, Result<O, TaskError>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let Ok((id, result)) = self.done_rx.recv() else {
            self.remaining = 0;
            return None;
        };
        self.arrived(id);
        Some((id, result))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining))
    }
}

impl<O> Stream for AsCompleted<O> {
    type Item = (TaskId, Result<O, TaskError>);

    fn poll_next(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        // Register first, then look: a result that lands in between finds
        // the waker and wakes us, so none is missed.
        let mut registered = false;
        loop {
            match self.done_rx.try_recv() {
                Ok((id, result)) => {
                    self.arrived(id);
                    return Poll::Ready(Some((id, result)));
                }
                Err(TryRecvError::Disconnected) => {
                    self.remaining = 0;
                    return Poll::Ready(None);
                }
                Err(TryRecvError::Empty) if registered => return Poll::Pending,
                Err(TryRecvError::Empty) => {
                    self.waker.register(context.waker());
                    registered = true;
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining))
    }
}
