//! Waiting work (sleeps standing in for network or disk), done one task after
//! the other and then in two threads.
//!
//! Python's seed: `print_numbers` sleeps 4 times and `print_letter` 5 times;
//! run in turn they take 9 sleeps, in two threads about 5. Threads help even
//! under Python's GIL here, because a sleeping thread holds no lock. The
//! same holds in Rust; for CPU-bound work, see the thread-pool crate.

use super::{header, joined};
use anyhow::{Result, ensure};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

const NUMBERS: u32 = 4;
const LETTERS: [char; 5] = ['a', 'b', 'c', 'd', 'e'];

#[derive(clap::Args)]
pub struct Args {
    /// How long each step sleeps, in milliseconds
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub delay_ms: u64,
}

/// Counts the sleepers, to prove the threaded sleeps really overlapped.
#[derive(Default)]
struct Sleepers {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl Sleepers {
    fn sleep(&self, delay: Duration) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        thread::sleep(delay);
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
}

fn print_numbers(delay: Duration, sleepers: &Sleepers) {
    for number in 0..NUMBERS {
        sleepers.sleep(delay);
        println!("number {number}");
    }
}

fn print_letters(delay: Duration, sleepers: &Sleepers) {
    for letter in LETTERS {
        sleepers.sleep(delay);
        println!("letter {letter}");
    }
}

pub fn run(args: &Args) -> Result<()> {
    header(
        "io-bound",
        "sleeping work in turn, then in two threads",
        "time.sleep in threading.Thread",
    );
    let delay = Duration::from_millis(args.delay_ms);

    println!("sequential:");
    let sequential_sleepers = Sleepers::default();
    let started = Instant::now();
    print_numbers(delay, &sequential_sleepers);
    print_letters(delay, &sequential_sleepers);
    let sequential = started.elapsed();

    println!("threaded:");
    let threaded_sleepers = Sleepers::default();
    let started = Instant::now();
    thread::scope(|scope| -> Result<()> {
        let numbers = scope.spawn(|| print_numbers(delay, &threaded_sleepers));
        let letters = scope.spawn(|| print_letters(delay, &threaded_sleepers));
        joined("numbers", numbers.join())?;
        joined("letters", letters.join())
    })?;
    let threaded = started.elapsed();

    let steps = NUMBERS as f64 + LETTERS.len() as f64;
    let ideal = steps / (LETTERS.len() as f64).max(NUMBERS as f64);
    println!(
        "sequential {:.2} s, threaded {:.2} s, speedup {:.2}x (ideal {ideal:.2}x)",
        sequential.as_secs_f64(),
        threaded.as_secs_f64(),
        sequential.as_secs_f64() / threaded.as_secs_f64()
    );
    // We check behaviour, not timings: the two threads' sleeps overlapped,
    // and so the threaded run finished first. Speed figures belong to bench.
    let overlap = threaded_sleepers.peak.load(Ordering::SeqCst);
    ensure!(
        overlap == 2,
        "the threads never slept at the same time (peak {overlap} sleepers)"
    );
    ensure!(
        threaded < sequential,
        "the threaded run was not faster: {threaded:?} vs {sequential:?}"
    );
    println!("both threads were asleep at the same time, so their waits overlapped");
    Ok(())
}
