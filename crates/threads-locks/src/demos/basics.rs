//! Two threads each print 0-9; the main thread joins them in turn.
//!
//! Python:
//!     t1 = threading.Thread(target=print_numbers); t1.start(); t1.join()
//! Rust's `thread::spawn` starts the thread at once (there is no separate
//! `start`), and `join` hands back the closure's return value, or the panic if
//! the thread panicked: a Python thread's exception is only printed.

use super::{header, joined};
use anyhow::{Context, Result, ensure};
use std::thread;

const THREADS: usize = 2;
const COUNT_TO: u32 = 10;

pub fn run() -> Result<()> {
    header(
        "basics",
        "two threads each print 0-9",
        "threading.Thread, start, join",
    );
    let main_thread = thread::current();
    // os.cpu_count() in Python; this also respects cgroup and affinity limits.
    let parallelism = thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    println!(
        "main thread: name {:?}, id {:?}, available parallelism {parallelism}",
        main_thread.name().unwrap_or("unnamed"),
        main_thread.id()
    );

    let mut handles = Vec::new();
    for number in 1..=THREADS {
        let name = format!("numbers-{number}");
        let handle = thread::Builder::new()
            .name(name.clone())
            .spawn(move || {
                let mut printed = Vec::new();
                for value in 0..COUNT_TO {
                    println!("{name}: {value}");
                    printed.push(value);
                }
                printed
            })
            .context("spawning a thread")?;
        handles.push(handle);
    }

    // Join in order, as the Python does; a thread that already finished
    // simply hands over its result.
    for handle in handles {
        let name = handle.thread().name().unwrap_or("unnamed").to_string();
        let id = handle.thread().id();
        let printed = joined(&name, handle.join())?;
        ensure!(
            printed == (0..COUNT_TO).collect::<Vec<_>>(),
            "{name} printed {printed:?}, not 0 to 9 in order"
        );
        println!("{name} ({id:?}) completed");
    }
    println!("finished executing all threads");
    Ok(())
}
