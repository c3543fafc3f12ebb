//! Every `unsafe` line of the library: thin calls into libc for what std
//! does not offer (sending SIGTERM, naming the process). Each has a
//! `// SAFETY:` comment. Private: a tool built on the library needs none of
//! it directly.

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

/// Sets this process's name as `ps` and `/proc/PID/comm` show it (at most
/// 15 bytes are kept). Linux only: macOS offers no way for a process to
/// rename itself, so there this says `Unsupported`.
pub fn set_process_name(name: &str) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        let mut bytes: Vec<u8> = name.bytes().filter(|&byte| byte != 0).take(15).collect();
        bytes.push(0);
        // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16
        // bytes from the pointer, which `bytes` provides and outlives the call.
        check(unsafe { libc::prctl(libc::PR_SET_NAME, bytes.as_ptr() as libc::c_ulong, 0, 0, 0) })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = name;
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }
}

/// This very program, to re-execute as a child: `/proc/self/exe` on Linux,
/// which names the running binary even after its file is replaced;
/// elsewhere the path [`std::env::current_exe`] reports.
pub fn self_exe() -> std::path::PathBuf {
    if cfg!(target_os = "linux") {
        std::path::PathBuf::from("/proc/self/exe")
    } else {
        std::env::current_exe().unwrap_or_default()
    }
}
