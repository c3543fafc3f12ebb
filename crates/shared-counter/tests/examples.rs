//! The programs in `examples/`, run as a user runs them. `cargo test`
//! builds every example before it runs the tests; they sit beside the test
//! binaries' own folder.

use std::path::{Path, PathBuf};
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
fn progress_hashes_every_file_once_across_worker_processes() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let output = Command::new(example("progress"))
        .arg(&folder)
        .args(["--workers", "3"])
        .output()
        .expect("running the progress example");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // What the workers computed between them, computed here in one process.
    let files = walk(&folder);
    let bytes: u64 = files.iter().map(|file| file.len() as u64).sum();
    let hashes = files.iter().fold(0, |all, file| all ^ fnv1a(file));
    assert!(
        stdout.contains(&format!(
            "hashed {} files, {bytes} bytes, in 3 worker processes; xor of their FNV-1a hashes: {hashes:016x}",
            files.len()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("progress: {0}/{0} files", files.len())),
        "{stdout}"
    );
    let largest = files.iter().map(Vec::len).max().unwrap();
    assert!(stdout.contains(&format!("({largest} bytes)")), "{stdout}");
}

#[test]
fn progress_on_a_missing_folder_exits_with_code_2() {
    let output = Command::new(example("progress"))
        .arg("/no/such/folder")
        .output()
        .expect("running the progress example");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read /no/such/folder"));
}

/// Every file's contents under `folder`.
fn walk(folder: &Path) -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            files.extend(walk(&entry.path()));
        } else {
            files.push(std::fs::read(entry.path()).unwrap());
        }
    }
    files
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
