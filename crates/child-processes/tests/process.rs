//! The `Process` type, used directly, with the crate's binary as the worker.

use child_processes::ipc::{Bootstrap, BootstrapError};
use child_processes::process::{Builder, Joined};
use std::path::Path;
use std::time::Duration;

const WORKER: &str = env!("CARGO_BIN_EXE_child-processes");

fn sleeper(ms: u64) -> Builder {
    Builder::new("sleep").arg(ms.to_string()).exe(WORKER)
}

fn is_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| !stat.contains(") Z "))
}

#[test]
fn join_timeout_says_whether_the_child_ended() {
    let mut child = sleeper(200).start().unwrap();
    assert_eq!(
        child.join_timeout(Duration::from_millis(10)).unwrap(),
        Joined::StillRunning
    );
    assert!(child.is_alive().unwrap());
    match child.join_timeout(Duration::from_secs(30)).unwrap() {
        Joined::Exited(report) => assert!(report.success(), "{report}"),
        Joined::StillRunning => panic!("a 200 ms sleeper still runs after 30 s"),
    }
    assert!(!child.is_alive().unwrap());
}

#[test]
fn terminate_and_kill_report_python_exitcodes() {
    let mut child = sleeper(60_000).start().unwrap();
    child.terminate().unwrap();
    assert_eq!(child.join().unwrap().python_exitcode(), -15);
    let mut child = sleeper(60_000).start().unwrap();
    child.kill().unwrap();
    assert_eq!(child.join().unwrap().python_exitcode(), -9);
    // Signalling a child that has ended is harmless.
    child.kill().unwrap();
}

#[test]
fn dropping_a_running_child_kills_and_reaps_it() {
    let child = sleeper(60_000).start().unwrap();
    let pid = child.pid();
    assert!(is_running(pid));
    drop(child);
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "pid {pid} is still there, dead or alive"
    );
}

#[test]
fn default_names_count_up_and_explicit_names_stay() {
    let first = sleeper(0).start().unwrap();
    let second = sleeper(0).start().unwrap();
    let number = |name: &str| {
        name.strip_prefix("Process-")
            .and_then(|n| n.parse::<u64>().ok())
            .expect(name)
    };
    assert!(number(second.name()) > number(first.name()));
    assert_eq!(sleeper(0).name("mine").start().unwrap().name(), "mine");
}

#[test]
fn a_child_that_exits_before_connecting_gives_an_error_at_once() {
    let bootstrap = Bootstrap::<String>::new().unwrap();
    let mut child = Builder::new("exit").arg("3").exe(WORKER).start().unwrap();
    match bootstrap.accept(&mut child, Duration::from_secs(30)) {
        Err(BootstrapError::ChildExited { report, .. }) => assert_eq!(report.code, Some(3)),
        other => panic!("expected ChildExited, got {other:?}"),
    }
}

#[test]
fn a_child_that_never_connects_times_out() {
    let bootstrap = Bootstrap::<String>::new().unwrap();
    let mut child = sleeper(60_000).start().unwrap();
    match bootstrap.accept(&mut child, Duration::from_millis(100)) {
        Err(BootstrapError::TimedOut { .. }) => {}
        other => panic!("expected TimedOut, got {other:?}"),
    }
}
