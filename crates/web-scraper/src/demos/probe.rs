//! The bench's memory probe: a crawler process's peak memory, its own and
//! not its spawner's.
//!
//! On Linux a child's `ru_maxrss`, as `wait4` returns it, starts from its
//! spawner's size: `fork` copies the parent's resident-page count into the
//! child's address space, and `exec` records the old address space's high
//! water mark as the process's before it starts the new one (a `vfork`-style
//! spawn records the parent's own peak). A 400 MB parent that runs
//! `/bin/true` reads 410–414 MB for it. So a crawl the bench started would
//! read at least the bench's own size, whatever the crawl used.
//!
//! The probe is a launcher: this same binary, run again with [`ROLE`] as
//! its first argument, starts the measured program, waits for it with
//! `wait4` and reports what the kernel counted. A freshly `exec`ed binary
//! is small (its own high water mark is printed beside the figure, a few
//! MB), so the program it starts inherits that and nothing of the bench.
//!
//! Chosen by measurement over the two other candidates:
//! - a cgroup v2 `memory.peak` needs the memory controller in the unified
//!   hierarchy, which this machine does not have (its memory controller is
//!   cgroup v1), and it counts page cache too, which `ru_maxrss` does not;
//! - `VmHWM` in `/proc/PID/status` is the process's own, but it is gone
//!   once the process exits, so a reader can only sample it while the
//!   process runs and misses whatever it grew in its last interval. A
//!   process that reports itself, like `reference.py`, reads its own
//!   `VmHWM` just before it exits, which is exact.
//!
//! The launcher also keeps the program from outliving it: the program is
//! killed if the launcher dies (`PR_SET_PDEATHSIG`, on Linux).

use anyhow::{Context, Result, bail};
use std::ffi::{OsStr, OsString};
use std::process::{Command, ExitCode};

/// The first argument that makes this binary the launcher, followed by the
/// program to measure and its arguments. Read before the command line is
/// parsed, so it never shows in `--help`.
pub const ROLE: &str = "--web-scraper-probe";

/// What the launcher writes as the last line of its stderr, followed by
/// `key=value` figures: `status`, `cpu_s`, `peak_rss_kb` and
/// `launcher_peak_rss_kb`.
pub const REPORT: &str = "web-scraper-probe:";

/// What the kernel counted for one measured process.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    /// Its exit code, or 128 + the signal that ended it.
    pub status: i32,
    /// User plus system time.
    pub cpu_seconds: f64,
    /// Its peak resident memory: its own, from a launcher that is small.
    pub peak_rss_mb: f64,
}

/// `command`, run under the launcher instead: the same program, arguments,
/// working directory and environment, with the launcher's report added
/// last to its stderr. Only a command with no settings of its own beyond
/// those is wrapped faithfully; the bench's crawlers have none.
pub fn wrap(command: &Command) -> Result<Command> {
    let mut launcher = Command::new(this_binary()?);
    launcher
        .arg(ROLE)
        .arg(command.get_program())
        .args(command.get_args());
    if let Some(dir) = command.get_current_dir() {
        launcher.current_dir(dir);
    }
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => launcher.env(key, value),
            None => launcher.env_remove(key),
        };
    }
    Ok(launcher)
}

/// This binary, for the launcher to run: on Linux `/proc/self/exe`, which
/// still names it if the file was replaced by a rebuild.
fn this_binary() -> Result<std::path::PathBuf> {
    if cfg!(target_os = "linux") {
        Ok("/proc/self/exe".into())
    } else {
        std::env::current_exe().context("finding this binary")
    }
}

/// Splits the launcher's report off the end of a measured run's stderr:
/// the program's own stderr, and what the kernel counted.
pub fn read_report(stderr: &[u8]) -> Result<(String, Usage)> {
    let text = String::from_utf8_lossy(stderr);
    let text = text.trim_end_matches('\n');
    let (before, last) = text.rsplit_once('\n').unwrap_or(("", text));
    let Some(figures) = last.strip_prefix(REPORT) else {
        bail!("the memory probe wrote no report; its stderr ended with: {last:?}");
    };
    let figure = |key: &str| -> Result<f64> {
        figures
            .split_whitespace()
            .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
            .with_context(|| format!("the probe's report has no {key}: {last:?}"))?
            .parse()
            .with_context(|| format!("the probe's {key} is not a number: {last:?}"))
    };
    Ok((
        before.to_string(),
        Usage {
            status: figure("status")? as i32,
            cpu_seconds: figure("cpu_s")?,
            peak_rss_mb: figure("peak_rss_kb")? / 1024.0,
        },
    ))
}

