//! How a child can end, and Python's `exitcode` for each: a normal return,
//! `exit(1)`, a panic, a child that catches SIGTERM, cleans up and exits 0,
//! and a child killed with SIGKILL, which Python shows as -9.

use super::{CONNECT_LIMIT, Exit, Noop, Panic, Sleep, header};
use anyhow::{Result, ensure};
use child_processes::ipc::{Bootstrap, connect_and_send};
use child_processes::process::{Builder, ExitReport};
use child_processes::task::{ChildTask, arg};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How often the SIGTERM child looks at its flag.
const POLL: Duration = Duration::from_millis(5);

pub fn run() -> Result<()> {
    header(
        "exit-codes",
        "how children end, with Python's exitcode",
        "Process.exitcode",
    );

    let cases: [(&str, Builder, i32); 3] = [
        ("normal return", Noop.builder(), 0),
        ("exit(1)", Exit { code: 1 }.builder(), 1),
        ("panic", Panic.builder(), 101),
    ];
    for (label, builder, expected) in cases {
        let report = builder.start()?.join()?;
        show(label, report, expected)?;
    }

    // The child makes a temporary file, sets its SIGTERM handler, and only
    // then sends us the file's path, so the signal cannot come too early.
    let bootstrap = Bootstrap::<PathBuf>::new()?;
    let mut child = CleanUpOnSigterm {
        server: bootstrap.name().to_string(),
    }
    .builder()
    .start()?;
    let (_, scratch) = bootstrap.accept(&mut child, CONNECT_LIMIT)?;
    ensure!(
        scratch.exists(),
        "the child's file {} is missing",
        scratch.display()
    );
    child.terminate()?;
    show("SIGTERM, caught and cleaned up", child.join()?, 0)?;
    ensure!(
        !scratch.exists(),
        "the child left {} behind",
        scratch.display()
    );

    let mut child = Sleep { ms: 60_000 }.builder().start()?;
    child.kill()?;
    show("SIGKILL", child.join()?, -9)?;
    Ok(())
}

fn show(label: &str, report: ExitReport, expected: i32) -> Result<()> {
    ensure!(
        report.python_exitcode() == expected,
        "{label}: {report}, expected exitcode {expected}"
    );
    println!(
        "{:<32} {report}, Python's exitcode {}",
        format!("{label}:"),
        report.python_exitcode()
    );
    Ok(())
}

/// A child that holds a temporary file until SIGTERM, then removes it and
/// exits with status 0. Without the handler, SIGTERM would end it at once
/// (exitcode -15) and the file would stay behind. It sends the file's path
/// to the parent over ipc-channel, through the bootstrap server `server`.
pub struct CleanUpOnSigterm {
    pub server: String,
}

impl ChildTask for CleanUpOnSigterm {
    const ROLE: &'static str = "sigterm-cleanup";

    fn to_args(&self) -> Vec<String> {
        vec![self.server.clone()]
    }

    fn from_args(args: &[String]) -> Result<Self> {
        Ok(CleanUpOnSigterm {
            server: arg(args, 0)?,
        })
    }

    fn run(self) -> Result<()> {
        let terminated = Arc::new(AtomicBool::new(false));
        signal_hook::flag::register(signal_hook::consts::SIGTERM, Arc::clone(&terminated))?;
        let scratch =
            std::env::temp_dir().join(format!("child-processes-{}.tmp", std::process::id()));
        std::fs::write(&scratch, "work in progress\n")?;
        let _channel = connect_and_send(&self.server, scratch.clone())?;
        while !terminated.load(Ordering::SeqCst) {
            std::thread::sleep(POLL);
        }
        std::fs::remove_file(&scratch)?;
        println!("child: caught SIGTERM, removed its temporary file, exiting cleanly");
        Ok(())
    }
}
