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

#[test]
fn bad_arguments_exit_with_code_2() {
    for args in [
        &["no-such-demo"][..],
        &["cpu-bound", "--workers", "0"],
        &["bench", "--map-items", "lots"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_process-pool"))
            .args(args)
            .output()
            .expect("running");
        assert_eq!(output.status.code(), Some(2), "`{}`", args.join(" "));
    }
}
