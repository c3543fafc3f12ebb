//! Runs one program with a timeout and checks everything it should have done:
//! its exit status, its stdout against an expected-output file, and that it
//! left no process running and no new entry in `/dev/shm`.

use crate::expected;
use crate::procs;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How long the processes an example started may take to exit after it did.
const LEFTOVER_GRACE: Duration = Duration::from_secs(1);
/// How long we wait for the output pipes to close once every process is gone.
const PIPE_GRACE: Duration = Duration::from_secs(2);
/// How often we look at whether the example has exited.
const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// What to run and what to expect of it.
pub struct Check {
    pub name: String,
    pub command: Command,
    /// How a person reproduces a failure by hand.
    pub reproduce: String,
    /// The expected-output file's name, for messages, and its text.
    pub expected: Option<(String, String)>,
    pub timeout: Duration,
}

/// The result of one check.
#[derive(Debug)]
pub struct Outcome {
    pub name: String,
    pub wall: Duration,
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
    /// Every problem found; empty when the example passed.
    pub failures: Vec<String>,
    pub reproduce: String,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Runs the check. Problems with the example become `failures`; only a
/// failure to start it at all is an `Err`.
pub fn run(check: Check) -> std::io::Result<Outcome> {
    let Check {
        name,
        mut command,
        reproduce,
        expected,
        timeout,
    } = check;
    let shm_before = procs::shm_entries();
    let started = Instant::now();
    // A process group of its own lets a timeout kill the example with every
    // child it started, and lets us find those children afterwards.
    let mut child = command
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let group_id = child.id() as i32;
    let stdout_rx = drain(child.stdout.take());
    let stderr_rx = drain(child.stderr.take());

    let mut failures = Vec::new();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if started.elapsed() >= timeout {
            procs::kill_group(group_id);
            child.wait()?;
            failures.push(format!(
                "timed out after {} s and was killed",
                timeout.as_secs()
            ));
            break None;
        }
        thread::sleep(POLL_INTERVAL);
    };
    let wall = started.elapsed();

    let leftovers = procs::collect_leftovers(group_id, LEFTOVER_GRACE);
    if !leftovers.is_empty() {
        let list: Vec<String> = leftovers
            .iter()
            .map(|left| format!("pid {} `{}`", left.pid, left.command))
            .collect();
        failures.push(format!(
            "left {} process(es) running after it exited (now killed): {}",
            leftovers.len(),
            list.join(", ")
        ));
    }
    let leaked: Vec<String> = procs::shm_entries()
        .into_iter()
        .filter(|entry| !shm_before.contains(entry))
        .collect();
    if !leaked.is_empty() {
        failures.push(format!(
            "left new entries in /dev/shm: {}",
            leaked.join(", ")
        ));
    }

    let stdout = stdout_rx.recv_timeout(PIPE_GRACE).unwrap_or_default();
    let stderr = stderr_rx.recv_timeout(PIPE_GRACE).unwrap_or_default();
    if let Some(status) = status
        && !status.success()
    {
        failures.push(format!("exited with {status}"));
    }
    if let Some((file_name, expected_text)) = &expected
        && let Err(mismatch) = expected::check(expected_text, &stdout)
    {
        failures.push(format!(
            "stdout does not match {name}/{file_name} {mismatch}"
        ));
    }
    Ok(Outcome {
        name,
        wall,
        status,
        stdout,
        stderr,
        failures,
        reproduce,
    })
}

/// Reads a pipe to its end on a thread of its own, so that a chatty example
/// never blocks on a full pipe while we wait for it.
fn drain(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<String> {
    let (text_tx, text_rx) = mpsc::channel();
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            // A read error ends the output early; what was read still counts.
            let _ = pipe.read_to_end(&mut bytes);
        }
        // The receiver may have given up waiting; then nobody needs the text.
        let _ = text_tx.send(String::from_utf8_lossy(&bytes).into_owned());
    });
    text_rx
}

/// The last `count` lines of `text`, for failure reports.
pub fn tail(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}
