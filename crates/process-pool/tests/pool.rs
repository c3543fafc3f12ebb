//! The pool's promises, on a job type defined in this file, the way a user
//! defines theirs: crashes cost exactly the task in flight, timeouts and
//! panics stay in their task, an unreadable result is reported, the
//! parent's death takes the workers with it, and nothing is left behind.
//!
//! This file is its own worker binary. A pool re-executes the binary it
//! runs in, so the first line of `main` must be `run_if_worker`, before
//! any test harness: hence `harness = false` in Cargo.toml and the small
//! runner at the bottom (libtest-mimic would do it too, but would bring
//! clap's default features into every test build of the crate).
//!
//! After each test, the runner scans `/proc` for any child of this
//! process, running or zombie, and fails the test if one is left. So the
//! tests run one at a time.

use process_pool::worker::run_if_worker;
use process_pool::{Job, Pool, PoolError, TaskError, Waited};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeSet;
use std::future::IntoFuture;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// This file's own work: nothing in the library knows of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum Probe {
    Square(u64),
    /// A square that takes a millisecond, so that a batch is under way for
    /// a while.
    SlowSquare(u64),
    Sleep {
        ms: u64,
    },
    Panic(String),
    KillWorker,
    ExitWorker(i32),
    /// Say this on stderr, then abort the worker.
    Abort(String),
    Unreadable,
    Pid,
    /// What the initializer left in this worker.
    Initialized,
    /// The initializer: leave a mark in this worker.
    Initialize(u64),
    /// Leak this many MiB, touched, and answer with the worker's pid.
    Leak(u64),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Answer {
    Number(u64),
    Pid(u32),
    /// Deserializes only when even, so the pool cannot read `Odd(Even(7))`.
    Odd(Even),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Even(u64);

impl<'de> Deserialize<'de> for Even {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = u64::deserialize(deserializer)?;
        if value % 2 == 1 {
            return Err(serde::de::Error::custom("odd"));
        }
        Ok(Even(value))
    }
}

/// Set by the initializer in each worker; 0 until then.
static MARK: AtomicU64 = AtomicU64::new(0);

impl Job for Probe {
    type Output = Answer;
    fn run(self) -> Answer {
        match self {
            Probe::Square(value) => Answer::Number(value * value),
            Probe::SlowSquare(value) => {
                thread::sleep(Duration::from_millis(1));
                Answer::Number(value * value)
            }
            Probe::Sleep { ms } => {
                thread::sleep(Duration::from_millis(ms));
                Answer::Number(ms)
            }
            Probe::Panic(message) => panic!("{message}"),
            Probe::KillWorker => {
                kill(std::process::id());
                thread::sleep(Duration::from_secs(60));
                unreachable!("alive a minute after SIGKILL")
            }
            Probe::ExitWorker(code) => std::process::exit(code),
            Probe::Abort(last_words) => {
                eprintln!("{last_words}");
                std::process::abort()
            }
            Probe::Unreadable => Answer::Odd(Even(7)),
            Probe::Pid => Answer::Pid(std::process::id()),
            Probe::Initialized => Answer::Number(MARK.load(Ordering::SeqCst)),
            Probe::Initialize(mark) => {
                MARK.store(mark, Ordering::SeqCst);
                Answer::Number(mark)
            }
            Probe::Leak(mib) => {
                // Every byte written, so that it is resident, then leaked.
                let leaked = vec![1_u8; (mib as usize) << 20];
                std::mem::forget(std::hint::black_box(leaked));
                Answer::Pid(std::process::id())
            }
        }
    }
}

/// The crate's own binary, which serves other job types than this file's.
const CRATE_BINARY: &str = env!("CARGO_BIN_EXE_process-pool");

/// The argument that makes this binary the parent of a pool, for the test
/// that kills a parent.
const PARENT_ROLE: &str = "--pool-parent";

/// SIGKILL, to a worker or to this process.
fn kill(pid: u32) {
    // SAFETY: kill(2) takes two integers and touches no memory of ours.
    let result = unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
    assert_eq!(result, 0, "kill({pid}) failed");
}

fn pool(workers: usize) -> Pool<Probe> {
    Pool::builder()
        .workers(workers)
        .build()
        .expect("starting the pool")
}

