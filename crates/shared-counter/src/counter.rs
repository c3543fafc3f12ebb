//! Python's `Value('i', 0)` with its `get_lock()`, built to survive a
//! holder that dies, on either lock: [`LockedCounter`] on a [`RobustMutex`]
//! (Linux), [`FileLockedCounter`] on a [`FileLocked`] record lock (every
//! Unix). Safe code only: the locks themselves are in [`shm`](crate::shm).
//!
//! Each increment first writes an undo record (the [`Journal`]), then the
//! new values, then clears the record. If the holder dies on the way, the
//! next locker finds the record and restores the old values. A
//! panic half-way through is undone the same way when the guard drops.

use crate::shm::{FileLocked, Fresh, RobustMutex, SharedBlock, SharedMemory};
use std::io;
use std::ops::DerefMut;
use std::sync::atomic::{AtomicU64, Ordering, fence};

/// How many workers' tallies a counter keeps, and so the most worker
/// processes one block has slots for.
pub const MAX_WORKERS: usize = 64;

/// The undo record of one increment under the lock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Journal {
    /// 1 while an increment is half-done, else 0.
    pub pending: u64,
    /// The worker whose tally the increment also changes.
    pub worker: u64,
    /// The count to restore.
    pub count_before: u64,
    /// The worker's tally to restore.
    pub done_before: u64,
}

/// Everything the lock guards; it changes only as a whole.
#[repr(C)]
pub struct Ledger {
    count: u64,
    journal: Journal,
    /// Each worker's tally of the increments it completed, kept with the
    /// count, so the two always agree.
    done: [u64; MAX_WORKERS],
}

// SAFETY: integers only; zero is a valid (empty) ledger with no pending
// record. It is written only under its `RobustMutex`.
unsafe impl SharedBlock for Ledger {}

/// The counter: a [`Ledger`] behind a robust mutex, and how many times a
/// dead holder's lock was recovered.
#[repr(C)]
pub struct LockedCounter {
    ledger: RobustMutex<Ledger>,
    recoveries: AtomicU64,
}

// SAFETY: a robust mutex around a valid ledger, and an atomic; `init` sets
// the mutex up.
unsafe impl SharedBlock for LockedCounter {
    fn init(&self, fresh: &Fresh<'_>) -> io::Result<()> {
        self.ledger.init(fresh)
    }
}

/// Whether taking the lock found a dead holder's mess and repaired it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locked {
    /// The previous holder let go normally.
    Clean,
    /// The previous holder died holding the lock.
    Recovered {
        /// Whether it died half-way through an increment, now undone.
        rolled_back: bool,
    },
}

impl LockedCounter {
    /// Takes the lock, undoing the half-done increment of a holder that
    /// died with it.
    pub fn lock(&self) -> io::Result<CounterGuard<'_, impl DerefMut<Target = Ledger> + '_>> {
        let ledger = self.ledger.lock()?;
        let owner_died = ledger.previous_owner_died();
        Ok(CounterGuard::repaired(ledger, owner_died, &self.recoveries))
    }

    /// How many times a dead holder's lock was recovered.
    pub fn recoveries(&self) -> u64 {
        self.recoveries.load(Ordering::SeqCst)
    }
}

/// Restores the values a pending journal recorded; says whether there was
/// one.
fn roll_back(ledger: &mut Ledger) -> bool {
    let journal = ledger.journal;
    if journal.pending == 0 {
        return false;
    }
    ledger.count = journal.count_before;
    if let Some(done) = ledger.done.get_mut(journal.worker as usize) {
        *done = journal.done_before;
    }
    // Cleared only once the values are back: a locker killed in between
    // leaves the record pending, and the next one undoes it again, to the
    // same values.
    fence(Ordering::SeqCst);
    ledger.journal.pending = 0;
    true
}

