//! The shared block and its robust lock, in one process, on block types of
//! the tests' own: a thread that dies holding the lock stands in for a
//! process, since robust mutexes track their owner per thread. The real
//! processes are in tests/demos.rs and tests/examples.rs.

use shared_counter::counter::{Locked, LockedCounter};
use shared_counter::shm::{CacheLine, FileLocked, Fresh, RobustMutex, SharedBlock, SharedMemory};
use std::fs::File;
use std::io;
use std::os::fd::AsFd;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

/// A pair that must change together, and a hit count beside it.
#[repr(C)]
struct Pair {
    hits: CacheLine<AtomicU64>,
    pair: RobustMutex<[u64; 2]>,
}

// SAFETY: an atomic and a robust mutex around integers, valid as zero bytes.
unsafe impl SharedBlock for Pair {
    fn init(&self, fresh: &Fresh<'_>) -> io::Result<()> {
        self.pair.init(fresh)
    }
}

/// A block whose author forgot to initialise its mutex.
#[repr(C)]
struct Forgetful {
    pair: RobustMutex<[u64; 2]>,
}

// SAFETY: as for `Pair`; `init` is deliberately left out.
unsafe impl SharedBlock for Forgetful {}

#[repr(C)]
struct Counter {
    counter: LockedCounter,
}

// SAFETY: the crate's counter, valid as zero bytes; `init` sets it up.
unsafe impl SharedBlock for Counter {
    fn init(&self, fresh: &Fresh<'_>) -> io::Result<()> {
        self.counter.init(fresh)
    }
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "robust mutexes and seals exist on Linux only"
)]
fn a_fresh_block_is_zeroed_and_lockable() {
    let memory = SharedMemory::<Pair>::create().unwrap();
    assert_eq!(memory.hits.load(Ordering::SeqCst), 0);
    let guard = memory.pair.lock().unwrap();
    assert_eq!(*guard, [0, 0]);
    assert!(!guard.previous_owner_died());
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "robust mutexes and seals exist on Linux only"
)]
fn threads_share_the_block_and_the_lock_keeps_the_pair_together() {
    let memory = SharedMemory::<Pair>::create().unwrap();
    thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..10_000 {
                    memory.hits.fetch_add(1, Ordering::Relaxed);
                    let mut pair = memory.pair.lock().unwrap();
                    pair[0] += 1;
                    pair[1] += 2;
                }
            });
        }
    });
    assert_eq!(memory.hits.load(Ordering::SeqCst), 40_000);
    assert_eq!(*memory.pair.lock().unwrap(), [40_000, 80_000]);
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "robust mutexes and seals exist on Linux only"
)]
fn a_mutex_that_was_never_initialised_is_refused() {
    let memory = SharedMemory::<Forgetful>::create().unwrap();
    let error = memory.pair.lock().err().expect("lock must fail");
    assert!(error.to_string().contains("never initialised"), "{error}");
}

/// Tries to initialise a mutex of another, live block from inside a new
/// block's `init`, which would re-initialise a lock others may hold.
#[repr(C)]
struct Trespasser {
    hits: AtomicU64,
}

static OTHER: OnceLock<SharedMemory<Pair>> = OnceLock::new();

