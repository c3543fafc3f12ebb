//! Model checking with loom: each test runs once for every interleaving the
//! threads could have, so a pass means "correct in all of them", not "we were
//! lucky this time". The library takes its `Mutex`, `Condvar`, atomics and
//! `thread` from `threads_locks::sync`, which switches to loom here.
//!
//! Run with:
//!     RUSTFLAGS="--cfg loom" cargo test -p threads-locks --test loom --release
//! Without `--cfg loom` this file compiles to nothing.
#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use std::panic::{AssertUnwindSafe, catch_unwind};
use threads_locks::bounded_queue::BoundedQueue;
use threads_locks::counter::{AtomicCounter, Counter, MutexCounter, RacyCounter};
use threads_locks::event::Event;
use threads_locks::semaphore::Semaphore;

/// Two threads increment once each; the count must be 2.
fn two_increments<C: Counter + Default + Send + 'static>() {
    loom::model(|| {
        let counter = Arc::new(C::default());
        let other = {
            let counter = Arc::clone(&counter);
            thread::spawn(move || counter.increment())
        };
        counter.increment();
        other.join().unwrap();
        assert_eq!(counter.get(), 2, "an update was lost");
    });
}

#[test]
fn loom_finds_the_lost_update_in_the_racy_counter() {
    // We expect loom to find an interleaving where both threads read 0 and
    // both write 1: the model run panics, and that panic is the finding.
    let finding = catch_unwind(AssertUnwindSafe(two_increments::<RacyCounter>));
    assert!(
        finding.is_err(),
        "loom found no lost update in the racy counter"
    );
}

#[test]
fn the_mutex_counter_never_loses_an_update() {
    two_increments::<MutexCounter>();
}

#[test]
fn the_atomic_counter_never_loses_an_update() {
    two_increments::<AtomicCounter>();
}

#[test]
fn the_bounded_queue_delivers_every_item_once_and_closes_cleanly() {
    loom::model(|| {
        let queue = Arc::new(BoundedQueue::new(1));
        let producer = {
            let queue = Arc::clone(&queue);
            thread::spawn(move || {
                queue.push(1).unwrap();
                queue.push(2).unwrap();
                queue.close();
            })
        };
        let mut received = Vec::new();
        while let Some(item) = queue.pop() {
            received.push(item);
        }
        producer.join().unwrap();
        assert_eq!(received, [1, 2]);
        assert_eq!(queue.high_water_mark(), 1);
    });
}

#[test]
fn the_bounded_queue_serves_two_producers() {
    loom::model(|| {
        let queue = Arc::new(BoundedQueue::new(1));
        let producers: Vec<_> = [10, 20]
            .into_iter()
            .map(|item| {
                let queue = Arc::clone(&queue);
                thread::spawn(move || queue.push(item).unwrap())
            })
            .collect();
        let mut received = [queue.pop().unwrap(), queue.pop().unwrap()];
        for producer in producers {
            producer.join().unwrap();
        }
        received.sort_unstable();
        assert_eq!(received, [10, 20]);
    });
}

#[test]
fn the_semaphore_admits_one_at_a_time() {
    loom::model(|| {
        let semaphore = Arc::new(Semaphore::new(1));
        let inside = Arc::new(loom::sync::atomic::AtomicUsize::new(0));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (semaphore, inside) = (Arc::clone(&semaphore), Arc::clone(&inside));
                thread::spawn(move || {
                    let _permit = semaphore.acquire();
                    let now = inside.fetch_add(1, loom::sync::atomic::Ordering::SeqCst) + 1;
                    assert_eq!(now, 1, "two threads held the only permit");
                    inside.fetch_sub(1, loom::sync::atomic::Ordering::SeqCst);
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(semaphore.available(), 1);
    });
}

#[test]
fn the_event_never_loses_a_wake_up() {
    loom::model(|| {
        let event = Arc::new(Event::new());
        let waiter = {
            let event = Arc::clone(&event);
            thread::spawn(move || event.wait())
        };
        event.set();
        // If set() could slip between the waiter's check and its wait, this
        // join would deadlock, and loom reports a deadlock as a failure.
        waiter.join().unwrap();
    });
}
