//! A process pool that survives its workers: Python's `ProcessPoolExecutor`
//! and `multiprocessing.Pool`, over ipc-channel, for any [`Job`] type.
//!
//! Each worker slot has a supervisor thread in the parent. It takes entries
//! from the shared queue, keeps a window of them in flight to its worker,
//! and reads the answers. The window adapts: two messages for slow tasks,
//! up to a thousand tiny ones, sized from how long the worker has been
//! taking. What is waiting goes in one write, so a deep queue of tiny
//! tasks costs a write per few hundred tasks, while a lone task goes at
//! once; the worker answers a write in one write too, or each task as it
//! ends when tasks take longer than half a millisecond.
//!
//! Before each task the worker writes the task's id to a page of memory it
//! shares with the pool (see `progress`). So when a worker dies, exactly
//! the message it was running fails (`WorkerCrashed`, with the pid and the
//! signal), and everything else it held goes to another worker: those it
//! had not started, and those it had finished but not yet answered, which
//! run again and still answer once. A new worker takes the slot. Python's
//! pool instead breaks as a whole (`BrokenProcessPool`) and fails every
//! pending task.

mod entry;
mod handles;
mod map;
mod shared;
mod supervisor;
mod worker_handle;

pub use handles::{AsCompleted, TaskFuture, TaskHandle, Waited};
pub use worker_handle::describe;

use crate::error::{PoolError, TaskId};
use crate::job::Job;
use crate::protocol::Work;
use crossbeam_channel as queue;
use entry::{Entry, Reply, WakeOnResult};
use shared::{Config, Shared, lock};
use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};
use supervisor::supervise;
use worker_handle::Worker;

/// Counts for [`Pool::stats`]. Every item of a `map` counts as a task.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Worker slots.
    pub workers: usize,
    /// Slots waiting on a running task right now.
    pub busy: usize,
    /// Tasks submitted but not yet taken by a supervisor.
    pub queued: u64,
    /// Tasks the workers answered: a value, a panic, or an answer that
    /// could not be read back.
    pub completed: u64,
    /// Workers that died on their own (not the ones killed for a timeout).
    pub crashed: u64,
    /// Replacement workers started.
    pub restarted: u64,
    /// Workers retired for growing past `max_worker_memory`.
    pub recycled: u64,
}

/// [`Builder::max_consecutive_crashes`]'s default.
const DEFAULT_MAX_CONSECUTIVE_CRASHES: u32 = 10;

/// How to build a pool: `Pool::builder().workers(2).task_timeout(d).build()`.
pub struct Builder<J: Job> {
    config: Config,
    initializer: Option<J>,
    queue_capacity: usize,
}

impl<J: Job> Builder<J> {
    /// How many worker processes (default: one per core).
    pub fn workers(mut self, workers: usize) -> Self {
        self.config.workers = workers;
        self
    }

    /// A job each new worker runs once before any other (Python's
    /// `initializer`), such as loading a model or opening a database; it
    /// can keep what it made in a `static`. Its output is dropped; if it
    /// panics, the worker cannot start ([`PoolError::InitializerFailed`]).
    pub fn initializer(mut self, job: J) -> Self {
        self.initializer = Some(job);
        self
    }

    /// Replace a worker after it has answered this many messages (Python's
    /// `max_tasks_per_child`), to bound what a slow leak can cost. A `map`
    /// chunk is one message.
    pub fn max_tasks_per_worker(mut self, tasks: u64) -> Self {
        self.config.max_tasks_per_worker = Some(tasks.max(1));
        self
    }

    /// Replace a worker whose resident memory, read after each of its
    /// answers, is over this many bytes: it is sent nothing more, and once
    /// the messages it holds are answered it exits and a fresh worker
    /// takes its slot. The answer that found it over still counts, so a
    /// leak costs no task. loky keeps such a guard at a fixed 300 MB over a
    /// worker's size at start (`_MAX_MEMORY_LEAK_SIZE`);
    /// `max_tasks_per_worker` bounds a leak only by count. Read from
    /// `/proc` on Linux; elsewhere it is not checked.
    pub fn max_worker_memory(mut self, bytes: u64) -> Self {
        self.config.max_worker_memory = Some(bytes);
        self
    }

