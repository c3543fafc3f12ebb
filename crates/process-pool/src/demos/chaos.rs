//! `chaos`: tiny tasks, with a few in every thousand that kill their own
//! worker (SIGKILL, as an OOM killer would) and a few that hang past the
//! pool's `task_timeout`, mixed in at random. Every good task must answer
//! exactly once with the right value, every bad one must fail alone, with
//! its own error, and once the pool is shut down no process may be left.
//!
//! Python's `ProcessPoolExecutor` cannot run this: the first killed worker
//! marks the pool broken, every pending future fails with
//! `BrokenProcessPool`, and it has no task timeout at all.

use super::header;
use super::jobs::{Drill, DrillOutput, SlowSquare};
use anyhow::{Result, ensure};
use process_pool::{Pool, TaskError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(clap::Args, Clone)]
pub struct Args {
    /// How many tasks
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub tasks: u64,
    /// Of every thousand tasks, how many kill their own worker
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=1000))]
    pub abort_per_mille: u64,
    /// Of every thousand tasks, how many hang past the task timeout
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(0..=1000))]
    pub hang_per_mille: u64,
    /// How many workers
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub workers: u32,
    /// The pool's task timeout, in ms
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(10..=600_000))]
    pub timeout_ms: u64,
    /// Seed of which tasks go bad (default: from the clock; printed)
    #[arg(long)]
    pub seed: Option<u64>,
    /// Print only the key=value figures (for the bench)
    #[arg(skip)]
    pub quiet: bool,
}

impl Args {
    /// The tour's: 2,000 tasks and a fixed seed, so that its counts are
    /// the same every run.
    pub fn quick() -> Self {
        Args {
            tasks: 2_000,
            seed: Some(7),
            ..super::defaults()
        }
    }
}

/// What a chaos run counted.
#[derive(Debug, Default)]
pub struct Tally {
    pub tasks: u64,
    pub ok: u64,
    pub aborted: u64,
    pub timed_out: u64,
    /// Tasks with no answer.
    pub lost: u64,
    /// Answers beyond a task's first.
    pub duplicated: u64,
    /// Tasks that answered, but not as their kind must.
    pub wrong: u64,
    pub workers_replaced: u64,
    /// Child processes left once the pool was shut down (`None`: this
    /// system cannot list them).
    pub left: Option<usize>,
    pub per_s: f64,
}

impl Tally {
    pub fn line(&self) -> String {
        format!(
            "tasks {}, ok {}, aborted {}, timed out {}, lost {}, duplicated {}, workers replaced {}",
            self.tasks,
            self.ok,
            self.aborted,
            self.timed_out,
            self.lost,
            self.duplicated,
            self.workers_replaced
        )
    }
}

/// What a task is told to do.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Good,
    Abort,
    Hang,
}

pub fn run(args: &Args) -> Result<()> {
    if args.abort_per_mille + args.hang_per_mille > 1000 {
        clap::Error::raw(
            clap::error::ErrorKind::ValueValidation,
            "--abort-per-mille and --hang-per-mille add up to more than 1000\n",
        )
        .exit();
    }
    header(
        "chaos",
        "tasks that kill their worker or hang, at random; each fails alone",
        "BrokenProcessPool fails them all",
    );
    let seed = args.seed.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |now| now.as_nanos() as u64)
    });
    println!(
        "{} tasks on {} workers, {} in 1000 kill their worker, {} in 1000 hang past {} ms; seed {seed}",
        args.tasks, args.workers, args.abort_per_mille, args.hang_per_mille, args.timeout_ms
    );
    let tally = tally(args, seed)?;
    println!("{}", tally.line());
    println!(
        "{:.0} tasks/s; processes left after shutdown: {}",
        tally.per_s,
        tally.left.map_or_else(
            || "not listed on this system".into(),
            |left| left.to_string()
        )
    );
    check(&tally)
}

/// Whether the run held: every good task answered once and right, every
/// bad one failed alone, and nothing was left.
pub fn check(tally: &Tally) -> Result<()> {
    ensure!(tally.lost == 0, "{} tasks got no answer", tally.lost);
    ensure!(
        tally.duplicated == 0,
        "{} answers came twice",
        tally.duplicated
    );
    ensure!(
        tally.wrong == 0,
        "{} tasks answered other than their kind must",
        tally.wrong
    );
    ensure!(
        tally.workers_replaced == tally.aborted + tally.timed_out,
        "{} workers died and {} were replaced",
        tally.aborted + tally.timed_out,
        tally.workers_replaced
    );
    ensure!(
        tally.left.unwrap_or(0) == 0,
        "{} processes were left after shutdown",
        tally.left.unwrap_or(0)
    );
    Ok(())
}

