//! Finding and cleaning up processes that an example left behind.
//!
//! Each example runs in a process group of its own, and this process makes
//! itself a *child subreaper* first: when an example exits and leaves a child
//! running, the kernel hands that orphan to us instead of to init, so it stays
//! visible even if it called `setsid` to leave the group. A leftover is then
//! any live process in the example's group, or any child of ours outside our
//! own group (our own helpers, such as `cargo`, share our group).
//!
//! Linux only: it reads `/proc`. All the `unsafe` of the xtask is here, each
//! block with the argument for why it is sound.

use std::fs;
use std::io;
use std::thread;
use std::time::{Duration, Instant};

/// One process that outlived the example that started it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    pub pid: i32,
    /// The process's own name and command line, for the report.
    pub command: String,
}

/// Asks the kernel to reparent our orphaned descendants to us.
pub fn become_subreaper() -> io::Result<()> {
    // SAFETY: PR_SET_CHILD_SUBREAPER takes one integer argument and changes
    // only a flag of this process; no memory is passed to the kernel.
    let rc = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong, 0, 0, 0) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// The fields of `/proc/PID/stat` that we need.
struct Stat {
    pid: i32,
    state: char,
    parent_pid: i32,
    group_id: i32,
}

fn read_stat(pid: i32) -> Option<Stat> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name sits in parentheses and may itself hold spaces or
    // parentheses, so parse from the last `)`.
    let after_name = &text[text.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let parent_pid = fields.next()?.parse().ok()?;
    let group_id = fields.next()?.parse().ok()?;
    Some(Stat {
        pid,
        state,
        parent_pid,
        group_id,
    })
}

fn all_pids() -> Vec<i32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

fn describe(pid: i32) -> String {
    let command_line = fs::read(format!("/proc/{pid}/cmdline"))
        .map(|raw| {
            String::from_utf8_lossy(&raw)
                .replace('\0', " ")
                .trim()
                .to_string()
        })
        .unwrap_or_default();
    if command_line.is_empty() {
        let name = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        format!("[{}]", name.trim())
    } else {
        command_line
    }
}

/// The processes that belong to the example whose group id is `example_group`.
fn stragglers(example_group: i32) -> Vec<Stat> {
    // SAFETY: getpid and getpgrp take no arguments and cannot fail.
    let (our_pid, our_group) = unsafe { (libc::getpid(), libc::getpgrp()) };
    all_pids()
        .into_iter()
        .filter_map(read_stat)
        .filter(|stat| {
            stat.group_id == example_group
                || (stat.parent_pid == our_pid && stat.group_id != our_group)
        })
        .collect()
}

/// Reaps `pid` if it is a zombie child of ours; returns whether it was.
fn reap_if_exited(pid: i32) -> bool {
    let mut status = 0;
    // SAFETY: `status` is a valid, writable int for the duration of the call.
    // WNOHANG makes it return at once; a pid that is not our child gives
    // ECHILD, which we treat as "not reaped".
    let rc = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
    rc == pid
}

/// Waits up to `grace` for the example's processes to finish on their own
/// (a daemon child may take a moment to notice its parent died), reaping
/// those that were handed to us. Whatever still runs then is reported, killed
/// with SIGKILL and reaped, so that one bad example cannot disturb the next.
pub fn collect_leftovers(example_group: i32, grace: Duration) -> Vec<Leftover> {
    let mut deadline = Instant::now() + grace;
    let mut reported: Vec<Leftover> = Vec::new();
    loop {
        let mut live = stragglers(example_group);
        live.retain(|stat| !(stat.state == 'Z' && reap_if_exited(stat.pid)));
        if live.is_empty() {
            return reported;
        }
        if Instant::now() >= deadline {
            if !reported.is_empty() {
                // Killed once already and still there: nothing more to do.
                return reported;
            }
            reported = live
                .iter()
                .map(|stat| Leftover {
                    pid: stat.pid,
                    command: describe(stat.pid),
                })
                .collect();
            for stat in &live {
                kill(stat.pid);
            }
            // Give the kernel time to deliver the signals; the loop then reaps
            // what was handed to us, parents and their zombies alike.
            deadline = Instant::now() + Duration::from_secs(1);
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// SIGKILLs every process in the group `group_id`. Used on a timeout.
pub fn kill_group(group_id: i32) {
    // SAFETY: kill takes plain integers. A negative pid addresses the process
    // group; if the group is already gone the call fails with ESRCH, which is
    // harmless here.
    unsafe {
        libc::kill(-group_id, libc::SIGKILL);
    }
}

/// Sends SIGINT, as Ctrl-C would, to a child we have not yet reaped.
pub fn interrupt(pid: u32) {
    // SAFETY: kill takes plain integers; an unreaped child's pid cannot have
    // been reused, so the signal reaches that child and no other process.
    unsafe {
        libc::kill(pid as libc::pid_t, libc::SIGINT);
    }
}

fn kill(pid: i32) {
    // SAFETY: as in `kill_group`, for a single pid that we found in the
    // example's group or among our own children.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
}

/// The names in `/dev/shm`, to spot shared-memory segments an example leaked.
pub fn shm_entries() -> Vec<String> {
    let Ok(entries) = fs::read_dir("/dev/shm") else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}