    /// A message running longer than this fails with `TimedOut`, and its
    /// worker is killed and replaced. For `map`, the limit covers a chunk.
    pub fn task_timeout(mut self, timeout: Duration) -> Self {
        self.config.task_timeout = Some(timeout);
        self
    }

    /// Stop the pool once this many workers in a row (default 10) have
    /// died before finishing a single task, or could not start at all: a
    /// job type that kills every worker at its first task, or a worker
    /// binary that cannot start, would otherwise respawn for ever. Every
    /// pending task, and every task submitted after, then fails with
    /// [`TaskError::PoolBroken`](crate::error::TaskError::PoolBroken), whose cause names the last worker's exit
    /// status or signal and the end of its stderr; [`Pool::broken`] says
    /// the same. A worker that finishes a task resets the count, so a
    /// task that kills its worker now and then never stops the pool.
    /// Python's executor breaks at the first dead worker
    /// (`BrokenProcessPool`).
    pub fn max_consecutive_crashes(mut self, workers: u32) -> Self {
        self.config.max_consecutive_crashes = workers.max(1);
        self
    }

    /// How many submitted messages may wait; `submit` blocks beyond that.
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.queue_capacity = capacity.max(1);
        self
    }

    /// The worker binary (default: this very program, re-executed). It must
    /// call [`run_if_worker::<J>`](crate::worker::run_if_worker) first
    /// thing in `main`.
    pub fn exe(mut self, exe: impl Into<PathBuf>) -> Self {
        self.config.exe = exe.into();
        self
    }

    /// Starts every worker, and fails if any cannot start and connect.
    pub fn build(self) -> Result<Pool<J>, PoolError> {
        let workers = self.config.workers;
        if workers == 0 {
            return Err(PoolError::NoWorkers);
        }
        let (jobs_tx, jobs_rx) = queue::bounded(self.queue_capacity);
        let shared = Arc::new(Shared {
            jobs_rx,
            requeued: Mutex::new(VecDeque::new()),
            cancelled: Arc::new(Mutex::new(HashSet::new())),
            closing: AtomicBool::new(false),
            aborting: AtomicBool::new(false),
            worker_pids: Mutex::new(vec![0; workers]),
            config: self.config,
            initializer: self.initializer,
            submitted: AtomicU64::new(0),
            taken: AtomicU64::new(0),
            completed: AtomicU64::new(0),
            crashed: AtomicU64::new(0),
            restarted: AtomicU64::new(0),
            recycled: AtomicU64::new(0),
            busy: AtomicUsize::new(0),
            crashes_in_a_row: AtomicU32::new(0),
            broken: Mutex::new(None),
        });
        // Each supervisor starts its own worker, so that the worker's
        // PR_SET_PDEATHSIG is tied to a thread that lives as long as the
        // pool. `build` waits for all of them, and fails if any worker
        // cannot start and connect.
        let (started_tx, started_rx) = mpsc::channel::<Result<(), PoolError>>();
        let supervisors: Vec<JoinHandle<()>> = (0..workers)
            .map(|slot| {
                let (shared, started_tx) = (Arc::clone(&shared), started_tx.clone());
                thread::spawn(move || match Worker::start(&shared) {
                    Ok(worker) => {
                        lock(&shared.worker_pids)[slot] = worker.pid;
                        let _ = started_tx.send(Ok(()));
                        supervise(slot, worker, &shared);
                    }
                    Err(error) => drop(started_tx.send(Err(error))),
                })
            })
            .collect();
        drop(started_tx);
        let mut failure = None;
        // One message per supervisor; a supervisor that died without one
        // (it cannot, short of a panic) ends the iteration early instead.
        for started in started_rx.iter().take(workers) {
            if let Err(error) = started {
                failure.get_or_insert(error);
            }
        }
        let mut pool = Pool {
            jobs_tx: Some(jobs_tx),
            shared,
            supervisors,
            next_task: AtomicU64::new(0),
        };
        if let Some(error) = failure {
            // Dropping the pool stops and reaps the workers that did start.
            pool.jobs_tx = None;
            return Err(error);
        }
        Ok(pool)
    }
}

