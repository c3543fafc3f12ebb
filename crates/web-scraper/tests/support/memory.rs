//! How much memory this test process has used at most.

/// This process's peak resident memory in MiB, from `/proc/self/status`.
/// Each test that asserts on it runs alone in its own test binary, so the
/// peak is that test's.
pub fn peak_rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib / 1024
}
