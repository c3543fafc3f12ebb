//! The executor, used directly.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;
use thread_pool::executor::{Executor, ExecutorError, TaskError};

#[test]
fn zero_workers_is_an_error() {
    assert!(matches!(Executor::new(0), Err(ExecutorError::NoWorkers)));
}

#[test]
fn map_returns_results_in_input_order() {
    let executor = Executor::new(3).unwrap();
    let squares = executor.map((0..1000u64).collect::<Vec<_>>(), |number| number * number);
    assert_eq!(
        squares,
        (0..1000u64)
            .map(|number| number * number)
            .collect::<Vec<_>>()
    );
    assert_eq!(executor.max_workers(), 3);
}

#[test]
fn submit_gives_each_task_its_own_result_and_id() {
    let executor = Executor::new(2).unwrap();
    let handles: Vec<_> = (0..50u64)
        .map(|number| executor.submit(move || number + 1))
        .collect();
    for (expected_id, handle) in handles.into_iter().enumerate() {
        assert_eq!(handle.id(), expected_id as u64);
        assert_eq!(handle.result(), Ok(expected_id as u64 + 1));
    }
}

#[test]
fn a_panic_is_returned_in_that_tasks_result_only() {
    let executor = Executor::new(1).unwrap();
    let bad = executor.submit(|| -> u8 { panic!("boom") });
    let good = executor.submit(|| 7u8);
    assert_eq!(
        bad.result(),
        Err(TaskError::Panicked {
            task: 0,
            message: "boom".to_string()
        })
    );
    assert_eq!(good.result(), Ok(7));
    // The single worker survived the panic.
    assert_eq!(executor.submit(|| 8u8).result(), Ok(8));
}

#[test]
fn result_timeout_times_out_then_still_delivers() {
    let executor = Executor::new(1).unwrap();
    let slow = executor.submit(|| {
        thread::sleep(Duration::from_millis(100));
        "done"
    });
    assert_eq!(
        slow.result_timeout(Duration::from_millis(1)),
        Err(TaskError::TimedOut { task: 0 })
    );
    assert_eq!(slow.result_timeout(Duration::from_secs(30)), Ok("done"));
    // The value was taken; a further call has nothing left to give.
    assert_eq!(
        slow.result_timeout(Duration::from_millis(1)),
        Err(TaskError::Lost { task: 0 })
    );
}

#[test]
fn as_completed_yields_every_task_once_with_its_own_result() {
    let executor = Executor::new(3).unwrap();
    let sleeps_ms = [60u64, 0, 30];
    let tasks = sleeps_ms.map(|sleep_ms| {
        move || {
            thread::sleep(Duration::from_millis(sleep_ms));
            sleep_ms
        }
    });
    let finished: Vec<(u64, u64)> = executor
        .as_completed(tasks)
        .map(|(id, result)| (id, result.unwrap()))
        .collect();
    let mut ids: Vec<u64> = finished.iter().map(|&(id, _)| id).collect();
    ids.sort_unstable();
    assert_eq!(ids, [0, 1, 2]);
    for (id, slept) in finished {
        assert_eq!(
            slept, sleeps_ms[id as usize],
            "task {id} carried another task's result"
        );
    }
}

#[test]
fn dropping_the_executor_waits_for_every_task() {
    let finished = Arc::new(AtomicUsize::new(0));
    let executor = Executor::new(2).unwrap();
    for _ in 0..6 {
        let finished = Arc::clone(&finished);
        // Nobody keeps the handles: the tasks must run all the same.
        drop(executor.submit(move || {
            thread::sleep(Duration::from_millis(10));
            finished.fetch_add(1, Ordering::SeqCst);
        }));
    }
    executor.shutdown();
    assert_eq!(finished.load(Ordering::SeqCst), 6);
}
