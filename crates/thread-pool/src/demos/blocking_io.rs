//! Why blocking waits do not belong in rayon.
//!
//! rayon keeps one thread per core and expects every job to keep its core
//! busy. A job that sleeps, or waits on a socket, holds its thread while
//! doing nothing, and CPU work queued behind it waits too. Python's
//! `ThreadPoolExecutor` is meant for exactly such waiting work; in Rust, give
//! waiting work threads of its own: `std::thread`, a pool sized for waiting,
//! or async I/O (tokio, with `spawn_blocking` for blocking calls).
//!
//! The demo fills a pool with blocking jobs, then measures how long a tiny
//! CPU job waits to start. Then it runs the same blocking jobs on threads of
//! their own and measures again.

use super::header;
use anyhow::{Context, Result, ensure};
use std::sync::{Arc, Barrier, mpsc};
use std::thread;
use std::time::{Duration, Instant};

const POOL_THREADS: usize = 2;

#[derive(clap::Args)]
pub struct Args {
    /// How long each blocking job blocks, in milliseconds
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(10..=10_000))]
    pub block_ms: u64,
}

/// How long a tiny CPU job waits to start on `pool` while `POOL_THREADS`
/// blocking jobs run, on the pool itself or on threads of their own.
fn cpu_job_wait(
    pool: &rayon::ThreadPool,
    block: Duration,
    blocking_on_pool: bool,
) -> Result<Duration> {
    // Every blocking job, and we, meet here once all have started. `Arc`
    // because rayon's `spawn` takes only `'static` jobs, which cannot borrow.
    let all_blocking = Arc::new(Barrier::new(POOL_THREADS + 1));
    let (done_tx, done_rx) = mpsc::channel();
    for _ in 0..POOL_THREADS {
        let (all_blocking, done_tx) = (Arc::clone(&all_blocking), done_tx.clone());
        let job = move || {
            all_blocking.wait();
            thread::sleep(block);
            let _ = done_tx.send(());
        };
        if blocking_on_pool {
            pool.spawn(job);
        } else {
            // Detached on purpose: the done message below says when it ends.
            thread::Builder::new()
                .name("blocking".into())
                .spawn(job)
                .context("spawning a blocking thread")?;
        }
    }
    drop(done_tx);
    all_blocking.wait();

    let (started_tx, started_rx) = mpsc::channel();
    let submitted = Instant::now();
    pool.spawn(move || {
        let _ = started_tx.send(Instant::now());
    });
    let started = started_rx.recv().context("the CPU job never ran")?;
    // Wait for every blocking job, so the next measurement starts clean.
    for _ in 0..POOL_THREADS {
        done_rx.recv().context("a blocking job died")?;
    }
    Ok(started.duration_since(submitted))
}

pub fn run(args: &Args) -> Result<()> {
    header(
        "blocking-io",
        "blocking waits inside rayon starve CPU work",
        "ThreadPoolExecutor is for waiting",
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(POOL_THREADS)
        .build()?;
    let block = Duration::from_millis(args.block_ms);
    println!(
        "a rayon pool of {POOL_THREADS} threads; {POOL_THREADS} jobs each block for {} ms",
        args.block_ms
    );

    let starved = cpu_job_wait(&pool, block, true)?;
    println!(
        "blocking jobs on the pool: a tiny CPU job waited {} ms to start",
        starved.as_millis()
    );
    let free = cpu_job_wait(&pool, block, false)?;
    println!(
        "blocking jobs on threads of their own: it waited {} ms",
        free.as_millis()
    );

    // Structural, not a timing race: every pool thread was inside its block
    // when the CPU job was queued, so it could not start before one ended.
    ensure!(
        starved >= block / 2,
        "the CPU job started after {starved:?}, while every pool thread was blocked"
    );
    println!(
        "so: rayon for CPU work; std::thread, a pool sized for waiting, or async I/O for blocking work"
    );
    Ok(())
}
