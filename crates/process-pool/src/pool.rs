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

use crate::protocol::{FromWorker, Output, Task, TaskError, TaskId, ToWorker};
use crate::sys;
use crate::worker::WORKER_ENV;
use crossbeam_channel as queue;
use ipc_channel::TryRecvError;
use ipc_channel::ipc::{self, IpcOneShotServer, IpcReceiver, IpcSender};
use std::collections::{HashSet, VecDeque};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How many tasks a supervisor keeps in flight to its worker: enough to
/// hide the round trip, few enough that a crash requeues little.
const WINDOW: usize = 16;
/// How often a waiting supervisor looks at the pool's flags.
const POLL: Duration = Duration::from_millis(50);
/// How long a new worker may take to connect.
const CONNECT_LIMIT: Duration = Duration::from_secs(10);
/// How long a retired worker may take to exit before SIGTERM, then SIGKILL.
const EXIT_GRACE: Duration = Duration::from_secs(2);

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
enum Reply {
    One(SyncSender<Result<Output, TaskError>>),
    Many(mpsc::Sender<(TaskId, Result<Output, TaskError>)>),
}

struct Job {
    id: TaskId,
    work: Task,
    reply: Reply,
}

impl Job {
    fn finish(self, result: Result<Output, TaskError>) {
        // The receiver may be gone (a dropped handle); then nobody wants it.
        match self.reply {
            Reply::One(result_tx) => drop(result_tx.send(result)),
            Reply::Many(done_tx) => drop(done_tx.send((self.id, result))),
        }
    }
}

