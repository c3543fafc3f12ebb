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
fn batch_reports_how_each_command_ended_and_stops_the_slow_one() {
    let output = Command::new(example("batch"))
        .args([
            "--timeout-ms",
            "300",
            "true",
            "sleep 30",
            "sh -c exit\u{20}3",
        ])
        .output()
        .expect("running the batch example");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(
        lines[0].starts_with("true ") && lines[0].ends_with("exitcode 0    exit code 0"),
        "{stdout}"
    );
    assert!(
        lines[1].ends_with(
            "exitcode -15  timed out after 300 ms, then killed by signal 15 (exitcode -15)"
        ),
        "{stdout}"
    );
    assert!(lines[3].starts_with("3 commands in "), "{stdout}");
    assert!(lines[3].ends_with(", 1 did not succeed"), "{stdout}");
    // The timed-out command was reaped, not left behind.
    let pid: u32 = lines[1].split_whitespace().nth(3).unwrap().parse().unwrap();
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "pid {pid} is still there"
    );
}

#[test]
fn batch_without_commands_exits_with_code_2() {
    for args in [&[][..], &["--timeout-ms", "soon", "true"]] {
        let output = Command::new(example("batch")).args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("usage: batch"));
    }
}
