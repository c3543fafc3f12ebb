//! The Python each crate's `reference.py` runs with.

use super::spec::CrateBench;
use crate::runner;
use crate::workspace::Example;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Why the Python side cannot run here, or `None` when it can: `python`
/// must start and import every module in `modules`.
pub fn python_missing(python: &Path, modules: &[String]) -> Option<String> {
    let imports = if modules.is_empty() {
        "pass".to_string()
    } else {
        format!("import {}", modules.join(", "))
    };
    let name = python.display();
    match Command::new(python).args(["-c", &imports]).output() {
        Err(_) => Some(format!("{name} is not installed")),
        Ok(output) if output.status.success() => None,
        Ok(_) => Some(format!("{name} cannot import {}", modules.join(", "))),
    }
}

/// Where a crate's reference.py runs: `python3` when it has the crate's
/// modules; otherwise a virtual environment under `venv` (normally
/// `target/bench/venv`) that this makes and fills from the crate's pinned
/// `requirements.txt`, saying so in one line. `Err` says why the Python
/// side must be skipped: no `python3`, `setup` off, or the install failed.
pub fn python_for(
    spec: &CrateBench,
    example: &Example,
    venv: &Path,
    setup: bool,
) -> std::result::Result<PathBuf, String> {
    let system = PathBuf::from("python3");
    let Some(reason) = python_missing(&system, &spec.python_modules) else {
        return Ok(system);
    };
    let venv_python = venv.join("bin").join("python");
    if python_missing(&venv_python, &spec.python_modules).is_none() {
        return Ok(venv_python);
    }
    let requirements = example.dir.join("requirements.txt");
    if !setup || !requirements.is_file() {
        return Err(reason);
    }
    eprintln!(
        "bench: {}: {reason}; installing crates/{}/requirements.txt into {}",
        spec.name,
        spec.name,
        venv.display()
    );
    let quiet = |command: &mut Command| {
        command
            .output()
            .map_err(|error| error.to_string())
            .and_then(|output| {
                if output.status.success() {
                    Ok(())
                } else {
                    Err(runner::tail(&String::from_utf8_lossy(&output.stderr), 5))
                }
            })
    };
    if !venv_python.exists() {
        quiet(Command::new("python3").args(["-m", "venv"]).arg(venv)).map_err(|error| {
            format!("{reason}, and making a virtual environment failed: {error}")
        })?;
    }
    quiet(
        Command::new(&venv_python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(&requirements),
    )
    .map_err(|error| format!("{reason}, and installing its requirements failed: {error}"))?;
    match python_missing(&venv_python, &spec.python_modules) {
        None => Ok(venv_python),
        Some(still) => Err(format!("after installing its requirements, {still}")),
    }
}