fn square(result: Result<Answer, TaskError>) -> u64 {
    match result {
        Ok(Answer::Number(number)) => number,
        other => panic!("expected a number, got {other:?}"),
    }
}

fn a_job_type_of_our_own_runs_through_map_submit_and_as_completed() {
    const PANICKER: u64 = 5;
    const KILLER: u64 = 13;
    let jobs = || {
        (0..20).map(|n| match n {
            PANICKER => Probe::Panic(format!("job {n} panics")),
            KILLER => Probe::KillWorker,
            n => Probe::Square(n),
        })
    };
    let pool = pool(2);
    // Checks one run's 20 results, given the first task id and whether the
    // results are in input order; returns the pid of the killed worker.
    let check = |first: u64, results: Vec<(u64, Result<Answer, TaskError>)>, pids: &[u32]| {
        assert_eq!(results.len(), 20);
        let mut killed = None;
        for (task, result) in results {
            match (task - first, result) {
                (
                    PANICKER,
                    Err(TaskError::Panicked {
                        task: id,
                        pid,
                        message,
                    }),
                ) => {
                    assert_eq!(id, task);
                    assert_eq!(message, format!("job {PANICKER} panics"));
                    // A worker's answers go back a write at a time, so the
                    // killer's worker may have died holding the panic's
                    // answer; then the panic ran again on its replacement.
                    let now = pool.worker_pids();
                    assert!(
                        pids.contains(&pid) || now.contains(&pid),
                        "panic reported pid {pid}, not one of {pids:?} or {now:?}"
                    );
                }
                (KILLER, Err(TaskError::WorkerCrashed { task: id, pid, how })) => {
                    assert_eq!(id, task);
                    assert_eq!(how, "killed by signal 9 (SIGKILL)");
                    assert!(
                        pids.contains(&pid),
                        "crash reported pid {pid}, not one of {pids:?}"
                    );
                    killed = Some(pid);
                }
                (n, result) => assert_eq!(square(result), n * n, "task {task}"),
            }
        }
        killed.expect("the killer's worker was reported")
    };

    // map, one item per chunk so that a crash takes only its own item. A
    // new pool numbers its tasks from 0.
    let before = pool.worker_pids();
    let results = pool.map(jobs(), Some(1));
    let killed = check(0, (0..).zip(results).collect(), &before);
    // The crash is reported first; the replacement starts right after. The
    // next run's pids are read once it is in, or its killer could land on
    // a worker the list does not hold yet.
    let replaced = |killed: u32| {
        let settled = || {
            let pids = pool.worker_pids();
            !pids.contains(&killed) && pids.len() == 2
        };
        assert!(
            within(Duration::from_secs(10), settled),
            "the dead worker {killed} was not replaced"
        );
    };
    replaced(killed);

    // submit: each handle keeps its own task id.
    let before = pool.worker_pids();
    let handles: Vec<_> = jobs().map(|job| pool.submit(job)).collect();
    let first = handles[0].id();
    let results = handles
        .into_iter()
        .map(|handle| (handle.id(), handle.result()))
        .collect();
    replaced(check(first, results, &before));

    // as_completed: in completion order, each with its task id.
    let before = pool.worker_pids();
    let results: Vec<_> = pool.as_completed(jobs()).collect();
    let first = results.iter().map(|(task, _)| *task).min().unwrap();
    let ids: BTreeSet<u64> = results.iter().map(|(task, _)| *task).collect();
    assert_eq!(ids, (first..first + 20).collect());
    check(first, results, &before);

    assert_eq!(pool.stats().crashed, 3);
    let restarted = || pool.stats().restarted == 3;
    assert!(
        within(Duration::from_secs(10), restarted),
        "{:?}",
        pool.stats()
    );
}

fn map_keeps_order_with_any_chunk_size_and_a_panic_fails_only_its_item() {
    let pool = pool(2);
    for chunk in [None, Some(1), Some(3), Some(7), Some(10_000)] {
        let jobs = (0..1000).map(|n| {
            if n == 400 {
                Probe::Panic("four hundred".to_string())
            } else {
                Probe::Square(n)
            }
        });
        let first = pool.submit(Probe::Square(0)).id() + 1;
        let results = pool.map(jobs, chunk);
        assert_eq!(results.len(), 1000, "chunk {chunk:?}");
        for (n, result) in (0..1000).zip(results) {
            match (n, result) {
                (400, Err(TaskError::Panicked { task, pid, message })) => {
                    assert_eq!(message, "four hundred");
                    assert_eq!(task, first + 400, "chunk {chunk:?}");
                    assert!(pool.worker_pids().contains(&pid), "pid {pid}");
                }
                (n, result) => assert_eq!(square(result), n * n, "chunk {chunk:?}"),
            }
        }
    }
}

