//! The seed's `multiprocessing.Queue` drained by 4 worker processes: every
//! item is processed exactly once, and the output shows which worker took it.

use super::header;
use super::jobs::{Taken, WhoAmI};
use anyhow::{Result, ensure};
use process_pool::Pool;
use std::collections::BTreeSet;

const ITEMS: u64 = 12;
const WORKERS: usize = 4;

pub fn run() -> Result<()> {
    header(
        "queue",
        "12 items drained by 4 worker processes",
        "multiprocessing.Queue and 4 Processes",
    );
    let pool = Pool::builder().workers(WORKERS).build()?;
    let mut items = Vec::new();
    let mut pids = BTreeSet::new();
    for (_, result) in pool.as_completed((0..ITEMS).map(WhoAmI)) {
        let Taken { item, pid } = result?;
        println!("Processed item {item} in worker pid {pid}");
        items.push(item);
        pids.insert(pid);
    }
    items.sort_unstable();
    ensure!(
        items == (0..ITEMS).collect::<Vec<_>>(),
        "items missing or repeated: {items:?}"
    );
    ensure!(
        pids.iter().all(|pid| pool.worker_pids().contains(pid)),
        "an item was taken by a process outside the pool"
    );
    println!(
        "all {ITEMS} items processed exactly once, by {} of the {WORKERS} workers",
        pids.len()
    );
    Ok(())
}
