//! The worker side: one call at the top of `main`.
//!
//! The pool starts workers by running this same binary again with three
//! arguments: `--process-pool-worker`, the job type, and where to connect.
//! [`run_if_worker`] sees them, connects to the pool, hands it a channel for
//! jobs, and runs jobs until that channel disconnects, which happens when
//! the pool retires the worker or when the parent dies, however it dies.
//! Then the process exits. Without them, `run_if_worker` returns at once
//! and `main` goes on as usual.

use crate::error::TaskId;
use crate::job::Job;
use crate::progress::Progress;
use crate::protocol::{Answer, Answers, FromWorker, Ran, ToWorker, WORKER_ARG, Work, Write};
use ipc_channel::ipc::{self, IpcSender};
use std::any::type_name;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process;
use std::time::{Duration, Instant};

/// Exit code of a worker whose binary does not serve the pool's job type.
const UNKNOWN_JOB_TYPE: i32 = 2;
/// Exit code of a worker that could not connect to its pool.
const NO_POOL: i32 = 3;

/// Turns this process into a worker for jobs of type `J` if a pool started
/// it, and never returns in that case; otherwise returns at once.
///
/// Call it first thing in `main`, before the command line is parsed: a
/// worker's arguments are the pool's, not the program's. For a binary whose
/// pools run several job types, use [`JobTypes`] instead.
///
/// ```no_run
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Clone, Serialize, Deserialize)]
/// # struct Square(u64);
/// # impl process_pool::Job for Square {
/// #     type Output = u64;
/// #     fn run(self) -> u64 { self.0 * self.0 }
/// # }
/// fn main() {
///     process_pool::worker::run_if_worker::<Square>();
///     // From here on, this process is the parent: parse arguments, build
///     // a `Pool<Square>`, ...
/// }
/// ```
/// (`no_run`: this snippet only shows where the call goes; the crate's
/// front page has an example that really starts workers.)
pub fn run_if_worker<J: Job>() {
    JobTypes::new().with::<J>().run_if_worker();
}

/// The job types this binary's workers run, for a binary with pools of
/// several job types.
///
/// ```no_run
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Clone, Serialize, Deserialize)]
/// # struct Resize(String);
/// # impl process_pool::Job for Resize {
/// #     type Output = ();
/// #     fn run(self) {}
/// # }
/// # #[derive(Clone, Serialize, Deserialize)]
/// # struct Hash(String);
/// # impl process_pool::Job for Hash {
/// #     type Output = u64;
/// #     fn run(self) -> u64 { 0 }
/// # }
/// use process_pool::worker::JobTypes;
///
/// fn main() {
///     JobTypes::new().with::<Resize>().with::<Hash>().run_if_worker();
///     // The parent: a `Pool<Resize>` and a `Pool<Hash>` may both start.
/// }
/// ```
#[derive(Default)]
pub struct JobTypes {
    /// Each type's name and its worker loop.
    served: Vec<(&'static str, Serve)>,
}

/// A worker loop for one job type, given the pool's bootstrap server name.
type Serve = fn(String) -> Result<(), String>;

impl JobTypes {
    /// No job types yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves jobs of type `J` too.
    pub fn with<J: Job>(mut self) -> Self {
        self.served.push((type_name::<J>(), serve::<J>));
        self
    }

