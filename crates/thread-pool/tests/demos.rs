//! Each demo run on its own through the binary, with settings other than the
//! tour's: it must exit 0 (its own invariant check passed) and report what
//! the invariant promises. Bad arguments must give exit code 2.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_thread-pool"))
        .args(args)
        .output()
        .expect("running thread-pool")
}

/// Runs a demo that must succeed and returns its stdout.
fn run_ok(args: &[&str]) -> String {
    let output = run(args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "`thread-pool {}` failed with {}\nstdout:\n{stdout}\nstderr:\n{}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The value after `key=` in key=value output.
fn value(stdout: &str, key: &str) -> String {
    let prefix = format!("{key}=");
    stdout
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no `{key}=` line in:\n{stdout}"))
        .to_string()
}

#[test]
fn map_keeps_input_order_within_the_pool_size() {
    let stdout = run_ok(&["map", "--delay-ms", "5", "--max-workers", "2"]);
    let results: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("Number :"))
        .collect();
    let expected: Vec<String> = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3]
        .iter()
        .map(|n| format!("Number :{n}"))
        .collect();
    assert_eq!(results, expected);
    let summary = stdout.lines().last().unwrap();
    let peak: usize = summary
        .split("at most ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&peak), "{summary}");
}

#[test]
fn submit_gives_up_waiting_once_then_collects_every_value() {
    let stdout = run_ok(&["submit"]);
    assert!(stdout.contains("task 9 did not finish within the timeout; it keeps running"));
    assert!(stdout.contains("task 9: 9 squared is 81"));
    assert!(stdout.contains("10 values"));
}

#[test]
fn as_completed_reports_every_task_once() {
    let stdout = run_ok(&["as-completed", "--step-ms", "5"]);
    let mut ids: Vec<u32> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("task ")?.split(' ').next()?.parse().ok())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..10).collect::<Vec<_>>());
}

#[test]
fn cpu_bound_counts_agree() {
    let stdout = run_ok(&["cpu-bound", "--limit", "100000", "--chunks", "7"]);
    // There are 9592 primes below 100,000.
    assert!(stdout.contains("sequential: 9592 primes"), "{stdout}");
    assert!(stdout.contains("parallel:   9592 primes"), "{stdout}");
}

#[test]
fn join_sorts_correctly() {
    let stdout = run_ok(&["join", "--count", "50001"]);
    assert!(stdout.contains("sorted 50001 numbers"));
    assert!(stdout.contains("matches sort_unstable"));
}

#[test]
fn blocking_io_shows_the_starved_pool() {
    let stdout = run_ok(&["blocking-io", "--block-ms", "50"]);
    let waited: u64 = stdout
        .lines()
        .find_map(|line| line.strip_prefix("blocking jobs on the pool: a tiny CPU job waited "))
        .and_then(|rest| rest.split(' ').next()?.parse().ok())
        .expect("the starved wait");
    assert!(
        waited >= 25,
        "the CPU job should wait for a blocked pool thread: {waited} ms"
    );
}

#[test]
fn panics_stay_in_their_task() {
    let stdout = run_ok(&["panics"]);
    assert!(stdout.contains("task 2: error: task 2 panicked"));
    assert!(stdout.contains("task 4: ok 40"));
    assert!(stdout.contains("a new task returned 42"));
}

#[test]
fn bench_prints_key_values_with_exact_counts() {
    let stdout = run_ok(&[
        "bench",
        "--limit",
        "10000",
        "--chunks",
        "3",
        "--tiny-tasks",
        "1000",
    ]);
    assert_eq!(value(&stdout, "primes_found"), "1229");
    assert_eq!(value(&stdout, "tiny_tasks"), "1000");
    for key in [
        "primes_sequential_s",
        "primes_parallel_s",
        "tiny_tasks_per_s",
    ] {
        let figure: f64 = value(&stdout, key).parse().expect("a number");
        assert!(figure >= 0.0, "{key}");
    }
}

#[test]
fn bad_arguments_exit_with_code_2() {
    for args in [
        &["no-such-demo"][..],
        &["map", "--max-workers", "0"],
        &["cpu-bound", "--limit", "many"],
        &["bench", "--unknown-flag"],
    ] {
        let output = run(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "`thread-pool {}`",
            args.join(" ")
        );
        assert!(
            !output.stderr.is_empty(),
            "no message for `{}`",
            args.join(" ")
        );
        assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
    }
}