/// A pool of worker processes running jobs of type `J`. Dropping it kills
/// and reaps every worker; [`shutdown`](Pool::shutdown) is the graceful way
/// out.
///
/// The worker binary (by default, this one) must call
/// [`run_if_worker::<J>`](crate::worker::run_if_worker) first thing in
/// `main`. This example starts real workers; it is a standalone doctest so
/// that they re-execute its own `main`:
///
/// ```standalone_crate
/// use process_pool::{Job, Pool, TaskError};
/// use serde::{Deserialize, Serialize};
///
/// /// Python's `def check(n): assert n != 3; return n * 10`.
/// #[derive(Clone, Serialize, Deserialize)]
/// struct Check(u32);
///
/// impl Job for Check {
///     type Output = u32;
///     fn run(self) -> u32 {
///         assert_ne!(self.0, 3, "three is not allowed");
///         self.0 * 10
///     }
/// }
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     process_pool::worker::run_if_worker::<Check>();
///
///     let pool = Pool::builder().workers(2).build()?;
///     // `executor.submit(check, 4).result()`
///     assert_eq!(pool.submit(Check(4)).result()?, 40);
///     // `as_completed(...)`: results as they finish, each with its task id;
///     // the panic fails its own task and nothing else.
///     let finishing = pool.as_completed((1..=5).map(Check));
///     let first = finishing.task_ids().start;
///     for (task, result) in finishing {
///         let n = task - first + 1;
///         match result {
///             Ok(value) => assert_eq!(u64::from(value), n * 10),
///             Err(TaskError::Panicked { message, .. }) => {
///                 assert_eq!(n, 3);
///                 assert!(message.contains("three is not allowed"));
///             }
///             Err(other) => return Err(other.into()),
///         }
///     }
///     pool.shutdown(std::time::Duration::from_secs(10));
///     Ok(())
/// }
/// ```
pub struct Pool<J: Job> {
    jobs_tx: Option<queue::Sender<Entry<J>>>,
    shared: Arc<Shared<J>>,
    supervisors: Vec<JoinHandle<()>>,
    next_task: AtomicU64,
}

impl<J: Job> Pool<J> {
    /// A builder with the defaults: one worker per core, this binary as
    /// the worker, no timeout, a queue of 1024 messages.
    pub fn builder() -> Builder<J> {
        let workers = thread::available_parallelism()
            .map(|cores| cores.get())
            .unwrap_or(1);
        Builder {
            config: Config {
                workers,
                exe: crate::sys::self_exe(),
                max_tasks_per_worker: None,
                max_worker_memory: None,
                task_timeout: None,
                max_consecutive_crashes: DEFAULT_MAX_CONSECUTIVE_CRASHES,
            },
            initializer: None,
            queue_capacity: 1024,
        }
    }

    /// How many worker slots the pool has.
    pub fn workers(&self) -> usize {
        self.shared.config.workers
    }

    /// The worker pids, slot by slot (a replaced worker's slot changes pid).
    pub fn worker_pids(&self) -> Vec<u32> {
        lock(&self.shared.worker_pids).clone()
    }

    /// Queues a job (Python's `executor.submit`); blocks while the queue is
    /// full (back-pressure).
    pub fn submit(&self, job: J) -> TaskHandle<J::Output> {
        let (result_tx, result_rx) = oneshot::channel();
        let id = self.reserve(1).start;
        self.enqueue(id, Work::One(job), Reply::One(result_tx));
        TaskHandle {
            id,
            result_rx,
            cancelled: Arc::clone(&self.shared.cancelled),
        }
    }

