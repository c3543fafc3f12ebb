//! The seed's `ProcessPoolExecutor(max_workers=3)`: `square_number` with a
//! sleep for each of 14 numbers, printed as the results complete.
//!
//! In the seed's notebook this ends in `BrokenProcessPool`: worker processes
//! cannot re-import a function defined in a notebook. Rust sends the task as
//! data (`SlowSquare`), so there is nothing to import.

use super::header;
use super::jobs::SlowSquare;
use anyhow::{Result, ensure};
use process_pool::Pool;

const NUMBERS: [u64; 14] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 2, 3, 12, 14];

#[derive(clap::Args)]
pub struct Args {
    /// How long each task sleeps (the seed: 2000)
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    pub sleep_ms: u64,
}

pub fn run(args: &Args) -> Result<()> {
    header(
        "as-completed",
        "14 square_number tasks on 3 workers, as they complete",
        "ProcessPoolExecutor(3), as_completed",
    );
    let pool = Pool::builder().workers(3).build()?;
    let tasks = NUMBERS.map(|value| SlowSquare {
        value,
        sleep_ms: args.sleep_ms,
    });
    let mut seen = Vec::new();
    for (task, result) in pool.as_completed(tasks) {
        let square = result?;
        let value = NUMBERS[task as usize];
        ensure!(
            square == value * value,
            "task {task}: {value} squared gave {square}"
        );
        println!("Square: {square} (task {task})");
        seen.push(task);
    }
    seen.sort_unstable();
    ensure!(
        seen == (0..NUMBERS.len() as u64).collect::<Vec<_>>(),
        "tasks missing or repeated: {seen:?}"
    );
    println!("{} results, each task exactly once", seen.len());
    Ok(())
}
