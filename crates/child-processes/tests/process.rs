//! The `Process` type and `ChildTasks`, used directly, with tasks defined in
//! this file, the way a user defines theirs.
//!
//! This file is its own child binary: a `Builder` re-executes the binary it
//! runs in, so the first line of `main` must be `run_if_child`, before any
//! test harness: hence `harness = false` in Cargo.toml and the small runner
//! at the bottom.

use anyhow::{Result, bail};
use child_processes::ipc::{Bootstrap, BootstrapError, connect_and_send};
use child_processes::process::{Builder, Joined, current_process};
use child_processes::task::{ChildTask, ChildTasks, arg};
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// Sleeps, then exits 0.
struct Sleep(u64);

impl ChildTask for Sleep {
    const ROLE: &'static str = "sleep";
    fn to_args(&self) -> Vec<String> {
        vec![self.0.to_string()]
    }
    fn from_args(args: &[String]) -> Result<Self> {
        Ok(Sleep(arg(args, 0)?))
    }
    fn run(self) -> Result<()> {
        std::thread::sleep(Duration::from_millis(self.0));
        Ok(())
    }
}

/// Exits with this code.
struct Exit(i32);

impl ChildTask for Exit {
    const ROLE: &'static str = "exit";
    fn to_args(&self) -> Vec<String> {
        vec![self.0.to_string()]
    }
    fn from_args(args: &[String]) -> Result<Self> {
        Ok(Exit(arg(args, 0)?))
    }
    fn run(self) -> Result<()> {
        std::process::exit(self.0)
    }
}

/// Fails with an error, after printing without a newline.
struct Fail;

impl ChildTask for Fail {
    const ROLE: &'static str = "fail";
    fn to_args(&self) -> Vec<String> {
        Vec::new()
    }
    fn from_args(_: &[String]) -> Result<Self> {
        Ok(Fail)
    }
    fn run(self) -> Result<()> {
        print!("no newline");
        bail!("the task failed on purpose")
    }
}

/// Sends what `current_process()` says in the child to the parent.
struct WhoAmI {
    server: String,
}

impl ChildTask for WhoAmI {
    const ROLE: &'static str = "who-am-i";
    fn to_args(&self) -> Vec<String> {
        vec![self.server.clone()]
    }
    fn from_args(args: &[String]) -> Result<Self> {
        Ok(WhoAmI {
            server: arg(args, 0)?,
        })
    }
    fn run(self) -> Result<()> {
        let me = current_process();
        connect_and_send(&self.server, (me.name, me.daemon))?;
        Ok(())
    }
}

fn join_timeout_says_whether_the_child_ended() {
    let mut child = Sleep(200).builder().start().unwrap();
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

fn terminate_and_kill_report_python_exitcodes() {
    let mut child = Sleep(60_000).builder().start().unwrap();
    child.terminate().unwrap();
    assert_eq!(child.join().unwrap().python_exitcode(), -15);
    let mut child = Sleep(60_000).builder().start().unwrap();
    child.kill().unwrap();
    assert_eq!(child.join().unwrap().python_exitcode(), -9);
    // Signalling a child that has ended is harmless.
    child.kill().unwrap();
}

fn dropping_a_running_child_kills_and_reaps_it() {
    let child = Sleep(60_000).builder().start().unwrap();
    let pid = child.pid();
    assert!(is_running(pid));
    drop(child);
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "pid {pid} is still there, dead or alive"
    );
}

fn default_names_count_up_and_explicit_names_stay() {
    let first = Sleep(0).builder().start().unwrap();
    let second = Sleep(0).builder().start().unwrap();
    let number = |name: &str| {
        name.strip_prefix("Process-")
            .and_then(|n| n.parse::<u64>().ok())
            .expect(name)
    };
    assert!(number(second.name()) > number(first.name()));
    assert_eq!(
        Sleep(0).builder().name("mine").start().unwrap().name(),
        "mine"
    );
}

