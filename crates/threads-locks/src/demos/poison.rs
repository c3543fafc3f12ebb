//! A thread panics while holding a `Mutex`, half-way through an update.
//!
//! Python's `with lock:` releases the lock when an exception escapes and
//! says nothing: the next thread sees the half-done update as if it were
//! fine. Rust marks the mutex *poisoned*: every later `lock()` returns a
//! `PoisonError`, so the next thread must decide what to do. It can still
//! take the data with `into_inner()`, repair it, and `clear_poison()`.

use super::{header, panic_message};
use anyhow::{Context, Result, bail, ensure};
use std::sync::Mutex;
use std::thread;

/// Two accounts; a transfer moves money between them, so the total is fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Accounts {
    alice: u64,
    bob: u64,
}

const OPENING: Accounts = Accounts {
    alice: 100,
    bob: 100,
};
const TRANSFER: u64 = 50;

impl Accounts {
    fn total(&self) -> u64 {
        self.alice + self.bob
    }
}

pub fn run() -> Result<()> {
    header(
        "poison",
        "a thread panics while holding a Mutex",
        "with lock: releases silently on an exception",
    );
    let accounts = Mutex::new(OPENING);

    let outcome = thread::scope(|scope| {
        thread::Builder::new()
            .name("transfer".to_string())
            .spawn_scoped(scope, || {
                let mut accounts = accounts
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                accounts.alice -= TRANSFER;
                // The crash comes after the debit and before the credit.
                panic!("deliberate panic half-way through a transfer");
            })
            .map(|handle| handle.join())
    });
    let payload = match outcome.context("spawning the transfer thread")? {
        Ok(()) => bail!("the transfer thread was meant to panic"),
        Err(payload) => payload,
    };
    println!(
        "join() on the panicked thread returned Err: {:?}",
        panic_message(payload.as_ref())
    );

    let poisoned = match accounts.lock() {
        Ok(_) => bail!("the mutex should be poisoned after a panic while it was held"),
        Err(poisoned) => poisoned,
    };
    println!("lock() now returns a PoisonError: {poisoned}");
    let mut guard = poisoned.into_inner();
    println!(
        "into_inner() still reaches the data: {:?}, total {} instead of {}",
        *guard,
        guard.total(),
        OPENING.total()
    );
    ensure!(
        guard.total() == OPENING.total() - TRANSFER,
        "expected the half-done transfer in the data"
    );

    // Repair: here we roll the half-done transfer back. A real program might
    // replay a journal, or give up and restart the component.
    guard.alice += TRANSFER;
    drop(guard);
    accounts.clear_poison();
    let repaired = *accounts
        .lock()
        .map_err(|_| anyhow::anyhow!("the mutex is still poisoned"))?;
    ensure!(repaired == OPENING, "the repair left {repaired:?}");
    println!(
        "rolled back and clear_poison(): lock() works again, {repaired:?}, total {}",
        repaired.total()
    );
    Ok(())
}
