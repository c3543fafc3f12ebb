//! The pool's promises, with the crate's binary as the worker: crashes cost
//! exactly the task in flight, timeouts and panics stay in their task, an
//! unreadable result is reported, the parent's death takes the workers with
//! it, and nothing is left behind.

use process_pool::pool::Pool;
use process_pool::protocol::{Output, Task, TaskError};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

/// The leftover check looks at every child of this process, so the tests
/// in this file run one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Taken first in each test; when the test ends (after its pool is
/// dropped), checks through /proc that this process has no child left,
/// running or zombie.
struct LeftoverCheck {
    _serial: MutexGuard<'static, ()>,
}

impl LeftoverCheck {
    fn new() -> Self {
        LeftoverCheck {
            _serial: ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner),
        }
    }
}

/// Processes whose parent is this test process, with their state.
fn our_children() -> Vec<(u32, String)> {
    let us = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
            let state = fields.next()?.to_string();
            (fields.next()? == us).then_some((pid, state))
        })
        .collect()
}

impl Drop for LeftoverCheck {
    fn drop(&mut self) {
        if thread::panicking() {
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut left = our_children();
        while !left.is_empty() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
            left = our_children();
        }
        assert!(
            left.is_empty(),
            "processes left behind (pid, state): {left:?}"
        );
    }
}

const WORKER: &str = env!("CARGO_BIN_EXE_process-pool");

fn pool(workers: usize) -> Pool {
    Pool::builder()
        .workers(workers)
        .exe(WORKER)
        .build()
        .expect("starting the pool")
}

/// Reaped: not even a zombie is left.
fn gone(pid: u32) -> bool {
    !Path::new(&format!("/proc/{pid}")).exists()
}

/// Not running: reaped, or a zombie waiting for whoever adopted it.
fn dead(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
        stat.rfind(')')
            .and_then(|at| stat[at + 1..].split_whitespace().next())
            == Some("Z")
    })
}

/// Waits up to `limit` for `test` to hold for every pid.
fn all_within(pids: &[u32], limit: Duration, test: fn(u32) -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if pids.iter().all(|&pid| test(pid)) {
            return true;
        }
        thread::sleep(Duration::from_millis(10));
    }
    false
}

/// The pool's own workers must be reaped by the pool itself.
fn all_gone_within(pids: &[u32], limit: Duration) -> bool {
    all_within(pids, limit, gone)
}

#[test]
fn a_worker_sigkilled_mid_map_costs_exactly_its_task_50_times_in_a_row() {
    let _check = LeftoverCheck::new();
    let output = Command::new(WORKER)
        .args(["crash", "--external-kill-rounds", "50"])
        .output()
        .expect("running the crash rounds");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains(
        "50 rounds: one worker SIGKILLed mid-map each time, exactly one task failed each time"
    ));
    assert!(
        stdout.contains("pool stats: 50 crashed, 50 restarted"),
        "{stdout}"
    );
}

#[test]
fn a_panic_stays_in_its_task() {
    let _check = LeftoverCheck::new();
    let pool = pool(1);
    match pool.submit(Task::Panic("boom".to_string())).result() {
        Err(TaskError::Panicked {
            task: 0, message, ..
        }) => assert_eq!(message, "boom"),
        other => panic!("expected a panic, got {other:?}"),
    }
    assert_eq!(pool.submit(Task::Square(3)).result(), Ok(Output::Number(9)));
    assert_eq!(pool.stats().crashed, 0);
}

#[test]
fn a_timed_out_task_fails_and_its_worker_is_replaced() {
    let _check = LeftoverCheck::new();
    let pool = Pool::builder()
        .workers(1)
        .exe(WORKER)
        .task_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let first = pool.worker_pids()[0];
    assert!(matches!(
        pool.submit(Task::Sleep { ms: 60_000 }).result(),
        Err(TaskError::TimedOut { task: 0, .. })
    ));
    assert_eq!(
        pool.submit(Task::Square(4)).result(),
        Ok(Output::Number(16))
    );
    assert_ne!(pool.worker_pids()[0], first);
    assert!(
        all_gone_within(&[first], Duration::from_secs(2)),
        "the timed-out worker was not reaped"
    );
}

#[test]
fn an_unreadable_result_is_reported_and_the_worker_goes_on() {
    let _check = LeftoverCheck::new();
    let pool = pool(1);
    assert!(matches!(
        pool.submit(Task::UnreadableResult).result(),
        Err(TaskError::BadResult { task: 0, .. })
    ));
    assert_eq!(
        pool.submit(Task::Square(5)).result(),
        Ok(Output::Number(25))
    );
}

#[test]
fn a_worker_that_exits_mid_task_is_reported_with_its_exit_code() {
    let _check = LeftoverCheck::new();
    let pool = pool(1);
    match pool.submit(Task::ExitWorker(7)).result() {
        Err(TaskError::WorkerCrashed { how, .. }) => assert_eq!(how, "exit code 7"),
        other => panic!("expected a crash, got {other:?}"),
    }
    assert_eq!(
        pool.submit(Task::Square(6)).result(),
        Ok(Output::Number(36))
    );
}