fn map_unordered_yields_every_result_once_under_its_task_id() {
    let pool = pool(2);
    let first = pool.submit(Probe::Square(0)).id() + 1;
    let mut squares: Vec<(u64, u64)> = pool
        .map_unordered((0..200).map(Probe::Square), Some(7))
        .map(|(task, result)| (task - first, square(result)))
        .collect();
    squares.sort_unstable();
    assert_eq!(squares, (0..200).map(|n| (n, n * n)).collect::<Vec<_>>());
}

fn a_panic_stays_in_its_task_and_the_worker_lives_on() {
    let pool = pool(1);
    let worker = pool.worker_pids()[0];
    match pool.submit(Probe::Panic("boom".to_string())).result() {
        Err(TaskError::Panicked {
            task: 0,
            pid,
            message,
        }) => {
            assert_eq!(message, "boom");
            assert_eq!(pid, worker);
        }
        other => panic!("expected a panic, got {other:?}"),
    }
    assert_eq!(pool.submit(Probe::Pid).result(), Ok(Answer::Pid(worker)));
    assert_eq!(pool.stats().crashed, 0);
}

fn a_timed_out_task_fails_and_its_worker_is_replaced() {
    let pool = Pool::builder()
        .workers(1)
        .task_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let first = pool.worker_pids()[0];
    assert!(matches!(
        pool.submit(Probe::Sleep { ms: 60_000 }).result(),
        Err(TaskError::TimedOut { task: 0, pid, limit_ms: 100 }) if pid == first
    ));
    assert_eq!(square(pool.submit(Probe::Square(4)).result()), 16);
    assert_ne!(pool.worker_pids()[0], first);
    assert!(
        all_within(&[first], Duration::from_secs(2), gone),
        "the timed-out worker was not reaped"
    );
}

fn an_unreadable_result_is_reported_and_the_worker_goes_on() {
    let pool = pool(1);
    assert!(matches!(
        pool.submit(Probe::Unreadable).result(),
        Err(TaskError::BadResult { task: 0, .. })
    ));
    assert_eq!(square(pool.submit(Probe::Square(5)).result()), 25);
}

fn a_worker_that_exits_mid_task_is_reported_with_its_exit_code() {
    let pool = pool(1);
    match pool.submit(Probe::ExitWorker(7)).result() {
        Err(TaskError::WorkerCrashed { how, .. }) => assert_eq!(how, "exit code 7"),
        other => panic!("expected a crash, got {other:?}"),
    }
    assert_eq!(square(pool.submit(Probe::Square(6)).result()), 36);
}

fn result_timeout_gives_the_handle_back_until_the_task_ends() {
    let pool = pool(1);
    let handle = pool.submit(Probe::Sleep { ms: 300 });
    let handle = match handle.result_timeout(Duration::from_millis(1)) {
        Waited::Pending(handle) => handle,
        Waited::Done(result) => panic!("a 300 ms task ended within 1 ms: {result:?}"),
    };
    match handle.result_timeout(Duration::from_secs(30)) {
        Waited::Done(result) => assert_eq!(square(result), 300),
        Waited::Pending(_) => panic!("a 300 ms task did not end within 30 s"),
    }
}

fn a_cancelled_task_that_has_not_started_does_not_run() {
    let pool = pool(1);
    let busy = pool.submit(Probe::Sleep { ms: 300 });
    // Fill the worker's window so the next task waits in the queue.
    let fillers: Vec<_> = (0..20)
        .map(|_| pool.submit(Probe::Sleep { ms: 1 }))
        .collect();
    let waiting = pool.submit(Probe::Square(8));
    waiting.cancel();
    assert_eq!(waiting.result(), Err(TaskError::Cancelled { task: 21 }));
    assert!(busy.result().is_ok());
    assert!(fillers.into_iter().all(|filler| filler.result().is_ok()));
}