/// The same counter on the portable lock: a [`Ledger`] behind a
/// [`FileLocked`] record lock, which the kernel releases when its holder
/// dies, on every Unix. Nobody is told of the death; the undo record tells:
/// a record still pending when the lock is taken was left by a holder that
/// died half-way through an increment.
#[repr(C)]
pub struct FileLockedCounter {
    ledger: FileLocked<Ledger>,
    recoveries: AtomicU64,
}

// SAFETY: a record-locked ledger and an atomic, valid as zero bytes.
unsafe impl SharedBlock for FileLockedCounter {}

impl FileLockedCounter {
    /// Takes the lock in `memory`, the block this counter lives in,
    /// undoing the half-done increment of a holder that died with it.
    pub fn lock<'a, B: SharedBlock>(
        &'a self,
        memory: &'a SharedMemory<B>,
    ) -> io::Result<CounterGuard<'a, impl DerefMut<Target = Ledger> + 'a>> {
        let ledger = self.ledger.lock(memory)?;
        // The record lock tells nobody; only the pending record does.
        Ok(CounterGuard::repaired(ledger, false, &self.recoveries))
    }

    /// How many times a dead holder's half-done increment was undone.
    pub fn recoveries(&self) -> u64 {
        self.recoveries.load(Ordering::SeqCst)
    }
}

/// Holds a counter's lock (`G`, the lock's guard); unlocks when dropped.
pub struct CounterGuard<'a, G: DerefMut<Target = Ledger>> {
    ledger: G,
    /// What taking the lock found.
    pub state: Locked,
    _lock: std::marker::PhantomData<&'a ()>,
}

impl<G: DerefMut<Target = Ledger>> CounterGuard<'_, G> {
    /// The guard for a ledger just locked: a half-done increment is undone,
    /// and a recovery is counted when the lock said its owner died or the
    /// undo record was still pending.
    fn repaired(mut ledger: G, owner_died: bool, recoveries: &AtomicU64) -> Self {
        let rolled_back = roll_back(&mut ledger);
        let state = if owner_died || rolled_back {
            recoveries.fetch_add(1, Ordering::SeqCst);
            Locked::Recovered { rolled_back }
        } else {
            Locked::Clean
        };
        CounterGuard {
            ledger,
            state,
            _lock: std::marker::PhantomData,
        }
    }

    /// The counter's value.
    pub fn get(&self) -> u64 {
        self.ledger.count
    }

    /// How many increments `worker` completed.
    pub fn tally(&self, worker: usize) -> u64 {
        self.ledger.done.get(worker).copied().unwrap_or(0)
    }

    /// Adds one to the counter and to `worker`'s tally, as one undoable
    /// step. `before_commit` runs after both writes and before the undo
    /// record is cleared: the crash demo dies there.
    ///
    /// # Panics
    /// If `worker` is not below [`MAX_WORKERS`].
    pub fn increment(&mut self, worker: usize, before_commit: impl FnOnce()) {
        let ledger = &mut *self.ledger;
        assert!(worker < MAX_WORKERS, "worker {worker} has no tally slot");
        // A SIGKILL can land between any two instructions, so the record
        // must be whole before it is marked pending (a record marked first
        // and killed half-written would undo with another increment's
        // values: the chaos demo caught that, as a count one off its
        // tallies), marked before the values it undoes change, and the
        // values written before it is cleared. The fences keep the compiler
        // and the CPU from moving the stores across.
        ledger.journal.worker = worker as u64;
        ledger.journal.count_before = ledger.count;
        ledger.journal.done_before = ledger.done[worker];
        fence(Ordering::SeqCst);
        ledger.journal.pending = 1;
        fence(Ordering::SeqCst);
        ledger.count += 1;
        ledger.done[worker] += 1;
        before_commit();
        fence(Ordering::SeqCst);
        ledger.journal.pending = 0;
    }
}

impl<G: DerefMut<Target = Ledger>> Drop for CounterGuard<'_, G> {
    fn drop(&mut self) {
        // Only a panic in `before_commit` leaves a record pending here.
        roll_back(&mut self.ledger);
    }
}