fn current_process_tells_a_child_its_name_and_daemon_flag() {
    assert_eq!(current_process().name, "MainProcess");
    for (name, daemon) in [("plain", false), ("guard", true)] {
        let bootstrap = Bootstrap::<(String, bool)>::new().unwrap();
        let task = WhoAmI {
            server: bootstrap.name().to_string(),
        };
        let mut child = task.builder().name(name).daemon(daemon).start().unwrap();
        let (_, seen) = bootstrap
            .accept(&mut child, Duration::from_secs(30))
            .unwrap();
        assert_eq!(seen, (name.to_string(), daemon));
        assert!(child.join().unwrap().success());
    }
}

fn a_task_error_exits_1_with_the_message_and_keeps_what_it_printed() {
    let output = Command::new(std::env::current_exe().unwrap())
        .env("CHILD_PROCESSES_TASK", Fail::ROLE)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "no newline");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("Error: the task failed on purpose"),
        "{stderr}"
    );
}

fn a_role_this_binary_does_not_run_exits_2_and_names_the_ones_it_does() {
    let report = Builder::new("no-such-role")
        .start()
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(report.code, Some(2));
    let output = Command::new(std::env::current_exe().unwrap())
        .env("CHILD_PROCESSES_TASK", "no-such-role")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no task `no-such-role`"), "{stderr}");
    assert!(stderr.contains("\"sleep\""), "{stderr}");
}

fn a_child_that_exits_before_connecting_gives_an_error_at_once() {
    let bootstrap = Bootstrap::<String>::new().unwrap();
    let mut child = Exit(3).builder().start().unwrap();
    match bootstrap.accept(&mut child, Duration::from_secs(30)) {
        Err(BootstrapError::ChildExited { report, .. }) => assert_eq!(report.code, Some(3)),
        other => panic!("expected ChildExited, got {other:?}"),
    }
}

fn a_child_that_never_connects_times_out() {
    let bootstrap = Bootstrap::<String>::new().unwrap();
    let mut child = Sleep(60_000).builder().start().unwrap();
    match bootstrap.accept(&mut child, Duration::from_millis(100)) {
        Err(BootstrapError::TimedOut { .. }) => {}
        other => panic!("expected TimedOut, got {other:?}"),
    }
}

fn is_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| !stat.contains(") Z "))
}

/// Every test, by name.
const TESTS: &[(&str, fn())] = &[
    test!(join_timeout_says_whether_the_child_ended),
    test!(terminate_and_kill_report_python_exitcodes),
    test!(dropping_a_running_child_kills_and_reaps_it),
    test!(default_names_count_up_and_explicit_names_stay),
    test!(current_process_tells_a_child_its_name_and_daemon_flag),
    test!(a_task_error_exits_1_with_the_message_and_keeps_what_it_printed),
    test!(a_role_this_binary_does_not_run_exits_2_and_names_the_ones_it_does),
    test!(a_child_that_exits_before_connecting_gives_an_error_at_once),
    test!(a_child_that_never_connects_times_out),
];

macro_rules! test {
    ($name:ident) => {
        (stringify!($name), $name as fn())
    };
}
use test;

fn main() -> ExitCode {
    // In a child this runs the task it was started for and exits.
    ChildTasks::new()
        .with::<Sleep>()
        .with::<Exit>()
        .with::<Fail>()
        .with::<WhoAmI>()
        .run_if_child();

    // Like libtest: the arguments that are not flags filter tests by name.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .collect();
    let chosen: Vec<_> = TESTS
        .iter()
        .filter(|(name, _)| filters.is_empty() || filters.iter().any(|f| name.contains(f)))
        .collect();
    let started = Instant::now();
    println!("\nrunning {} tests", chosen.len());
    let mut failed = 0;
    for (name, test) in &chosen {
        let passed = catch_unwind(AssertUnwindSafe(test)).is_ok();
        println!("test {name} ... {}", if passed { "ok" } else { "FAILED" });
        failed += usize::from(!passed);
    }
    let verdict = if failed == 0 { "ok" } else { "FAILED" };
    println!(
        "\ntest result: {verdict}. {} passed; {failed} failed; 0 ignored; 0 measured; {} filtered out; finished in {:.2}s\n",
        chosen.len() - failed,
        TESTS.len() - chosen.len(),
        started.elapsed().as_secs_f64()
    );
    let _ = std::io::stdout().flush();
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
