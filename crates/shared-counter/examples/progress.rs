//! A progress counter shared by worker processes: W processes hash every
//! file under a folder, each taking every W-th file, while the parent prints
//! their progress from the block they all map. Nothing is sent between the
//! processes; they only write to shared memory.
//!
//! ```sh
//! cargo run -p shared-counter --example progress -- crates --workers 4
//! ```
//!
//! The block is this example's own type: atomics for the counts, and a
//! `FileLocked` pair for the largest file, whose index and size change
//! together. The record lock under it works on every Unix.

use shared_counter::shm::{CacheLine, FileLocked, SharedBlock, SharedMemory};
use std::path::{Path, PathBuf};
use std::process::{Child, ExitCode};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const WORKER_FLAG: &str = "--progress-worker";

#[repr(C)]
struct Progress {
    files_done: CacheLine<AtomicU64>,
    bytes_done: CacheLine<AtomicU64>,
    /// The XOR of every file's hash: the same whatever order they finish in.
    hashes: CacheLine<AtomicU64>,
    /// `[file index, size]` of the largest file so far.
    largest: FileLocked<[u64; 2]>,
}

// SAFETY: atomics and a record-locked pair of integers, all valid as zero
// bytes, no pointers.
unsafe impl SharedBlock for Progress {}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some(WORKER_FLAG) => worker(&args[1..]),
        _ => parent(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, message)) => {
            eprintln!("progress: {message}");
            ExitCode::from(code)
        }
    }
}

type Failure = (u8, String);

fn parent(args: &[String]) -> Result<(), Failure> {
    let usage = || (2, "usage: progress [FOLDER] [--workers N]".to_string());
    let (mut folder, mut workers) = (".".to_string(), 4usize);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--workers" => {
                workers = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| (1..=64).contains(n))
                    .ok_or_else(usage)?
            }
            flag if flag.starts_with('-') => return Err(usage()),
            path => folder = path.to_string(),
        }
    }
    let files = list_files(Path::new(&folder)).map_err(|error| (2, error))?;
    if files.is_empty() {
        return Err((2, format!("no files under {folder}")));
    }
    let progress =
        SharedMemory::<Progress>::create().map_err(|e| (1, format!("shared memory: {e}")))?;
    let exe = std::env::current_exe().map_err(|e| (1, format!("this program's path: {e}")))?;

    let mut children = Children(Vec::new());
    for index in 0..workers {
        let child = progress
            .command(&exe)
            .args([
                WORKER_FLAG,
                &index.to_string(),
                &workers.to_string(),
                &folder,
            ])
            .spawn()
            .map_err(|e| (1, format!("starting worker {index}: {e}")))?;
        children.0.push(child);
    }
    let mut shown = u64::MAX;
    loop {
        // Whether every worker has exited, read before the count: then the
        // last count shown is the final one.
        let exited = children.all_exited()?;
        let done = progress.files_done.load(Ordering::SeqCst);
        if done != shown {
            let bytes = progress.bytes_done.load(Ordering::SeqCst);
            println!("progress: {done}/{} files, {bytes} bytes", files.len());
            shown = done;
        }
        if exited {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let done = progress.files_done.load(Ordering::SeqCst);
    if done != files.len() as u64 {
        return Err((1, format!("{done} of {} files were hashed", files.len())));
    }
    let largest = *progress
        .largest
        .lock(&progress)
        .map_err(|e| (1, e.to_string()))?;
    println!(
        "hashed {done} files, {} bytes, in {workers} worker processes; xor of their FNV-1a hashes: {:016x}",
        progress.bytes_done.load(Ordering::SeqCst),
        progress.hashes.load(Ordering::SeqCst),
    );
    println!(
        "largest: {} ({} bytes)",
        files[largest[0] as usize].display(),
        largest[1]
    );
    Ok(())
}

/// The workers; dropping them kills and reaps any still running, so an
/// error leaves no process behind.
struct Children(Vec<Child>);

impl Children {
    /// Reaps what has exited; fails if a worker failed.
    fn all_exited(&mut self) -> Result<bool, Failure> {
        for child in &mut self.0 {
            match child.try_wait() {
                Ok(Some(status)) if !status.success() => {
                    return Err((1, format!("worker {} failed: {status}", child.id())));
                }
                Ok(Some(_)) => {}
                Ok(None) => return Ok(false),
                Err(error) => return Err((1, error.to_string())),
            }
        }
        Ok(true)
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            // Both fail harmlessly for a child already reaped.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn worker(args: &[String]) -> Result<(), Failure> {
    let [index, workers, folder] = args else {
        return Err((2, "a worker takes INDEX WORKERS FOLDER".to_string()));
    };
    let parse = |text: &String| text.parse::<usize>().map_err(|e| (2, e.to_string()));
    let (index, workers) = (parse(index)?, parse(workers)?);
    let progress = SharedMemory::<Progress>::inherited().map_err(|e| (2, e.to_string()))?;
    let files = list_files(Path::new(folder)).map_err(|error| (1, error))?;
    for (number, path) in files.iter().enumerate().skip(index).step_by(workers) {
        let bytes = std::fs::read(path).map_err(|e| (1, format!("{}: {e}", path.display())))?;
        let size = bytes.len() as u64;
        progress.hashes.fetch_xor(fnv1a(&bytes), Ordering::SeqCst);
        progress.bytes_done.fetch_add(size, Ordering::SeqCst);
        let mut largest = progress
            .largest
            .lock(&progress)
            .map_err(|e| (1, e.to_string()))?;
        if size > largest[1] {
            *largest = [number as u64, size];
        }
        drop(largest);
        progress.files_done.fetch_add(1, Ordering::SeqCst);
    }
    Ok(())
}

/// Every file under `folder`, sorted, so every process numbers them alike.
fn list_files(folder: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| e.to_string())?;
            let kind = entry.file_type().map_err(|e| e.to_string())?;
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    Ok(files)
}

/// FNV-1a, 64-bit: a few lines, so the example needs no hashing crate.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
