//! The runner's checks, on small shell programs standing in for examples:
//! that it passes a good one and catches each kind of bad one.

use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;
use xtask::procs;
use xtask::runner::{Check, Outcome, run};

/// The leftover check looks at every child of this process, so two checks
/// running at once would see each other's examples. Run them one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn check_shell(script: &str, expected: Option<&str>, timeout: Duration) -> Outcome {
    let _serial = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    procs::become_subreaper().expect("becoming a subreaper");
    let mut command = Command::new("sh");
    command.args(["-c", script]);
    let check = Check {
        name: "fixture".to_string(),
        command,
        reproduce: format!("sh -c '{script}'"),
        expected: expected.map(|text| ("expected-output.txt".to_string(), text.to_string())),
        timeout,
    };
    run(check).expect("starting sh")
}

const LONG: Duration = Duration::from_secs(30);

fn pid_is_running(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| !stat.contains(") Z "))
        .unwrap_or(false)
}

#[test]
fn a_good_program_passes() {
    let outcome = check_shell("echo one; echo two", Some("one\n[..]o\n"), LONG);
    assert!(outcome.passed(), "{:?}", outcome.failures);
    assert_eq!(outcome.stdout, "one\ntwo\n");
}

#[test]
fn a_wrong_line_is_named() {
    let outcome = check_shell("echo one; echo three", Some("one\ntwo\n"), LONG);
    assert_eq!(outcome.failures.len(), 1, "{:?}", outcome.failures);
    let failure = &outcome.failures[0];
    assert!(failure.contains("expected-output.txt line 2"), "{failure}");
    assert!(
        failure.contains("`two`") && failure.contains("`three`"),
        "{failure}"
    );
}

#[test]
fn a_failing_exit_status_is_reported() {
    let outcome = check_shell("exit 3", None, LONG);
    assert!(!outcome.passed());
    assert!(
        outcome
            .failures
            .iter()
            .any(|failure| failure.contains("exit status: 3")),
        "{:?}",
        outcome.failures
    );
}

/// Runs a fixture that starts a long sleeper and prints its pid, then checks
/// that the sleeper was reported as a leftover and killed.
fn assert_leftover_caught(script: &str) {
    let outcome = check_shell(script, None, LONG);
    let leftover_pid: i32 = outcome
        .stdout
        .trim()
        .parse()
        .expect("the fixture prints its child's pid");
    assert!(
        outcome
            .failures
            .iter()
            .any(|failure| failure.contains(&format!("pid {leftover_pid} `sleep 300`"))),
        "{:?}",
        outcome.failures
    );
    assert!(!pid_is_running(leftover_pid), "the leftover was not killed");
}

#[test]
fn a_child_left_running_is_reported_and_killed() {
    assert_leftover_caught("sleep 300 & echo $!");
}

#[test]
fn a_child_that_left_the_process_group_is_still_caught() {
    // setsid puts the sleeper in a session and group of its own; it is still
    // reparented to us when its parent exits, because we are a subreaper.
    assert_leftover_caught("setsid sleep 300 & echo $!");
}

#[test]
fn a_child_that_exits_with_its_parent_is_fine() {
    // The child is still finishing when the parent exits; the grace period
    // lets it end on its own instead of being reported.
    let outcome = check_shell("(sleep 0.2) & echo started", None, LONG);
    assert!(outcome.passed(), "{:?}", outcome.failures);
}

#[test]
fn a_hung_program_is_killed_at_the_timeout() {
    let outcome = check_shell("echo $$; sleep 300", None, Duration::from_secs(1));
    assert!(
        outcome
            .failures
            .iter()
            .any(|failure| failure.contains("timed out after 1 s")),
        "{:?}",
        outcome.failures
    );
    let shell_pid: i32 = outcome
        .stdout
        .trim()
        .parse()
        .expect("the fixture prints its pid");
    assert!(!pid_is_running(shell_pid));
}

#[test]
fn a_new_dev_shm_entry_is_reported() {
    let name = format!("xtask-runner-test-{}", std::process::id());
    let outcome = check_shell(&format!("touch /dev/shm/{name}"), None, LONG);
    std::fs::remove_file(format!("/dev/shm/{name}")).expect("the fixture created the entry");
    assert!(
        outcome
            .failures
            .iter()
            .any(|failure| failure.contains("/dev/shm") && failure.contains(&name)),
        "{:?}",
        outcome.failures
    );
}
