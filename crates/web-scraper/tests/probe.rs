//! The bench's memory probe measures a process's own peak, not its
//! spawner's: a test process holding 320 MB runs a small child under the
//! probe (this crate's binary, started again as a launcher), and the probe
//! reads only what the child used, where `wait4` on the same child started
//! directly reads the test process's size. Alone in its own test binary,
//! so that the 320 MB held is this test's.

// The probe is a Unix launcher (fork, exec, wait4), and a role of the
// tour's binary, which needs the site (the bench's crawl serves it).
#![cfg(all(unix, feature = "site"))]

mod support;

use support::binary::BINARY;

/// The launcher's role and the prefix of its report, as `src/demos/probe.rs`
/// writes them.
const ROLE: &str = "--web-scraper-probe";
const REPORT: &str = "web-scraper-probe:";

/// This process's resident memory now, in MiB.
#[cfg(target_os = "linux")]
fn rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .unwrap();
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<u64>()
        .unwrap()
        / 1024
}

/// The figure `key` of the probe's report, the last line of `stderr`.
fn report(stderr: &[u8], key: &str) -> f64 {
    let text = String::from_utf8_lossy(stderr);
    let last = text.lines().last().unwrap_or_default();
    let figures = last
        .strip_prefix(REPORT)
        .unwrap_or_else(|| panic!("no report from the probe: {text:?}"));
    figures
        .split_whitespace()
        .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("no {key} in {last:?}"))
        .parse()
        .unwrap()
}

/// The child: this crate's binary printing its version, a few MB alone.
#[cfg(target_os = "linux")]
fn child() -> std::process::Command {
    let mut child = std::process::Command::new(BINARY);
    child.arg("--version");
    child
}

/// Reaps `child` with `wait4` and returns its `ru_maxrss` in MiB.
#[cfg(target_os = "linux")]
fn wait4_peak_mib(child: std::process::Child) -> f64 {
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `pid` is this test's own child, not yet waited for, and both
    // pointers are to live, writable values of the right types.
    assert_eq!(
        unsafe { libc::wait4(pid, &mut status, 0, usage.as_mut_ptr()) },
        pid
    );
    // SAFETY: wait4 succeeded, so it filled `usage` in.
    unsafe { usage.assume_init() }.ru_maxrss as f64 / 1024.0
}

#[cfg(target_os = "linux")]
#[test]
fn a_large_spawner_does_not_show_in_its_childs_peak() {
    // 320 MiB of pages written, so that they are resident.
    let held = vec![1u8; 320 << 20];
    let held = std::hint::black_box(held);
    let spawner = rss_mib();
    assert!(spawner >= 300, "the spawner holds only {spawner} MiB");

    // Without the probe: the child's ru_maxrss starts from the spawner's.
    let direct = child().stdout(std::process::Stdio::null()).spawn().unwrap();
    let inherited_mib = wait4_peak_mib(direct);
    assert!(
        inherited_mib >= 300.0,
        "wait4 read {inherited_mib:.1} MiB for the child started directly; \
         the kernel no longer passes the spawner's peak on, and this test shows nothing"
    );

    // With the probe: the child's own.
    let output = std::process::Command::new(BINARY)
        .arg(ROLE)
        .arg(BINARY)
        .arg("--version")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("web-scraper "));
    let peak_mib = report(&output.stderr, "peak_rss_kb") / 1024.0;
    assert!(
        peak_mib < 20.0,
        "the probe read {peak_mib:.1} MiB for a child that needs under 10 MiB, \
         while its spawner held {spawner} MiB"
    );
    assert!(
        peak_mib > 0.5,
        "the probe read {peak_mib:.1} MiB: too little to be real"
    );
    drop(held);
}

#[test]
fn the_probe_reports_the_childs_exit_status_and_exits_with_it() {
    let output = std::process::Command::new(BINARY)
        .args([ROLE, BINARY, "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(report(&output.stderr, "status"), 2.0);
    // The child's own stderr comes first, untouched.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--no-such-flag"), "{stderr}");
}

#[test]
fn a_program_that_cannot_start_is_reported_with_exit_code_2() {
    let output = std::process::Command::new(BINARY)
        .args([ROLE, "/nonexistent/program"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(REPORT) && stderr.contains("/nonexistent/program"),
        "{stderr}"
    );
}
