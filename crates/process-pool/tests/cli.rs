//! Each demo through the binary, and bad arguments.

use std::process::Command;

fn run_ok(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_process-pool"))
        .args(args)
        .output()
        .expect("running process-pool");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "`{}` failed\n{stdout}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn every_demo_checks_out() {
    assert!(run_ok(&["map"]).contains("[0, 1, 4, 9, 16, 25, 36, 49, 64, 81]"));
    assert!(
        run_ok(&["as-completed", "--sleep-ms", "1"]).contains("14 results, each task exactly once")
    );
    assert!(run_ok(&["queue"]).contains("all 12 items processed exactly once"));
    assert!(run_ok(&["crash"]).contains("the pool is still usable"));
    assert!(run_ok(&["timeout"]).contains("ran past its 200 ms timeout"));
    assert!(run_ok(&["panic"]).contains("ran the tasks before and after the panic"));
    assert!(run_ok(&["leak"]).contains("10 tasks, all succeeded, on 3 workers in turn"));
    assert!(run_ok(&["cpu-bound", "--limit", "100000", "--chunks", "8"]).contains("9592 primes"));
    assert!(run_ok(&["bulk", "--kib", "64", "--rounds", "2"]).contains("every checksum matched"));
    let bench = run_ok(&[
        "bench",
        "--map-items",
        "1000",
        "--tiny-tasks",
        "100",
        "--limit",
        "10000",
    ]);
    assert!(bench.contains("primes_found=1229"), "{bench}");
}

/// Workers killed and tasks timed out under load, at a random seed each
/// run: every good task answers once and right, every bad one fails alone
/// with its own error, and the pool leaves no process behind (the command
/// checks all of it, and exits 1 if any fails).
#[test]
fn chaos_loses_and_duplicates_nothing_and_leaves_no_process() {
    let stdout = run_ok(&[
        "chaos",
        "--tasks",
        "5000",
        "--abort-per-mille",
        "50",
        "--hang-per-mille",
        "4",
        "--timeout-ms",
        "100",
    ]);
    let line = stdout
        .lines()
        .find(|line| line.starts_with("tasks 5000, ok "))
        .unwrap_or_else(|| panic!("no tally line in\n{stdout}"));
    println!("{line}");
    assert!(line.contains(", lost 0, duplicated 0, "), "{line}");
    let figure = |name: &str| -> u64 {
        let after = line.split(&format!("{name} ")).nth(1).expect(name);
        after.split(',').next().unwrap().parse().expect(name)
    };
    assert_eq!(
        figure("ok") + figure("aborted") + figure("timed out"),
        5000,
        "{line}"
    );
    // About 250 aborts and 20 hangs are expected; a run with none of
    // either did not test anything.
    assert!(figure("aborted") > 100 && figure("timed out") > 0, "{line}");
    assert_eq!(
        figure("workers replaced"),
        figure("aborted") + figure("timed out"),
        "{line}"
    );
    assert!(
        stdout.contains("processes left after shutdown: 0"),
        "{stdout}"
    );
}

#[test]
fn bad_arguments_exit_with_code_2() {
    for args in [
        &["no-such-demo"][..],
        &["cpu-bound", "--workers", "0"],
        &["bench", "--map-items", "lots"],
        &["chaos", "--tasks", "0"],
        &["chaos", "--abort-per-mille", "1001"],
        &[
            "chaos",
            "--abort-per-mille",
            "600",
            "--hang-per-mille",
            "500",
        ],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_process-pool"))
            .args(args)
            .output()
            .expect("running");
        assert_eq!(output.status.code(), Some(2), "`{}`", args.join(" "));
    }
}