/// Waits, within a generous bound, until `done` holds.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(5));
    }
}

fn cancelling_a_running_task_kills_its_worker_and_fails_only_it() {
    let pool = pool(2);
    let running = pool.submit(Probe::Sleep { ms: 60_000 });
    eventually("the long task to be sent to a worker", || {
        pool.stats().busy >= 1
    });
    let others: Vec<_> = (0..30).map(|n| pool.submit(Probe::SlowSquare(n))).collect();
    running.cancel();
    // A minute of sleep, unless its worker was killed.
    assert_eq!(running.result(), Err(TaskError::Cancelled { task: 0 }));
    for (n, other) in (0..30).zip(others) {
        assert_eq!(square(other.result()), n * n);
    }
    // Killed and replaced: not a crash, and not the path of a task that
    // never started, which costs no worker.
    eventually("the killed worker's replacement", || {
        pool.stats().restarted == 1
    });
    assert_eq!(pool.stats().crashed, 0);
    assert_eq!(square(pool.submit(Probe::Square(9)).result()), 81);
}

fn as_completed_can_cancel_every_task_not_yet_answered() {
    let pool = pool(2);
    let jobs = (0..40).map(|n| match n {
        0 | 1 => Probe::Sleep { ms: 60_000 },
        n => Probe::Square(n),
    });
    let mut completed = pool.as_completed(jobs);
    eventually("a worker busy", || pool.stats().busy >= 1);
    completed.cancel_pending();
    let mut cancelled = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for (task, result) in completed {
        assert!(seen.insert(task), "task {task} answered twice");
        match result {
            Ok(Answer::Number(value)) => assert_eq!(value, task * task),
            Err(TaskError::Cancelled { task: id }) if id == task => {
                cancelled.insert(task);
            }
            other => panic!("task {task}: {other:?}"),
        }
    }
    assert_eq!(seen.len(), 40);
    // The two running a minute's sleep were stopped, their workers killed.
    assert!(
        cancelled.contains(&0) && cancelled.contains(&1),
        "{cancelled:?}"
    );
    assert_eq!(square(pool.submit(Probe::Square(4)).result()), 16);
}

/// Runs `jobs` through `as_completed` and checks that every task answered
/// exactly once; returns the results by input index.
fn each_once(pool: &Pool<Probe>, jobs: Vec<Probe>) -> Vec<Result<Answer, TaskError>> {
    let count = jobs.len();
    let finishing = pool.as_completed(jobs);
    let first = finishing.task_ids().start;
    let mut results: Vec<Option<Result<Answer, TaskError>>> = (0..count).map(|_| None).collect();
    for (task, result) in finishing {
        let slot = &mut results[(task - first) as usize];
        assert!(slot.is_none(), "task {task} answered twice");
        *slot = Some(result);
    }
    results
        .into_iter()
        .enumerate()
        .map(|(index, result)| result.unwrap_or_else(|| panic!("item {index} never answered")))
        .collect()
}

fn a_worker_killed_in_the_middle_of_a_batch_fails_only_its_task() {
    // One worker, so every task goes through it, a write of many at a time
    // once the first answers show they are tiny.
    const TASKS: u64 = 2_000;
    const KILLER: u64 = 1_500;
    let pool = pool(1);
    let victim = pool.worker_pids()[0];
    let jobs = (0..TASKS)
        .map(|n| match n {
            KILLER => Probe::KillWorker,
            n => Probe::Square(n),
        })
        .collect();
    for (n, result) in (0..).zip(each_once(&pool, jobs)) {
        match result {
            Err(TaskError::WorkerCrashed { pid, how, .. }) if n == KILLER => {
                assert_eq!(
                    (pid, how.as_str()),
                    (victim, "killed by signal 9 (SIGKILL)")
                );
            }
            result => assert_eq!(square(result), n * n, "task {n}"),
        }
    }
    let stats = pool.stats();
    assert_eq!(
        (stats.crashed, stats.completed),
        (1, TASKS - 1),
        "{stats:?}"
    );
}

