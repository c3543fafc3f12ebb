//! Each demo run on its own through the binary, with settings other than the
//! tour's: it must exit 0 (its own invariant check passed) and report what
//! the invariant promises. Bad arguments must give exit code 2.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_threads-locks"))
        .args(args)
        .output()
        .expect("running threads-locks")
}

/// Runs a demo that must succeed and returns its stdout.
fn run_ok(args: &[&str]) -> String {
    let output = run(args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "`threads-locks {}` failed with {}\nstdout:\n{stdout}\nstderr:\n{}",
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
fn basics_joins_both_threads_in_order() {
    let stdout = run_ok(&["basics"]);
    for thread in ["numbers-1", "numbers-2"] {
        let values: Vec<&str> = stdout
            .lines()
            .filter_map(|line| line.strip_prefix(&format!("{thread}: ")))
            .collect();
        assert_eq!(
            values,
            ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
            "{thread}"
        );
    }
    assert!(
        stdout
            .trim_end()
            .ends_with("finished executing all threads")
    );
}

#[test]
fn io_bound_threads_overlap() {
    let stdout = run_ok(&["io-bound", "--delay-ms", "20"]);
    assert!(stdout.contains("both threads were asleep at the same time"));
    // Every step printed once in each half.
    for step in ["number 3", "letter e"] {
        assert_eq!(
            stdout.lines().filter(|line| *line == step).count(),
            2,
            "{step}"
        );
    }
}

#[test]
fn lock_keeps_every_block_whole() {
    let stdout = run_ok(&["lock", "--threads", "12"]);
    let blocks: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("worker-"))
        .collect();
    assert_eq!(blocks.len(), 12);
    for block in blocks {
        assert!(
            block.ends_with(": 0 1 2 3 4 5 6 7 8 9"),
            "interleaved: {block}"
        );
    }
}

#[test]
fn counter_locked_and_atomic_are_exact_racy_loses() {
    let stdout = run_ok(&["counter", "--threads", "3", "--increments", "20000"]);
    for name in [
        "Mutex<u64>:",
        "parking_lot::Mutex<u64>:",
        "AtomicU64::fetch_add:",
    ] {
        let line = stdout
            .lines()
            .find(|line| line.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} line"));
        assert!(
            line.contains("final 60000 of 60000, 0 updates lost"),
            "{line}"
        );
    }
    let racy = stdout
        .lines()
        .find(|line| line.starts_with("racy"))
        .expect("a racy line");
    assert!(
        !racy.contains(" 0 updates lost"),
        "the racy counter lost nothing: {racy}"
    );
}

#[test]
fn counter_with_one_thread_loses_nothing_even_when_racy() {
    let stdout = run_ok(&["counter", "--threads", "1", "--increments", "1000"]);
    assert_eq!(
        stdout.matches("final 1000 of 1000, 0 updates lost").count(),
        4,
        "{stdout}"
    );
}

#[test]
fn rwlock_readers_share_and_see_consistent_versions() {
    let stdout = run_ok(&["rwlock", "--readers", "6", "--writes", "20"]);
    assert!(stdout.contains("6 readers held the read lock at the same time"));
    assert!(stdout.contains("versions 1 to 20"));
}

#[test]
fn condvar_queue_delivers_every_item_once() {
    let stdout = run_ok(&[
        "condvar",
        "--producers",
        "3",
        "--items",
        "500",
        "--consumers",
        "2",
        "--capacity",
        "1",
    ]);
    assert!(
        stdout.contains("2 consumers received 1500 items, each exactly once"),
        "{stdout}"
    );
    assert!(
        stdout.contains("the queue never held more than 1 items (capacity 1)"),
        "{stdout}"
    );
}

#[test]
fn semaphore_caps_concurrency() {
    let stdout = run_ok(&["semaphore", "--permits", "3", "--tasks", "9"]);
    let line = stdout
        .lines()
        .find(|line| line.starts_with("all 9 tasks ran"))
        .expect("a summary line");
    let peak: usize = line
        .split("at most ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3).contains(&peak), "{line}");
}

#[test]
fn event_releases_every_waiter_after_set() {
    let stdout = run_ok(&["event", "--waiters", "5"]);
    assert_eq!(
        stdout
            .lines()
            .filter(|line| line.ends_with(" released"))
            .count(),
        5
    );
    assert!(stdout.contains("released all 5 waiters, none before it"));
}

#[test]
fn barrier_separates_the_phases() {
    let stdout = run_ok(&["barrier", "--threads", "6"]);
    let phases: Vec<char> = stdout
        .lines()
        .filter_map(|line| {
            if line.ends_with("finished phase 1") {
                Some('1')
            } else if line.ends_with("started phase 2") {
                Some('2')
            } else {
                None
            }
        })
        .collect();
    assert_eq!(phases.iter().collect::<String>(), "111111222222");
}

#[test]
fn scoped_threads_compute_the_right_sums() {
    let stdout = run_ok(&["scoped"]);
    assert!(stdout.contains("= 500500"));
    assert!(stdout.contains("the sum is now 1001000"));
}

#[test]
fn channel_keeps_each_producers_order() {
    let stdout = run_ok(&["channel", "--producers", "5", "--messages", "1000"]);
    assert!(
        stdout.contains("received 5000 messages: 1000 from each producer"),
        "{stdout}"
    );
}

#[test]
fn poison_is_seen_and_recovered() {
    let output = run(&["poison"]);
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("lock() now returns a PoisonError"));
    assert!(stdout.contains("total 150 instead of 200"));
    assert!(stdout.contains("lock() works again"));
    // The panic itself is reported on stderr by Rust's panic hook.
    assert!(String::from_utf8_lossy(&output.stderr).contains("deliberate panic"));
}

#[test]
fn bench_prints_exact_counts_as_key_values() {
    let stdout = run_ok(&["bench", "--threads", "2", "--increments", "5000"]);
    for key in ["mutex", "parking_lot_mutex", "atomic"] {
        assert_eq!(value(&stdout, &format!("{key}_final")), "10000");
        let nanos: f64 = value(&stdout, &format!("{key}_ns_per_increment"))
            .parse()
            .expect("a number");
        assert!(nanos > 0.0);
    }
}

#[test]
fn bad_arguments_exit_with_code_2() {
    for args in [
        &["no-such-demo"][..],
        &["counter", "--threads", "0"],
        &["io-bound", "--delay-ms", "soon"],
        &["lock", "--unknown-flag"],
    ] {
        let output = run(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "`threads-locks {}`",
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

#[test]
fn help_lists_every_demo() {
    let stdout = run_ok(&["--help"]);
    for demo in [
        "basics",
        "io-bound",
        "lock",
        "counter",
        "rwlock",
        "condvar",
        "semaphore",
        "event",
        "barrier",
        "scoped",
        "channel",
        "poison",
        "bench",
    ] {
        assert!(stdout.contains(demo), "--help does not list {demo}");
    }
}
