//! Python's `concurrent.futures.ThreadPoolExecutor`, as a thin layer over a
//! rayon thread pool: a one-shot channel carries each `submit`'s result, and
//! a std channel carries `as_completed`'s.
//!
//! | Python | here |
//! |---|---|
//! | `ThreadPoolExecutor(max_workers=3)` | `Executor::new(3)` |
//! | `executor.map(f, items)` | `executor.map(items, f)`: results in input order |
//! | `future = executor.submit(f)` | `let task = executor.submit(f)` |
//! | `future.result()` / `future.result(timeout)` | `task.result()` / `task.result_timeout(d)` |
//! | `as_completed(futures)` | `executor.as_completed(tasks)`: `(task id, result)` pairs |
//! | leaving the `with` block | dropping the executor (or `shutdown()`) waits for every task |
//!
//! rayon owns the threads and the work queues; this module adds only what a
//! future needs: a one-shot channel to carry each task's result back, and
//! `catch_unwind`, so a panicking task becomes an error in its own result
//! instead of taking down the pool. (rayon's `spawn` aborts the process on an
//! uncaught panic, and its parallel iterators re-raise a panic in the caller.)

use rayon::prelude::*;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

/// Identifies one submitted task, in submission order from 0.
pub type TaskId = u64;

/// Why a task gave no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskError {
    /// The task panicked; the worker thread caught it and lives on.
    #[error("task {task} panicked: {message}")]
    Panicked {
        /// The task.
        task: TaskId,
        /// The panic's message.
        message: String,
    },
    /// `result_timeout` gave up; the task still runs.
    #[error("task {task} did not finish within the timeout")]
    TimedOut {
        /// The task.
        task: TaskId,
    },
    /// The result was already taken, or its sender is gone.
    #[error("task {task}'s result was already taken or can no longer arrive")]
    Lost {
        /// The task.
        task: TaskId,
    },
}

/// Why an executor could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ExecutorError {
    /// `Executor::new(0)`.
    #[error("max_workers must be at least 1")]
    NoWorkers,
    /// rayon could not start the threads.
    #[error("could not start the pool's threads")]
    Build(#[from] rayon::ThreadPoolBuildError),
}

/// Counts the tasks that have been submitted and not yet finished, so that
/// shutting down can wait for them. The count is an atomic, because it
/// changes twice per task on different threads; the mutex and condvar are
/// touched only when it reaches zero and someone may be waiting.
#[derive(Default)]
struct InFlight {
    count: AtomicU64,
    lock: Mutex<()>,
    all_done: Condvar,
}

impl InFlight {
    fn start(&self) {
        self.count.fetch_add(1, Ordering::AcqRel);
    }