fn a_batch_whose_last_task_hangs_times_out_alone() {
    const SQUARES: u64 = 500;
    let pool = Pool::builder()
        .workers(1)
        .task_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let victim = pool.worker_pids()[0];
    let jobs = (0..SQUARES)
        .map(Probe::Square)
        .chain([Probe::Sleep { ms: 60_000 }])
        .collect();
    let results = each_once(&pool, jobs);
    for (n, result) in (0..SQUARES).zip(&results) {
        assert_eq!(square(result.clone()), n * n, "task {n}");
    }
    assert!(
        matches!(
            results.last(),
            Some(Err(TaskError::TimedOut { pid, limit_ms: 300, .. })) if *pid == victim
        ),
        "{:?}",
        results.last()
    );
    // The timed-out result is sent before the replacement starts, so the
    // slot's pid is only sure to have changed once a later task has run.
    assert_eq!(square(pool.submit(Probe::Square(9)).result()), 81);
    assert_ne!(pool.worker_pids()[0], victim);
}

fn max_tasks_per_worker_holds_in_the_middle_of_a_batch() {
    const TASKS: usize = 1_000;
    const MOST: u64 = 64;
    let pool = Pool::builder()
        .workers(2)
        .max_tasks_per_worker(MOST)
        .build()
        .unwrap();
    let mut per_worker: std::collections::HashMap<u32, u64> = Default::default();
    for result in each_once(&pool, vec![Probe::Pid; TASKS]) {
        match result {
            Ok(Answer::Pid(pid)) => *per_worker.entry(pid).or_default() += 1,
            other => panic!("expected a pid, got {other:?}"),
        }
    }
    let most = per_worker.values().max().copied().unwrap_or(0);
    assert!(most <= MOST, "a worker ran {most} tasks: {per_worker:?}");
    assert!(per_worker.len() >= TASKS.div_ceil(MOST as usize));
}

fn a_crash_loop_stops_the_pool_and_names_its_cause() {
    const TASKS: u64 = 20;
    let pool = Pool::builder()
        .workers(2)
        .max_consecutive_crashes(3)
        .build()
        .unwrap();
    let jobs = (0..TASKS)
        .map(|n| Probe::Abort(format!("job {n}: the model file is missing")))
        .collect();
    let (mut crashed, mut broken) = (0, 0);
    for result in each_once(&pool, jobs) {
        match result {
            Err(TaskError::WorkerCrashed { how, .. }) => {
                assert_eq!(how, "killed by signal 6 (SIGABRT)");
                crashed += 1;
            }
            Err(TaskError::PoolBroken { cause, .. }) => {
                assert!(
                    cause.contains("workers in a row died before finishing a task"),
                    "{cause}"
                );
                assert!(cause.contains("killed by signal 6 (SIGABRT)"), "{cause}");
                assert!(cause.contains(": the model file is missing"), "{cause}");
                broken += 1;
            }
            other => panic!("expected a crash or a broken pool, got {other:?}"),
        }
    }
    // Each slot may lose one more worker before it sees the pool stop.
    assert!((3..=4).contains(&crashed), "{crashed} crashed");
    assert_eq!(crashed + broken, TASKS);
    assert!(pool.broken().is_some());
    // Nothing runs on a broken pool, and nothing waits either.
    assert!(matches!(
        pool.submit(Probe::Square(2)).result(),
        Err(TaskError::PoolBroken { .. })
    ));
    assert!(
        all_within(&pool.worker_pids(), Duration::from_secs(2), gone),
        "a worker of the broken pool is still running"
    );
}

fn crashes_between_finished_tasks_never_stop_the_pool() {
    // Every other task kills its worker, the rest finish: 50 deaths, never
    // two in a row without a finished task, against a limit of 2.
    let pool = Pool::builder()
        .workers(1)
        .max_consecutive_crashes(2)
        .build()
        .unwrap();
    let jobs = (0..100)
        .map(|n| match n % 2 {
            0 => Probe::Square(n),
            _ => Probe::ExitWorker(9),
        })
        .collect();
    for (n, result) in (0..).zip(each_once(&pool, jobs)) {
        match result {
            Err(TaskError::WorkerCrashed { how, .. }) if n % 2 == 1 => {
                assert_eq!(how, "exit code 9")
            }
            result => assert_eq!(square(result), n * n, "task {n}"),
        }
    }
    assert_eq!(pool.broken(), None);
    assert_eq!(pool.stats().crashed, 50);
}

