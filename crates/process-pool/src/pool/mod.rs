//! A process pool that survives its workers: Python's `ProcessPoolExecutor`
//! and `multiprocessing.Pool`, over ipc-channel.
//!
//! Each worker slot has a supervisor thread in the parent. It takes jobs
//! from the shared queue, keeps a small window of them in flight to its
//! worker, and reads the results. Because a worker runs its tasks in order,
//! the oldest unanswered task is the one running. So when a worker dies,
//! exactly that task fails (`WorkerCrashed`, with the pid and the signal),
//! the rest of the window goes back to the queue, and a new worker takes the
//! slot. Python's pool instead breaks as a whole (`BrokenProcessPool`) and
//! fails every pending task.

mod supervisor;
mod worker_handle;

pub use worker_handle::describe;

use crate::protocol::{Output, Task, TaskError, TaskId};
use crossbeam_channel as queue;
use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};
use supervisor::supervise;
use worker_handle::Worker;

/// How many tasks a supervisor keeps in flight to its worker: enough to
/// hide the round trip, few enough that a crash requeues little.
pub(crate) const WINDOW: usize = 16;
/// How often a waiting supervisor looks at the pool's flags.
pub(crate) const POLL: Duration = Duration::from_millis(50);
/// How long a new worker may take to connect.
pub(crate) const CONNECT_LIMIT: Duration = Duration::from_secs(10);
/// How long a retired worker may take to exit before SIGTERM, then SIGKILL.
pub(crate) const EXIT_GRACE: Duration = Duration::from_secs(2);

/// Why the pool could not start or keep a worker.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error("the pool needs at least one worker")]
    NoWorkers,
    #[error("could not start a worker: {0}")]
    Spawn(#[source] std::io::Error),
    #[error("worker pid {pid} exited before connecting: {how}")]
    ExitedBeforeConnecting { pid: u32, how: String },
    #[error("worker pid {pid} did not connect within {CONNECT_LIMIT:?}")]
    ConnectTimeout { pid: u32 },
    #[error("ipc: {0}")]
    Ipc(String),
}

/// Counts for `Pool::stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub workers: usize,
    pub busy: usize,
    pub queued: u64,
    pub completed: u64,
    pub crashed: u64,
    pub restarted: u64,
}

/// Where a job's result goes.
pub(crate) enum Reply {
    One(SyncSender<Result<Output, TaskError>>),
    Many(mpsc::Sender<(TaskId, Result<Output, TaskError>)>),
}

pub(crate) struct Job {
    pub(crate) id: TaskId,
    pub(crate) work: Task,
    reply: Reply,
}

impl Job {
    pub(crate) fn finish(self, result: Result<Output, TaskError>) {
        // The receiver may be gone (a dropped handle); then nobody wants it.
        match self.reply {
            Reply::One(result_tx) => drop(result_tx.send(result)),
            Reply::Many(done_tx) => drop(done_tx.send((self.id, result))),
        }
    }
}

/// Everything the supervisors share.
pub(crate) struct Shared {
    pub(crate) jobs_rx: queue::Receiver<Job>,
    /// Jobs handed back by a dead worker; taken before new ones.
    pub(crate) requeued: Mutex<VecDeque<Job>>,
    pub(crate) cancelled: Mutex<HashSet<TaskId>>,
    /// Set by shutdown: finish the queue, then stop.
    pub(crate) closing: AtomicBool,
    /// Set by drop or a passed shutdown deadline: stop now.
    pub(crate) aborting: AtomicBool,
    pub(crate) worker_pids: Mutex<Vec<u32>>,
    pub(crate) config: Config,
    pub(crate) submitted: AtomicU64,
    pub(crate) taken: AtomicU64,
    pub(crate) completed: AtomicU64,
    pub(crate) crashed: AtomicU64,
    pub(crate) restarted: AtomicU64,
    pub(crate) busy: AtomicUsize,
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every critical section here is a push, a pop or an insert, which a
    // panic cannot leave half-done, so a poisoned lock still holds good data.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) workers: usize,
    pub(crate) exe: PathBuf,
    pub(crate) initializer: Option<Task>,
    pub(crate) max_tasks_per_worker: Option<u64>,
    pub(crate) task_timeout: Option<Duration>,
}

/// How to build a pool: `Pool::builder().workers(2).task_timeout(d).build()`.
pub struct Builder {
    config: Config,
    queue_capacity: usize,
}

impl Builder {
    /// How many worker processes (default: one per core).
    pub fn workers(mut self, workers: usize) -> Self {
        self.config.workers = workers;
        self
    }

    /// A task each new worker runs once before any other (Python's
    /// `initializer`), such as loading a model or opening a database.
    pub fn initializer(mut self, task: Task) -> Self {
        self.config.initializer = Some(task);
        self
    }

