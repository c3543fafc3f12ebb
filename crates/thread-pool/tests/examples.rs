//! The programs in `examples/`, run as a user runs them. `cargo test`
//! builds every example before it runs the tests; they sit beside the test
//! binaries' own folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

/// A folder of its own under the system's temp dir, removed on drop.
struct TempFolder(PathBuf);

impl TempFolder {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempFolder(path)
    }

    fn write(&self, relative: &str, contents: &str) {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
}

impl Drop for TempFolder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn dupes(folder: &Path) -> Output {
    Command::new(example("dupes"))
        .arg(folder)
        .output()
        .expect("running the dupes example")
}

#[test]
fn dupes_finds_the_same_contents_under_different_names_and_only_those() {
    let folder = TempFolder::new("thread-pool-dupes");
    folder.write("a.txt", "same bytes\n");
    folder.write("deep/down/b.txt", "same bytes\n");
    folder.write("c.txt", "other bytes\n");
    folder.write("d.txt", "");
    let output = dupes(&folder.0);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let expected = format!(
        "2 files of 11 bytes are the same:\n  {}\n  {}\n4 files hashed on ",
        folder.0.join("a.txt").display(),
        folder.0.join("deep/down/b.txt").display()
    );
    assert!(stdout.starts_with(&expected), "{stdout}");
    assert!(stdout.contains(" 1 duplicates, 0 unreadable"), "{stdout}");
}

#[test]
fn dupes_without_a_readable_folder_exits_with_code_2() {
    let output = Command::new(example("dupes")).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = dupes(Path::new("/no/such/folder"));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read /no/such/folder"));
}
