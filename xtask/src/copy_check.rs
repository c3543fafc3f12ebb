//! `cargo xtask copy-check`: prove each example works as a template by
//! copying its folder alone out of the workspace and building and testing it
//! there; then again as `cargo xtask new --lib-only` makes it, renamed, with
//! no trace of its old name.

use crate::workspace::{self, Example};
use anyhow::{Context, Result};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

/// Builds and tests each named example (all of them when `names` is empty)
/// outside the workspace. Returns whether all of them passed.
pub fn copy_check(names: &[String]) -> Result<bool> {
    let root = workspace::root();
    let examples = workspace::select(workspace::examples(&root)?, names)?;
    let metadata = workspace::metadata(&root)?;
    // One target dir for every copy, so dependencies are built only once.
    let target_dir = workspace::target_dir(&metadata)?.join("copy-check");
    let scratch = ScratchDir::new()?;

    let mut all_passed = true;
    for example in &examples {
        let problems = template_problems(example, &metadata)?;
        if !problems.is_empty() {
            all_passed = false;
            eprintln!("copy-check: {} cannot be copied out:", example.name);
            for problem in problems {
                eprintln!("  - {problem}");
            }
            continue;
        }
        let copy = scratch.path.join(&example.name);
        copy_tree(&example.dir, &copy)?;
        fs::copy(root.join("Cargo.lock"), copy.join("Cargo.lock")).context("copying Cargo.lock")?;
        eprintln!(
            "copy-check: {} copied alone to {}",
            example.name,
            copy.display()
        );
        // `--all-targets`: the examples, tests and benches must build from
        // the copy too, not only the library and binary.
        for step in ["build", "test"] {
            let status = workspace::cargo()
                .arg(step)
                .args((step == "build").then_some("--all-targets"))
                .current_dir(&copy)
                .env("CARGO_TARGET_DIR", &target_dir)
                .status()
                .with_context(|| format!("running cargo {step} for {}", example.name))?;
            if !status.success() {
                all_passed = false;
                eprintln!(
                    "copy-check: {}: `cargo {step}` failed in the copy ({status})",
                    example.name
                );
                break;
            }
        }
    }
    // Then as `cargo xtask new --lib-only` makes it, under a new name: the
    // library with its own tests, examples and a main from its front page.
    for example in &examples {
        let template = crate::new::template_table(&root, example)?;
        let destination = scratch.path.join(format!("lib-only-{}", example.name));
        let passed = crate::new::new(&crate::new::Options {
            template: example.name.clone(),
            destination: destination.clone(),
            name: Some(LIB_ONLY_NAME.to_string()),
            lib_only: true,
            check: true,
            target_dir: Some(target_dir.clone()),
        })?;
        // What the copy's own CI workflow runs besides the tests.
        let mut linted = true;
        if passed {
            for step in [
                ["fmt", "--check"].as_slice(),
                [
                    "clippy",
                    "--all-targets",
                    "--locked",
                    "--",
                    "-D",
                    "warnings",
                ]
                .as_slice(),
            ] {
                let status = workspace::cargo()
                    .args(step)
                    .current_dir(&destination)
                    .env("CARGO_TARGET_DIR", &target_dir)
                    .status()
                    .with_context(|| format!("running cargo {}", step[0]))?;
                if !status.success() {
                    eprintln!(
                        "copy-check: {}: `cargo {}` failed in the `new --lib-only` copy ({status})",
                        example.name,
                        step.join(" ")
                    );
                    linted = false;
                }
            }
        }
        let traces = crate::new::traces_of(&example.name, &destination, &template.verbatim)?;
        if !traces.is_empty() {
            eprintln!(
                "copy-check: {}: the `new --lib-only` copy still names it in {traces:?}",
                example.name
            );
        }
        if !passed || !linted || !traces.is_empty() {
            all_passed = false;
            eprintln!("copy-check: {}: `new --lib-only` failed", example.name);
        }
    }
    if all_passed {
        eprintln!(
            "copy-check: every example builds and passes its tests when copied out alone, and as `new --lib-only` makes it"
        );
    }
    Ok(all_passed)
}

/// The name `new --lib-only` gives each crate in copy-check.
const LIB_ONLY_NAME: &str = "copied-tool";

