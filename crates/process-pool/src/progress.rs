//! Which task a worker is on, in memory the pool can read after the worker
//! dies.
//!
//! A worker runs a whole batch of tasks from one message and answers them
//! together, so when it dies, its answers say nothing about which task
//! killed it. So before each task it writes the task's id to a small
//! shared page, and after the task it writes the id again as finished. The
//! page is a memfd that the worker makes and sends in its greeting
//! (ipc-channel's `IpcSharedMemory`, mapped `MAP_SHARED` on both sides).
//! Two stores per task cost nothing next to a write to a socket. It closes
//! with the last descriptor, so nothing is left in `/dev/shm`.

use crate::error::TaskId;
use ipc_channel::ipc::IpcSharedMemory;
use std::sync::atomic::{AtomicU64, Ordering};

/// The page's layout: two words, each a task id plus one (0: none yet).
const STARTED: usize = 0;
const FINISHED: usize = 1;
const BYTES: usize = 2 * size_of::<u64>();

/// Where a worker was when it was last seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// It has run nothing yet.
    Fresh,
    /// It was running this task.
    Running(TaskId),
    /// It had finished this task and started no other.
    After(TaskId),
}

/// One worker's progress page, as either side holds it.
#[derive(Debug)]
pub(crate) struct Progress {
    page: IpcSharedMemory,
}

impl Progress {
    /// A zeroed page, made by the worker.
    pub(crate) fn new() -> Self {
        Progress {
            page: IpcSharedMemory::from_byte(0, BYTES),
        }
    }

    /// The page to send in the greeting.
    pub(crate) fn shared(&self) -> IpcSharedMemory {
        self.page.clone()
    }

    /// The pool's side, from the greeting. `None` if it is too small.
    pub(crate) fn from_shared(page: IpcSharedMemory) -> Option<Self> {
        (page.len() >= BYTES).then_some(Progress { page })
    }

    fn word(&mut self, index: usize) -> &AtomicU64 {
        // SAFETY: the page is at least `BYTES` long (checked in
        // `from_shared`, made so in `new`) and page-aligned, as every mmap
        // is, so both words are in bounds and aligned for `AtomicU64`. The
        // two processes touch them only through atomics, which is how
        // memory shared between processes must be accessed; no `&[u8]` of
        // the page is read while the reference lives, as it borrows `self`.
        unsafe {
            let base = self.page.deref_mut().as_mut_ptr().cast::<u64>();
            AtomicU64::from_ptr(base.add(index))
        }
    }

    /// The worker is about to run `task`.
    pub(crate) fn start(&mut self, task: TaskId) {
        self.word(STARTED)
            .store(task.wrapping_add(1), Ordering::Release);
    }

    /// The worker has finished `task`.
    pub(crate) fn finish(&mut self, task: TaskId) {
        self.word(FINISHED)
            .store(task.wrapping_add(1), Ordering::Release);
    }

    /// Whether the worker finished any task (its initializer aside).
    pub(crate) fn finished_any(&mut self) -> bool {
        self.word(FINISHED).load(Ordering::Acquire) != 0
    }

    /// Where the worker is, or was when it died.
    pub(crate) fn place(&mut self) -> Place {
        let started = self.word(STARTED).load(Ordering::Acquire);
        let finished = self.word(FINISHED).load(Ordering::Acquire);
        match (started, started == finished) {
            (0, _) => Place::Fresh,
            (plus_one, false) => Place::Running(plus_one.wrapping_sub(1)),
            (plus_one, true) => Place::After(plus_one.wrapping_sub(1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_reads_what_the_worker_wrote_through_its_own_mapping() {
        let mut worker = Progress::new();
        let mut pool = Progress::from_shared(worker.shared()).expect("a whole page");
        assert_eq!(pool.place(), Place::Fresh);
        worker.start(41);
        assert_eq!(pool.place(), Place::Running(41));
        assert!(!pool.finished_any());
        worker.finish(41);
        assert_eq!(pool.place(), Place::After(41));
        assert!(pool.finished_any());
        worker.start(0);
        assert_eq!(pool.place(), Place::Running(0));
    }
}
