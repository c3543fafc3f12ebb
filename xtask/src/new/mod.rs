//! `cargo xtask new CRATE PATH [--name NAME] [--lib-only]`: one example
//! crate, copied out as the start of someone's own tool and renamed
//! everywhere.
//!
//! cargo-generate would need placeholders in every file, which would break
//! the crates as they are, and it needs openssl and cmake to install; a
//! user of this workspace has cargo and nothing else. So the copy is plain
//! text replacement of the crate's two spellings (`thread-pool`,
//! `thread_pool`), in the case each occurrence is written in.
//!
//! With `--lib-only` the tour goes: the demos, their tests and expected
//! output, the Python references and the bench. What stays is the library
//! with its own tests, `examples/`, a `main.rs` made from the library's
//! front-page example, a README stub, a CI workflow and `Cargo.lock`.
//!
//! A crate says what else `new` must know in its manifest, as data:
//!
//! ```toml
//! [package.metadata.template]
//! tour = ["tests/cli.rs"]   # more files of the tour, left out by --lib-only
//! verbatim = ["site"]       # files copied as they are, not renamed
//! lib-only-main = """..."""  # main.rs of a --lib-only copy, when the
//!                            # front-page example is not the tool
//! ```
//!
//! A crate whose library cannot stand alone with `--lib-only` is a bug in
//! that crate: copy-check makes and tests every crate that way.

mod lib_only;
mod names;
mod template;

pub use lib_only::{front_page_example, traces_of};
pub use names::invalid_name;
pub use template::{Renamer, TemplateTable, template_table, without_template_table};

use crate::workspace::{self, Example};
use anyhow::{Context, Result};
use lib_only::lib_only;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;
use template::collect;

/// Why `new` will not write anything: bad input, exit code 2.
#[derive(Debug)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

pub struct Options {
    pub template: String,
    pub destination: PathBuf,
    /// The new package name; the destination's folder name when `None`.
    pub name: Option<String>,
    pub lib_only: bool,
    /// Build and test the new crate once it is written.
    pub check: bool,
    /// Where the check builds; the new crate's own `target/` when `None`.
    /// (copy-check shares one, so dependencies are built once.)
    pub target_dir: Option<PathBuf>,
}

/// Files and folders of the tour, left out by `--lib-only`.
pub const TOUR: [&str; 10] = [
    "src/demos",
    "tests/tour.rs",
    "tests/demos.rs",
    "tests/support/expected.rs",
    "expected-output.txt",
    "reference.py",
    "reference_scrapy.py",
    "requirements.txt",
    "bench",
    "bench.toml",
];

/// Checks everything that can be checked before a byte is written.
fn validate(options: &Options, examples: &[Example]) -> Result<(Example, String)> {
    let Some(example) = examples
        .iter()
        .find(|example| example.name == options.template)
    else {
        let names: Vec<&str> = examples
            .iter()
            .map(|example| example.name.as_str())
            .collect();
        return Err(Refused(format!(
            "no example crate is called `{}`; the crates are {}",
            options.template,
            names.join(", ")
        ))
        .into());
    };
    let name = match &options.name {
        Some(name) => name.clone(),
        None => options
            .destination
            .file_name()
            .and_then(|name| name.to_str())
            .map(String::from)
            .ok_or_else(|| {
                Refused(format!(
                    "{} has no folder name to take the package's from; give one with --name",
                    options.destination.display()
                ))
            })?,
    };
    if name.is_empty() {
        return Err(Refused("the package name is empty".into()).into());
    }
    if let Some(why) = invalid_name(&name) {
        return Err(Refused(why).into());
    }
    if fs::read_dir(&options.destination).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(Refused(format!(
            "{} is not empty; give a new or empty folder",
            options.destination.display()
        ))
        .into());
    }
    // Inside the workspace, the new crate would become one of its members
    // (`crates/*`) or find its manifest above it, and build as neither.
    let absolute = std::env::current_dir()
        .map(|here| here.join(&options.destination))
        .unwrap_or_else(|_| options.destination.clone());
    let root = fs::canonicalize(workspace::root()).unwrap_or_else(|_| workspace::root());
    if nearest_existing(&absolute).starts_with(&root) {
        return Err(Refused(format!(
            "{} is inside this workspace; give a folder outside it",
            options.destination.display()
        ))
        .into());
    }
    if options.destination.is_file() {
        return Err(Refused(format!(
            "{} is a file; give a new or empty folder",
            options.destination.display()
        ))
        .into());
    }
    Ok((example.clone(), name))
}