/// Runs the tasks and counts what came back.
pub fn tally(args: &Args, seed: u64) -> Result<Tally> {
    let timeout = Duration::from_millis(args.timeout_ms);
    let mut state = seed;
    let kinds: Vec<Kind> = (0..args.tasks)
        .map(|_| {
            let draw = next(&mut state) % 1000;
            if draw < args.abort_per_mille {
                Kind::Abort
            } else if draw < args.abort_per_mille + args.hang_per_mille {
                Kind::Hang
            } else {
                Kind::Good
            }
        })
        .collect();
    let jobs = kinds.iter().enumerate().map(|(value, kind)| match kind {
        Kind::Good => Drill::Fine(SlowSquare {
            value: value as u64,
            sleep_ms: 0,
        }),
        Kind::Abort => Drill::KillWorker,
        // Long enough to be sure it is the timeout that ends it, short
        // enough that a pool which failed to enforce it still finishes.
        Kind::Hang => Drill::Sleep {
            ms: (args.timeout_ms * 20).max(2_000),
        },
    });
    // Chaos kills workers on purpose, and at a high enough rate, ten fresh
    // workers in a row can die at their first task by chance, which is
    // what `max_consecutive_crashes` stops a pool for. Here every one of
    // those deaths is expected, so the pool must go on.
    let pool = Pool::builder()
        .workers(args.workers as usize)
        .task_timeout(timeout)
        .max_consecutive_crashes(u32::MAX)
        .build()?;
    let started = Instant::now();
    let mut answers = vec![0u32; kinds.len()];
    let mut tally = Tally {
        tasks: args.tasks,
        ..Tally::default()
    };
    let completed = pool.as_completed(jobs);
    let first = completed.task_ids().start;
    for (task, result) in completed {
        let index = (task - first) as usize;
        answers[index] += 1;
        if answers[index] > 1 {
            continue;
        }
        match (kinds[index], result) {
            (Kind::Good, Ok(DrillOutput::Number(square)))
                if square == (index as u64) * (index as u64) =>
            {
                tally.ok += 1
            }
            (Kind::Abort, Err(TaskError::WorkerCrashed { .. })) => tally.aborted += 1,
            (Kind::Hang, Err(TaskError::TimedOut { .. })) => tally.timed_out += 1,
            (kind, result) => {
                if !args.quiet {
                    eprintln!("task {index} ({kind:?}) answered {result:?}");
                }
                tally.wrong += 1;
            }
        }
    }
    tally.per_s = args.tasks as f64 / started.elapsed().as_secs_f64();
    tally.lost = answers.iter().filter(|&&count| count == 0).count() as u64;
    tally.duplicated = answers
        .iter()
        .map(|&count| u64::from(count.saturating_sub(1)))
        .sum();
    // The last dead worker's replacement may still be starting when its
    // task's error arrives: give it up to 2 s.
    let deaths = tally.aborted + tally.timed_out;
    let deadline = Instant::now() + Duration::from_secs(2);
    while pool.stats().restarted < deaths && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    tally.workers_replaced = pool.stats().restarted;
    pool.shutdown(Duration::from_secs(5));
    tally.left = children_left();
    Ok(tally)
}

/// One splitmix64 step: which tasks go bad, reproducible from the seed.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// This process's children, running or zombie, once shut down: none, or
/// `None` where /proc cannot say. A killed worker may take a moment to be
/// reaped, so it looks for up to 2 s.
fn children_left() -> Option<usize> {
    let us = std::process::id().to_string();
    let children = || -> Option<usize> {
        let entries = std::fs::read_dir("/proc").ok()?;
        Some(
            entries
                .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
                .filter(|pid| {
                    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                        // The parent is the second field after the name,
                        // which may hold spaces and parentheses itself.
                        stat.rfind(')').is_some_and(|end| {
                            stat[end + 1..].split_whitespace().nth(1) == Some(us.as_str())
                        })
                    })
                })
                .count(),
        )
    };
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let left = children()?;
        if left == 0 || Instant::now() >= deadline {
            return Some(left);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
