//! The pool is a library for any work: nothing in it may name the demos'
//! jobs. The names come from `src/demos/jobs.rs` itself (every type and
//! enum variant declared there), plus the old names of the work the pool
//! once had built in; none may appear in the pool, the wire protocol, the
//! errors or the worker loop.

use std::path::{Path, PathBuf};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// The work the pool used to know by name, before it was generic.
const OLD_NAMES: &[&str] = &[
    "Task",
    "SquareChunk",
    "CountPrimes",
    "KillWorker",
    "ExitWorker",
    "UnreadableResult",
    "WhoAmI",
    "Checksum",
    "ChecksumShared",
    "SlowSquare",
    "Square",
];

/// Every type and variant name declared in the demos' jobs file.
fn demo_job_names() -> Vec<String> {
    let jobs = std::fs::read_to_string(Path::new(SRC).join("demos/jobs.rs")).unwrap();
    let mut names = Vec::new();
    let mut in_enum = false;
    for line in jobs.lines() {
        let words: Vec<&str> = line
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|word| !word.is_empty())
            .collect();
        if let ["pub", "struct" | "enum", name, ..] = words[..] {
            names.push(name.to_string());
            in_enum = words[1] == "enum";
        } else if in_enum && line.starts_with('}') {
            in_enum = false;
        } else if in_enum && line.starts_with("    ") && !line.trim_start().starts_with("//") {
            // A variant line: `    Name,`, `    Name(..)` or `    Name { .. }`.
            if let Some(name) = words
                .first()
                .filter(|word| word.starts_with(char::is_uppercase))
            {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// The library's files: everything under `src/` but `main.rs` and the demos.
fn library_files() -> Vec<PathBuf> {
    let mut files = vec![];
    let mut folders = vec![PathBuf::from(SRC)];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.ends_with("demos") {
                continue;
            }
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") && !path.ends_with("main.rs")
            {
                files.push(path);
            }
        }
    }
    files
}

/// Whether `text` holds `name` as a whole word.
fn names(text: &str, name: &str) -> bool {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|word| word == name)
}

#[test]
fn the_library_names_no_demo_job() {
    let demo_names = demo_job_names();
    for expected in ["Square", "Drill", "KillWorker", "Checksum", "SharedMemory"] {
        assert!(
            demo_names.iter().any(|name| name == expected),
            "the jobs file parser missed `{expected}`: {demo_names:?}"
        );
    }
    let files = library_files();
    assert!(
        files
            .iter()
            .any(|path| path.ends_with("pool/supervisor.rs"))
    );
    assert!(files.iter().any(|path| path.ends_with("protocol.rs")));
    let mut found = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        // The pool and the wire protocol may not even mention a demo job;
        // elsewhere, doc examples (comments) may define their own `Square`.
        // Judged by the path inside `src/`, so that a copy of the crate
        // under some folder named `pool` is not mistaken for the pool.
        let inside = path.strip_prefix(SRC).expect("a file under src/");
        let strict = inside == Path::new("protocol.rs") || inside.starts_with("pool");
        for (number, line) in text.lines().enumerate() {
            let is_comment = line.trim_start().starts_with("//");
            if is_comment && !strict {
                continue;
            }
            for name in demo_names
                .iter()
                .map(String::as_str)
                .chain(OLD_NAMES.iter().copied())
            {
                if names(line, name) {
                    found.push(format!(
                        "{}:{}: `{name}`: {}",
                        path.display(),
                        number + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "the library names demo jobs; move them to src/demos/jobs.rs:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_finds_a_demo_name_when_there_is_one() {
    // So that the test above cannot pass by finding nothing at all.
    assert!(names("    Drill::KillWorker => {}", "KillWorker"));
    assert!(!names("TaskError::Panicked", "Task"));
}