    fn finish(&self) {
        if self.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            // Taking the lock before notifying closes the gap in which a
            // waiter has seen a non-zero count but not yet started waiting.
            // (The lock guards no data, so poisoning cannot matter.)
            let _guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
            self.all_done.notify_all();
        }
    }

    fn wait_for_none(&self) {
        let mut guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        while self.count.load(Ordering::Acquire) > 0 {
            guard = self
                .all_done
                .wait(guard)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// A pool of `max_workers` threads that runs submitted closures.
pub struct Executor {
    pool: rayon::ThreadPool,
    next_task: AtomicU64,
    // `Arc` because every running task must be able to report that it
    // finished, and tasks are `'static`: they cannot borrow the executor.
    in_flight: Arc<InFlight>,
}

impl Executor {
    /// A pool of `max_workers` threads, named `pool-worker-N`.
    pub fn new(max_workers: usize) -> Result<Self, ExecutorError> {
        if max_workers == 0 {
            return Err(ExecutorError::NoWorkers);
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(max_workers)
            .thread_name(|index| format!("pool-worker-{index}"))
            .build()?;
        Ok(Executor {
            pool,
            next_task: AtomicU64::new(0),
            in_flight: Arc::default(),
        })
    }

    /// How many threads the pool has.
    pub fn max_workers(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Applies `function` to every item on the pool's threads and returns the
    /// results in input order, like Python's `executor.map`. A panic in
    /// `function` is re-raised here, in the caller, as rayon does.
    pub fn map<I, F, T>(&self, items: I, function: F) -> Vec<T>
    where
        I: IntoParallelIterator + Send,
        I::Iter: IndexedParallelIterator,
        F: Fn(I::Item) -> T + Sync + Send,
        T: Send,
    {
        self.pool
            .install(|| items.into_par_iter().map(function).collect())
    }

    /// Runs `task` on the pool and returns a handle to its result at once.
    pub fn submit<F, T>(&self, task: F) -> TaskHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // A one-shot channel: the task sends once and never blocks, whether
        // or not anyone is still waiting. It is much cheaper than a general
        // channel, which matters when the tasks themselves are tiny.
        let (result_tx, result_rx) = oneshot::channel();
        let id = self.spawn(task, move |_, result| {
            // The handle may have been dropped; then nobody wants the result.
            let _ = result_tx.send(result);
        });
        TaskHandle { id, result_rx }
    }

    /// Submits every task and yields `(task id, result)` as each finishes,
    /// fastest first, like Python's `as_completed`. Ids follow the order of
    /// `tasks`, from the executor's next id.
    pub fn as_completed<F, T>(&self, tasks: impl IntoIterator<Item = F>) -> AsCompleted<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (done_tx, done_rx) = mpsc::channel();
        let mut remaining = 0;
        for task in tasks {
            let done_tx = done_tx.clone();
            self.spawn(task, move |id, result| {
                let _ = done_tx.send((id, result));
            });
            remaining += 1;
        }
        AsCompleted { done_rx, remaining }
    }

    /// Waits for every submitted task to finish, then stops the threads:
    /// Python's `executor.shutdown(wait=True)`. Dropping does the same.
    pub fn shutdown(self) {
        drop(self);
    }

    /// Runs `task` on the pool, catching a panic, and hands its outcome to
    /// `deliver`. Returns the task's id.
    fn spawn<F, T>(
        &self,
        task: F,
        deliver: impl FnOnce(TaskId, Result<T, TaskError>) + Send + 'static,
    ) -> TaskId
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let id = self.next_task.fetch_add(1, Ordering::Relaxed);
        let in_flight = Arc::clone(&self.in_flight);
        in_flight.start();
        self.pool.spawn(move || {
            // AssertUnwindSafe: after a panic the task's captured state is
            // dropped, never looked at again, so it cannot be seen broken.
            let result =
                catch_unwind(AssertUnwindSafe(task)).map_err(|payload| TaskError::Panicked {
                    task: id,
                    message: panic_message(payload.as_ref()),
                });
            deliver(id, result);
            in_flight.finish();
        });
        id
    }
}

impl Drop for Executor {
    /// Waits for every submitted task, as leaving Python's `with
    /// ThreadPoolExecutor()` block does. Dropping a bare rayon pool would only
    /// tell its threads to stop once idle, and return at once.
    fn drop(&mut self) {
        self.in_flight.wait_for_none();
    }
}

/// The future of one submitted task.
pub struct TaskHandle<T> {
    id: TaskId,
    result_rx: oneshot::Receiver<Result<T, TaskError>>,
}

impl<T> TaskHandle<T> {
    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// Blocks until the task finishes; its value, or its panic as an error.
    pub fn result(self) -> Result<T, TaskError> {
        self.result_rx
            .recv()
            .unwrap_or(Err(TaskError::Lost { task: self.id }))
    }

    /// Like [`result`](Self::result), but gives up after `timeout`. The task
    /// keeps running; a later call can still collect its value.
    pub fn result_timeout(&self, timeout: Duration) -> Result<T, TaskError> {
        match self.result_rx.recv_timeout(timeout) {
            Ok(result) => result,
            Err(oneshot::RecvTimeoutError::Timeout) => Err(TaskError::TimedOut { task: self.id }),
            Err(oneshot::RecvTimeoutError::Disconnected) => Err(TaskError::Lost { task: self.id }),
        }
    }
}

/// The results of a batch of tasks, in the order they finish.
pub struct AsCompleted<T> {
    done_rx: mpsc::Receiver<(TaskId, Result<T, TaskError>)>,
    remaining: usize,
}

impl<T> Iterator for AsCompleted<T> {
    type Item = (TaskId, Result<T, TaskError>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        // Every task sends exactly once (a panic is caught and sent too), so
        // the channel cannot run dry before `remaining` reaches zero.
        self.done_rx.recv().ok()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

/// The text of a panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a non-text payload".to_string()
    }
}
