//! `cargo xtask tidy`: the rules every example crate keeps, checked. The
//! workspace's `tests/` package runs the same checks as a test, so
//! `cargo test --workspace` enforces them too. Each problem names the file
//! and says how to fix it. One rule is that a crate's modules form layers,
//! with no import loop (`layers.rs`); the xtask's own modules keep it too.

use crate::copy_check::template_problems;
use crate::expected;
use crate::layers;
use crate::workspace::{self, Example};
use anyhow::Result;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// The sections every example's README has, as the design asks: what the
/// crate shows, how to run it, the Python beside the Rust, the expected
/// output, why these primitives, and how to copy the crate out.
pub const README_SECTIONS: [&str; 6] = [
    "## What it shows",
    "## Run it",
    "## Python beside Rust",
    "## Expected output",
    "## Why these primitives",
    "## Copy it out",
];

/// Where each example keeps its copy of the expected-output checker.
pub const CHECKER_COPY: &str = "tests/support/expected.rs";

/// Every rule broken anywhere in the workspace.
pub fn problems(root: &Path) -> Result<Vec<String>> {
    let metadata = workspace::metadata(root)?;
    let examples = workspace::examples(root)?;
    let checker = fs::read_to_string(root.join("xtask/src/expected.rs"))?;
    let root_readme = fs::read_to_string(root.join("README.md")).unwrap_or_default();
    let mut problems = Vec::new();
    for example in &examples {
        problems.extend(example_problems(example, &checker)?);
        problems.extend(template_problems(example, &metadata)?);
        if !root_readme.contains(&format!("`{}`", example.name)) {
            problems.push(format!(
                "README.md: the crate table does not list `{}`; add a row for it",
                example.name
            ));
        }
    }
    problems.extend(version_mismatches(&metadata));
    problems.extend(xtask_problems(&root.join("xtask/src"))?);
    problems.extend(crate::figures::problems(root)?);
    for path in crate::figures::documents(root)? {
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        let name = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        problems.extend(crate::contents::problems(&name, &text));
    }
    Ok(problems)
}

/// The rules one example breaks, each naming the file and the fix. `checker`
/// is the text of the original expected-output checker.
pub fn example_problems(example: &Example, checker: &str) -> Result<Vec<String>> {
    let name = &example.name;
    let dir = &example.dir;
    let mut problems = Vec::new();

    match fs::read_to_string(dir.join("README.md")) {
        Ok(readme) => {
            for section in README_SECTIONS {
                if !readme.lines().any(|line| line.trim_end() == section) {
                    problems.push(format!("{name}/README.md: add the section `{section}`"));
                }
            }
        }
        Err(_) => problems.push(format!(
            "{name}/README.md is missing; write it with the sections {README_SECTIONS:?}"
        )),
    }
    if !dir.join("reference.py").is_file() {
        problems.push(format!(
            "{name}/reference.py is missing; write the Python equivalent of the crate's bench workloads"
        ));
    }
    if !has_rust_file(&dir.join("tests")) {
        problems.push(format!(
            "{name}/tests/ has no test file; the crate's tests must travel with it"
        ));
    }
    match fs::read_to_string(example.expected_output()) {
        Ok(text) => {
            if let Err(problem) = expected::validate(&text) {
                problems.push(format!("{name}/{}: {problem}", workspace::EXPECTED_OUTPUT));
            }
        }
        Err(_) => problems.push(format!(
            "{name}/{} is missing; save the tour's stdout there, with [..] where it varies",
            workspace::EXPECTED_OUTPUT
        )),
    }
    let main_rs = fs::read_to_string(dir.join("src/main.rs")).unwrap_or_default();
    if !main_rs.starts_with("//!") {
        problems.push(format!(
            "{name}/src/main.rs: open it with a `//!` block saying what it shows and how to run it"
        ));
    }
    problems.extend(library_naming_demos(name, &dir.join("src"))?);
    for cycle in layers::import_loops(&dir.join("src"))? {
        problems.push(format!(
            "{name}/src: modules import each other in a loop ({cycle}); move what they share into a module below both"
        ));
    }
    if fs::read_to_string(dir.join(CHECKER_COPY)).ok().as_deref() != Some(checker) {
        problems.push(format!(
            "{name}/{CHECKER_COPY} differs from xtask/src/expected.rs; copy that file over it"
        ));
    }
    Ok(problems)
}

/// The rules the xtask keeps itself: its modules form layers too, with
/// no import loop (`src` is its source folder).
pub fn xtask_problems(src: &Path) -> Result<Vec<String>> {
    Ok(layers::import_loops(src)?
        .into_iter()
        .map(|cycle| {
            format!(
                "xtask/src: modules import each other in a loop ({cycle}); move what they share into a module below both"
            )
        })
        .collect())
}

/// Library modules that name the demos in their code: the library is what
/// a user copies out (`cargo xtask new --lib-only` drops `src/demos/`), so
/// it must not lean on them. `main.rs` and `src/demos/` itself may; doc
/// comments may mention them.
pub fn library_naming_demos(name: &str, src: &Path) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let mut files = Vec::new();
    if src.is_dir() {
        rust_files_under(src, &mut files)?;
    }
    for file in files {
        let relative = file.strip_prefix(src).unwrap_or(&file);
        if relative == Path::new("main.rs") || relative.starts_with("demos") {
            continue;
        }
        let text = fs::read_to_string(&file)?;
        for (index, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            let names_demos = code
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|word| word == "demos");
            if names_demos {
                problems.push(format!(
                    "{name}/src/{}:{}: a library module names the demos; move what it needs into the library, or the code into src/demos/",
                    relative.display(),
                    index + 1
                ));
            }
        }
    }
    Ok(problems)
}

fn rust_files_under(dir: &Path, files: &mut Vec<std::path::PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            rust_files_under(&path, files)?;
        } else if path.extension() == Some("rs".as_ref()) {
            files.push(path);
        }
    }
    Ok(())
}

fn has_rust_file(dir: &Path) -> bool {
    fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .any(|entry| {
            let path = entry.path();
            path.extension() == Some("rs".as_ref()) || (path.is_dir() && has_rust_file(&path))
        })
}

/// A dependency required with different version requirements in different
/// packages of the workspace: each package would pin its own, and the
/// examples would drift apart.
pub fn version_mismatches(metadata: &Value) -> Vec<String> {
    // dependency name -> requirement -> the packages that use it
    let mut requirements: BTreeMap<&str, BTreeMap<&str, Vec<&str>>> = BTreeMap::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let package_name = package["name"].as_str().unwrap_or_default();
        for dependency in package["dependencies"].as_array().into_iter().flatten() {
            if dependency["path"].is_string() {
                continue;
            }
            let (Some(name), Some(requirement)) =
                (dependency["name"].as_str(), dependency["req"].as_str())
            else {
                continue;
            };
            let users = requirements
                .entry(name)
                .or_default()
                .entry(requirement)
                .or_default();
            if !users.contains(&package_name) {
                users.push(package_name);
            }
        }
    }
    requirements
        .into_iter()
        .filter(|(_, by_requirement)| by_requirement.len() > 1)
        .map(|(name, by_requirement)| {
            let uses: Vec<String> = by_requirement
                .iter()
                .map(|(requirement, users)| format!("`{requirement}` in {}", users.join(", ")))
                .collect();
            format!(
                "dependency `{name}` is required as {}; use one requirement everywhere",
                uses.join(" but ")
            )
        })
        .collect()
}
