//! Several producers send to one consumer over an `mpsc` channel: fan-in.
//!
//! Python: producers `q.put(item)` into one `queue.Queue`, a consumer loops
//! on `q.get()` and needs a sentinel to know when to stop. In Rust each
//! producer owns a clone of the sender; when the last one is dropped the
//! channel disconnects and the consumer's `for` loop ends by itself.

use super::{header, joined};
use anyhow::{Context, Result, ensure};
use std::collections::BTreeMap;
use std::sync::mpsc;
use std::thread;

#[derive(clap::Args)]
pub struct Args {
    /// How many producer threads
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub producers: u32,
    /// How many messages each producer sends
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub messages: u32,
}

pub fn run(args: &Args) -> Result<()> {
    header(
        "channel",
        &format!("{} producers fan in to one consumer", args.producers),
        "queue.Queue",
    );
    let (message_tx, message_rx) = mpsc::channel::<(u32, u32)>();
    let received = thread::scope(|scope| -> Result<BTreeMap<u32, Vec<u32>>> {
        let producers: Vec<_> = (1..=args.producers)
            .map(|producer| {
                // Each producer owns its own sender.
                let message_tx = message_tx.clone();
                scope.spawn(move || -> Result<()> {
                    for sequence in 0..args.messages {
                        message_tx
                            .send((producer, sequence))
                            .context("the consumer hung up")?;
                    }
                    Ok(())
                })
            })
            .collect();
        // Drop main's own sender, or the channel would never disconnect and
        // the consumer below would wait forever.
        drop(message_tx);

        let mut received: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for (producer, sequence) in message_rx {
            received.entry(producer).or_default().push(sequence);
        }
        for (index, producer) in producers.into_iter().enumerate() {
            joined(&format!("producer-{}", index + 1), producer.join())??;
        }
        Ok(received)
    })?;

    let total: usize = received.values().map(Vec::len).sum();
    let in_order: Vec<u32> = (0..args.messages).collect();
    ensure!(
        received.len() == args.producers as usize,
        "heard from {} producers",
        received.len()
    );
    ensure!(
        received.values().all(|sequences| *sequences == in_order),
        "a producer's messages came out of order"
    );
    println!(
        "the consumer received {total} messages: {} from each producer, each producer's in the order sent",
        args.messages
    );
    println!("its loop ended by itself when the last sender was dropped");
    Ok(())
}
