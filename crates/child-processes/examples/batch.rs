//! Run several commands at once, each with a timeout, and collect how each
//! ended: the job of a build runner or a test harness.
//!
//! Run with `cargo run -p child-processes --example batch -- --timeout-ms 500
//! 'echo hello' 'sleep 2' 'ls /nowhere'`. Python: a `Process` per command,
//! `p.join(timeout)`, then `p.terminate()` and `p.kill()` for the ones still
//! running, and `p.exitcode` for each. A command is a program and its
//! arguments split on spaces, run without a shell: the child process *is*
//! the command (it `exec`s it), so a timeout's signal reaches the command
//! itself, not a shell that would leave it behind as an orphan.

use anyhow::{Context, Result, bail};
use child_processes::process::{Joined, Process};
use child_processes::task::{ChildTask, ChildTasks};
use std::os::unix::process::CommandExt;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// How long a command that got SIGTERM may take before SIGKILL.
const GRACE: Duration = Duration::from_millis(500);
/// The exit code of a command that could not be started, as in a shell.
const NOT_FOUND: i32 = 127;

/// The child: becomes the command.
struct Run {
    argv: Vec<String>,
}

impl ChildTask for Run {
    const ROLE: &'static str = "run";

    fn to_args(&self) -> Vec<String> {
        self.argv.clone()
    }

    fn from_args(args: &[String]) -> Result<Self> {
        Ok(Run {
            argv: args.to_vec(),
        })
    }

    fn run(self) -> Result<()> {
        let (program, args) = self.argv.split_first().context("an empty command")?;
        // `exec` replaces this process with the command; it returns only if
        // that failed.
        let error = std::process::Command::new(program).args(args).exec();
        eprintln!("batch: cannot run {program}: {error}");
        std::process::exit(NOT_FOUND);
    }
}

fn main() -> ExitCode {
    ChildTasks::new().with::<Run>().run_if_child();
    match parse(std::env::args().skip(1).collect()) {
        Ok((timeout, commands)) => match run_all(timeout, &commands) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("batch: {error:#}");
                ExitCode::FAILURE
            }
        },
        Err(error) => {
            eprintln!("batch: {error:#}\nusage: batch [--timeout-ms MS] COMMAND...");
            ExitCode::from(2)
        }
    }
}

/// `[--timeout-ms MS] COMMAND...`; the default timeout is 5 s.
fn parse(args: Vec<String>) -> Result<(Duration, Vec<Vec<String>>)> {
    let mut timeout = Duration::from_secs(5);
    let mut rest = args.as_slice();
    if let [flag, value, tail @ ..] = rest
        && flag == "--timeout-ms"
    {
        timeout = Duration::from_millis(value.parse().context("--timeout-ms wants a number")?);
        rest = tail;
    }
    if rest.is_empty() {
        bail!("no command given");
    }
    let commands: Vec<Vec<String>> = rest
        .iter()
        .map(|command| command.split_whitespace().map(String::from).collect())
        .collect();
    if commands.iter().any(Vec::is_empty) {
        bail!("an empty command");
    }
    Ok((timeout, commands))
}

fn run_all(timeout: Duration, commands: &[Vec<String>]) -> Result<()> {
    // Start them all first, so they run at the same time.
    let started = Instant::now();
    let mut children: Vec<Process> = commands
        .iter()
        .map(|argv| Run { argv: argv.clone() }.builder().start())
        .collect::<Result<_, _>>()?;
    let deadline = started + timeout;
    let mut failures = 0;
    for (argv, child) in commands.iter().zip(&mut children) {
        let left = deadline.saturating_duration_since(Instant::now());
        let outcome = match child.join_timeout(left)? {
            Joined::Exited(report) => format!("{report}"),
            Joined::StillRunning => {
                // Ask first (Python's terminate), then insist (kill).
                child.terminate()?;
                let report = match child.join_timeout(GRACE)? {
                    Joined::Exited(report) => report,
                    Joined::StillRunning => {
                        child.kill()?;
                        child.join()?
                    }
                };
                format!("timed out after {} ms, then {report}", timeout.as_millis())
            }
        };
        let report = child.exit_report().context("a joined child has a report")?;
        failures += usize::from(!report.success());
        println!(
            "{:<24} pid {:<8} exitcode {:<4} {outcome}",
            argv.join(" "),
            child.pid(),
            report.python_exitcode()
        );
    }
    println!(
        "{} commands in {:.2} s, {failures} did not succeed",
        commands.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
