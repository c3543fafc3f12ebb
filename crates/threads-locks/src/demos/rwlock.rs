//! Many readers and one writer share a configuration behind an `RwLock`.
//!
//! Python's `threading` has no reader-writer lock: guarding the config with a
//! `Lock` makes readers wait for each other too. `RwLock` lets any number of
//! readers in at once, or one writer alone. Phase one proves the sharing:
//! every reader holds the read lock while meeting the others at a `Barrier`,
//! which could never happen under a `Mutex`. Phase two has the writer publish
//! new versions while the readers keep reading, and checks that no reader
//! ever saw a half-written config.

use super::{header, joined};
use anyhow::{Result, anyhow, ensure};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Barrier, RwLock};
use std::thread;
use std::time::Duration;

/// Fields a writer updates one by one; a consistent snapshot has them all
/// equal to `version`.
#[derive(Clone, Debug, Default)]
struct Config {
    version: u64,
    fields: [u64; 4],
}

impl Config {
    fn is_consistent(&self) -> bool {
        self.fields.iter().all(|&field| field == self.version)
    }
}

#[derive(clap::Args)]
pub struct Args {
    /// How many reader threads
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub readers: u32,
    /// How many new versions the writer publishes
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub writes: u64,
}

/// Sets the flag when dropped, including during a panic's unwinding.
struct SetOnDrop<'a>(&'a AtomicBool);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// What one reader saw in phase two.
struct ReaderReport {
    reads: u64,
}

pub fn run(args: &Args) -> Result<()> {
    header(
        "rwlock",
        &format!("{} readers and 1 writer share a config", args.readers),
        "no RWLock in threading",
    );
    let config = RwLock::new(Config::default());
    let poisoned = || anyhow!("the config lock was poisoned");
    let readers = args.readers as usize;
    // The readers and the writer meet here. The writer must not ask for the
    // write lock before every reader holds its read lock: std's RwLock makes
    // new readers wait behind a waiting writer, so a reader still on its way
    // would block, the barrier would never fill, and all would deadlock.
    let all_holding = Barrier::new(readers + 1);
    let writer_done = AtomicBool::new(false);

    let reports = thread::scope(|scope| -> Result<Vec<ReaderReport>> {
        let mut handles = Vec::new();
        for reader in 1..=readers {
            let (config, all_holding, writer_done) = (&config, &all_holding, &writer_done);
            handles.push(scope.spawn(move || -> Result<ReaderReport> {
                {
                    let _shared = config.read().map_err(|_| poisoned())?;
                    // Every reader waits here while holding the read lock.
                    all_holding.wait();
                }
                let mut last_version = 0;
                let mut reads = 0;
                loop {
                    // Read the flag before the snapshot: if the writer was
                    // done, this snapshot holds its last version.
                    let writer_was_done = writer_done.load(Ordering::Acquire);
                    let snapshot = config.read().map_err(|_| poisoned())?.clone();
                    reads += 1;
                    ensure!(
                        snapshot.is_consistent(),
                        "reader-{reader} saw a half-written config {snapshot:?}"
                    );
                    ensure!(
                        snapshot.version >= last_version,
                        "reader-{reader} saw the version go back"
                    );
                    last_version = snapshot.version;
                    if last_version == args.writes {
                        return Ok(ReaderReport { reads });
                    }
                    ensure!(
                        !writer_was_done,
                        "reader-{reader}: the writer stopped at version {last_version}"
                    );
                    thread::yield_now();
                }
            }));
        }
        let writer = scope.spawn(|| -> Result<()> {
            // However the writer ends, even by a panic, the guard tells the
            // readers, so none of them waits for a version that never comes.
            let _done = SetOnDrop(&writer_done);
            all_holding.wait();
            for version in 1..=args.writes {
                {
                    let mut config = config.write().map_err(|_| poisoned())?;
                    config.version = version;
                    for field in &mut config.fields {
                        // Readers are locked out, so nobody sees this
                        // half-done state.
                        *field = version;
                    }
                }
                // Give readers a moment to see this version.
                thread::sleep(Duration::from_micros(500));
            }
            Ok(())
        });
        joined("writer", writer.join())??;
        handles
            .into_iter()
            .enumerate()
            .map(|(index, handle)| joined(&format!("reader-{}", index + 1), handle.join())?)
            .collect()
    })?;

    println!(
        "{readers} readers held the read lock at the same time (they met at a Barrier while holding it)"
    );
    println!(
        "the writer published versions 1 to {} while they kept reading",
        args.writes
    );
    let total_reads: u64 = reports.iter().map(|report| report.reads).sum();
    println!(
        "readers made {total_reads} reads; every snapshot was consistent and versions never went back"
    );
    Ok(())
}