/// Why an example would break once copied out of the workspace, if it would.
/// Each message names the file and the fix.
pub fn template_problems(example: &Example, metadata: &Value) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let manifest_path = example.dir.join("Cargo.toml");
    let manifest = fs::read_to_string(&manifest_path)
        .with_context(|| format!("reading {}", manifest_path.display()))?;
    for (index, line) in manifest.lines().enumerate() {
        let code = line.split('#').next().unwrap_or_default();
        if code.contains("workspace") {
            problems.push(format!(
                "{}/Cargo.toml:{}: `{}` takes a value from the workspace; write the value out in full",
                example.name,
                index + 1,
                line.trim()
            ));
        }
    }

    let package = metadata["packages"]
        .as_array()
        .and_then(|packages| {
            packages
                .iter()
                .find(|package| package["name"] == example.name.as_str())
        })
        .with_context(|| {
            format!(
                "cargo metadata does not list a package called {}",
                example.name
            )
        })?;
    for dependency in package["dependencies"].as_array().into_iter().flatten() {
        if let Some(path) = dependency["path"].as_str() {
            problems.push(format!(
                "{}/Cargo.toml: `{}` is a path dependency ({path}); depend on a published version instead",
                example.name,
                dependency["name"].as_str().unwrap_or_default()
            ));
        }
    }
    for target in package["targets"].as_array().into_iter().flatten() {
        let source = Path::new(target["src_path"].as_str().unwrap_or_default());
        if !source.starts_with(&example.dir) {
            problems.push(format!(
                "{}/Cargo.toml: target `{}` lives outside the crate ({}); move it into the crate",
                example.name,
                target["name"].as_str().unwrap_or_default(),
                source.display()
            ));
        }
    }
    for source in rust_files(&example.dir)? {
        let text = fs::read_to_string(&source)?;
        for (index, line) in text.lines().enumerate() {
            let reaches_file = [
                "include_str!",
                "include_bytes!",
                "#[path",
                "CARGO_MANIFEST_DIR",
            ]
            .iter()
            .any(|marker| line.contains(marker));
            if reaches_file && reaches_outside(&example.dir, &source, line) {
                let relative = source.strip_prefix(&example.dir).unwrap_or(&source);
                problems.push(format!(
                    "{}/{}:{}: refers to a file outside the crate; move the file into the crate",
                    example.name,
                    relative.display(),
                    index + 1
                ));
            }
        }
    }
    Ok(problems)
}

/// Whether a string literal on `line` that climbs with `..` ends outside
/// `crate_dir`. Literals are resolved from the crate's root when the line
/// uses `CARGO_MANIFEST_DIR`, else from the folder of `source`, as
/// `include_str!` and `#[path]` resolve them.
fn reaches_outside(crate_dir: &Path, source: &Path, line: &str) -> bool {
    let base = if line.contains("CARGO_MANIFEST_DIR") {
        crate_dir
    } else {
        source.parent().unwrap_or(crate_dir)
    };
    // Every other piece between quotes is a literal.
    line.split('"')
        .skip(1)
        .step_by(2)
        .filter(|literal| literal.starts_with("../") || literal.contains("/../"))
        .any(|literal| {
            let mut resolved = base.to_path_buf();
            for part in Path::new(literal.trim_start_matches('/')).components() {
                match part {
                    std::path::Component::ParentDir => {
                        resolved.pop();
                    }
                    std::path::Component::Normal(name) => resolved.push(name),
                    _ => {}
                }
            }
            !resolved.starts_with(crate_dir)
        })
}

/// Every `.rs` file below `dir`, leaving out build output.
fn rust_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            if path.file_name() != Some("target".as_ref()) {
                found.extend(rust_files(&path)?);
            }
        } else if path.extension() == Some("rs".as_ref()) {
            found.push(path);
        }
    }
    Ok(found)
}

/// Copies a crate's folder, leaving out any `target/` inside it.
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let source = entry.path();
        let destination = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            if entry.file_name() != "target" {
                copy_tree(&source, &destination)?;
            }
        } else {
            fs::copy(&source, &destination)
                .with_context(|| format!("copying {}", source.display()))?;
        }
    }
    Ok(())
}

/// A folder in the system temp dir, outside any workspace, removed on drop.
struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    fn new() -> Result<Self> {
        let path = std::env::temp_dir().join(format!("copy-check-{}", std::process::id()));
        if path.exists() {
            fs::remove_dir_all(&path)?;
        }
        fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(ScratchDir { path })
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        // Best effort: a leftover folder in the temp dir harms nothing.
        let _ = fs::remove_dir_all(&self.path);
    }
}
