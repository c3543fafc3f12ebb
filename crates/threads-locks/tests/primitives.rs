//! The library's primitives, used directly: the bounded queue, the
//! semaphore, the event and the counters.

use std::thread;
use std::time::Duration;
use threads_locks::bounded_queue::{BoundedQueue, PopError, PushError};
use threads_locks::counter::{
    AtomicCounter, Counter, MutexCounter, ParkingLotCounter, RacyCounter, count_concurrently,
};
use threads_locks::event::Event;
use threads_locks::semaphore::Semaphore;

const SHORT: Duration = Duration::from_millis(10);

#[test]
fn queue_is_first_in_first_out() {
    let queue = BoundedQueue::new(3);
    for item in 1..=3 {
        queue.push(item).unwrap();
    }
    assert_eq!(
        (queue.pop(), queue.pop(), queue.pop()),
        (Some(1), Some(2), Some(3))
    );
}

#[test]
fn a_full_queue_times_out_and_hands_the_item_back() {
    let queue = BoundedQueue::new(1);
    queue.push("first").unwrap();
    assert_eq!(
        queue.push_timeout("second", SHORT),
        Err(PushError::Timeout("second"))
    );
    assert_eq!(queue.high_water_mark(), 1);
}

#[test]
fn an_empty_queue_times_out() {
    let queue: BoundedQueue<u8> = BoundedQueue::new(1);
    assert_eq!(queue.pop_timeout(SHORT), Err(PopError::Timeout));
}

#[test]
fn closing_drains_then_ends_and_refuses_pushes() {
    let queue = BoundedQueue::new(4);
    queue.push(1).unwrap();
    queue.push(2).unwrap();
    queue.close();
    assert_eq!(queue.push(3), Err(PushError::Closed(3)));
    assert_eq!(queue.pop(), Some(1));
    assert_eq!(queue.pop(), Some(2));
    assert_eq!(queue.pop(), None);
    assert_eq!(queue.pop_timeout(SHORT), Err(PopError::Closed));
}

#[test]
fn closing_wakes_a_blocked_consumer() {
    let queue: BoundedQueue<u8> = BoundedQueue::new(1);
    thread::scope(|scope| {
        let consumer = scope.spawn(|| queue.pop());
        thread::sleep(SHORT);
        queue.close();
        assert_eq!(consumer.join().unwrap(), None);
    });
}

#[test]
fn a_blocked_producer_proceeds_when_space_frees() {
    let queue = BoundedQueue::new(1);
    queue.push(1).unwrap();
    thread::scope(|scope| {
        let producer = scope.spawn(|| queue.push(2));
        thread::sleep(SHORT);
        assert_eq!(queue.pop(), Some(1));
        producer.join().unwrap().unwrap();
    });
    assert_eq!(queue.pop(), Some(2));
    assert_eq!(queue.high_water_mark(), 1);
}

#[test]
fn semaphore_permits_come_back_on_drop() {
    let semaphore = Semaphore::new(2);
    let first = semaphore.acquire();
    let second = semaphore.try_acquire().expect("a second permit");
    assert!(semaphore.try_acquire().is_none());
    assert!(semaphore.acquire_timeout(SHORT).is_none());
    drop(first);
    assert_eq!(semaphore.available(), 1);
    drop(second);
    assert_eq!(semaphore.available(), 2);
}

#[test]
fn semaphore_wakes_a_waiter_when_a_permit_is_dropped() {
    let semaphore = Semaphore::new(1);
    let held = semaphore.acquire();
    thread::scope(|scope| {
        let waiter = scope.spawn(|| semaphore.acquire_timeout(Duration::from_secs(30)).is_some());
        thread::sleep(SHORT);
        drop(held);
        assert!(waiter.join().unwrap());
    });
}

#[test]
fn event_wait_returns_once_set_and_blocks_after_clear() {
    let event = Event::new();
    assert!(!event.is_set());
    assert!(!event.wait_timeout(SHORT));
    event.set();
    event.wait();
    assert!(event.wait_timeout(Duration::ZERO));
    event.clear();
    assert!(!event.wait_timeout(SHORT));
}

#[test]
fn event_set_from_another_thread_releases_the_waiter() {
    let event = Event::new();
    thread::scope(|scope| {
        let waiter = scope.spawn(|| event.wait_timeout(Duration::from_secs(30)));
        thread::sleep(SHORT);
        event.set();
        assert!(waiter.join().unwrap());
    });
}

#[test]
fn exact_counters_are_exact_under_contention() {
    let counters: [&dyn Counter; 3] = [
        &MutexCounter::default(),
        &ParkingLotCounter::default(),
        &AtomicCounter::default(),
    ];
    for counter in counters {
        let report = count_concurrently(counter, 4, 25_000);
        assert_eq!(
            (report.actual, report.lost_updates()),
            (100_000, 0),
            "{}",
            counter.name()
        );
    }
}

#[test]
fn the_racy_counter_is_exact_on_one_thread_only() {
    let alone = count_concurrently(&RacyCounter::default(), 1, 1000);
    assert_eq!(alone.lost_updates(), 0);
    let contended = count_concurrently(&RacyCounter::default(), 4, 10_000);
    assert!(
        contended.lost_updates() > 0,
        "four threads with a yield in the gap lost nothing"
    );
    assert!(contended.actual <= contended.expected);
}
