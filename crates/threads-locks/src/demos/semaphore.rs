//! Eight tasks, at most two at a time, through a counting semaphore
//! (`threads_locks::semaphore`, since std has none).
//!
//! Python: `sem = threading.Semaphore(2)` and `with sem: ...` in each task.
//! Here `acquire()` returns a permit that is given back when it is dropped.

use super::{header, joined};
use anyhow::{Result, ensure};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;
use threads_locks::semaphore::Semaphore;

/// How long each task holds its permit: long enough for the others to queue.
const TASK_TIME: Duration = Duration::from_millis(20);
/// How long the demo waits for a permit that cannot come.
const SHORT_WAIT: Duration = Duration::from_millis(20);

#[derive(clap::Args)]
pub struct Args {
    /// How many tasks may run at once
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub permits: u32,
    /// How many tasks there are
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1_000))]
    pub tasks: u32,
}

pub fn run(args: &Args) -> Result<()> {
    header(
        "semaphore",
        &format!("{} tasks, at most {} at a time", args.tasks, args.permits),
        "threading.Semaphore",
    );
    let permits = args.permits as usize;
    let semaphore = Semaphore::new(permits);

    // The API first, on a semaphore whose permits are all taken.
    let held: Vec<_> = (0..permits).map(|_| semaphore.acquire()).collect();
    let try_now = semaphore.try_acquire().is_some();
    let try_later = semaphore.acquire_timeout(SHORT_WAIT).is_some();
    ensure!(
        !try_now && !try_later,
        "got a permit while all {permits} were held"
    );
    println!(
        "with all {permits} permits held: try_acquire gives none, acquire_timeout({} ms) times out",
        SHORT_WAIT.as_millis()
    );
    drop(held);
    ensure!(
        semaphore.available() == permits,
        "dropping the permits did not give them back"
    );

    let running = AtomicUsize::new(0);
    let peak = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    thread::scope(|scope| -> Result<()> {
        let handles: Vec<_> = (0..args.tasks)
            .map(|_| {
                scope.spawn(|| {
                    let _permit = semaphore.acquire();
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    thread::sleep(TASK_TIME);
                    running.fetch_sub(1, Ordering::SeqCst);
                    finished.fetch_add(1, Ordering::SeqCst);
                    // `_permit` is dropped here, letting the next task in.
                })
            })
            .collect();
        for (index, handle) in handles.into_iter().enumerate() {
            joined(&format!("task-{}", index + 1), handle.join())?;
        }
        Ok(())
    })?;

    let peak = peak.load(Ordering::SeqCst);
    let finished = finished.load(Ordering::SeqCst);
    ensure!(
        finished == args.tasks as usize,
        "only {finished} of {} tasks ran",
        args.tasks
    );
    ensure!(
        peak <= permits,
        "{peak} tasks ran at once, over the limit of {permits}"
    );
    println!("all {finished} tasks ran; at most {peak} ran at once (limit {permits})");
    Ok(())
}
