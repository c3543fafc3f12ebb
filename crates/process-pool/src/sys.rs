//! Every `unsafe` line of this crate: a few libc calls std lacks. Each has
//! a `// SAFETY:` comment.

use std::io;
use std::path::PathBuf;

/// Sends `signal` to the process `pid`.
pub fn send_signal(pid: u32, signal: libc::c_int) -> io::Result<()> {
    let pid = libc::pid_t::try_from(pid).map_err(io::Error::other)?;
    // SAFETY: kill takes two integers and touches no memory of ours.
    if unsafe { libc::kill(pid, signal) } == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// The resident memory of the process `pid`, in bytes: the second field of
/// `/proc/PID/statm` (pages) times the page size. `None` where /proc does
/// not say (any system but Linux, or a process already gone).
pub fn resident_bytes(pid: u32) -> Option<u64> {
    let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf takes an integer and touches no memory of ours.
    let page_size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * u64::try_from(page_size).ok()?)
}

/// This very program, to re-execute as a worker: `/proc/self/exe` on
/// Linux, which names the running binary even after its file is replaced;
/// elsewhere the path [`std::env::current_exe`] reports.
pub fn self_exe() -> PathBuf {
    if cfg!(target_os = "linux") {
        PathBuf::from("/proc/self/exe")
    } else {
        std::env::current_exe().unwrap_or_default()
    }
}

/// On Linux, makes `command`'s child receive SIGKILL when the thread that
/// spawns it exits, so a worker cannot outlive its pool even if it is stuck
/// in a system call. Spawn from a thread that lives as long as the child
/// should. Elsewhere this does nothing: a worker still exits when its
/// channel to the pool closes, which is how it ends on every system.
#[cfg(target_os = "linux")]
pub fn die_with_spawning_thread(command: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: getpid takes no arguments and cannot fail.
    let parent = unsafe { libc::getpid() };
    let hook = move || -> io::Result<()> {
        // SAFETY: runs in the forked child before exec, where only
        // async-signal-safe calls are allowed; prctl and getppid are, and
        // the error values below do not allocate.
        unsafe {
            if libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0,
                0,
                0,
            ) == -1
            {
                return Err(io::Error::last_os_error());
            }
            // The parent may have died before prctl: then no signal comes.
            if libc::getppid() != parent {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
        }
        Ok(())
    };
    // SAFETY: the hook only makes async-signal-safe calls and never
    // allocates, as `pre_exec` requires.
    unsafe {
        command.pre_exec(hook);
    }
}

/// See the Linux version: no parent-death signal exists here.
#[cfg(not(target_os = "linux"))]
pub fn die_with_spawning_thread(_command: &mut std::process::Command) {}
