//! Large payloads: serde `Vec<u8>` against `IpcSharedMemory`.
//!
//! Python pickles a `bytes` payload into the pipe to the worker. Serde sends
//! a `Vec<u8>` the same way, element by element through the serializer,
//! and the worker decodes it back. `IpcSharedMemory` sends only a file
//! descriptor: the worker maps the very same pages, and no byte is copied
//! through the socket.

use super::header;
use super::jobs::{Checksum, checksum};
use anyhow::{Result, ensure};
use ipc_channel::ipc::IpcSharedMemory;
use process_pool::Pool;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Args {
    /// The payload's size, in KiB
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..=262_144))]
    pub kib: u64,
    /// How many payloads each way
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub rounds: u32,
}

impl Args {
    pub fn quick() -> Self {
        Args {
            rounds: 3,
            ..super::defaults()
        }
    }
}

/// Sends `rounds` payloads made by `task` and checks each checksum.
fn time_payloads(
    pool: &Pool<Checksum>,
    rounds: u32,
    expected: u64,
    task: impl Fn() -> Checksum,
) -> Result<Duration> {
    let started = Instant::now();
    for _ in 0..rounds {
        let sum = pool.submit(task()).result()?;
        ensure!(sum == expected, "the worker's checksum differs");
    }
    Ok(started.elapsed() / rounds)
}

pub fn run(args: &Args) -> Result<()> {
    header(
        "bulk",
        &format!("a {} KiB payload to a worker, two ways", args.kib),
        "pickled bytes through a pipe",
    );
    let pool = Pool::builder().workers(1).build()?;
    let payload: Vec<u8> = (0..args.kib * 1024)
        .map(|index| (index % 251) as u8)
        .collect();
    let expected = checksum(&payload);
    let shared = IpcSharedMemory::from_bytes(&payload);

    let serde_time = time_payloads(&pool, args.rounds, expected, || {
        Checksum::Bytes(payload.clone())
    })?;
    let shared_time = time_payloads(&pool, args.rounds, expected, || {
        Checksum::SharedMemory(shared.clone())
    })?;
    let mib = args.kib as f64 / 1024.0;
    println!(
        "serde Vec<u8>:   {:.2} ms per payload, {:.0} MiB/s",
        ms(serde_time),
        mib / serde_time.as_secs_f64()
    );
    println!(
        "IpcSharedMemory: {:.2} ms per payload, {:.0} MiB/s",
        ms(shared_time),
        mib / shared_time.as_secs_f64()
    );
    println!(
        "shared memory was {:.1}x faster; every checksum matched",
        serde_time.as_secs_f64() / shared_time.as_secs_f64()
    );
    Ok(())
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}
