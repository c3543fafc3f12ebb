//! `wc` for a whole folder, in worker processes: a job type of our own,
//! run through the pool's public API only.
//!
//! Run with `cargo run -p process-pool --example wc -- [FOLDER]` (default:
//! this crate's `src/`). It counts the lines, words and bytes of every file
//! under the folder twice: with `map`, in input order (Python's
//! `pool.map(wc, paths)`), and with `as_completed`, as each file finishes.
//! It checks that both ways agree, and that the bytes counted add up to the
//! files' sizes. Which file finishes first varies between runs.

use process_pool::{Job, Pool};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The job: count one file. Only the path travels to the worker, which
/// reads the file itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CountFile(PathBuf);

/// `wc`'s three numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Counts {
    lines: u64,
    words: u64,
    bytes: u64,
}

impl Job for CountFile {
    /// A file that cannot be read is an answer too, not a panic.
    type Output = Result<Counts, String>;

    fn run(self) -> Self::Output {
        let bytes = std::fs::read(&self.0).map_err(|error| error.to_string())?;
        let text = String::from_utf8_lossy(&bytes);
        Ok(Counts {
            lines: bytes.iter().filter(|&&byte| byte == b'\n').count() as u64,
            words: text.split_whitespace().count() as u64,
            bytes: bytes.len() as u64,
        })
    }
}

fn main() -> ExitCode {
    // In a worker process this runs `CountFile` jobs and never returns.
    process_pool::worker::run_if_worker::<CountFile>();

    let folder = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src")));
    match run(&folder) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(message)) => {
            eprintln!("wc: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Check(message)) => {
            eprintln!("wc: {message}");
            ExitCode::FAILURE
        }
    }
}

enum Failure {
    /// Bad input: exit code 2.
    Input(String),
    /// The counts do not check out.
    Check(String),
}

fn run(folder: &Path) -> Result<(), Failure> {
    let mut files = Vec::new();
    walk(folder, &mut files)
        .map_err(|error| Failure::Input(format!("cannot read {}: {error}", folder.display())))?;
    files.sort();
    let check = |message: String| Failure::Check(message);
    let pool = Pool::builder()
        .build()
        .map_err(|error| check(format!("starting the pool: {error}")))?;

    // 1. In input order: `pool.map(wc, paths)`.
    let results = pool.map(files.iter().cloned().map(CountFile), None);
    let mut in_order = Vec::new();
    for (path, result) in files.iter().zip(results) {
        let counts = match result {
            Ok(Ok(counts)) => counts,
            Ok(Err(unreadable)) => {
                println!("{:>8} {}: {unreadable}", "-", path.display());
                Counts::default()
            }
            Err(task_error) => return Err(check(format!("{}: {task_error}", path.display()))),
        };
        println!(
            "{:>8} {:>8} {:>8} {}",
            counts.lines,
            counts.words,
            counts.bytes,
            path.display()
        );
        in_order.push(counts);
    }
    let total = sum(&in_order);
    println!(
        "{:>8} {:>8} {:>8} total, {} files, {} workers",
        total.lines,
        total.words,
        total.bytes,
        files.len(),
        pool.workers()
    );

    // 2. As each file finishes: task ids count up in input order from the
    // pool's next id, so each result finds its file again.
    let jobs = files.iter().cloned().map(CountFile);
    let mut as_they_finish = vec![None; files.len()];
    let finishing = pool.as_completed(jobs);
    let first = finishing.task_ids().start;
    for (finished, (task, result)) in finishing.enumerate() {
        let index = (task - first) as usize;
        let counts = result
            .map_err(|task_error| check(task_error.to_string()))?
            .unwrap_or_default();
        eprintln!(
            "[{}/{}] {}",
            finished + 1,
            files.len(),
            files[index].display()
        );
        as_they_finish[index] = Some(counts);
    }
    let as_they_finish: Vec<Counts> = as_they_finish
        .into_iter()
        .map(|counts| counts.ok_or_else(|| check("a file got no result".to_string())))
        .collect::<Result<_, _>>()?;
    if as_they_finish != in_order {
        return Err(check("map and as_completed disagree".to_string()));
    }
    let sizes: u64 = files
        .iter()
        .filter_map(|path| path.metadata().ok())
        .map(|metadata| metadata.len())
        .sum();
    if sizes != total.bytes {
        return Err(check(format!(
            "{} bytes counted, but the files hold {sizes}",
            total.bytes
        )));
    }
    println!("map and as_completed agree, and the byte count matches the files' sizes");
    pool.shutdown(std::time::Duration::from_secs(10));
    Ok(())
}

fn sum(counts: &[Counts]) -> Counts {
    counts
        .iter()
        .fold(Counts::default(), |total, counts| Counts {
            lines: total.lines + counts.lines,
            words: total.words + counts.words,
            bytes: total.bytes + counts.bytes,
        })
}

/// Every file under `folder`, following no symbolic links.
fn walk(folder: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&entry.path(), files)?;
        } else if kind.is_file() {
            files.push(entry.path());
        }
    }
    Ok(())
}