fn awaited_handles_and_streamed_results_carry_every_outcome() {
    use futures_util::StreamExt;
    let pool = pool(2);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        assert_eq!(square(pool.submit(Probe::Square(3)).await), 9);
        assert!(matches!(
            pool.submit(Probe::ExitWorker(5)).await,
            Err(TaskError::WorkerCrashed { how, .. }) if how == "exit code 5"
        ));
        // Cancelled while awaited and running: its worker is killed.
        let sleeper = pool.submit(Probe::Sleep { ms: 60_000 }).into_future();
        eventually("the sleeper to start", || pool.stats().busy > 0);
        sleeper.cancel();
        assert!(matches!(sleeper.await, Err(TaskError::Cancelled { .. })));
        let mut streamed = pool.as_completed((0..50).map(Probe::Square));
        let first = streamed.task_ids().start;
        let mut seen = BTreeSet::new();
        while let Some((task, result)) = StreamExt::next(&mut streamed).await {
            assert_eq!(square(result), (task - first) * (task - first));
            assert!(seen.insert(task), "task {task} twice");
        }
        assert_eq!(seen.len(), 50);
    });
}

/// A worker that leaks 16 MiB a task, against a 64 MiB limit: every task
/// still succeeds, the worker is replaced every few tasks, and the pool
/// counts each replacement.
fn a_worker_over_its_memory_limit_is_replaced_and_its_task_succeeds() {
    let pool = Pool::builder()
        .workers(1)
        .max_worker_memory(64 << 20)
        .build()
        .expect("starting the pool");
    let mut pids = Vec::new();
    for _ in 0..12 {
        match pool.submit(Probe::Leak(16)).result() {
            Ok(Answer::Pid(pid)) => pids.push(pid),
            other => panic!("a leaking task failed: {other:?}"),
        }
    }
    let stats = pool.stats();
    if cfg!(target_os = "linux") {
        // Each worker runs at most four leaks before it is over 64 MiB.
        assert!(stats.recycled >= 2, "{stats:?}, pids {pids:?}");
        let distinct: BTreeSet<u32> = pids.iter().copied().collect();
        assert!(distinct.len() >= 3, "pids {pids:?}");
        assert_eq!(stats.crashed, 0, "{stats:?}");
        for run in pids.chunk_by(|a, b| a == b) {
            assert!(run.len() <= 4, "a worker ran {} leaks: {pids:?}", run.len());
        }
    }
    assert_eq!(square(pool.submit(Probe::Square(5)).result()), 25);
}

fn the_initializer_runs_in_every_worker_before_any_task() {
    let pool = Pool::builder()
        .workers(2)
        .initializer(Probe::Initialize(42))
        .build()
        .unwrap();
    let marks = pool.map((0..8).map(|_| Probe::Initialized), Some(1));
    assert!(marks.into_iter().all(|mark| square(mark) == 42));
    // A replacement worker runs it too.
    assert!(pool.submit(Probe::KillWorker).result().is_err());
    let marks = pool.map((0..8).map(|_| Probe::Initialized), Some(1));
    assert!(marks.into_iter().all(|mark| square(mark) == 42));

    let failing = Pool::builder()
        .workers(1)
        .initializer(Probe::Panic("no model".to_string()))
        .build();
    match failing {
        Err(PoolError::InitializerFailed { message, .. }) => assert_eq!(message, "no model"),
        Err(other) => panic!("expected InitializerFailed, got {other}"),
        Ok(_) => panic!("a pool whose initializer panics started"),
    }
}

fn shutdown_finishes_the_queue_and_reaps_every_worker() {
    let pool = pool(2);
    let pids = pool.worker_pids();
    let handles: Vec<_> = (0..10).map(|n| pool.submit(Probe::Square(n))).collect();
    pool.shutdown(Duration::from_secs(30));
    for (n, handle) in (0..10).zip(handles) {
        assert_eq!(square(handle.result()), n * n);
    }
    assert!(
        all_within(&pids, Duration::from_secs(2), gone),
        "workers {pids:?} outlived the pool"
    );
}

fn dropping_the_pool_kills_and_reaps_every_worker() {
    let pool = pool(2);
    let pids = pool.worker_pids();
    let stuck = pool.submit(Probe::Sleep { ms: 60_000 });
    drop(pool);
    assert_eq!(stuck.result(), Err(TaskError::PoolClosed { task: 0 }));
    assert!(
        all_within(&pids, Duration::from_secs(2), gone),
        "workers {pids:?} outlived the pool"
    );
}

