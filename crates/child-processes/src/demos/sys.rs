//! The demos' own libc calls, for what std does not offer and a tool built
//! on the library does not need: adopting orphans, reaping a process that
//! is not a `std::process::Child`, reading a process's parent and name.
//! Each `unsafe` has a `// SAFETY:` comment. `tests/demos.rs` includes this
//! file too, to clean up after the demos.

use std::io;

/// Turns a `-1` return into the `errno` error.
fn check(rc: libc::c_int) -> io::Result<()> {
    if rc == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Sends `signal` to the process `pid`.
pub fn send_signal(pid: u32, signal: libc::c_int) -> io::Result<()> {
    let pid = libc::pid_t::try_from(pid).map_err(io::Error::other)?;
    // SAFETY: kill takes two integers and touches no memory of ours.
    check(unsafe { libc::kill(pid, signal) })
}

/// Makes this process the one that orphaned descendants are handed to, so
/// the `daemon` demo can show an orphan's new parent and reap it itself.
/// Linux only (`PR_SET_CHILD_SUBREAPER`); elsewhere orphans go to init
/// (launchd on macOS) and this says `Unsupported`.
pub fn become_subreaper() -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: PR_SET_CHILD_SUBREAPER takes an integer flag and changes
        // only this process's state.
        check(unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong, 0, 0, 0) })
    }
    #[cfg(not(target_os = "linux"))]
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// The parent pid of `pid`: from `/proc` on Linux, from `ps` elsewhere.
pub fn parent_of(pid: u32) -> Option<u32> {
    if cfg!(target_os = "linux") {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        return stat[stat.rfind(')')? + 1..]
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok();
    }
    let output = std::process::Command::new("ps")
        .args(["-o", "ppid=", "-p", &pid.to_string()])
        .output()
        .ok()?;
    String::from_utf8_lossy(&output.stdout).trim().parse().ok()
}

/// The name `ps` shows for `pid`: `/proc/PID/comm` on Linux, `ps -o comm=`
/// elsewhere.
pub fn process_name(pid: u32) -> Option<String> {
    if cfg!(target_os = "linux") {
        return std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .ok()
            .map(|name| name.trim().to_string());
    }
    let output = std::process::Command::new("ps")
        .args(["-o", "comm=", "-p", &pid.to_string()])
        .output()
        .ok()?;
    let path = String::from_utf8_lossy(&output.stdout).trim().to_string();
    Some(path.rsplit('/').next().unwrap_or_default().to_string())
}

/// Reaps `pid` if it is a child of ours that has exited. Returns its raw
/// wait status, or `None` if it is still running (or not our child).
pub fn try_reap(pid: u32) -> Option<libc::c_int> {
    let pid = libc::pid_t::try_from(pid).ok()?;
    let mut status = 0;
    // SAFETY: `status` is a valid int for the call to write; WNOHANG makes
    // it return at once.
    let rc = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
    (rc == pid).then_some(status)
}
