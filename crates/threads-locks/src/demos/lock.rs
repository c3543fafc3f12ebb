//! Five threads each print a block of ten numbers while holding one lock, so
//! no block is broken up by another thread's output.
//!
//! Python:
//!     lock = threading.Lock()
//!     def print_numbers():
//!         with lock:
//!             for i in range(10): print(i)
//! In Rust the lock *owns* what it protects: here the `Mutex` holds the log of
//! what was printed, so the log cannot be touched without the lock. The guard
//! returned by `lock()` unlocks when it goes out of scope, like `with`.

use super::{header, joined};
use anyhow::{Context, Result, anyhow, ensure};
use std::sync::Mutex;
use std::thread;

const BLOCK_LEN: u32 = 10;

#[derive(clap::Args)]
pub struct Args {
    /// How many threads print a block
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub threads: u32,
}

pub fn run(args: &Args) -> Result<()> {
    header(
        "lock",
        "threads print whole blocks under one Mutex",
        "threading.Lock",
    );
    // (worker, number) in the order they were printed.
    let printed: Mutex<Vec<(u32, u32)>> = Mutex::new(Vec::new());
    thread::scope(|scope| -> Result<()> {
        let mut handles = Vec::new();
        for worker in 1..=args.threads {
            let printed = &printed;
            let handle = thread::Builder::new()
                .name(format!("worker-{worker}"))
                .spawn_scoped(scope, move || -> Result<()> {
                    let mut log = printed
                        .lock()
                        .map_err(|_| anyhow!("the print lock was poisoned"))?;
                    // Each number is a separate write to stdout; only the lock
                    // keeps another thread's numbers off this line.
                    print!("worker-{worker}:");
                    for number in 0..BLOCK_LEN {
                        print!(" {number}");
                        log.push((worker, number));
                    }
                    println!();
                    Ok(())
                })
                .context("spawning a worker")?;
            handles.push((worker, handle));
        }
        for (worker, handle) in handles {
            joined(&format!("worker-{worker}"), handle.join())??;
        }
        Ok(())
    })?;

    let printed = printed
        .into_inner()
        .map_err(|_| anyhow!("the print lock was poisoned"))?;
    let mut block_order = Vec::new();
    for block in printed.chunks(BLOCK_LEN as usize) {
        let worker = block[0].0;
        let whole = block
            .iter()
            .zip(0..)
            .all(|(&(who, number), expected)| who == worker && number == expected);
        ensure!(whole, "a block was interleaved: {block:?}");
        block_order.push(format!("worker-{worker}"));
    }
    ensure!(
        block_order.len() == args.threads as usize,
        "expected {} blocks, got {}",
        args.threads,
        block_order.len()
    );
    println!(
        "no block was interleaved: {} blocks of {BLOCK_LEN}, in the order {}",
        block_order.len(),
        block_order.join(", ")
    );
    Ok(())
}