    /// If a pool started this process, runs its jobs and exits, never
    /// returning; otherwise returns at once. A worker asked for a job type
    /// that is not listed says so on stderr and exits with code 2 (the pool
    /// reports "exited before connecting"), rather than go on as the parent
    /// and start pools of its own.
    pub fn run_if_worker(self) {
        // `args_os`: the program's own arguments need not be UTF-8, and
        // reading them must not panic.
        let mut args = std::env::args_os().skip(1);
        if args.next().is_none_or(|first| first != WORKER_ARG) {
            return;
        }
        let mut text = || args.next().and_then(|arg| arg.into_string().ok());
        let (Some(wanted), Some(server_name)) = (text(), text()) else {
            eprintln!("process-pool worker: {WORKER_ARG} needs a job type and a server name");
            process::exit(UNKNOWN_JOB_TYPE);
        };
        let Some((_, serve)) = self.served.iter().find(|(name, _)| *name == wanted) else {
            let served: Vec<&str> = self.served.iter().map(|(name, _)| *name).collect();
            eprintln!(
                "process-pool worker: the pool sends jobs of type `{wanted}`, \
                 but this binary serves only {served:?}"
            );
            process::exit(UNKNOWN_JOB_TYPE);
        };
        match serve(server_name) {
            Ok(()) => process::exit(0),
            Err(error) => {
                eprintln!("process-pool worker: {error}");
                process::exit(NO_POOL);
            }
        }
    }
}

/// How long a worker may hold an answer back to send it with the next
/// ones. Tiny tasks are answered a write at a time; a task that takes
/// longer than this is answered as soon as it ends, as if unbatched.
const HOLD_ANSWERS: Duration = Duration::from_micros(500);

/// The worker's whole life: connect, then run jobs until the pool is gone.
fn serve<J: Job>(server_name: String) -> Result<(), String> {
    // The pool gets each panic's message in the task's result; printing it
    // here as well would only repeat it on stderr.
    std::panic::set_hook(Box::new(|_| {}));
    let (tasks_tx, tasks_rx) = ipc::channel::<Write<ToWorker<Work<J>>>>()
        .map_err(|error| format!("making a channel: {error}"))?;
    let results_tx = IpcSender::<FromWorker<ToWorker<Work<J>>>>::connect(server_name)
        .map_err(|error| format!("connecting to the pool: {error}"))?;
    let mut progress = Progress::new();
    results_tx
        .send(FromWorker::Hello {
            pid: process::id(),
            tasks_tx,
            progress: progress.shared(),
        })
        .map_err(|error| format!("greeting the pool: {error}"))?;
    let mut answers = Answers::default();
    let mut since = Instant::now();
    let send = |answers: &mut Answers, since: Instant| {
        let answers = std::mem::take(answers);
        let busy_ns = since.elapsed().as_nanos() as u64;
        results_tx.send(FromWorker::Done { answers, busy_ns })
    };
    // `recv` fails once the pool's end is gone: our signal to leave.
    while let Ok(write) = tasks_rx.recv() {
        for ToWorker { task, work } in write {
            if answers.is_empty() {
                since = Instant::now();
            }
            let answer = match work {
                Work::One(job) => Answer::One(run_one(job, task, &mut progress)),
                Work::Batch(parts) => run_batch(parts, task, &mut progress),
            };
            answers.push(task, &answer);
            if since.elapsed() >= HOLD_ANSWERS && send(&mut answers, since).is_err() {
                return Ok(()); // the pool is gone
            }
        }
        if !answers.is_empty() && send(&mut answers, since).is_err() {
            break;
        }
    }
    Ok(())
}

/// Runs a batch's parts in order, the first as task `first`. Until one
/// panics, the answer is just the outputs; from the first panic on, each
/// part's outcome.
fn run_batch<J: Job>(parts: Vec<J>, first: TaskId, progress: &mut Progress) -> Answer<J::Output> {
    let mut outputs = Vec::with_capacity(parts.len());
    let mut parts = (first..).zip(parts);
    while let Some((task, part)) = parts.next() {
        match run_one(part, task, progress) {
            Ok(output) => outputs.push(output),
            Err(message) => {
                let mut rans: Vec<Ran<J::Output>> = outputs.into_iter().map(Ok).collect();
                rans.push(Err(message));
                rans.extend(parts.map(|(task, part)| run_one(part, task, progress)));
                return Answer::Batch(rans);
            }
        }
    }
    Answer::AllOk(outputs)
}

/// Runs one job as task `task`, turning a panic into its message, with
/// the task marked as running on the progress page meanwhile.
fn run_one<J: Job>(job: J, task: TaskId, progress: &mut Progress) -> Ran<J::Output> {
    progress.start(task);
    let ran = catch_unwind(AssertUnwindSafe(|| job.run()))
        .map_err(|payload| panic_message(payload.as_ref()));
    progress.finish(task);
    ran
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a non-text payload".to_string()
    }
}