#[test]
fn map_keeps_order_with_any_chunk_size() {
    let _check = LeftoverCheck::new();
    let pool = pool(2);
    for chunk in [None, Some(1), Some(7), Some(10_000)] {
        let squares: Vec<u64> = pool
            .map(0..1000, chunk)
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            squares,
            (0..1000).map(|n| n * n).collect::<Vec<_>>(),
            "chunk {chunk:?}"
        );
    }
}

#[test]
fn a_cancelled_task_that_has_not_started_does_not_run() {
    let _check = LeftoverCheck::new();
    let pool = pool(1);
    let busy = pool.submit(Task::Sleep { ms: 300 });
    // Fill the worker's window so the next task waits in the queue.
    let fillers: Vec<_> = (0..20)
        .map(|_| pool.submit(Task::Sleep { ms: 1 }))
        .collect();
    let waiting = pool.submit(Task::Square(8));
    waiting.cancel();
    assert_eq!(waiting.result(), Err(TaskError::Cancelled { task: 21 }));
    assert!(busy.result().is_ok());
    assert!(fillers.into_iter().all(|filler| filler.result().is_ok()));
}

#[test]
fn shutdown_finishes_the_queue_and_reaps_every_worker() {
    let _check = LeftoverCheck::new();
    let pool = pool(2);
    let pids = pool.worker_pids();
    let handles: Vec<_> = (0..10)
        .map(|n| {
            pool.submit(Task::SlowSquare {
                value: n,
                sleep_ms: 5,
            })
        })
        .collect();
    pool.shutdown(Duration::from_secs(30));
    for (n, handle) in (0..10).zip(handles) {
        assert_eq!(handle.result(), Ok(Output::Number(n * n)));
    }
    assert!(
        all_gone_within(&pids, Duration::from_secs(2)),
        "workers {pids:?} outlived the pool"
    );
}

#[test]
fn dropping_the_pool_kills_and_reaps_every_worker() {
    let _check = LeftoverCheck::new();
    let pool = pool(2);
    let pids = pool.worker_pids();
    let _stuck = pool.submit(Task::Sleep { ms: 60_000 });
    drop(pool);
    assert!(
        all_gone_within(&pids, Duration::from_secs(2)),
        "workers {pids:?} outlived the pool"
    );
}

#[test]
fn a_worker_that_cannot_start_fails_build_instead_of_hanging() {
    let _check = LeftoverCheck::new();
    match Pool::builder().workers(1).exe("/bin/true").build() {
        Err(error) => assert!(
            error.to_string().contains("exited before connecting"),
            "{error}"
        ),
        Ok(_) => panic!("a pool of `true` workers started"),
    }
}

#[test]
fn workers_die_within_a_second_of_their_parent_being_killed() {
    let _check = LeftoverCheck::new();
    // The parent: the binary running a long map, in its own process group.
    let mut parent = Command::new(WORKER)
        .args(["as-completed", "--sleep-ms", "5000"])
        .stdout(Stdio::null())
        .spawn()
        .expect("starting a pool");
    let parent_pid = parent.id();
    // Find its workers through /proc: processes whose parent it is.
    let deadline = Instant::now() + Duration::from_secs(10);
    let workers = loop {
        let children: Vec<u32> = std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .ok()
                    .and_then(|stat| {
                        stat[stat.rfind(')')? + 1..]
                            .split_whitespace()
                            .nth(1)?
                            .parse::<u32>()
                            .ok()
                    })
                    == Some(parent_pid)
            })
            .collect();
        if children.len() == 3 || Instant::now() > deadline {
            break children;
        }
        thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(workers.len(), 3, "the pool's 3 workers did not all start");
    parent.kill().unwrap();
    parent.wait().unwrap();
    // Orphans of the killed parent are adopted by init, so reaping them is
    // init's job; what the pool promises is that they stop running.
    let ended = all_within(&workers, Duration::from_secs(1), dead);
    let states: Vec<String> = workers
        .iter()
        .map(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default())
        .collect();
    assert!(
        ended,
        "workers {workers:?} outlived their killed parent: {states:?}"
    );
}

#[test]
fn map_unordered_yields_every_square_once() {
    let _check = LeftoverCheck::new();
    let pool = pool(2);
    let mut squares: Vec<(u64, u64)> = pool
        .map_unordered(0..200)
        .map(|(task, result)| match result {
            Ok(Output::Number(square)) => (task, square),
            other => panic!("task {task}: {other:?}"),
        })
        .collect();
    squares.sort_unstable();
    assert_eq!(squares, (0..200).map(|n| (n, n * n)).collect::<Vec<_>>());
}

#[test]
fn map_tasks_runs_any_work_in_order_and_keeps_a_panic_to_its_part() {
    let _check = LeftoverCheck::new();
    let pool = pool(2);
    for chunk in [None, Some(3)] {
        let tasks = (0..10).map(|n| {
            if n == 4 {
                Task::Panic("four".to_string())
            } else {
                Task::Square(n)
            }
        });
        let results = pool.map_tasks(tasks, chunk);
        assert_eq!(results.len(), 10);
        for (n, result) in (0..10).zip(results) {
            match (n, result) {
                (4, Err(TaskError::Panicked { message, .. })) => assert_eq!(message, "four"),
                (n, Ok(Output::Number(square))) => assert_eq!(square, n * n),
                (n, other) => panic!("task {n}: {other:?}"),
            }
        }
    }
}
