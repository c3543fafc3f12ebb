//! Word frequencies through a three-stage pipeline of threads joined by
//! bounded queues: a reader, several tokenizers, one counter.
//!
//! Run with `cargo run -p threads-locks --example pipeline -- [FILE]`
//! (default: this crate's README). Python: `queue.Queue(maxsize)` between
//! `threading.Thread`s, each stage ending when it takes a sentinel. Here the
//! end travels as `close()`: once a stage's producers are done, its queue is
//! closed, and the consumers' `pop` returns `None` after the last item. The
//! bounded queues keep a fast reader from running ahead of slow tokenizers
//! (back-pressure), and the program checks the counts against a plain
//! sequential count before it prints them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::thread;
use threads_locks::bounded_queue::BoundedQueue;

/// How many lines, and how many lines' worth of words, may wait.
const QUEUE_CAPACITY: usize = 16;
/// How many tokenizer threads.
const TOKENIZERS: usize = 3;
/// How many of the most frequent words to print.
const TOP: usize = 10;

fn main() -> ExitCode {
    let path = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")));
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("pipeline: cannot read {}: {error}", path.display());
            return ExitCode::from(2);
        }
    };

    let lines: BoundedQueue<&str> = BoundedQueue::new(QUEUE_CAPACITY);
    let words: BoundedQueue<Vec<String>> = BoundedQueue::new(QUEUE_CAPACITY);
    // `thread::scope` lets every stage borrow the text and the queues: no
    // `Arc`, and every thread is joined before the scope ends.
    let counts = thread::scope(|scope| {
        let reader = scope.spawn(|| {
            for line in text.lines() {
                if lines.push(line).is_err() {
                    break; // closed downstream: stop reading
                }
            }
            lines.close(); // the end of the input, for every tokenizer
        });
        let tokenizers: Vec<_> = (0..TOKENIZERS)
            .map(|_| {
                scope.spawn(|| {
                    while let Some(line) = lines.pop() {
                        if words.push(tokenize(line)).is_err() {
                            break;
                        }
                    }
                })
            })
            .collect();
        let counter = scope.spawn(|| {
            let mut counts: HashMap<String, u64> = HashMap::new();
            while let Some(batch) = words.pop() {
                for word in batch {
                    *counts.entry(word).or_default() += 1;
                }
            }
            counts
        });
        // The counter's input ends when the last tokenizer has finished.
        let mut panicked = reader.join().is_err();
        for tokenizer in tokenizers {
            panicked |= tokenizer.join().is_err();
        }
        words.close();
        let counts = counter.join();
        (!panicked).then_some(counts.ok()).flatten()
    });
    let Some(counts) = counts else {
        eprintln!("pipeline: a stage panicked");
        return ExitCode::FAILURE;
    };

    // The check: the pipeline counted exactly what one thread counts.
    let mut expected: HashMap<String, u64> = HashMap::new();
    for word in text.lines().flat_map(tokenize) {
        *expected.entry(word).or_default() += 1;
    }
    if counts != expected {
        eprintln!("pipeline: the counts differ from a sequential count");
        return ExitCode::FAILURE;
    }

    let mut ranked: Vec<(&String, &u64)> = counts.iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (word, count) in ranked.iter().take(TOP) {
        println!("{count:>6} {word}");
    }
    println!(
        "{} words, {} distinct, through {TOKENIZERS} tokenizers; queues peaked at {} and {} of {QUEUE_CAPACITY}; the counts match a sequential count",
        counts.values().sum::<u64>(),
        counts.len(),
        lines.high_water_mark(),
        words.high_water_mark()
    );
    ExitCode::SUCCESS
}

/// A line's words, lowercased, without surrounding punctuation.
fn tokenize(line: &str) -> Vec<String> {
    line.split_whitespace()
        .map(|word| {
            word.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|word| !word.is_empty())
        .collect()
}
