//! Building the peers: C files at each optimisation level, crates with
//! `cargo install`, and keeping the best of a C file's builds.

use crate::runner;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The optimisation levels a C floor is built at: it runs at each, and
/// each figure is the best of them, since a floor is the fastest the
/// machine does and neither level wins everywhere.
pub const C_LEVELS: [&str; 2] = ["-O2", "-O3"];

/// Builds a peer's C file with the system C compiler once per
/// [`C_LEVELS`], into `out_dir`. `Err` says why the peer is skipped.
pub fn build_c(
    source: &Path,
    out_dir: &Path,
    name: &str,
) -> std::result::Result<Vec<PathBuf>, String> {
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    std::fs::create_dir_all(out_dir)
        .map_err(|error| format!("creating {}: {error}", out_dir.display()))?;
    let mut binaries = Vec::new();
    for level in C_LEVELS {
        let binary = out_dir.join(format!("{name}{level}"));
        let output = Command::new(&compiler)
            .args([level, "-pthread", "-o"])
            .arg(&binary)
            .arg(source)
            .arg("-lm")
            .output()
            .map_err(|_| format!("no C compiler: `{compiler}` is not installed"))?;
        if !output.status.success() {
            return Err(format!(
                "`{compiler} {level}` failed on {}: {}",
                source.display(),
                runner::tail(&String::from_utf8_lossy(&output.stderr), 5)
            ));
        }
        binaries.push(binary);
    }
    Ok(binaries)
}

/// Merges the figures of one more build of the same program into `best`:
/// a time in seconds (`_s`) keeps the lower, a rate (`_per_s`) the higher,
/// anything else (counts, thread numbers) the first build's.
pub fn keep_best(best: &mut BTreeMap<String, f64>, other: BTreeMap<String, f64>) {
    for (key, value) in other {
        let Some(kept) = best.get_mut(&key) else {
            continue;
        };
        if key.ends_with("_per_s") {
            *kept = kept.max(value);
        } else if key.ends_with("_s") {
            *kept = kept.min(value);
        }
    }
}

/// Builds a [`PeerProgram::Crate`](super::PeerProgram::Crate) peer with `cargo install` (no default
/// features, its own lock file) into its own folder under `out_dir`, unless
/// it is there already. `Err` says why the peer is skipped.
pub fn build_crate(
    package: &str,
    version: &str,
    bin: &str,
    out_dir: &Path,
) -> std::result::Result<PathBuf, String> {
    let root = out_dir.join(format!("{package}-{version}"));
    let binary = root.join("bin").join(bin);
    if binary.is_file() {
        return Ok(binary);
    }
    eprintln!(
        "bench: building {package} {version} into {} (minutes)",
        root.display()
    );
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string()))
        .args(["install", "--locked", "--no-default-features", "--quiet"])
        .args(["--version", version, "--root"])
        .arg(&root)
        .arg(package)
        .status()
        .map_err(|error| format!("running cargo install {package}: {error}"))?;
    if !status.success() || !binary.is_file() {
        return Err(format!(
            "`cargo install {package} --version {version}` failed ({status})"
        ));
    }
    Ok(binary)
}
