//! Producers and consumers through a bounded queue built from a `Mutex` and
//! two `Condvar`s (`threads_locks::bounded_queue`).
//!
//! Python: `q = queue.Queue(maxsize=4)`, `q.put(item)`, `q.get()`. Producers
//! block while the queue is full, consumers while it is empty. When the
//! producers are done, `close()` lets the consumers drain the queue and stop:
//! no sentinel values, no thread left waiting forever.

use super::{header, joined};
use anyhow::{Result, ensure};
use std::thread;
use threads_locks::bounded_queue::BoundedQueue;

#[derive(clap::Args)]
pub struct Args {
    /// How many producer threads
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub producers: u32,
    /// How many items each producer sends
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub items: u32,
    /// How many consumer threads
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub consumers: u32,
    /// How many items the queue holds at most
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub capacity: u32,
}

pub fn run(args: &Args) -> Result<()> {
    header(
        "condvar",
        &format!(
            "{} producers, {} consumers, a queue of {}",
            args.producers, args.consumers, args.capacity
        ),
        "queue.Queue(maxsize)",
    );
    let queue = BoundedQueue::new(args.capacity as usize);
    let per_consumer = thread::scope(|scope| -> Result<Vec<Vec<u64>>> {
        let consumers: Vec<_> = (0..args.consumers)
            .map(|_| {
                scope.spawn(|| {
                    let mut taken = Vec::new();
                    while let Some(item) = queue.pop() {
                        taken.push(item);
                    }
                    taken
                })
            })
            .collect();
        let producers: Vec<_> = (0..args.producers)
            .map(|producer| {
                let queue = &queue;
                scope.spawn(move || -> Result<()> {
                    for index in 0..args.items {
                        // A unique id for every item: producer and sequence.
                        let item = u64::from(producer) << 32 | u64::from(index);
                        queue.push(item)?;
                    }
                    Ok(())
                })
            })
            .collect();
        let produced: Vec<Result<()>> = producers
            .into_iter()
            .enumerate()
            .map(|(index, producer)| {
                joined(&format!("producer-{}", index + 1), producer.join()).and_then(|sent| sent)
            })
            .collect();
        // Every producer has finished, well or not. Close the queue before
        // looking at their results, so the consumers drain it and stop even
        // when a producer failed; otherwise they would wait forever.
        queue.close();
        let taken = consumers
            .into_iter()
            .enumerate()
            .map(|(index, consumer)| joined(&format!("consumer-{}", index + 1), consumer.join()))
            .collect();
        produced.into_iter().collect::<Result<()>>()?;
        taken
    })?;

    let mut received: Vec<u64> = per_consumer.iter().flatten().copied().collect();
    received.sort_unstable();
    let sent: Vec<u64> = (0..args.producers)
        .flat_map(|producer| {
            (0..args.items).map(move |index| u64::from(producer) << 32 | u64::from(index))
        })
        .collect();
    ensure!(
        received == sent,
        "items were lost or duplicated: sent {}, received {}",
        sent.len(),
        received.len()
    );
    ensure!(
        queue.high_water_mark() <= queue.capacity(),
        "the queue held more than its capacity"
    );

    println!(
        "{} producers sent {} items each",
        args.producers, args.items
    );
    println!(
        "{} consumers received {} items, each exactly once",
        args.consumers,
        received.len()
    );
    for (index, taken) in per_consumer.iter().enumerate() {
        println!("consumer-{} took {} items", index + 1, taken.len());
    }
    println!(
        "the queue never held more than {} items (capacity {})",
        queue.high_water_mark(),
        queue.capacity()
    );
    Ok(())
}