fn a_worker_that_cannot_start_fails_build_instead_of_hanging() {
    match Pool::<Probe>::builder().workers(1).exe("/bin/true").build() {
        Err(error) => assert!(
            error.to_string().contains("exited before connecting"),
            "{error}"
        ),
        Ok(_) => panic!("a pool of `true` workers started"),
    }
}

fn a_binary_that_does_not_serve_the_job_type_says_so_and_exits_2() {
    // The crate's binary serves its own job types, not this file's.
    match Pool::<Probe>::builder()
        .workers(1)
        .exe(CRATE_BINARY)
        .build()
    {
        Err(PoolError::ExitedBeforeConnecting { how, stderr, .. }) => {
            assert_eq!(how, "exit code 2");
            assert!(stderr.contains("but this binary serves only"), "{stderr:?}");
        }
        Err(other) => panic!("expected an exit before connecting, got {other}"),
        Ok(_) => panic!("the crate's binary ran this file's jobs"),
    }
}

fn a_worker_sigkilled_mid_map_costs_exactly_its_task_50_times_in_a_row() {
    const ROUNDS: u64 = 50;
    const TASKS: u64 = 1000;
    let pool = pool(2);
    for round in 1..=ROUNDS {
        let victim = pool.worker_pids()[0];
        let completed_before = pool.stats().completed;
        let results = thread::scope(|scope| {
            scope.spawn(|| {
                // Wait until the batch is well under way, then kill.
                while pool.stats().completed < completed_before + TASKS / 4 {
                    thread::sleep(Duration::from_micros(200));
                }
                kill(victim);
            });
            let handles: Vec<_> = (0..TASKS)
                .map(|value| pool.submit(Probe::SlowSquare(value)))
                .collect();
            handles
                .into_iter()
                .map(|handle| handle.result())
                .collect::<Vec<_>>()
        });
        let mut failed = Vec::new();
        for (value, result) in (0..TASKS).zip(results) {
            match result {
                Err(TaskError::WorkerCrashed { pid, how, .. })
                    if pid == victim && how.contains("SIGKILL") =>
                {
                    failed.push(value)
                }
                result => assert_eq!(square(result), value * value, "round {round}"),
            }
        }
        assert_eq!(
            failed.len(),
            1,
            "round {round}: not exactly the task in flight failed: {failed:?}"
        );
        // The crash is answered before the replacement starts, so wait
        // for it rather than read the pids once.
        let replaced = || !pool.worker_pids().contains(&victim) && pool.stats().restarted == round;
        assert!(
            within(Duration::from_secs(10), replaced),
            "round {round}: the dead worker was not replaced"
        );
    }
    let stats = pool.stats();
    assert_eq!(
        (stats.crashed, stats.restarted),
        (ROUNDS, ROUNDS),
        "{stats:?}"
    );
}

fn workers_die_within_a_second_of_their_parent_being_killed() {
    // The parent: this binary, running slow tasks on 3 workers.
    let mut parent = Command::new(std::env::current_exe().unwrap())
        .arg(PARENT_ROLE)
        .stdout(Stdio::null())
        .spawn()
        .expect("starting a pool");
    let parent_pid = parent.id();
    let deadline = Instant::now() + Duration::from_secs(10);
    let workers = loop {
        let workers: Vec<u32> = children_of(parent_pid)
            .into_iter()
            .map(|(pid, _)| pid)
            .collect();
        if workers.len() == 3 || Instant::now() > deadline {
            break workers;
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

/// Processes whose parent is `parent`, with their state letter.
fn children_of(parent: u32) -> Vec<(u32, String)> {
    let parent = parent.to_string();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
            let state = fields.next()?.to_string();
            (fields.next()? == parent).then_some((pid, state))
        })
        .collect()
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
    within(limit, || pids.iter().all(|&pid| test(pid)))
}

/// Waits up to `limit` for `condition` to hold.
fn within(limit: Duration, condition: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while !condition() {
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(10));
    }
    true
}

