//! What `--lib-only` writes in place of the tour, and the check that no
//! trace of the old name is left.

use super::template::{Renamer, collect, without_template_table};
use crate::workspace::Example;
use anyhow::{Context, Result, bail};
use std::fs;
use std::path::{Path, PathBuf};

/// What `--lib-only` writes in place of the tour: `main.rs` (the crate's
/// own `lib-only-main`, or else the library's front-page example), a
/// README stub and a CI workflow.
pub(super) fn lib_only(
    example: &Example,
    name: &str,
    destination: &Path,
    renamer: &Renamer,
    own_main: Option<&str>,
) -> Result<()> {
    let main = match own_main {
        Some(main) => renamer.apply(main.trim_start()),
        None => {
            let lib =
                fs::read_to_string(example.dir.join("src/lib.rs")).context("reading src/lib.rs")?;
            let Some(code) = front_page_example(&lib) else {
                bail!(
                    "{}/src/lib.rs has no front-page example to make main.rs from",
                    example.name
                );
            };
            format!(
                "//! {name}: a tool started from a template of *Concurrency, worked*.\n//!\n//! Run with `cargo run`; this is the library's front-page example, to\n//! replace with your tool.\n\n{}",
                renamer.apply(&code)
            )
        }
    };
    fs::write(destination.join("src/main.rs"), main)?;
    let library = renamer.apply(&example.name.replace('-', "_"));
    let (main_is, run_is) = match own_main {
        Some(_) => (
            "a `main.rs` with the tool's command line (`src/cli/`)",
            "-- --help  # the tool's commands",
        ),
        None => (
            "a `main.rs` made from the library's\nfront-page example",
            "           # the front-page example",
        ),
    };
    fs::write(
        destination.join("README.md"),
        format!(
            "# {name}\n\nA tool started from a template of *Concurrency, worked*, the library\nonly: `src/lib.rs` and its modules (`{library}`), their tests in `tests/`,\nthe programs in `examples/`, and {main_is}.\n\n```sh\ncargo run {run_is}\ncargo test           # the library's tests, its doctests and its examples\ncargo doc --open     # the library's documentation\n```\n\n`.github/workflows/ci.yml` runs `cargo fmt --check`, `cargo clippy -- -D\nwarnings` and `cargo test` on every push. `Cargo.lock` pins the versions\nthe template was tested with.\n"
        ),
    )?;
    let manifest = destination.join("Cargo.toml");
    let text = fs::read_to_string(&manifest)?;
    fs::write(&manifest, without_template_table(&text))?;
    let workflow = destination.join(".github/workflows");
    fs::create_dir_all(&workflow)?;
    fs::write(workflow.join("ci.yml"), CI_WORKFLOW)?;
    prune_test_support(destination)
}

/// The tests' helper module without the tour's output checker: gone when
/// no test still uses it, and without the checker's declaration otherwise.
pub(super) fn prune_test_support(destination: &Path) -> Result<()> {
    let support = destination.join("tests/support");
    let Ok(mod_rs) = fs::read_to_string(support.join("mod.rs")) else {
        return Ok(());
    };
    let mut used = false;
    for entry in fs::read_dir(destination.join("tests"))? {
        let path = entry?.path();
        if path.extension() == Some("rs".as_ref())
            && fs::read_to_string(&path)?.contains("mod support;")
        {
            used = true;
        }
    }
    if !used {
        return fs::remove_dir_all(&support).context("removing tests/support");
    }
    let mut kept: Vec<&str> = Vec::new();
    for line in mod_rs.lines() {
        if line.trim() == "pub mod expected;" {
            // Its attributes and comments go with it.
            while kept
                .last()
                .is_some_and(|above| above.starts_with("#[") || above.starts_with("// "))
            {
                kept.pop();
            }
            continue;
        }
        if line.starts_with("//!") {
            continue;
        }
        kept.push(line);
    }
    let body = kept.join("\n");
    fs::write(
        support.join("mod.rs"),
        format!("//! Helpers the tests share.\n\n{}\n", body.trim()),
    )?;
    Ok(())
}

/// The first code block of a `//!` header, made a program: hidden lines
/// shown, and wrapped in a `main` when it has none.
pub fn front_page_example(lib: &str) -> Option<String> {
    let mut lines = lib
        .lines()
        .take_while(|line| line.starts_with("//!"))
        .map(|line| {
            line.strip_prefix("//! ")
                .unwrap_or(line.trim_start_matches("//!"))
        });
    lines.find(|line| line.starts_with("```"))?;
    let code: Vec<String> = lines
        .take_while(|line| !line.starts_with("```"))
        .map(|line| {
            if line == "#" {
                String::new()
            } else {
                line.strip_prefix("# ").unwrap_or(line).to_string()
            }
        })
        .collect();
    if code.iter().any(|line| line.contains("fn main(")) {
        return Some(code.join("\n") + "\n");
    }
    let ends_with_ok = code
        .iter()
        .rev()
        .find(|line| !line.trim().is_empty())
        .is_some_and(|line| line.trim_start().starts_with("Ok"));
    let mut body: Vec<String> = code
        .iter()
        .map(|line| {
            if line.is_empty() {
                String::new()
            } else {
                format!("    {line}")
            }
        })
        .collect();
    if !ends_with_ok {
        body.push("    Ok(())".to_string());
    }
    Some(format!(
        "fn main() -> Result<(), Box<dyn std::error::Error>> {{\n{}\n}}\n",
        body.join("\n")
    ))
}

/// The CI of a new crate, in the common code host's convention.
pub(super) const CI_WORKFLOW: &str = "name: ci
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: dtolnay/rust-toolchain@stable
        with:
          components: rustfmt, clippy
      - run: cargo fmt --check
      - run: cargo clippy --all-targets --locked -- -D warnings
      - run: cargo test --locked
";

/// Files under `dir` (but not under `target/` or the `verbatim` paths)
/// that still name `old`, in either spelling and any case.
pub fn traces_of(old: &str, dir: &Path, verbatim: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let spellings = [
        old.replace('_', "-").to_lowercase(),
        old.replace('-', "_").to_lowercase(),
    ];
    let mut files = Vec::new();
    collect(dir, Path::new(""), &mut files)?;
    let mut found = Vec::new();
    for relative in files {
        if relative.starts_with("target") || verbatim.iter().any(|kept| relative.starts_with(kept))
        {
            continue;
        }
        if let Ok(text) = fs::read_to_string(dir.join(&relative)) {
            let text = text.to_lowercase();
            if spellings
                .iter()
                .any(|spelling| text.contains(spelling.as_str()))
            {
                found.push(relative);
            }
        }
    }
    Ok(found)
}
