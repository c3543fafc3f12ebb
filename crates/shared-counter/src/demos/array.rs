//! Python's `multiprocessing.Array`: a shared array where each process owns
//! one element, beside a `Value` that all of them add to.
//!
//! Worker `i` adds `i + 1` to its own element and to the shared total,
//! `--increments` times. Its own element needs no lock (nobody else writes
//! it); the total is shared, so it is an atomic.

use super::header;
use super::runs;
use anyhow::{Result, ensure};

#[derive(clap::Args)]
pub struct Args {
    /// How many worker processes
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub processes: u32,
    /// How many times each process adds to its element and the total
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub increments: u64,
}

pub fn run(args: &Args) -> Result<()> {
    header(
        "array",
        "each process owns one element of a shared array and adds to a shared total",
        "multiprocessing.Array('i', 4)",
    );
    let report = runs::array(args.processes as usize, args.increments)?;
    for (index, element) in report.elements.iter().enumerate() {
        let expected = (index as u64 + 1) * args.increments;
        ensure!(
            *element == expected,
            "element {index} is {element}, expected {expected}"
        );
        println!(
            "element {index}: {element} (worker {index} added {} x {})",
            index + 1,
            args.increments
        );
    }
    let sum: u64 = report.elements.iter().sum();
    ensure!(
        sum == report.total,
        "the elements add up to {sum}, the total says {}",
        report.total
    );
    println!(
        "the elements add up to {sum}, and the shared total is {}",
        report.total
    );
    Ok(())
}