/// Every test, by name.
const TESTS: &[(&str, fn())] = &[
    test!(a_job_type_of_our_own_runs_through_map_submit_and_as_completed),
    test!(map_keeps_order_with_any_chunk_size_and_a_panic_fails_only_its_item),
    test!(map_unordered_yields_every_result_once_under_its_task_id),
    test!(a_panic_stays_in_its_task_and_the_worker_lives_on),
    test!(a_timed_out_task_fails_and_its_worker_is_replaced),
    test!(an_unreadable_result_is_reported_and_the_worker_goes_on),
    test!(a_worker_that_exits_mid_task_is_reported_with_its_exit_code),
    test!(result_timeout_gives_the_handle_back_until_the_task_ends),
    test!(a_cancelled_task_that_has_not_started_does_not_run),
    test!(cancelling_a_running_task_kills_its_worker_and_fails_only_it),
    test!(as_completed_can_cancel_every_task_not_yet_answered),
    test!(a_worker_killed_in_the_middle_of_a_batch_fails_only_its_task),
    test!(a_batch_whose_last_task_hangs_times_out_alone),
    test!(max_tasks_per_worker_holds_in_the_middle_of_a_batch),
    test!(awaited_handles_and_streamed_results_carry_every_outcome),
    test!(a_crash_loop_stops_the_pool_and_names_its_cause),
    test!(crashes_between_finished_tasks_never_stop_the_pool),
    test!(a_worker_over_its_memory_limit_is_replaced_and_its_task_succeeds),
    test!(the_initializer_runs_in_every_worker_before_any_task),
    test!(shutdown_finishes_the_queue_and_reaps_every_worker),
    test!(dropping_the_pool_kills_and_reaps_every_worker),
    test!(a_worker_that_cannot_start_fails_build_instead_of_hanging),
    test!(a_binary_that_does_not_serve_the_job_type_says_so_and_exits_2),
    test!(a_worker_sigkilled_mid_map_costs_exactly_its_task_50_times_in_a_row),
    test!(workers_die_within_a_second_of_their_parent_being_killed),
];

macro_rules! test {
    ($name:ident) => {
        (stringify!($name), $name as fn())
    };
}
use test;

fn main() -> ExitCode {
    // In a worker process this runs `Probe` jobs and never returns.
    run_if_worker::<Probe>();
    if std::env::args().nth(1).as_deref() == Some(PARENT_ROLE) {
        // The parent the test kills: 3 workers busy until it is gone.
        let pool = pool(3);
        let slow: Vec<_> = (0..3)
            .map(|_| pool.submit(Probe::Sleep { ms: 60_000 }))
            .collect();
        slow.into_iter().for_each(|handle| drop(handle.result()));
        return ExitCode::FAILURE;
    }

    // Like libtest: the arguments that are not flags filter tests by name.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .collect();
    let chosen: Vec<_> = TESTS
        .iter()
        .filter(|(name, _)| filters.is_empty() || filters.iter().any(|f| name.contains(f)))
        .collect();
    let started = Instant::now();
    println!("\nrunning {} tests", chosen.len());
    let mut failed = Vec::new();
    for (name, test) in &chosen {
        let outcome = catch_unwind(AssertUnwindSafe(test)).map_err(|_| "panicked".to_string());
        let outcome = outcome.and_then(|()| no_children_left());
        match outcome {
            Ok(()) => println!("test {name} ... ok"),
            Err(why) => {
                println!("test {name} ... FAILED ({why})");
                failed.push(*name);
            }
        }
    }
    let passed = chosen.len() - failed.len();
    let verdict = if failed.is_empty() { "ok" } else { "FAILED" };
    println!(
        "\ntest result: {verdict}. {passed} passed; {} failed; 0 ignored; 0 measured; {} filtered out; finished in {:.2}s\n",
        failed.len(),
        TESTS.len() - chosen.len(),
        started.elapsed().as_secs_f64()
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The leftover check: after a test (and its pools) ended, this process
/// has no child left, running or zombie. Workers may take a moment to be
/// reaped after a kill, so it waits up to 2 s.
fn no_children_left() -> Result<(), String> {
    let us = std::process::id();
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut left = children_of(us);
    while !left.is_empty() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
        left = children_of(us);
    }
    if left.is_empty() {
        Ok(())
    } else {
        Err(format!("processes left behind (pid, state): {left:?}"))
    }
}
