//! Find duplicate files under a folder: hash every file on a thread pool,
//! with a progress line, then group the files whose contents match.
//!
//! Run with `cargo run -p thread-pool --example dupes -- FOLDER`. Python:
//! `executor.submit(hash_file, path)` for each file, then `as_completed`.
//! Hashing is I/O and CPU mixed, so threads help even in Python; here they
//! also use every core for the hashing itself. The hash is std's 64-bit
//! SipHash, enough to group candidates; each group is then confirmed byte
//! for byte, so a collision can never report two different files as one.
//! Which file finishes first varies between runs; the report does not.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hasher};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use thread_pool::executor::Executor;

/// How much of a file is read at a time.
const BUFFER: usize = 64 * 1024;

fn main() -> ExitCode {
    let Some(folder) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: dupes FOLDER");
        return ExitCode::from(2);
    };
    let mut files = Vec::new();
    if let Err(error) = walk(&folder, &mut files) {
        eprintln!("dupes: cannot read {}: {error}", folder.display());
        return ExitCode::from(2);
    }
    files.sort();
    match report(&files) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("dupes: {error}");
            ExitCode::FAILURE
        }
    }
}

fn report(files: &[PathBuf]) -> Result<(), Box<dyn std::error::Error>> {
    let workers = std::thread::available_parallelism().map_or(2, |cores| cores.get());
    let executor = Executor::new(workers)?;
    // Each task owns its path: tasks are `'static`, they cannot borrow.
    let tasks = files.iter().cloned().map(|path| move || fingerprint(&path));
    let finishing = executor.as_completed(tasks);
    // Task ids count up from the executor's next id in input order; this is
    // the executor's first batch, so they start at 0.
    let mut groups: BTreeMap<(u64, u64), Vec<&Path>> = BTreeMap::new();
    let mut unreadable = 0;
    for (done, (task, result)) in finishing.enumerate() {
        let path = &files[task as usize];
        match result? {
            Ok(key) => groups.entry(key).or_default().push(path),
            Err(error) => {
                eprintln!("\rdupes: skipping {}: {error}", path.display());
                unreadable += 1;
            }
        }
        eprint!("\rhashed {}/{}", done + 1, files.len());
        io::stderr().flush()?;
    }
    eprintln!();

    let mut duplicates = 0;
    for ((size, _), mut paths) in groups.into_iter().filter(|(_, paths)| paths.len() > 1) {
        paths.sort();
        // The hashes match; make sure the bytes do too.
        for other in &paths[1..] {
            if std::fs::read(paths[0])? != std::fs::read(other)? {
                return Err(format!(
                    "{} and {} share a hash but not their bytes",
                    paths[0].display(),
                    other.display()
                )
                .into());
            }
        }
        println!("{} files of {size} bytes are the same:", paths.len());
        for path in &paths {
            println!("  {}", path.display());
        }
        duplicates += paths.len() - 1;
    }
    println!(
        "{} files hashed on {workers} threads, {duplicates} duplicates, {unreadable} unreadable",
        files.len()
    );
    Ok(())
}

/// A file's size and the 64-bit hash of its contents.
fn fingerprint(path: &Path) -> io::Result<(u64, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = DefaultHasher::new();
    let mut buffer = vec![0; BUFFER];
    let mut size = 0;
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.write(&buffer[..read]);
        size += read as u64;
    }
    Ok((size, hasher.finish()))
}

/// Every file under `folder`, following no symbolic links.
fn walk(folder: &Path, files: &mut Vec<PathBuf>) -> io::Result<()> {
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
