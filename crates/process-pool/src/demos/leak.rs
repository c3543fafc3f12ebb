//! A job that leaks 16 MiB a task, on a pool that replaces a worker once
//! its resident memory passes 64 MiB (`max_worker_memory`): each worker runs
//! four leaking tasks, is retired once it has answered the fourth, and a
//! fresh one takes its slot. Every task succeeds.
//!
//! Python's pools bound a leak only by count (`max_tasks_per_child`);
//! loky replaces a worker grown 300 MB past its size at start, a private
//! constant (`_MAX_MEMORY_LEAK_SIZE`) that many projects patch.

use super::header;
use super::jobs::Leak;
use anyhow::{Result, ensure};
use process_pool::Pool;

const TASKS: usize = 10;
const LEAK_MIB: u64 = 16;
const LIMIT_MIB: u64 = 64;

pub fn run() -> Result<()> {
    header(
        "leak",
        "a job leaks 16 MiB a task; a worker over 64 MiB is replaced",
        "max_tasks_per_child, or loky's fixed 300 MB guard",
    );
    let pool = Pool::builder()
        .workers(1)
        .max_worker_memory(LIMIT_MIB << 20)
        .build()?;
    let mut pids = Vec::with_capacity(TASKS);
    for task in 0..TASKS {
        let pid = pool.submit(Leak { mib: LEAK_MIB }).result()?;
        println!("task {task}: leaked {LEAK_MIB} MiB in worker pid {pid}");
        pids.push(pid);
    }
    let workers = pids.chunk_by(|a, b| a == b).count();
    let stats = pool.stats();
    if cfg!(target_os = "linux") {
        // A worker starts at a few MiB: three leaks leave it under the
        // limit, the fourth takes it over.
        ensure!(
            pids.chunk_by(|a, b| a == b).all(|run| run.len() <= 4) && workers == 3,
            "expected a new worker every 4 tasks: {pids:?}"
        );
        ensure!(
            stats.recycled == 2 && stats.crashed == 0,
            "expected 2 workers recycled and none crashed: {stats:?}"
        );
    }
    println!(
        "{TASKS} tasks, all succeeded, on {workers} workers in turn; {} recycled for memory",
        stats.recycled
    );
    Ok(())
}
