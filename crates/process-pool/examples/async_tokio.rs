//! The pool from async code: a tokio runtime awaits tasks that run in
//! worker processes, with no thread parked per task.
//!
//! Run with `cargo run -p process-pool --example async_tokio`. Python's way
//! is `await asyncio.wrap_future(executor.submit(f, x))`, or
//! `loop.run_in_executor(executor, f, x)`. Here a `TaskHandle` is awaited
//! as it is, and `as_completed` is read as a `Stream`.
//!
//! `main` is a plain function on purpose: the pool re-executes this binary
//! as its workers, and `run_if_worker` must come first, before any runtime
//! is built. The runtime has one thread. It awaits a thousand tasks at
//! once, and the process's thread count shows that none of them holds a
//! thread of its own.

use futures_util::StreamExt;
use process_pool::{Job, Pool};
use serde::{Deserialize, Serialize};
use std::error::Error;

/// The work: a square, which takes a millisecond.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SlowSquare(u64);

impl Job for SlowSquare {
    type Output = u64;

    fn run(self) -> u64 {
        std::thread::sleep(std::time::Duration::from_millis(1));
        self.0 * self.0
    }
}

/// How many tasks are awaited at once.
const TASKS: u64 = 1_000;

fn main() -> Result<(), Box<dyn Error>> {
    process_pool::worker::run_if_worker::<SlowSquare>();
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    runtime.block_on(run())
}

async fn run() -> Result<(), Box<dyn Error>> {
    let pool = Pool::builder().workers(2).build()?;
    let threads_before = threads()?;

    // One task, awaited: `await asyncio.wrap_future(executor.submit(f, 7))`.
    let square = pool.submit(SlowSquare(7)).await?;
    println!("7 squared is {square}, awaited");

    // A thousand at once, each an async task of the runtime's one thread.
    let mut awaiting = tokio::task::JoinSet::new();
    for value in 0..TASKS {
        let handle = pool.submit(SlowSquare(value));
        awaiting.spawn(async move { (value, handle.await) });
    }
    let mut most_threads = threads()?;
    let mut sum = 0;
    while let Some(joined) = awaiting.join_next().await {
        let (value, square) = joined?;
        if square? != value * value {
            return Err(format!("a wrong square for {value}").into());
        }
        sum += value * value;
        most_threads = most_threads.max(threads()?);
    }
    let expected: u64 = (0..TASKS).map(|value| value * value).sum();
    if sum != expected {
        return Err(format!("the squares add up to {sum}, not {expected}").into());
    }
    println!(
        "{TASKS} tasks awaited at once on one runtime thread; the process had at most {most_threads} threads, {threads_before} before they were submitted"
    );
    if most_threads > threads_before {
        return Err("awaiting the tasks started threads".into());
    }

    // `as_completed` as a stream: results as they finish. It is an iterator
    // too, so `next` is named by its trait.
    let mut finishing = pool.as_completed((1..=5).map(SlowSquare));
    let first = finishing.task_ids().start;
    let mut seen = Vec::new();
    while let Some((task, square)) = StreamExt::next(&mut finishing).await {
        let value = task - first + 1;
        if square? != value * value {
            return Err(format!("a wrong square for {value}").into());
        }
        seen.push(value);
    }
    seen.sort_unstable();
    println!("as_completed as a stream gave the squares of {seen:?}");
    pool.shutdown(std::time::Duration::from_secs(10));
    Ok(())
}

/// This process's thread count, from `/proc` (Linux).
fn threads() -> Result<usize, Box<dyn Error>> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .ok_or("no Threads line in /proc/self/status")?;
    Ok(line.trim().parse()?)
}