/// Everything the supervisors share.
struct Shared {
    jobs_rx: queue::Receiver<Job>,
    /// Jobs handed back by a dead worker; taken before new ones.
    requeued: Mutex<VecDeque<Job>>,
    cancelled: Mutex<HashSet<TaskId>>,
    /// Set by shutdown: finish the queue, then stop.
    closing: AtomicBool,
    /// Set by drop or a passed shutdown deadline: stop now.
    aborting: AtomicBool,
    worker_pids: Mutex<Vec<u32>>,
    config: Config,
    submitted: AtomicU64,
    taken: AtomicU64,
    completed: AtomicU64,
    crashed: AtomicU64,
    restarted: AtomicU64,
    busy: AtomicUsize,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every critical section here is a push, a pop or an insert, which a
    // panic cannot leave half-done, so a poisoned lock still holds good data.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Clone)]
struct Config {
    workers: usize,
    exe: PathBuf,
    initializer: Option<Task>,
    max_tasks_per_worker: Option<u64>,
    task_timeout: Option<Duration>,
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
            match handle.result() {
                Ok(Output::Numbers(squares)) if squares.len() == len => {
                    results.extend(squares.into_iter().map(Ok))
                }
                Ok(other) => {
                    let task = results.len() as TaskId;
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

/// One worker process and its two channels.
struct Worker {
    child: Child,
    pid: u32,
    /// Feeds the writer thread; `None` once retired. Dropping it ends the
    /// writer, whose ipc sender then closes, which tells the worker to exit.
    tasks_tx: Option<mpsc::Sender<ToWorker>>,
    /// Sends tasks to the worker. A thread of its own, so that sending a
    /// large message never blocks reading the worker's results: if both
    /// sides waited on full socket buffers, neither would ever move.
    writer: Option<JoinHandle<()>>,
    results_rx: IpcReceiver<FromWorker>,
    tasks_run: u64,
}

type Accepted = Result<(IpcReceiver<FromWorker>, FromWorker), ipc_channel::IpcError>;

impl Worker {
    /// Starts a worker and waits for it to connect, without hanging if it
    /// dies first: ipc-channel's `accept` has no timeout (servo/ipc-channel
    /// #201, #261), so it runs on a thread while we watch the child.
    fn start(config: &Config) -> Result<Worker, PoolError> {
        let (server, name) = IpcOneShotServer::<FromWorker>::new()
            .map_err(|error| PoolError::Ipc(error.to_string()))?;
        let mut command = Command::new(&config.exe);
        command.env(WORKER_ENV, &name).stdin(Stdio::null());
        sys::die_with_spawning_thread(&mut command);
        let mut child = command.spawn().map_err(PoolError::Spawn)?;
        let pid = child.id();
        let (accepted_tx, accepted_rx) = mpsc::channel::<Accepted>();
        let accepter = thread::spawn(move || drop(accepted_tx.send(server.accept())));
        let deadline = Instant::now() + CONNECT_LIMIT;
        let failure = loop {
            match accepted_rx.recv_timeout(Duration::from_millis(5)) {
                Ok(Ok((
                    results_rx,
                    FromWorker::Hello {
                        tasks_tx: ipc_tasks_tx,
                        ..
                    },
                ))) => {
                    let _ = accepter.join();
                    let (tasks_tx, tasks_rx) = mpsc::channel::<ToWorker>();
                    let writer = thread::spawn(move || {
                        for message in tasks_rx {
                            if ipc_tasks_tx.send(message).is_err() {
                                break; // the worker is gone; the reader will see it
                            }
                        }
                    });
                    let mut worker = Worker {
                        child,
                        pid,
                        tasks_tx: Some(tasks_tx),
                        writer: Some(writer),
                        results_rx,
                        tasks_run: 0,
                    };
                    if let Some(initializer) = &config.initializer {
                        worker.initialize(initializer.clone())?;
                    }
                    return Ok(worker);
                }
                Ok(Ok(_)) => {
                    break PoolError::Ipc(
                        "the worker's first message was not a greeting".to_string(),
                    );
                }
                Ok(Err(error)) => break PoolError::Ipc(error.to_string()),
                Err(RecvTimeoutError::Disconnected) => {
                    break PoolError::Ipc("the accepting thread died".to_string());
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            if let Ok(Some(status)) = child.try_wait() {
                break PoolError::ExitedBeforeConnecting {
                    pid,
                    how: describe(status),
                };
            }
            if Instant::now() >= deadline {
                break PoolError::ConnectTimeout { pid };
            }
        };
        // Wake the accepting thread ourselves, so it can be joined, then make
        // sure the child is gone and reaped.
        if let (Ok(sender), Ok((tasks_tx, _))) = (
            IpcSender::<FromWorker>::connect(name),
            ipc::channel::<ToWorker>(),
        ) {
            let _ = sender.send(FromWorker::Hello { pid: 0, tasks_tx });
        }
        let _ = accepter.join();
        let _ = child.kill();
        let _ = child.wait();
        Err(failure)
    }

    fn initialize(&mut self, initializer: Task) -> Result<(), PoolError> {
        let ipc_error = |error: &dyn std::fmt::Display| PoolError::Ipc(error.to_string());
        let tasks_tx = self
            .tasks_tx
            .as_ref()
            .ok_or_else(|| PoolError::Ipc("the worker is retired".to_string()))?;
        tasks_tx
            .send(ToWorker::Run {
                task: u64::MAX,
                work: initializer,
            })
            .map_err(|error| ipc_error(&error))?;
        match self.results_rx.recv() {
            Ok(FromWorker::Done { result: Ok(_), .. }) => Ok(()),
            Ok(FromWorker::Done {
                result: Err(message),
                ..
            }) => Err(PoolError::Ipc(format!("initializer failed: {message}"))),
            Ok(_) => Err(PoolError::Ipc(
                "unexpected message from the initializer".to_string(),
            )),
            Err(error) => Err(ipc_error(&error)),
        }
    }

    /// Reaps the dead worker and says how it died.
    fn reap(&mut self) -> String {
        match self.child.wait() {
            Ok(status) => describe(status),
            Err(error) => format!("unknown ({error})"),
        }
    }

    /// Lets the worker go: closing its task channel makes it exit; SIGTERM
    /// and then SIGKILL if it takes too long.
    fn retire(mut self) {
        self.tasks_tx = None;
        let escalate = [
            (EXIT_GRACE, Some(libc::SIGTERM)),
            (EXIT_GRACE, Some(libc::SIGKILL)),
            (EXIT_GRACE, None),
        ];
        'waiting: for (grace, then_signal) in escalate {
            let until = Instant::now() + grace;
            while Instant::now() < until {
                if let Ok(Some(_)) = self.child.try_wait() {
                    break 'waiting;
                }
                thread::sleep(Duration::from_millis(2));
            }
            match then_signal {
                Some(signal) => drop(sys::send_signal(self.pid, signal)),
                None => drop(self.child.wait()),
            }
        }
        self.join_writer();
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.join_writer();
    }

    /// Joins the writer thread once the worker is gone: its last send then
    /// fails at once, so the join cannot block.
    fn join_writer(&mut self) {
        self.tasks_tx = None;
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Only reached if a worker is dropped without `retire` or `kill`
        // (a panic); make sure no process or zombie survives it.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// "exit code N" or "signal N (SIGKILL)".
pub fn describe(status: std::process::ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}{}", signal_name(signal)),
        _ => status.to_string(),
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGKILL => " (SIGKILL)",
        libc::SIGTERM => " (SIGTERM)",
        libc::SIGABRT => " (SIGABRT)",
        libc::SIGSEGV => " (SIGSEGV)",
        _ => "",
    }
}

/// Takes the next job: a requeued one first, then the shared queue, waiting
/// up to `wait`. `None` when there is none (or the queue is closed).
fn take_job(shared: &Shared, wait: Option<Duration>) -> Option<Job> {
    if let Some(job) = lock(&shared.requeued).pop_front() {
        return Some(job);
    }
    let job = match wait {
        None => shared.jobs_rx.try_recv().ok(),
        Some(wait) => shared.jobs_rx.recv_timeout(wait).ok(),
    }?;
    shared.taken.fetch_add(1, Ordering::SeqCst);
    Some(job)
}

/// Whether the shared queue has been closed and emptied. A job found on the
/// way is kept, not lost: it goes to the front of the requeued jobs.
fn queue_finished(shared: &Shared) -> bool {
    if !lock(&shared.requeued).is_empty() {
        return false;
    }
    match shared.jobs_rx.try_recv() {
        Ok(job) => {
            shared.taken.fetch_add(1, Ordering::SeqCst);
            lock(&shared.requeued).push_front(job);
            false
        }
        Err(queue::TryRecvError::Disconnected) => true,
        Err(queue::TryRecvError::Empty) => false,
    }
}

/// One slot's supervisor: feeds its worker, reads its results, and replaces
/// it when it dies, times out, or has run its share of tasks.
fn supervise(slot: usize, first: Worker, shared: &Shared) {
    let mut worker = Some(first);
    let mut in_flight: VecDeque<Job> = VecDeque::new();
    let mut oldest_since = Instant::now();
    loop {
        if shared.aborting.load(Ordering::SeqCst) {
            for job in in_flight.drain(..) {
                let task = job.id;
                job.finish(Err(TaskError::PoolClosed { task }));
            }
            while let Some(job) = take_job(shared, None) {
                let task = job.id;
                job.finish(Err(TaskError::PoolClosed { task }));
            }
            if let Some(worker) = worker.take() {
                worker.kill();
            }
            return;
        }
        let Some(current) = worker.as_mut() else {
            match Worker::start(&shared.config) {
                Ok(fresh) => {
                    lock(&shared.worker_pids)[slot] = fresh.pid;
                    shared.restarted.fetch_add(1, Ordering::SeqCst);
                    worker = Some(fresh);
                }
                Err(error) => {
                    eprintln!(
                        "process-pool: slot {slot}: could not start a replacement worker: {error}"
                    );
                    thread::sleep(POLL);
                }
            }
            continue;
        };

        // Keep the window full.
        while in_flight.len() < WINDOW {
            let wait = if in_flight.is_empty() {
                Some(POLL)
            } else {
                None
            };
            let Some(job) = take_job(shared, wait) else {
                break;
            };
            if lock(&shared.cancelled).remove(&job.id) {
                let task = job.id;
                job.finish(Err(TaskError::Cancelled { task }));
                continue;
            }
            let message = ToWorker::Run {
                task: job.id,
                work: job.work.clone(),
            };
            if in_flight.is_empty() {
                oldest_since = Instant::now();
            }
            let sent = current
                .tasks_tx
                .as_ref()
                .is_some_and(|tasks_tx| tasks_tx.send(message).is_ok());
            in_flight.push_back(job);
            if !sent {
                break; // the worker is gone; reading its results says how
            }
        }
        if in_flight.is_empty() {
            if shared.closing.load(Ordering::SeqCst) && queue_finished(shared) {
                if let Some(worker) = worker.take() {
                    worker.retire();
                }
                return;
            }
            continue;
        }

        shared.busy.fetch_add(1, Ordering::SeqCst);
        let wait = match shared.config.task_timeout {
            Some(limit) => limit.saturating_sub(oldest_since.elapsed()).min(POLL),
            None => POLL,
        };
        let received = current.results_rx.try_recv_timeout(wait);
        shared.busy.fetch_sub(1, Ordering::SeqCst);
        let pid = current.pid;
        match received {
            Ok(FromWorker::Done { task, result }) => {
                let Some(position) = in_flight.iter().position(|job| job.id == task) else {
                    continue;
                };
                let job = in_flight
                    .remove(position)
                    .expect("the position was just found");
                oldest_since = Instant::now();
                current.tasks_run += 1;
                shared.completed.fetch_add(1, Ordering::SeqCst);
                job.finish(result.map_err(|message| TaskError::Panicked { task, pid, message }));
                let used_up = shared
                    .config
                    .max_tasks_per_worker
                    .is_some_and(|most| current.tasks_run >= most);
                if used_up
                    && in_flight.is_empty()
                    && let Some(worker) = worker.take()
                {
                    worker.retire();
                }
            }
            Ok(FromWorker::Hello { .. }) => {}
            Err(TryRecvError::Empty) => {
                let timed_out = shared
                    .config
                    .task_timeout
                    .is_some_and(|limit| oldest_since.elapsed() >= limit);
                if timed_out && let Some(job) = in_flight.pop_front() {
                    let limit_ms = shared
                        .config
                        .task_timeout
                        .map_or(0, |limit| limit.as_millis() as u64);
                    let task = job.id;
                    job.finish(Err(TaskError::TimedOut {
                        task,
                        pid,
                        limit_ms,
                    }));
                    requeue(shared, &mut in_flight);
                    if let Some(worker) = worker.take() {
                        worker.kill();
                    }
                }
            }
            Err(TryRecvError::IpcError(ipc_channel::IpcError::SerializationError(error))) => {
                // Tasks finish in order, so the unreadable result is the
                // oldest task's.
                if let Some(job) = in_flight.pop_front() {
                    let task = job.id;
                    shared.completed.fetch_add(1, Ordering::SeqCst);
                    job.finish(Err(TaskError::BadResult {
                        task,
                        pid,
                        reason: error.to_string(),
                    }));
                    oldest_since = Instant::now();
                }
            }
            Err(TryRecvError::IpcError(_)) => {
                // The worker's end is closed: it died. Exactly the task it
                // was running fails; the ones queued behind it never started.
                let how = current.reap();
                shared.crashed.fetch_add(1, Ordering::SeqCst);
                if let Some(job) = in_flight.pop_front() {
                    let task = job.id;
                    job.finish(Err(TaskError::WorkerCrashed { task, pid, how }));
                }
                requeue(shared, &mut in_flight);
                worker = None;
            }
        }
    }
}

/// Hands tasks that never started back to the shared queue, in order.
fn requeue(shared: &Shared, in_flight: &mut VecDeque<Job>) {
    let mut requeued = lock(&shared.requeued);
    for job in in_flight.drain(..).rev() {
        requeued.push_front(job);
    }
}
