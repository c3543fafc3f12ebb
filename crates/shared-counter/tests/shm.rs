//! The shared block and its robust lock, in one process: a thread that dies
//! holding the lock stands in for a process, since robust mutexes track
//! their owner per thread.

use shared_counter::shm::{Locked, SharedMemory};
use std::sync::atomic::Ordering;
use std::thread;

#[test]
fn a_fresh_block_is_zeroed_and_lockable() {
    let memory = SharedMemory::create().unwrap();
    let shared = memory.shared();
    assert_eq!(shared.atomic.0.load(Ordering::SeqCst), 0);
    let guard = shared.locked.lock().unwrap();
    assert_eq!((guard.get(), guard.state), (0, Locked::Clean));
}

#[test]
fn increments_under_the_lock_count_and_tally() {
    let memory = SharedMemory::create().unwrap();
    let shared = memory.shared();
    for _ in 0..10 {
        shared.locked.lock().unwrap().increment(3, || {});
    }
    assert_eq!(shared.locked.lock().unwrap().get(), 10);
    assert_eq!(shared.locked.done[3].0.load(Ordering::SeqCst), 10);
}

#[test]
fn a_holder_that_vanishes_leaves_a_recoverable_lock() {
    let memory = SharedMemory::create().unwrap();
    let shared = memory.shared();
    shared.locked.lock().unwrap().increment(1, || {});
    thread::scope(|scope| {
        scope.spawn(|| {
            let mut guard = shared.locked.lock().unwrap();
            guard.increment(1, || {});
            // End the thread still holding the lock: the guard is forgotten,
            // so it never unlocks. The kernel sees the owner gone.
            std::mem::forget(guard);
        });
    });
    let guard = shared.locked.lock().unwrap();
    // Its increment was committed before it vanished, so nothing is undone.
    // (A holder killed half-way through one is undone: the crash demo and
    // its test in tests/demos.rs show that with real processes.)
    assert_eq!(guard.state, Locked::Recovered { rolled_back: false });
    assert_eq!(guard.get(), 2);
    drop(guard);
    assert_eq!(shared.locked.recoveries.load(Ordering::SeqCst), 1);
    assert_eq!(
        shared.locked.lock().unwrap().state,
        Locked::Clean,
        "consistent again"
    );
}