/// `path` with its symbolic links resolved, as far as it exists.
fn nearest_existing(path: &Path) -> PathBuf {
    let mut existing = path;
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => return path.to_path_buf(),
        }
    }
    let mut resolved = fs::canonicalize(existing).unwrap_or_else(|_| existing.to_path_buf());
    resolved.extend(rest.iter().rev());
    resolved
}

/// Writes the new crate and, with `check`, builds and tests it. Returns
/// whether the build and tests passed (true when not checked).
pub fn new(options: &Options) -> Result<bool> {
    let root = workspace::root();
    let examples = workspace::examples(&root)?;
    let (example, name) = validate(options, &examples)?;
    let started = Instant::now();
    let destination = &options.destination;
    let mut files = Vec::new();
    collect(&example.dir, Path::new(""), &mut files)?;
    let template = template_table(&root, &example)?;
    let tour: Vec<PathBuf> = TOUR
        .into_iter()
        .map(PathBuf::from)
        .chain(template.tour)
        .collect();
    files.retain(|relative| {
        !(relative.starts_with("target")
            || options.lib_only && tour.iter().any(|tour| relative.starts_with(tour)))
    });
    let renamer = Renamer::new(&example.name, &name);
    for relative in &files {
        let from = example.dir.join(relative);
        let to = destination.join(relative);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        let verbatim = template
            .verbatim
            .iter()
            .any(|kept| relative.starts_with(kept));
        match fs::read_to_string(&from) {
            Ok(text) if !verbatim => fs::write(&to, renamer.apply(&text)),
            // Kept verbatim, or not text (an image, say): copied as it is.
            _ => fs::copy(&from, &to).map(drop),
        }
        .with_context(|| format!("writing {}", to.display()))?;
    }
    let lock = fs::read_to_string(root.join("Cargo.lock")).context("reading Cargo.lock")?;
    fs::write(destination.join("Cargo.lock"), renamer.apply(&lock))?;
    if options.lib_only {
        lib_only(
            &example,
            &name,
            destination,
            &renamer,
            template.lib_only_main.as_deref(),
        )?;
        // A new name can change the order rustfmt sorts imports in, and the
        // copy's CI checks the formatting. (A full copy is left as it is:
        // web-scraper's README holds a demo's source, which a test compares
        // with the file.)
        let _ = workspace::cargo()
            .arg("fmt")
            .current_dir(destination)
            .status();
    }
    let mut passed = true;
    if options.check {
        for step in [["build", "--all-targets"].as_slice(), ["test"].as_slice()] {
            eprintln!("new: cargo {} in {}", step.join(" "), destination.display());
            let mut cargo = workspace::cargo();
            cargo.args(step).current_dir(destination);
            match &options.target_dir {
                Some(target_dir) => cargo.env("CARGO_TARGET_DIR", target_dir),
                None => cargo.env_remove("CARGO_TARGET_DIR"),
            };
            let status = cargo
                .status()
                .with_context(|| format!("running cargo {}", step[0]))?;
            if !status.success() {
                eprintln!("new: `cargo {}` failed ({status})", step.join(" "));
                passed = false;
                break;
            }
        }
    }
    eprintln!(
        "new: {} is now `{name}` in {}{}{}",
        example.name,
        destination.display(),
        if options.lib_only {
            ", the library only"
        } else {
            ", with its tour"
        },
        if options.check {
            format!(
                "; built and tested in {:.0} s",
                started.elapsed().as_secs_f64()
            )
        } else {
            String::new()
        }
    );
    if passed && options.lib_only {
        eprintln!(
            "next:\n  cd {}\n  cargo run                  # main.rs: the library's front-page example, or the tool's command line\n  cargo test                 # the library's own tests\n  edit src/main.rs, then the README; git init, and .github/workflows/ci.yml runs fmt, clippy and the tests",
            destination.display()
        );
    } else if passed {
        eprintln!(
            "next:\n  cd {}\n  cargo run                  # the tour, as before, under the new name\n  cargo test                 # every test, the tour's too\n  edit src/main.rs and the README; delete src/demos/ and the tour's files when you no longer want them",
            destination.display()
        );
    }
    Ok(passed)
}
