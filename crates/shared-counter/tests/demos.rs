//! Each demo through the binary, the exact strategies 200 times over, the
//! crash recovery, and the promise that nothing is left behind: no process
//! and no `/dev/shm` entry after a normal exit, a panic in the parent, or a
//! worker killed with SIGKILL. Bad arguments must give exit code 2.

use std::os::unix::process::CommandExt;
use std::process::{Command, Output};
use std::thread;
use std::time::{Duration, Instant};

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_shared-counter"));
    command.args(args);
    command
}

fn run(args: &[&str]) -> Output {
    command(args).output().expect("running shared-counter")
}

/// Runs a demo that must succeed and returns its stdout.
fn run_ok(args: &[&str]) -> String {
    let output = run(args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "`shared-counter {}` failed with {}\nstdout:\n{stdout}\nstderr:\n{}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The live (not zombie) processes whose process group is `group`.
fn processes_in_group(group: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            let Some(after_name) = stat.rfind(')').map(|at| &stat[at + 1..]) else {
                return false;
            };
            let fields: Vec<&str> = after_name.split_whitespace().collect();
            // fields: state, ppid, pgrp, ...
            fields.len() > 2 && fields[0] != "Z" && fields[2] == group.to_string()
        })
        .collect()
}

fn shm_entries() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir("/dev/shm")
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Runs the binary in a process group of its own, then checks that nothing
/// of that group is left running (workers die with their parent within a
/// moment) and that `/dev/shm` has no new entry. Returns the output.
fn run_and_check_nothing_left(args: &[&str]) -> Output {
    let shm_before = shm_entries();
    let mut child = command(args)
        .process_group(0)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starting shared-counter");
    let group = child.id();
    let output = {
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let status = child.wait().expect("waiting");
        let read = |pipe: Option<std::process::ChildStdout>| {
            let mut text = Vec::new();
            if let Some(mut pipe) = pipe {
                std::io::Read::read_to_end(&mut pipe, &mut text).ok();
            }
            text
        };
        let mut stderr_text = Vec::new();
        if let Some(mut pipe) = stderr {
            std::io::Read::read_to_end(&mut pipe, &mut stderr_text).ok();
        }
        Output {
            status,
            stdout: read(stdout),
            stderr: stderr_text,
        }
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while !processes_in_group(group).is_empty() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    let left = processes_in_group(group);
    for pid in &left {
        // Clean up before failing, so one failure does not leak into others.
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
    assert!(
        left.is_empty(),
        "processes left running after `shared-counter {}`: {left:?}",
        args.join(" ")
    );
    assert_eq!(
        shm_entries(),
        shm_before,
        "new /dev/shm entries after `shared-counter {}`",
        args.join(" ")
    );
    output
}

#[test]
fn exact_strategies_are_exact_200_runs_in_a_row() {
    let stdout = run_ok(&[
        "strategies",
        "--strategy",
        "atomic",
        "--strategy",
        "locked",
        "--strategy",
        "file-lock",
        "--runs",
        "200",
    ]);
    for strategy in ["atomic:", "locked:", "file-lock:"] {
        assert!(
            stdout.contains(&format!(
                "{strategy:<10} final value: 4000 (every one of 200 runs exact)"
            )),
            "{strategy} {stdout}"
        );
    }
}

#[test]
fn racy_loses_updates() {
    let stdout = run_ok(&[
        "strategies",
        "--strategy",
        "racy",
        "--processes",
        "3",
        "--increments",
        "2000",
    ]);
    let line = stdout
        .lines()
        .find(|line| line.starts_with("racy:"))
        .expect("a racy line");
    let lost: u64 = line
        .split('(')
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(lost > 0 && lost < 6000, "{line}");
}

#[test]
fn crash_recovery_neither_deadlocks_nor_miscounts() {
    let output = run_and_check_nothing_left(&[
        "crash",
        "--processes",
        "3",
        "--increments",
        "2000",
        "--crash-after",
        "123",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Both locks, each with its holder killed mid-update: nobody hangs, and
    // the count is exact.
    for lock in ["the robust mutex", "the file lock"] {
        assert!(
            stdout.contains(&format!("{lock}: killed worker 0 (pid ")),
            "{stdout}"
        );
        assert!(
            stdout.contains(&format!(
                "{lock}: final value: 4123 = 123 by the killed worker + 2 x 2000 by the survivors"
            )),
            "{stdout}"
        );
    }
}

#[test]
fn chaos_loses_no_increment_hangs_nothing_and_leaves_nothing_behind() {
    let locks: &[&str] = if cfg!(target_os = "linux") {
        &["robust", "file"]
    } else {
        &["file"]
    };
    for lock in locks {
        let args = [
            "chaos",
            "--seconds",
            "2",
            "--kill-every-ms",
            "5",
            "--lock",
            lock,
        ];
        let output = run_and_check_nothing_left(&args);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{lock}: {}\n{stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        let line = stdout
            .lines()
            .find(|line| line.starts_with("final "))
            .unwrap_or_else(|| panic!("{lock}: no summary line in {stdout}"));
        // final V, acknowledged V, kills K, hangs 0, left in /dev/shm 0
        let numbers: Vec<u64> = line
            .split(", ")
            .map(|part| part.rsplit(' ').next().unwrap().parse().unwrap())
            .collect();
        let [final_value, acknowledged, kills, hangs, left] = numbers[..] else {
            panic!("{lock}: {line}");
        };
        assert_eq!(final_value, acknowledged, "{lock}: {line}");
        assert!(final_value > 0, "{lock}: nothing was counted: {line}");
        // 400 kills are due in 2 s; a loaded machine may fall behind, but
        // not this far.
        assert!(kills >= 50, "{lock}: only {kills} kills: {line}");
        assert_eq!((hangs, left), (0, 0), "{lock}: {line}");
    }
}

#[test]
fn array_elements_and_total_agree() {
    let stdout = run_ok(&["array", "--processes", "3", "--increments", "500"]);
    assert!(stdout.contains("element 2: 1500"), "{stdout}");
    assert!(
        stdout.contains("the elements add up to 3000, and the shared total is 3000"),
        "{stdout}"
    );
}

#[test]
fn bench_prints_exact_counts() {
    let stdout = run_ok(&["bench", "--processes", "2", "--increments", "5000"]);
    assert!(stdout.contains("atomic_final=10000"), "{stdout}");
    assert!(stdout.contains("locked_final=10000"), "{stdout}");
    assert!(stdout.contains("file-lock_final=10000"), "{stdout}");
}

#[test]
fn nothing_is_left_after_a_normal_exit() {
    let output = run_and_check_nothing_left(&["strategies", "--increments", "100"]);
    assert!(output.status.success());
}

#[test]
fn nothing_is_left_after_the_parent_panics() {
    let output =
        run_and_check_nothing_left(&["strategies", "--strategy", "locked", "--panic-after-spawn"]);
    assert_eq!(
        output.status.code(),
        Some(101),
        "a Rust panic exits with 101"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("deliberate panic"));
}

#[test]
fn bad_arguments_exit_with_code_2() {
    for args in [
        &["no-such-demo"][..],
        &["strategies", "--processes", "0"],
        &["crash", "--processes", "1"],
        &["strategies", "--strategy", "sometimes"],
        &["chaos", "--processes", "1"],
        &["chaos", "--kill-every-ms", "0"],
        &["chaos", "--seconds", "0"],
        &["chaos", "--lock", "sometimes"],
    ] {
        let output = run(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "`shared-counter {}`",
            args.join(" ")
        );
        assert!(
            !output.stderr.is_empty(),
            "no message for `{}`",
            args.join(" ")
        );
    }
}

#[test]
fn a_worker_started_by_hand_exits_with_code_2_and_says_why() {
    let worker = "--shared-counter-worker";
    for (args, env_fd, message) in [
        (
            &[worker, "count:atomic", "0", "10", "1"][..],
            None,
            "SHARED_COUNTER_FD is not set",
        ),
        (
            &[worker, "count:atomic", "0", "10", "1"],
            Some("0"),
            "not an fd number above 2",
        ),
        (
            &[worker, "count:atomic", "0", "10", "1"],
            Some("9999"),
            "fd 9999",
        ),
        (
            &[worker, "count:sometimes", "0", "10", "1"],
            None,
            "unknown worker role",
        ),
        (&[worker, "array", "64", "10", "1"], None, "out of range"),
        (&[worker, "array", "0"], None, "missing the increments"),
    ] {
        let mut command = command(args);
        command.env_remove("SHARED_COUNTER_FD");
        if let Some(fd) = env_fd {
            command.env("SHARED_COUNTER_FD", fd);
        }
        let output = command.output().expect("running a worker by hand");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}