    /// Submits every job, one message each, and yields `(task id, result)`
    /// as each finishes: Python's `as_completed(executor.submit(f, x) for x
    /// in items)`. [`AsCompleted::task_ids`] maps the ids back to the input.
    pub fn as_completed(&self, jobs: impl IntoIterator<Item = J>) -> AsCompleted<J::Output> {
        let jobs: Vec<J> = jobs.into_iter().collect();
        let (done_tx, done_rx) = mpsc::channel();
        let waker = Arc::new(WakeOnResult::default());
        let task_ids = self.reserve(jobs.len());
        for (id, job) in task_ids.clone().zip(jobs) {
            let reply = Reply::EachTask(done_tx.clone(), Arc::clone(&waker));
            self.enqueue(id, Work::One(job), reply);
        }
        AsCompleted::new(done_rx, waker, task_ids, &self.shared.cancelled)
    }

    /// Why the pool stopped itself, if it has: too many workers in a row
    /// died before finishing a task (see
    /// [`Builder::max_consecutive_crashes`]). A broken pool fails every
    /// task with [`TaskError::PoolBroken`](crate::error::TaskError::PoolBroken);
    /// build a new one.
    pub fn broken(&self) -> Option<String> {
        lock(&self.shared.broken).clone()
    }

    /// The pool's counters, now.
    pub fn stats(&self) -> Stats {
        let shared = &self.shared;
        let submitted = shared.submitted.load(Ordering::SeqCst);
        Stats {
            workers: shared.config.workers,
            busy: shared.busy.load(Ordering::SeqCst),
            queued: submitted.saturating_sub(shared.taken.load(Ordering::SeqCst)),
            completed: shared.completed.load(Ordering::SeqCst),
            crashed: shared.crashed.load(Ordering::SeqCst),
            restarted: shared.restarted.load(Ordering::SeqCst),
            recycled: shared.recycled.load(Ordering::SeqCst),
        }
    }

    /// Finishes every queued task, then stops the workers (closing their
    /// channels, then SIGTERM, then SIGKILL). If `deadline` passes first, the
    /// remaining tasks fail with `PoolClosed` and the workers are killed.
    pub fn shutdown(mut self, deadline: Duration) {
        self.shared.closing.store(true, Ordering::SeqCst);
        self.jobs_tx = None;
        let until = Instant::now() + deadline;
        while self
            .supervisors
            .iter()
            .any(|supervisor| !supervisor.is_finished())
            && Instant::now() < until
        {
            thread::sleep(Duration::from_millis(5));
        }
        // Drop does the rest: abort whatever still runs, join, reap.
    }

    /// Takes the next `tasks` task ids, all at once, so that they are
    /// consecutive whatever other threads submit meanwhile.
    pub(crate) fn reserve(&self, tasks: usize) -> std::ops::Range<TaskId> {
        let tasks = tasks as u64;
        let first = self.next_task.fetch_add(tasks, Ordering::SeqCst);
        first..first + tasks
    }

    /// Queues one message; its tasks have the ids from `id` on, reserved.
    pub(crate) fn enqueue(&self, id: TaskId, work: Work<J>, reply: Reply<J::Output>) {
        self.shared
            .submitted
            .fetch_add(work.len() as u64, Ordering::SeqCst);
        let entry = Entry::new(id, work, reply);
        let Some(jobs_tx) = self.jobs_tx.as_ref().filter(|_| self.broken().is_none()) else {
            entry.fail(self.shared.stopped(id));
            return;
        };
        if let Err(queue::SendError(entry)) = jobs_tx.send(entry) {
            entry.fail(self.shared.stopped(id));
        }
        // Broken meanwhile: its supervisors may have drained the queue
        // before this entry was in it, so fail what is left here.
        if self.broken().is_some() {
            while let Ok(entry) = self.shared.jobs_rx.try_recv() {
                let task = entry.id;
                entry.fail(self.shared.stopped(task));
            }
        }
    }
}

impl<J: Job> Drop for Pool<J> {
    fn drop(&mut self) {
        self.shared.aborting.store(true, Ordering::SeqCst);
        self.jobs_tx = None;
        for supervisor in self.supervisors.drain(..) {
            // A supervisor never panics on purpose; if one did, its worker is
            // still reaped by `Worker`'s own drop during the unwinding.
            let _ = supervisor.join();
        }
    }
}
