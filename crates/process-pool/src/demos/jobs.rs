//! The demos' work, defined here the way a user defines theirs: each kind
//! of work is a serde type that implements `Job`. The pool knows nothing
//! of them; `main` lists them in `JobTypes` so that a worker can run any,
//! and each demo builds a `Pool` of the type it needs.
//!
//! The fault drills are ordinary jobs too: `Drill` either runs a normal
//! `SlowSquare` or crashes, exits, panics, hangs, or answers with a value
//! the pool cannot read back.

use ipc_channel::ipc::IpcSharedMemory;
use process_pool::Job;
use serde::{Deserialize, Deserializer, Serialize};
use std::time::Duration;

/// The seed's `square`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Square(pub u64);

impl Job for Square {
    type Output = u64;
    fn run(self) -> u64 {
        self.0 * self.0
    }
}

/// The seed's `square_number`: sleep, then square.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct SlowSquare {
    pub value: u64,
    pub sleep_ms: u64,
}

impl Job for SlowSquare {
    type Output = u64;
    fn run(self) -> u64 {
        std::thread::sleep(Duration::from_millis(self.sleep_ms));
        self.value * self.value
    }
}

/// Count the primes in `start..end`, by trial division.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct CountPrimes {
    pub start: u64,
    pub end: u64,
}

impl Job for CountPrimes {
    type Output = u64;
    fn run(self) -> u64 {
        (self.start..self.end)
            .filter(|&number| is_prime(number))
            .count() as u64
    }
}

/// A job with a leak: it keeps this many MiB for good (written, so that
/// they are resident), and answers with its worker's pid.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Leak {
    pub mib: u64,
}

impl Job for Leak {
    type Output = u32;
    fn run(self) -> u32 {
        let kept = vec![1_u8; (self.mib as usize) << 20];
        std::mem::forget(std::hint::black_box(kept));
        std::process::id()
    }
}

/// The seed's queue item: report which worker took it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct WhoAmI(pub u64);

/// An item and the pid of the worker that took it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taken {
    pub item: u64,
    pub pid: u32,
}

impl Job for WhoAmI {
    type Output = Taken;
    fn run(self) -> Taken {
        Taken {
            item: self.0,
            pid: std::process::id(),
        }
    }
}

/// Checksum a payload, sent one of two ways.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Checksum {
    /// The plain serde way, byte by byte, as Python pickles `bytes`.
    Bytes(Vec<u8>),
    /// As shared memory: only a file descriptor travels, and the worker
    /// maps the same pages.
    SharedMemory(IpcSharedMemory),
}

impl Job for Checksum {
    type Output = u64;
    fn run(self) -> u64 {
        match self {
            Checksum::Bytes(bytes) => checksum(&bytes),
            Checksum::SharedMemory(memory) => checksum(&memory),
        }
    }
}

/// A normal job, or one that goes wrong on purpose.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Drill {
    /// Nothing goes wrong.
    Fine(SlowSquare),
    /// Report the worker's pid.
    WhoAmI,
    /// Sleep this long (to show task timeouts).
    Sleep { ms: u64 },
    /// SIGKILL the worker running it, as an OOM killer would.
    KillWorker,
    /// Exit the worker with this code.
    ExitWorker(i32),
    /// Panic with this message.
    Panic(String),
    /// Answer with a value that the pool refuses to deserialize.
    UnreadableResult,
}

/// What a drill gives back, when it gives anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DrillOutput {
    Number(u64),
    Pid(u32),
    Checked(Checked),
}

impl Job for Drill {
    type Output = DrillOutput;
    fn run(self) -> DrillOutput {
        match self {
            Drill::Fine(job) => DrillOutput::Number(job.run()),
            Drill::WhoAmI => DrillOutput::Pid(std::process::id()),
            Drill::Sleep { ms } => {
                std::thread::sleep(Duration::from_millis(ms));
                DrillOutput::Number(ms)
            }
            Drill::KillWorker => {
                let _ = super::kill(std::process::id());
                std::thread::sleep(Duration::from_secs(60));
                unreachable!("still alive a minute after SIGKILL")
            }
            Drill::ExitWorker(code) => std::process::exit(code),
            Drill::Panic(message) => panic!("{message}"),
            Drill::UnreadableResult => DrillOutput::Checked(Checked(7)),
        }
    }
}

/// A number that refuses to be deserialized when it is odd: the worker can
/// send it, the pool cannot read it. It stands in for any result that fails
/// to decode (a version mismatch, a bug in a `Deserialize` impl).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Checked(pub u64);

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = u64::deserialize(deserializer)?;
        if value % 2 == 1 {
            return Err(serde::de::Error::custom(format!(
                "{value} is odd, and a Checked must be even"
            )));
        }
        Ok(Checked(value))
    }
}

/// A simple checksum, so both ways of sending a payload can be compared.
pub fn checksum(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |sum, &byte| {
        sum.wrapping_mul(31).wrapping_add(u64::from(byte))
    })
}

/// Whether `number` is prime, by trial division (the thread-pool crate's
/// workload, so the two crates can be compared), in the narrowest type
/// that holds it: below 2^32 the divisions are 32-bit, which cost x86-64
/// less than 64-bit ones (BENCHMARKS.md's history has the gain, measured).
/// bench/primes.c, the floor, does the same.
pub fn is_prime(number: u64) -> bool {
    match u32::try_from(number) {
        Ok(small) => is_prime_u32(small),
        Err(_) => is_prime_u64(number),
    }
}

fn is_prime_u32(number: u32) -> bool {
    if number < 2 {
        return false;
    }
    if number.is_multiple_of(2) {
        return number == 2;
    }
    // The root by the FPU, as thread-pool's is_prime and the C floor take
    // it: `u32::isqrt` works it out by integer steps, a few percent of the
    // whole count. For a `u32` the float root is exact (`f64` holds every
    // `u32`, `sqrt` is correctly rounded, and no root of a 32-bit number
    // lies within rounding of an integer without being one); the test
    // below checks it against `isqrt`.
    let limit = f64::from(number).sqrt() as u32;
    let mut divisor = 3;
    while divisor <= limit {
        if number.is_multiple_of(divisor) {
            return false;
        }
        divisor += 2;
    }
    true
}

fn is_prime_u64(number: u64) -> bool {
    if number.is_multiple_of(2) {
        return false;
    }
    let limit = number.isqrt();
    let mut divisor = 3;
    while divisor <= limit {
        if number.is_multiple_of(divisor) {
            return false;
        }
        divisor += 2;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_widths_agree_where_they_meet() {
        // The largest prime below 2^32 and the first one above it, each
        // side's neighbours, and a square of a prime on each side.
        for (number, prime) in [
            (4_294_967_291, true),
            (4_294_967_293, false),
            (4_294_967_295, false),
            (4_294_967_296, false),
            (4_294_967_311, true),
            (65_521 * 65_521, false),
            (65_537 * 65_537, false),
        ] {
            assert_eq!(is_prime(number), prime, "{number}");
            if number > u64::from(u32::MAX) {
                continue;
            }
            assert_eq!(is_prime_u64(number), prime, "{number} as u64");
        }
        for number in (0..2_000_000u32).chain(u32::MAX - 1_000..=u32::MAX) {
            assert_eq!(
                f64::from(number).sqrt() as u32,
                number.isqrt(),
                "the root of {number}"
            );
        }
        let small: Vec<u64> = (0..50).filter(|&number| is_prime(number)).collect();
        assert_eq!(
            small,
            [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47]
        );
    }
}
