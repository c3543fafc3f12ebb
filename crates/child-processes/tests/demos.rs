//! Every demo through the binary. After each, nothing of it may be left: no
//! process in its process group, and, since this test process makes itself
//! a child subreaper, no orphan or zombie handed up to us. Bad arguments
//! must give exit code 2.

// The demos' own libc calls (adopting orphans, reaping them), shared with
// the binary; this file uses some of them.
#[allow(dead_code)]
#[path = "../src/demos/sys.rs"]
mod sys;

use std::os::unix::process::CommandExt;
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// The leftover check looks at all of this process's children, so the
/// tests in this file run one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// (pid, state) of every process whose parent is `parent` or whose process
/// group is `group`.
fn related(parent: u32, group: u32) -> Vec<(u32, String)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let fields: Vec<String> = stat[stat.rfind(')')? + 1..]
                .split_whitespace()
                .take(3)
                .map(str::to_string)
                .collect();
            let state = fields.first()?.clone();
            let ppid: u32 = fields.get(1)?.parse().ok()?;
            let pgrp: u32 = fields.get(2)?.parse().ok()?;
            (ppid == parent || pgrp == group).then_some((pid, state))
        })
        .collect()
}

/// Runs the binary and checks that it left nothing behind.
fn run_checked(args: &[&str]) -> Output {
    let _serial = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    sys::become_subreaper().expect("becoming a subreaper");
    let child = Command::new(env!("CARGO_BIN_EXE_child-processes"))
        .args(args)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting child-processes");
    let group = child.id();
    let output = child
        .wait_with_output()
        .expect("waiting for child-processes");

    let us = std::process::id();
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut left = related(us, group);
    while !left.is_empty() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
        left = related(us, group);
    }
    for &(pid, _) in &left {
        // Clean up before failing, so one failure does not spill into others.
        let _ = sys::send_signal(pid, libc::SIGKILL);
        thread::sleep(Duration::from_millis(20));
        let _ = sys::try_reap(pid);
    }
    assert!(
        left.is_empty(),
        "`child-processes {}` left processes (pid, state): {left:?}",
        args.join(" ")
    );
    output
}

/// Runs a demo that must succeed, checked, and returns its stdout.
fn run_ok(args: &[&str]) -> String {
    let output = run_checked(args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "`child-processes {}` failed with {}\nstdout:\n{stdout}\nstderr:\n{}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn basics_joins_three_children_and_completes_once() {
    let stdout = run_ok(&["basics"]);
    assert_eq!(
        stdout.matches("completed").count(),
        4,
        "3 children and the parent: {stdout}"
    );
    assert_eq!(stdout.matches("parent process completed").count(), 1);
}

#[test]
fn lifecycle_sees_every_state() {
    let stdout = run_ok(&["lifecycle"]);
    assert!(stdout.contains("-> still running, is_alive true"));
    assert!(stdout.contains("terminated: join -> exit code 0, is_alive false"));
}

#[test]
fn custom_task_runs_in_the_child() {
    let stdout = run_ok(&["custom"]);
    assert!(
        stdout.contains("child: this is another process, running a greeting from the custom demo")
    );
}

#[test]
fn names_are_seen_by_ps() {
    let stdout = run_ok(&["names"]);
    assert!(stdout.contains(r#"ps shows "worker-a""#));
    assert!(stdout.contains(r#"name "watchdog", daemon true"#));
}

#[test]
fn exit_codes_include_minus_nine_and_a_clean_sigterm() {
    let stdout = run_ok(&["exit-codes"]);
    assert!(stdout.contains("panic:                           exit code 101"));
    assert!(stdout.contains("SIGTERM, caught and cleaned up:  exit code 0"));
    assert!(stdout.contains("Python's exitcode -9"));
}

#[test]
fn daemon_child_dies_with_its_killed_parent_and_the_orphan_is_reaped() {
    let stdout = run_ok(&["daemon"]);
    assert!(stdout.contains("its lifeline pipe closed"), "{stdout}");
    assert!(
        stdout.contains("cleaned up the orphan: killed by signal 9"),
        "{stdout}"
    );
}

#[test]
fn isolation_keeps_the_parents_counter() {
    let stdout = run_ok(&["isolation"]);
    assert!(stdout.contains("parent after joining the child: counter is still 0"));
    assert!(stdout.contains("parent after joining the thread: counter is 1"));
}

#[test]
fn parallel_overlaps_the_two_processes() {
    let stdout = run_ok(&["parallel", "--delay-ms", "20"]);
    assert_eq!(
        stdout
            .lines()
            .filter(|line| line.starts_with("Square: ") || line.starts_with("Cube: "))
            .count(),
        10
    );
}

#[test]
fn server_collects_one_response_per_request() {
    let stdout = run_ok(&["server"]);
    assert!(stdout.contains("request 3: GET /missing.html -> 404"));
    assert!(stdout.contains("all 4 responses collected"));
}

#[test]
fn a_child_that_dies_before_connecting_is_an_error_not_a_hang() {
    let output = run_checked(&["server", "--fail-request", "2"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success());
    let line = stdout
        .lines()
        .find(|line| line.starts_with("request 2:"))
        .expect("a line for request 2");
    assert!(
        line.contains("exited before connecting: exit code 3"),
        "{line}"
    );
    assert!(
        stdout.contains("request 4: GET /contact.html -> 200"),
        "the other requests still work: {stdout}"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("1 of 4 requests got no response"));
}

#[test]
fn restaurant_delivers_every_order_once() {
    let stdout = run_ok(&["restaurant"]);
    assert_eq!(stdout.matches("delivered to table").count(), 3);
    assert!(stdout.contains("every order was delivered exactly once"));
}

#[test]
fn bench_spawn_prints_key_values() {
    let stdout = run_ok(&["bench", "spawn", "--children", "5", "--repeat", "1"]);
    assert!(stdout.contains("children=5"));
    let figure: f64 = stdout
        .lines()
        .find_map(|line| line.strip_prefix("spawn_ms_per_child="))
        .expect("a figure")
        .parse()
        .expect("a number");
    assert!(figure > 0.0);
}

#[test]
fn bad_arguments_exit_with_code_2() {
    for args in [
        &["no-such-demo"][..],
        &["parallel", "--delay-ms", "0"],
        &["bench"],
        &["bench", "spawn", "--children", "x"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_child-processes"))
            .args(args)
            .output()
            .expect("running");
        assert_eq!(
            output.status.code(),
            Some(2),
            "`child-processes {}`",
            args.join(" ")
        );
        assert!(!output.stderr.is_empty());
    }
}
