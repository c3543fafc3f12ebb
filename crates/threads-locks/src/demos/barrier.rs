//! Threads finish phase one, meet at a `Barrier`, then start phase two.
//!
//! Python: `barrier = threading.Barrier(4)` and `barrier.wait()` in each
//! thread. Rust's `wait()` tells exactly one thread per round that it is the
//! leader, handy for one-off work between phases (Python returns an index).

use super::{header, joined};
use anyhow::{Result, anyhow, ensure};
use std::io::{self, Write};
use std::sync::{Barrier, Mutex, PoisonError};
use std::thread;

#[derive(clap::Args)]
pub struct Args {
    /// How many threads meet at the barrier
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub threads: u32,
}

pub fn run(args: &Args) -> Result<()> {
    header(
        "barrier",
        &format!("{} threads meet between two phases", args.threads),
        "threading.Barrier",
    );
    let barrier = Barrier::new(args.threads as usize);
    // (phase, worker) in the order the phases were done.
    let log: Mutex<Vec<(u8, u32)>> = Mutex::new(Vec::new());
    let poisoned = || anyhow!("the log lock was poisoned");
    let leaders = thread::scope(|scope| -> Result<usize> {
        let handles: Vec<_> = (1..=args.threads)
            .map(|worker| {
                let (barrier, log) = (&barrier, &log);
                scope.spawn(move || -> Result<bool> {
                    // `Barrier::wait` has no timeout: if one thread never
                    // arrives, the others wait forever. So nothing before the
                    // wait may fail or panic: the log's data stays valid even
                    // if poisoned, and a failed write to stdout is ignored.
                    {
                        let mut log = log.lock().unwrap_or_else(PoisonError::into_inner);
                        log.push((1, worker));
                        let _ = writeln!(io::stdout(), "worker-{worker} finished phase 1");
                    }
                    let leader = barrier.wait().is_leader();
                    let mut log = log.lock().map_err(|_| poisoned())?;
                    log.push((2, worker));
                    println!("worker-{worker} started phase 2");
                    Ok(leader)
                })
            })
            .collect();
        let mut leaders = 0;
        for (index, handle) in handles.into_iter().enumerate() {
            if joined(&format!("worker-{}", index + 1), handle.join())?? {
                leaders += 1;
            }
        }
        Ok(leaders)
    })?;

    let log = log.into_inner().map_err(|_| poisoned())?;
    let threads = args.threads as usize;
    let phases: Vec<u8> = log.iter().map(|&(phase, _)| phase).collect();
    let expected: Vec<u8> = [vec![1; threads], vec![2; threads]].concat();
    ensure!(
        phases == expected,
        "a thread started phase 2 before all finished phase 1: {log:?}"
    );
    ensure!(
        leaders == 1,
        "{leaders} threads were told they lead, not exactly one"
    );
    println!(
        "every phase-1 line came before every phase-2 line; exactly one thread was the leader"
    );
    Ok(())
}