// SAFETY: one atomic, valid as zero bytes.
unsafe impl SharedBlock for Trespasser {
    fn init(&self, fresh: &Fresh<'_>) -> io::Result<()> {
        let other = OTHER.get_or_init(|| SharedMemory::create().unwrap());
        other.pair.init(fresh)
    }
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "robust mutexes and seals exist on Linux only"
)]
fn init_refuses_a_mutex_outside_the_new_block() {
    let error = SharedMemory::<Trespasser>::create()
        .err()
        .expect("create must fail");
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{error}");
    // The other block's mutex still works.
    assert_eq!(*OTHER.get().unwrap().pair.lock().unwrap(), [0, 0]);
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "robust mutexes and seals exist on Linux only"
)]
fn a_holder_that_vanishes_leaves_a_recoverable_lock() {
    let memory = SharedMemory::<Pair>::create().unwrap();
    thread::scope(|scope| {
        scope.spawn(|| {
            let mut pair = memory.pair.lock().unwrap();
            pair[0] = 1;
            // End the thread still holding the lock: the guard is forgotten,
            // so it never unlocks. The kernel sees the owner gone.
            std::mem::forget(pair);
        });
    });
    let pair = memory.pair.lock().unwrap();
    assert!(pair.previous_owner_died());
    assert_eq!(*pair, [1, 0], "the data is as the holder left it");
    drop(pair);
    assert!(
        !memory.pair.lock().unwrap().previous_owner_died(),
        "consistent again"
    );
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "robust mutexes and seals exist on Linux only"
)]
fn increments_under_the_lock_count_and_tally() {
    let memory = SharedMemory::<Counter>::create().unwrap();
    for _ in 0..10 {
        memory.counter.lock().unwrap().increment(3, || {});
    }
    let guard = memory.counter.lock().unwrap();
    assert_eq!((guard.get(), guard.tally(3), guard.tally(2)), (10, 10, 0));
    assert_eq!(guard.state, Locked::Clean);
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "robust mutexes and seals exist on Linux only"
)]
fn a_committed_increment_survives_its_holder_vanishing() {
    let memory = SharedMemory::<Counter>::create().unwrap();
    memory.counter.lock().unwrap().increment(1, || {});
    thread::scope(|scope| {
        scope.spawn(|| {
            let mut guard = memory.counter.lock().unwrap();
            guard.increment(1, || {});
            std::mem::forget(guard);
        });
    });
    let guard = memory.counter.lock().unwrap();
    // Its increment was committed before it vanished, so nothing is undone.
    // (A holder killed half-way through one is undone: the crash demo and
    // its test in tests/demos.rs show that with real processes.)
    assert_eq!(guard.state, Locked::Recovered { rolled_back: false });
    assert_eq!((guard.get(), guard.tally(1)), (2, 2));
    drop(guard);
    assert_eq!(memory.counter.recoveries(), 1);
    assert_eq!(memory.counter.lock().unwrap().state, Locked::Clean);
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "robust mutexes and seals exist on Linux only"
)]
fn a_panic_half_way_through_an_increment_is_undone() {
    let memory = SharedMemory::<Counter>::create().unwrap();
    memory.counter.lock().unwrap().increment(0, || {});
    let panicked = thread::scope(|scope| {
        scope
            .spawn(|| {
                memory
                    .counter
                    .lock()
                    .unwrap()
                    .increment(0, || panic!("half-way"));
            })
            .join()
            .is_err()
    });
    assert!(panicked);
    let guard = memory.counter.lock().unwrap();
    assert_eq!((guard.get(), guard.tally(0)), (1, 1));
    assert_eq!(
        guard.state,
        Locked::Clean,
        "the guard unlocked as it unwound"
    );
}

#[test]
fn a_block_not_handed_down_is_not_found() {
    // This test binary was not started by `SharedMemory::command`.
    let error = SharedMemory::<Pair>::inherited()
        .err()
        .expect("nothing to inherit");
    assert_eq!(error.kind(), io::ErrorKind::NotFound, "{error}");
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "robust mutexes and seals exist on Linux only"
)]
fn nobody_can_resize_a_block_under_the_others() {
    let memory = SharedMemory::<Pair>::create().unwrap();
    // A second handle on the same memfd, as a worker that inherited it has.
    let file = File::from(memory.as_fd().try_clone_to_owned().unwrap());
    let size = file.metadata().unwrap().len();
    for new_size in [0, size / 2, size * 2] {
        let error = file.set_len(new_size).expect_err("the size is sealed");
        assert_eq!(
            error.raw_os_error(),
            Some(libc::EPERM),
            "{new_size}: {error}"
        );
    }
    assert_eq!(file.metadata().unwrap().len(), size);
    memory.hits.fetch_add(1, Ordering::SeqCst);
    assert_eq!(
        *memory.pair.lock().unwrap(),
        [0, 0],
        "the mapping still works"
    );
}

/// A pair behind the portable record lock.
#[repr(C)]
struct FilePair {
    pair: FileLocked<[u64; 2]>,
}

// SAFETY: a record-locked pair of integers, valid as zero bytes.
unsafe impl SharedBlock for FilePair {}

#[test]
fn the_file_lock_keeps_threads_apart_too() {
    // A record lock belongs to the process; the block's own mutex orders
    // the process's threads.
    let memory = SharedMemory::<FilePair>::create().unwrap();
    thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..5_000 {
                    let mut pair = memory.pair.lock(&memory).unwrap();
                    pair[0] += 1;
                    pair[1] = pair[0] * 2;
                }
            });
        }
    });
    assert_eq!(*memory.pair.lock(&memory).unwrap(), [20_000, 40_000]);
}

#[test]
fn a_file_lock_of_another_block_is_refused() {
    let memory = SharedMemory::<FilePair>::create().unwrap();
    let other = SharedMemory::<FilePair>::create().unwrap();
    let error = memory.pair.lock(&other).err().expect("not its block");
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{error}");
}
