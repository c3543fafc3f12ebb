//! The parent's side of each demo: create the block, start the workers,
//! give the start signal, wait, and read the results.

use super::counting::Strategy;
use super::layout::Shared;
use super::workers::{Plan, Role, Workers};
use anyhow::{Context, Result, ensure};
use shared_counter::shm::SharedMemory;
use std::process::ExitStatus;
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

/// How long the workers of one run may take, all together.
const RUN_LIMIT: Duration = Duration::from_secs(300);
/// How long the crash demo waits for its victim to take the lock.
const VICTIM_LIMIT: Duration = Duration::from_secs(10);

/// One run of a counting strategy.
#[derive(Debug, Clone, Copy)]
pub struct CountReport {
    /// Processes x increments.
    pub expected: u64,
    /// What the counter says.
    pub actual: u64,
    /// From the first worker's start to the last worker's finish.
    pub elapsed: Duration,
}

impl CountReport {
    /// The increments the counter is short of.
    pub fn lost(&self) -> u64 {
        self.expected.saturating_sub(self.actual)
    }

    /// Throughput over [`elapsed`](Self::elapsed).
    pub fn increments_per_second(&self) -> f64 {
        self.expected as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// The span from the first start to the last finish, as the workers
/// recorded them.
fn span(shared: &Shared, workers: usize) -> Duration {
    let slots = &shared.workers[..workers];
    let start = slots
        .iter()
        .map(|slot| slot.0.started_ns.load(Ordering::SeqCst))
        .min()
        .unwrap_or(0);
    let end = slots
        .iter()
        .map(|slot| slot.0.finished_ns.load(Ordering::SeqCst))
        .max()
        .unwrap_or(0);
    Duration::from_nanos(end.saturating_sub(start))
}

/// `processes` workers each add `increments` to one counter with
/// `strategy`. `on_ready` runs once every worker is ready, just before the
/// start signal (the tests use it to make the parent panic there). Each
/// worker runs [`Strategy::count`].
pub fn count(
    strategy: Strategy,
    processes: usize,
    increments: u64,
    on_ready: impl FnOnce(),
) -> Result<CountReport> {
    let memory = SharedMemory::<Shared>::create().context("creating the shared block")?;
    let plans = vec![
        Plan {
            role: Role::Count(strategy),
            increments,
            start_phase: 1
        };
        processes
    ];
    let mut workers = Workers::spawn(&memory, &plans)?;
    workers.wait_ready(&memory)?;
    on_ready();
    let shared: &Shared = &memory;
    shared.phase.0.store(1, Ordering::SeqCst);
    workers.finish(RUN_LIMIT)?;
    let actual = strategy.read(&memory).context("reading the counter")?;
    Ok(CountReport {
        expected: processes as u64 * increments,
        actual,
        elapsed: span(shared, processes),
    })
}

/// What the crash demo saw.
#[derive(Debug)]
pub struct CrashReport {
    /// The killed worker's pid.
    pub victim_pid: u32,
    /// How it ended: killed by signal 9.
    pub victim_status: ExitStatus,
    /// The victim's completed increments, as its tally says after recovery.
    pub victim_done: u64,
    /// Every other worker's tally.
    pub others_done: Vec<u64>,
    /// The counter at the end.
    pub final_value: u64,
    /// How many times a dead holder's lock was recovered.
    pub recoveries: u64,
}

/// Worker 0 counts `crash_after` times under the lock, then stops half-way
/// through an increment while holding it. Only then do the other workers
/// start, so they are all queued on the lock when the parent kills worker 0
/// with SIGKILL. One of them gets `EOWNERDEAD`, undoes the half-done
/// increment, and everyone finishes.
pub fn crash(
    lock: Strategy,
    processes: usize,
    increments: u64,
    crash_after: u64,
) -> Result<CrashReport> {
    ensure!(
        processes >= 2,
        "the crash demo needs a victim and at least one survivor"
    );
    let memory = SharedMemory::<Shared>::create().context("creating the shared block")?;
    let mut plans = vec![
        Plan {
            role: Role::Count(lock),
            increments,
            start_phase: 2
        };
        processes
    ];
    plans[0] = Plan {
        role: Role::Victim { lock, crash_after },
        increments: 0,
        start_phase: 1,
    };
    let mut workers = Workers::spawn(&memory, &plans)?;
    workers.wait_ready(&memory)?;
    let shared: &Shared = &memory;

    shared.phase.0.store(1, Ordering::SeqCst);
    let deadline = Instant::now() + VICTIM_LIMIT;
    while shared.victim_holds_lock.0.load(Ordering::SeqCst) == 0 {
        ensure!(Instant::now() < deadline, "the victim never took the lock");
        thread::sleep(Duration::from_millis(1));
    }
    shared.phase.0.store(2, Ordering::SeqCst);
    // Not needed for correctness (whoever locks next recovers, even the
    // parent below), but it lets the survivors queue up on the lock first,
    // which is the situation that hangs Python.
    thread::sleep(Duration::from_millis(50));
    let victim_pid = workers.pid(0).context("the victim is gone")?;
    let victim_status = workers.kill(0)?;
    workers.finish(RUN_LIMIT)?;

    let tallies = |counter: &dyn Fn(usize) -> u64, final_value, recoveries| CrashReport {
        victim_pid,
        victim_status,
        victim_done: counter(0),
        others_done: (1..processes).map(counter).collect(),
        final_value,
        recoveries,
    };
    Ok(if lock == Strategy::FileLock {
        let counter = shared
            .file_locked
            .0
            .lock(&memory)
            .context("locking the counter")?;
        tallies(
            &|index| counter.tally(index),
            counter.get(),
            shared.file_locked.0.recoveries(),
        )
    } else {
        let counter = shared.locked.0.lock().context("locking the counter")?;
        tallies(
            &|index| counter.tally(index),
            counter.get(),
            shared.locked.0.recoveries(),
        )
    })
}

/// What the array demo saw.
#[derive(Debug)]
pub struct ArrayReport {
    /// Each worker's element.
    pub elements: Vec<u64>,
    /// The shared total.
    pub total: u64,
}

/// Worker `i` adds `i + 1` to its own element and to the shared total,
/// `increments` times: Python's `Array` beside a `Value`. Each worker runs
/// [`counting::array`](super::counting::array).
pub fn array(processes: usize, increments: u64) -> Result<ArrayReport> {
    let memory = SharedMemory::<Shared>::create().context("creating the shared block")?;
    let plans = vec![
        Plan {
            role: Role::Array,
            increments,
            start_phase: 1
        };
        processes
    ];
    let mut workers = Workers::spawn(&memory, &plans)?;
    workers.wait_ready(&memory)?;
    let shared: &Shared = &memory;
    shared.phase.0.store(1, Ordering::SeqCst);
    workers.finish(RUN_LIMIT)?;
    Ok(ArrayReport {
        elements: (0..processes)
            .map(|index| shared.workers[index].0.element.load(Ordering::SeqCst))
            .collect(),
        total: shared.total.0.load(Ordering::SeqCst),
    })
}

/// How long the chaos run waits for the counter to move before it calls
/// the run hung: far more than a respawn takes.
const HANG_LIMIT: Duration = Duration::from_secs(5);
/// How long the chaos workers may take to stop once told.
const STOP_LIMIT: Duration = Duration::from_secs(30);

/// What the chaos run saw.
#[derive(Debug)]
pub struct ChaosReport {
    /// The counter at the end, read under the lock (after any repair).
    pub final_value: u64,
    /// The increments the workers completed, by their tallies.
    pub acknowledged: u64,
    /// Workers killed with SIGKILL, each replaced at once.
    pub kills: u64,
    /// Whether the counter stopped moving for [`HANG_LIMIT`].
    pub hung: bool,
    /// How many times a dead holder's lock was recovered.
    pub recoveries: u64,
    /// From the start signal to the last kill.
    pub elapsed: Duration,
}

/// `processes` workers increment under `lock` for `run_for`, and every
/// `kill_every` one picked at random is killed with SIGKILL and replaced.
/// The final count must equal the sum of the tallies, since each
/// increment's undo record lets the next locker take back a half-done one.
pub fn chaos(
    lock: Strategy,
    processes: usize,
    run_for: Duration,
    kill_every: Duration,
) -> Result<ChaosReport> {
    let memory = SharedMemory::<Shared>::create().context("creating the shared block")?;
    let plan = Plan {
        role: Role::Chaos { lock },
        increments: 0,
        start_phase: 1,
    };
    let mut workers = Workers::spawn(&memory, &vec![plan; processes])?;
    workers.wait_ready(&memory)?;
    let shared: &Shared = &memory;
    shared.phase.0.store(1, Ordering::SeqCst);
    let started = Instant::now();
    let progress = || -> u64 {
        shared.workers[..processes]
            .iter()
            .map(|slot| slot.0.progress.load(Ordering::Relaxed))
            .sum()
    };
    let mut victims = Xorshift::seeded();
    let (mut kills, mut hung) = (0, false);
    let (mut last_seen, mut moved_at) = (progress(), Instant::now());
    // Kills on a fixed schedule, so that the time a respawn takes does not
    // stretch the interval.
    let mut next_kill = started;
    while started.elapsed() < run_for {
        next_kill += kill_every;
        thread::sleep(next_kill.saturating_duration_since(Instant::now()));
        let victim = victims.below(processes);
        workers.kill(victim)?;
        kills += 1;
        workers.respawn(&memory, victim, &plan)?;
        let now = progress();
        if now != last_seen {
            (last_seen, moved_at) = (now, Instant::now());
        } else if moved_at.elapsed() > HANG_LIMIT {
            hung = true;
            break;
        }
    }
    let elapsed = started.elapsed();
    shared.phase.0.store(2, Ordering::SeqCst);
    if hung {
        // Dropping the set kills and reaps every worker; a hung lock is not
        // read again.
        drop(workers);
        return Ok(ChaosReport {
            final_value: 0,
            acknowledged: 0,
            kills,
            hung,
            recoveries: 0,
            elapsed,
        });
    }
    workers.finish(STOP_LIMIT)?;
    let tallies = |tally: &dyn Fn(usize) -> u64| (0..processes).map(tally).sum::<u64>();
    let (final_value, acknowledged, recoveries) = if lock == Strategy::FileLock {
        let counter = &memory.file_locked.0;
        let guard = counter.lock(&memory).context("locking the counter")?;
        let acknowledged = tallies(&|worker| guard.tally(worker));
        let value = guard.get();
        drop(guard);
        (value, acknowledged, counter.recoveries())
    } else {
        let counter = &memory.locked.0;
        let guard = counter.lock().context("locking the counter")?;
        let acknowledged = tallies(&|worker| guard.tally(worker));
        let value = guard.get();
        drop(guard);
        (value, acknowledged, counter.recoveries())
    };
    Ok(ChaosReport {
        final_value,
        acknowledged,
        kills,
        hung,
        recoveries,
        elapsed,
    })
}

/// Which worker to kill next: a xorshift generator seeded from the clock.
/// Written here rather than taken from a crate: the choice needs to be
/// spread, not unpredictable, and three shifts do that.
struct Xorshift(u64);

impl Xorshift {
    fn seeded() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos() as u64);
        Xorshift(nanos | 1)
    }

    /// A number below `bound`.
    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % bound as u64) as usize
    }
}
