//! Process names, the daemon flag, and the current process's name, pid and
//! parent pid.
//!
//! Python: `Process(name=...)` or the default "Process-N",
//! `current_process().name`, `os.getpid()`, `os.getppid()`. Here the child
//! also sets its name where `ps` shows it (`/proc/PID/comm`), on Linux:
//! macOS has no call for a process to rename itself.

use super::header;
use super::sys;
use anyhow::{Result, ensure};
use child_processes::process::current_process;
use child_processes::task::ChildTask;

/// This process's name as the OS shows it.
fn os_name() -> String {
    sys::process_name(std::process::id()).unwrap_or_default()
}

pub fn run() -> Result<()> {
    header(
        "names",
        "names, the daemon flag, pids",
        "Process.name, daemon, current_process(), os.getppid()",
    );
    println!(
        "this process: name {:?}, pid {}, parent pid {}",
        os_name(),
        std::process::id(),
        std::os::unix::process::parent_id()
    );
    let builders = [
        Introduce.builder(),
        Introduce.builder().name("worker-a"),
        Introduce.builder().name("watchdog").daemon(true),
    ];
    for builder in builders {
        let mut child = builder.start()?;
        let (name, daemon) = (child.name().to_string(), child.is_daemon());
        let report = child.join()?;
        ensure!(report.success(), "{name} ended with {report}");
        println!("  the parent saw: name {name:?}, daemon {daemon}, ended with {report}");
    }
    Ok(())
}

/// The child: reports what it knows about itself (Python's
/// `current_process()`), and checks that the name `ps` shows is the one it
/// was given.
pub struct Introduce;

impl ChildTask for Introduce {
    const ROLE: &'static str = "names";

    fn to_args(&self) -> Vec<String> {
        Vec::new()
    }

    fn from_args(_: &[String]) -> Result<Self> {
        Ok(Introduce)
    }

    fn run(self) -> Result<()> {
        let me = current_process();
        let shown = os_name();
        println!(
            "child: name {:?}, daemon {}, pid {}, parent pid {}, ps shows {shown:?}",
            me.name,
            me.daemon,
            std::process::id(),
            std::os::unix::process::parent_id()
        );
        if cfg!(target_os = "linux") {
            let expected: String = me.name.chars().take(15).collect();
            ensure!(shown == expected, "ps shows {shown:?}, not {expected:?}");
        }
        Ok(())
    }
}
