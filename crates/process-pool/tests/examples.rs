//! The programs in `examples/`, run as a user runs them. `cargo test`
//! builds every example before it runs the tests; they sit beside the test
//! binaries' own folder.

use std::path::PathBuf;
use std::process::Command;

/// `target/<profile>/examples/<name>`, found from this test binary's path
/// (`target/<profile>/deps/examples-<hash>`).
fn example(name: &str) -> PathBuf {
    let test_binary = std::env::current_exe().expect("the test binary's path");
    let profile_dir = test_binary
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test binary lives in target/<profile>/deps");
    let path = profile_dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is not built: `cargo test` builds examples unless a target filter (such as --test) leaves them out",
        path.display()
    );
    path
}

#[test]
fn wc_counts_a_folder_two_ways_and_they_agree() {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let output = Command::new(example("wc"))
        .arg(folder)
        .output()
        .expect("running the wc example");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("map and as_completed agree, and the byte count matches the files' sizes"),
        "{stdout}"
    );
    // One line per file, and the total's file count matches.
    let files = walk_count(std::path::Path::new(folder));
    assert!(
        stdout.contains(&format!(" total, {files} files, ")),
        "{stdout}"
    );
    assert!(stdout.contains("src/pool/mod.rs"), "{stdout}");
}

#[test]
fn async_tokio_awaits_a_thousand_tasks_without_a_thread_each() {
    let output = Command::new(example("async_tokio"))
        .output()
        .expect("running the async_tokio example");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for line in [
        "7 squared is 49, awaited",
        "1000 tasks awaited at once on one runtime thread",
        "as_completed as a stream gave the squares of [1, 2, 3, 4, 5]",
    ] {
        assert!(stdout.contains(line), "{stdout}");
    }
}

#[test]
fn wc_on_a_missing_folder_exits_with_code_2() {
    let output = Command::new(example("wc"))
        .arg("/no/such/folder")
        .output()
        .expect("running the wc example");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read /no/such/folder"));
}

fn walk_count(folder: &std::path::Path) -> usize {
    std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                walk_count(&entry.path())
            } else {
                1
            }
        })
        .sum()
}
