//! What the supervisors share with the pool, and the pool's timings: the
//! leaf of the pool's modules, which the others import.

use super::entry::Entry;
use crate::error::{TaskError, TaskId};
use crate::job::Job;
use crossbeam_channel as queue;
use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The fewest messages a supervisor keeps in flight to its worker: one
/// running and one waiting, so that the worker never idles between them
/// (Python's executor keeps one extra call queued, the same).
pub(crate) const MIN_WINDOW: usize = 2;
/// The most: enough tiny tasks to hide the round trip of a write many
/// times over.
pub(crate) const MAX_WINDOW: usize = 1024;
/// How often a waiting supervisor looks at the pool's flags.
pub(crate) const POLL: Duration = Duration::from_millis(50);
/// How long a new worker may take to connect.
pub(crate) const CONNECT_LIMIT: Duration = Duration::from_secs(10);
/// How long a retired worker may take to exit before SIGTERM, then SIGKILL.
pub(crate) const EXIT_GRACE: Duration = Duration::from_secs(2);

/// Everything the supervisors share.
pub(crate) struct Shared<J: Job> {
    pub(crate) jobs_rx: queue::Receiver<Entry<J>>,
    /// Entries handed back by a dead worker; taken before new ones.
    pub(crate) requeued: Mutex<VecDeque<Entry<J>>>,
    pub(crate) cancelled: Arc<Mutex<HashSet<TaskId>>>,
    /// Set by shutdown: finish the queue, then stop.
    pub(crate) closing: AtomicBool,
    /// Set by drop or a passed shutdown deadline: stop now.
    pub(crate) aborting: AtomicBool,
    pub(crate) worker_pids: Mutex<Vec<u32>>,
    pub(crate) config: Config,
    /// Run once by every new worker.
    pub(crate) initializer: Option<J>,
    pub(crate) submitted: AtomicU64,
    pub(crate) taken: AtomicU64,
    pub(crate) completed: AtomicU64,
    pub(crate) crashed: AtomicU64,
    pub(crate) restarted: AtomicU64,
    pub(crate) recycled: AtomicU64,
    pub(crate) busy: AtomicUsize,
    /// Workers in a row, pool-wide, that died before finishing a task or
    /// could not start at all.
    pub(crate) crashes_in_a_row: AtomicU32,
    /// Why the pool stopped itself, once it has.
    pub(crate) broken: Mutex<Option<String>>,
}

impl<J: Job> Shared<J> {
    /// A worker died before finishing any task, or could not start, for
    /// the reason `how`. The pool stops once `max_consecutive_crashes` have
    /// in a row: every pending task then fails with `PoolBroken`.
    pub(crate) fn crashed_fresh(&self, how: impl FnOnce() -> String) {
        let in_a_row = self.crashes_in_a_row.fetch_add(1, Ordering::SeqCst) + 1;
        if in_a_row >= self.config.max_consecutive_crashes {
            let cause = format!(
                "{in_a_row} workers in a row died before finishing a task; the last {}",
                how()
            );
            lock(&self.broken).get_or_insert(cause);
            self.aborting.store(true, Ordering::SeqCst);
        }
    }

    /// A worker finished a task: whatever crashed before was not a loop.
    pub(crate) fn made_progress(&self) {
        self.crashes_in_a_row.store(0, Ordering::SeqCst);
    }

    /// How a task that cannot run now fails: the pool broke, or it closed.
    pub(crate) fn stopped(&self, task: TaskId) -> TaskError {
        match lock(&self.broken).clone() {
            Some(cause) => TaskError::PoolBroken { task, cause },
            None => TaskError::PoolClosed { task },
        }
    }
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every critical section here is a push, a pop, an insert or a clone,
    // which a panic cannot leave half-done, so a poisoned lock still holds
    // good data.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) workers: usize,
    pub(crate) exe: PathBuf,
    pub(crate) max_tasks_per_worker: Option<u64>,
    pub(crate) max_worker_memory: Option<u64>,
    pub(crate) task_timeout: Option<Duration>,
    pub(crate) max_consecutive_crashes: u32,
}