/// The launcher, when this process was started as one: runs the program
/// its arguments name and exits as the program did. `None` otherwise.
pub fn launcher_role() -> Option<ExitCode> {
    let mut args = std::env::args_os().skip(1);
    if args.next().as_deref() != Some(OsStr::new(ROLE)) {
        return None;
    }
    let rest: Vec<OsString> = args.collect();
    Some(match launch(&rest) {
        Ok(status) => ExitCode::from(u8::try_from(status).unwrap_or(1)),
        Err(error) => {
            eprintln!("{REPORT} failed: {error:#}");
            ExitCode::from(2)
        }
    })
}

#[cfg(unix)]
fn launch(args: &[OsString]) -> Result<i32> {
    let Some((program, args)) = args.split_first() else {
        bail!("usage: web-scraper {ROLE} PROGRAM [ARGS...]");
    };
    // Read before the program starts, which the launcher then only waits for.
    let launcher_peak_kb = own_peak_kb();
    let mut command = Command::new(program);
    command.args(args);
    die_with_launcher(&mut command);
    let child = command
        .spawn()
        .with_context(|| format!("starting {program:?}"))?;
    let (status, usage) = wait_with_usage(child)?;
    eprintln!(
        "{REPORT} status={status} cpu_s={:.3} peak_rss_kb={} launcher_peak_rss_kb={}",
        usage.cpu_seconds,
        usage.peak_kb,
        launcher_peak_kb.map_or("unknown".to_string(), |kb| kb.to_string()),
    );
    Ok(status)
}

#[cfg(not(unix))]
fn launch(_: &[OsString]) -> Result<i32> {
    bail!("the memory probe runs on Unix only")
}

/// The launcher's own peak so far, from `VmHWM` (Linux only).
#[cfg(unix)]
fn own_peak_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Kills the program if the launcher dies first. PR_SET_PDEATHSIG fires
/// when the spawning thread exits: here that is the main thread, which
/// waits for the program.
#[cfg(target_os = "linux")]
fn die_with_launcher(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    let hook = || {
        // SAFETY: prctl with PR_SET_PDEATHSIG takes a signal number and
        // touches no memory; it is async-signal-safe, as pre_exec requires.
        if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    };
    // SAFETY: the hook only calls prctl, which neither allocates nor locks.
    unsafe {
        command.pre_exec(hook);
    }
}

#[cfg(all(unix, not(target_os = "linux")))]
fn die_with_launcher(_: &mut Command) {}

#[cfg(unix)]
struct ChildUsage {
    cpu_seconds: f64,
    peak_kb: u64,
}

/// Waits for `child` with `wait4`, which also returns the resources it
/// used; std's `wait` does not. Returns its exit code (or 128 + signal).
#[cfg(unix)]
fn wait_with_usage(child: std::process::Child) -> Result<(i32, ChildUsage)> {
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `pid` is our own child, not yet waited for (std waits only
    // when asked, and `child` is dropped here without being asked), and
    // both pointers are to live, writable values of the right types.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, usage.as_mut_ptr()) };
    if waited != pid {
        bail!("wait4: {}", std::io::Error::last_os_error());
    }
    // SAFETY: wait4 succeeded, so it filled `usage` in.
    let usage = unsafe { usage.assume_init() };
    let seconds = |time: libc::timeval| time.tv_sec as f64 + time.tv_usec as f64 / 1e6;
    // Linux counts ru_maxrss in KiB, macOS in bytes.
    let peak = usage.ru_maxrss.max(0) as u64;
    let peak_kb = if cfg!(target_os = "macos") {
        peak / 1024
    } else {
        peak
    };
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    Ok((
        code,
        ChildUsage {
            cpu_seconds: seconds(usage.ru_utime) + seconds(usage.ru_stime),
            peak_kb,
        },
    ))
}
