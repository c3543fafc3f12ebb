//! Threads that borrow data from the stack: `thread::scope`, no `Arc`.
//!
//! Python threads share every object freely, and nothing stops two of them
//! writing the same list. `thread::spawn` needs `'static` data, which is why
//! code grows `Arc`s; `thread::scope` instead promises the threads end before
//! the scope does, so they may borrow local data. The borrow checker still
//! holds: many threads may share `&data`, and `chunks_mut` hands each thread
//! its own `&mut` part, so no two threads can write the same element.

use super::{header, joined};
use anyhow::{Result, ensure};
use std::thread;

const COUNT: u64 = 1000;
const THREADS: usize = 4;

pub fn run() -> Result<()> {
    header(
        "scoped",
        "threads borrow a local Vec through thread::scope, no Arc",
        "threads share every object",
    );
    let mut numbers: Vec<u64> = (1..=COUNT).collect();
    let chunk_len = numbers.len().div_ceil(THREADS);

    // Shared borrows: every thread reads its own chunk of `numbers`.
    let sums: Vec<u64> = thread::scope(|scope| {
        let handles: Vec<_> = numbers
            .chunks(chunk_len)
            .map(|chunk| scope.spawn(move || chunk.iter().sum()))
            .collect();
        handles
            .into_iter()
            .map(|handle| joined("summer", handle.join()))
            .collect::<Result<_>>()
    })?;
    let total: u64 = sums.iter().sum();
    let expected = COUNT * (COUNT + 1) / 2;
    ensure!(
        total == expected,
        "the chunk sums add up to {total}, not {expected}"
    );
    let terms: Vec<String> = sums.iter().map(u64::to_string).collect();
    println!(
        "{THREADS} threads summed their borrowed chunks: {} = {total}",
        terms.join(" + ")
    );

    // Exclusive borrows: each thread doubles its own `&mut` chunk in place.
    thread::scope(|scope| {
        for chunk in numbers.chunks_mut(chunk_len) {
            scope.spawn(move || chunk.iter_mut().for_each(|number| *number *= 2));
        }
    });
    let doubled: u64 = numbers.iter().sum();
    ensure!(
        doubled == 2 * expected,
        "after doubling the sum is {doubled}, not {}",
        2 * expected
    );
    println!("{THREADS} threads doubled their own &mut chunk in place: the sum is now {doubled}");
    println!("the Vec lives on in main, which still owns it: no Arc, no clone, no lock");
    Ok(())
}
