//! Results in the order tasks finish, each tagged with its task id.
//!
//! Python:
//!     for future in as_completed(futures): print(future.result())
//! Task N sleeps (TASKS - N) steps, so the last submitted finishes first. The
//! pool has a thread per task, so they all run at once and finish in order of
//! their sleeps.

use super::header;
use anyhow::{Result, ensure};
use std::thread;
use std::time::Duration;
use thread_pool::executor::Executor;

const TASKS: u64 = 10;

#[derive(clap::Args)]
pub struct Args {
    /// The difference between two tasks' sleeps, in milliseconds
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=1_000))]
    pub step_ms: u64,
}

pub fn run(args: &Args) -> Result<()> {
    header(
        "as-completed",
        "results in the order tasks finish",
        "concurrent.futures.as_completed",
    );
    let executor = Executor::new(TASKS as usize)?;
    let step = args.step_ms;
    println!(
        "submitting tasks 0 to {}; task N sleeps ({TASKS} - N) x {step} ms",
        TASKS - 1
    );
    let tasks = (0..TASKS).map(|number| {
        move || {
            let sleep_ms = (TASKS - number) * step;
            thread::sleep(Duration::from_millis(sleep_ms));
            sleep_ms
        }
    });

    let mut order = Vec::new();
    for (id, result) in executor.as_completed(tasks) {
        let slept = result?;
        println!("task {id} finished after sleeping {slept} ms");
        order.push(id);
    }
    let mut sorted = order.clone();
    sorted.sort_unstable();
    ensure!(
        sorted == (0..TASKS).collect::<Vec<_>>(),
        "not every task reported exactly once: {order:?}"
    );
    // Guaranteed in practice, not in theory: the shortest sleep is 9 steps
    // shorter than the longest, so the first task would have to be delayed
    // that long for the orders to match.
    ensure!(
        order != sorted,
        "the tasks finished in submission order, which as_completed does not promise"
    );
    let listed: Vec<String> = order.iter().map(u64::to_string).collect();
    println!(
        "completion order {} differs from submission order 0 to {}",
        listed.join(" "),
        TASKS - 1
    );
    Ok(())
}
