//! Three waiters block until the main thread sets an event
//! (`threads_locks::event`).
//!
//! Python: `ready = threading.Event()`, waiters call `ready.wait()`, and one
//! `ready.set()` releases them all. `wait_timeout` returns whether the event
//! was set, like Python's `ready.wait(timeout)`.

use super::{header, joined};
use anyhow::{Result, ensure};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;
use threads_locks::event::Event;

/// How long the demo waits on the event before anyone sets it.
const SHORT_WAIT: Duration = Duration::from_millis(20);

#[derive(clap::Args)]
pub struct Args {
    /// How many threads wait for the event
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub waiters: u32,
}

pub fn run(args: &Args) -> Result<()> {
    header(
        "event",
        &format!("{} threads wait until main sets an event", args.waiters),
        "threading.Event",
    );
    let ready = Event::new();
    ensure!(
        !ready.wait_timeout(SHORT_WAIT),
        "wait_timeout succeeded before anyone set the event"
    );
    println!(
        "wait_timeout({} ms) before set: timed out, returned false",
        SHORT_WAIT.as_millis()
    );

    let about_to_wait = AtomicUsize::new(0);
    let set_called = AtomicBool::new(false);
    thread::scope(|scope| -> Result<()> {
        let handles: Vec<_> = (1..=args.waiters)
            .map(|waiter| {
                let (ready, about_to_wait, set_called) = (&ready, &about_to_wait, &set_called);
                scope.spawn(move || {
                    about_to_wait.fetch_add(1, Ordering::SeqCst);
                    ready.wait();
                    // Released only after main decided to set the event.
                    let released_after_set = set_called.load(Ordering::SeqCst);
                    println!("waiter-{waiter} released");
                    released_after_set
                })
            })
            .collect();
        // Let every waiter get to its wait() first, so that one set() really
        // does release threads that are blocked.
        while about_to_wait.load(Ordering::SeqCst) < args.waiters as usize {
            thread::yield_now();
        }
        thread::sleep(SHORT_WAIT);
        set_called.store(true, Ordering::SeqCst);
        ready.set();
        for (index, handle) in handles.into_iter().enumerate() {
            let after_set = joined(&format!("waiter-{}", index + 1), handle.join())?;
            ensure!(after_set, "waiter-{} was released before set()", index + 1);
        }
        Ok(())
    })?;
    ensure!(ready.is_set(), "the event is no longer set");
    ready.clear();
    ensure!(
        !ready.wait_timeout(Duration::ZERO),
        "the event still reads as set after clear()"
    );
    println!(
        "one set() released all {} waiters, none before it; clear() resets the event",
        args.waiters
    );
    Ok(())
}