    /// Replace a worker after it has run this many tasks (Python's
    /// `max_tasks_per_child`), to bound what a slow leak can cost.
    pub fn max_tasks_per_worker(mut self, tasks: u64) -> Self {
        self.config.max_tasks_per_worker = Some(tasks.max(1));
        self
    }

    /// A task running longer than this fails with `TimedOut`, and its worker
    /// is killed and replaced.
    pub fn task_timeout(mut self, timeout: Duration) -> Self {
        self.config.task_timeout = Some(timeout);
        self
    }

    /// How many submitted tasks may wait; `submit` blocks beyond that.
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.queue_capacity = capacity.max(1);
        self
    }

    /// The worker binary (default: this one, `/proc/self/exe`).
    pub fn exe(mut self, exe: impl Into<PathBuf>) -> Self {
        self.config.exe = exe.into();
        self
    }

    /// Starts every worker, and fails if any cannot start and connect.
    pub fn build(self) -> Result<Pool, PoolError> {
        if self.config.workers == 0 {
            return Err(PoolError::NoWorkers);
        }
        let (jobs_tx, jobs_rx) = queue::bounded(self.queue_capacity);
        let shared = Arc::new(Shared {
            jobs_rx,
            requeued: Mutex::new(VecDeque::new()),
            cancelled: Mutex::new(HashSet::new()),
            closing: AtomicBool::new(false),
            aborting: AtomicBool::new(false),
            worker_pids: Mutex::new(vec![0; self.config.workers]),
            config: self.config.clone(),
            submitted: AtomicU64::new(0),
            taken: AtomicU64::new(0),
            completed: AtomicU64::new(0),
            crashed: AtomicU64::new(0),
            restarted: AtomicU64::new(0),
            busy: AtomicUsize::new(0),
        });
        // Each supervisor starts its own worker, so that the worker's
        // PR_SET_PDEATHSIG is tied to a thread that lives as long as the
        // pool. `build` waits for all of them, and fails if any worker
        // cannot start and connect.
        let (started_tx, started_rx) = mpsc::channel::<Result<(), PoolError>>();
        let supervisors: Vec<JoinHandle<()>> = (0..self.config.workers)
            .map(|slot| {
                let (shared, started_tx) = (Arc::clone(&shared), started_tx.clone());
                thread::spawn(move || match Worker::start(&shared.config) {
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
        for started in started_rx.iter().take(self.config.workers) {
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

/// The pool. Dropping it kills and reaps every worker; `shutdown` is the
/// graceful way out.
pub struct Pool {
    jobs_tx: Option<queue::Sender<Job>>,
    shared: Arc<Shared>,
    supervisors: Vec<JoinHandle<()>>,
    next_task: AtomicU64,
}

/// A submitted task: Python's `Future`.
pub struct TaskHandle {
    id: TaskId,
    result_rx: Receiver<Result<Output, TaskError>>,
    shared: Arc<Shared>,
}

impl TaskHandle {
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// Blocks until the task ends: its value or why it failed.
    pub fn result(self) -> Result<Output, TaskError> {
        self.result_rx
            .recv()
            .unwrap_or(Err(TaskError::PoolClosed { task: self.id }))
    }

    /// Cancels the task if it has not started; a running task is unaffected
    /// and its result still arrives.
    pub fn cancel(&self) {
        lock(&self.shared.cancelled).insert(self.id);
    }
}

/// Results in the order tasks finish, tagged with their task ids.
pub struct AsCompleted {
    done_rx: Receiver<(TaskId, Result<Output, TaskError>)>,
    remaining: usize,
}

impl Iterator for AsCompleted {
    type Item = (TaskId, Result<Output, TaskError>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        self.done_rx.recv().ok()
    }
}

impl Pool {
    pub fn builder() -> Builder {
        let workers = thread::available_parallelism()
            .map(|cores| cores.get())
            .unwrap_or(1);
        Builder {
            config: Config {
                workers,
                exe: PathBuf::from("/proc/self/exe"),
                initializer: None,
                max_tasks_per_worker: None,
                task_timeout: None,
            },
            queue_capacity: 1024,
        }
    }

    pub fn workers(&self) -> usize {
        self.shared.config.workers
    }

    /// The worker pids, slot by slot (a replaced worker's slot changes pid).
    pub fn worker_pids(&self) -> Vec<u32> {
        lock(&self.shared.worker_pids).clone()
    }

    /// Queues a task; blocks while the queue is full (back-pressure).
    pub fn submit(&self, work: Task) -> TaskHandle {
        let (result_tx, result_rx) = mpsc::sync_channel(1);
        let id = self.enqueue(work, Reply::One(result_tx));
        TaskHandle {
            id,
            result_rx,
            shared: Arc::clone(&self.shared),
        }
    }

    /// Submits every task and yields `(task id, result)` as each finishes.
    pub fn as_completed(&self, works: impl IntoIterator<Item = Task>) -> AsCompleted {
        let (done_tx, done_rx) = mpsc::channel();
        let mut remaining = 0;
        for work in works {
            self.enqueue(work, Reply::Many(done_tx.clone()));
            remaining += 1;
        }
        AsCompleted { done_rx, remaining }
    }

    /// Runs every task and returns the results in input order: Python's
    /// `executor.map(f, items)` for any kind of work. Tasks are read lazily
    /// and sent in batches of `chunk_size` (default 1, as Python's
    /// executor), with at most 2 x workers batches in flight. A part that
    /// panics fails alone; a batch whose worker died fails all its parts.
    pub fn map_tasks(
        &self,
        tasks: impl IntoIterator<Item = Task>,
        chunk_size: Option<usize>,
    ) -> Vec<Result<Output, TaskError>> {
        let mut tasks = tasks.into_iter();
        let chunk = chunk_size.unwrap_or(1).max(1);
        let max_in_flight = 2 * self.workers();
        let mut in_flight: VecDeque<(usize, TaskHandle)> = VecDeque::new();
        let mut results = Vec::new();
        loop {
            while in_flight.len() < max_in_flight {
                let parts: Vec<Task> = tasks.by_ref().take(chunk).collect();
                if parts.is_empty() {
                    break;
                }
                in_flight.push_back((parts.len(), self.submit(Task::Batch(parts))));
            }
            let Some((len, handle)) = in_flight.pop_front() else {
                break;
            };
            let batch = handle.id();
            match handle.result() {
                Ok(Output::Batch(parts)) if parts.len() == len => {
                    results.extend(parts.into_iter().map(|part| {
                        part.map_err(|message| TaskError::Panicked {
                            task: batch,
                            pid: 0,
                            message,
                        })
                    }))
                }
                Ok(other) => {
                    let reason = format!("a batch of {len} gave {other}");
                    results.extend((0..len).map(|_| {
                        Err(TaskError::BadResult {
                            task: batch,
                            pid: 0,
                            reason: reason.clone(),
                        })
                    }));
                }
                Err(error) => results.extend((0..len).map(|_| Err(error.clone()))),
            }
        }
        results
    }

    /// Squares every input, yielding `(task id, result)` as each finishes:
    /// Python's `pool.imap_unordered(square, inputs)`. Task ids count up
    /// from the pool's next id in input order, so a caller can map them back.
    pub fn map_unordered(&self, inputs: impl IntoIterator<Item = u64>) -> AsCompleted {
        self.as_completed(inputs.into_iter().map(Task::Square))
    }

    /// Squares every input on the workers and returns the results in input
    /// order: Python's `pool.map(square, inputs)`. The input is read lazily
    /// in chunks (about len / (4 x workers) when the length is known, or
    /// `chunk_size`), with at most 2 x workers chunks in flight. A chunk
    /// whose worker died gives its error for each of its items.
    pub fn map(
        &self,
        inputs: impl IntoIterator<Item = u64>,
        chunk_size: Option<usize>,
    ) -> Vec<Result<u64, TaskError>> {
        let mut inputs = inputs.into_iter();
        let chunk = chunk_size.unwrap_or_else(|| match inputs.size_hint() {
            (low, Some(high)) if low == high => (high / (4 * self.workers())).max(1),
            _ => 1024,
        });
        let max_in_flight = 2 * self.workers();
        let mut in_flight: VecDeque<(usize, TaskHandle)> = VecDeque::new();
        let mut results = Vec::new();
        loop {
            while in_flight.len() < max_in_flight {
                let items: Vec<u64> = inputs.by_ref().take(chunk).collect();
                if items.is_empty() {
                    break;
                }
                in_flight.push_back((items.len(), self.submit(Task::SquareChunk(items))));
            }
            let Some((len, handle)) = in_flight.pop_front() else {
                break;
            };
            let task = handle.id();
            match handle.result() {
                Ok(Output::Numbers(squares)) if squares.len() == len => {
                    results.extend(squares.into_iter().map(Ok))
                }
                Ok(other) => {
                    let reason = format!("a chunk of {len} gave {other}");
                    results.extend((0..len).map(|_| {
                        Err(TaskError::BadResult {
                            task,
                            pid: 0,
                            reason: reason.clone(),
                        })
                    }));
                }
                Err(error) => results.extend((0..len).map(|_| Err(error.clone()))),
            }
        }
        results
    }

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

    fn enqueue(&self, work: Task, reply: Reply) -> TaskId {
        let id = self.next_task.fetch_add(1, Ordering::SeqCst);
        self.shared.submitted.fetch_add(1, Ordering::SeqCst);
        let job = Job { id, work, reply };
        let Some(jobs_tx) = &self.jobs_tx else {
            job.finish(Err(TaskError::PoolClosed { task: id }));
            return id;
        };
        if let Err(queue::SendError(job)) = jobs_tx.send(job) {
            job.finish(Err(TaskError::PoolClosed { task: id }));
        }
        id
    }
}

impl Drop for Pool {
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
