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

use crate::workspace::{self, Example};
use anyhow::{Context, Result, bail};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

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

/// What a crate's manifest says of it as a template, under
/// `[package.metadata.template]`.
#[derive(Default)]
pub struct TemplateTable {
    /// Files of its tour beyond the usual ones ([`TOUR`]), such as tests
    /// that run its demos: `tour = [...]`.
    pub tour: Vec<PathBuf>,
    /// Files copied as they are, not renamed, such as a test site whose
    /// character counts the expected output records: `verbatim = [...]`.
    pub verbatim: Vec<PathBuf>,
    /// The `main.rs` of a `--lib-only` copy, when the library's front-page
    /// example is not the crate's tool (web-scraper's command line, say):
    /// `lib-only-main = """..."""`.
    pub lib_only_main: Option<String>,
}

pub fn template_table(root: &Path, example: &Example) -> Result<TemplateTable> {
    let metadata = workspace::metadata(root)?;
    let Some(package) = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|package| package["name"] == example.name.as_str())
    else {
        return Ok(TemplateTable::default());
    };
    let paths = |key: &str| -> Vec<PathBuf> {
        package["metadata"]["template"][key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|path| path.as_str())
            .map(PathBuf::from)
            .collect()
    };
    Ok(TemplateTable {
        tour: paths("tour"),
        verbatim: paths("verbatim"),
        lib_only_main: package["metadata"]["template"]["lib-only-main"]
            .as_str()
            .map(String::from),
    })
}

/// The manifest without the `[package.metadata.template]` table (and the
/// comments just above it), which only the template needs.
pub fn without_template_table(manifest: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    let mut skipping = false;
    for line in manifest.lines() {
        let header = line.trim_start().starts_with('[');
        if line.trim() == "[package.metadata.template]" {
            while kept.last().is_some_and(|above| above.starts_with('#')) {
                kept.pop();
            }
            skipping = true;
            continue;
        }
        if skipping && !header {
            continue;
        }
        skipping = false;
        kept.push(line);
    }
    let text = kept.join("\n");
    format!("{}\n", text.trim_end())
}

/// Rust's keywords and the names cargo reserves, which no package may take.
const RESERVED: [&str; 57] = [
    "as",
    "async",
    "await",
    "break",
    "const",
    "continue",
    "crate",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "Self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "abstract",
    "become",
    "box",
    "do",
    "final",
    "gen",
    "macro",
    "override",
    "priv",
    "try",
    "typeof",
    "unsized",
    "virtual",
    "yield",
    "std",
    "core",
    "alloc",
    "proc_macro",
    "test",
];

/// Why `name` cannot be a package name, if it cannot.
pub fn invalid_name(name: &str) -> Option<String> {
    let first = name.chars().next()?;
    if !first.is_ascii_alphabetic() {
        return Some(format!(
            "`{name}` is not a valid package name: it must start with an ASCII letter"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Some(format!(
            "`{name}` is not a valid package name: `{bad}` is not a letter, a digit, `-` or `_`"
        ));
    }
    if RESERVED.contains(&name.replace('-', "_").as_str()) {
        return Some(format!(
            "`{name}` is not a valid package name: it is a Rust keyword or a name cargo reserves"
        ));
    }
    None
}

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

/// Every file under `dir`, as paths relative to the crate's folder.
fn collect(dir: &Path, relative: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir.join(relative))
        .with_context(|| format!("reading {}", dir.join(relative).display()))?
        .collect::<std::io::Result<_>>()?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let path = relative.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            collect(dir, &path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

/// Replaces the old crate's name by the new one, in both spellings and in
/// the case each occurrence is written in.
pub struct Renamer {
    pairs: Vec<(String, String)>,
}

impl Renamer {
    pub fn new(old: &str, new: &str) -> Self {
        let spellings = |name: &str| [name.replace('_', "-"), name.replace('-', "_")];
        let [old_kebab, old_snake] = spellings(old);
        let [new_kebab, new_snake] = spellings(new);
        let mut pairs = Vec::new();
        for (old, new) in [(old_kebab, new_kebab), (old_snake, new_snake)] {
            pairs.push((old.to_uppercase(), new.to_uppercase()));
            pairs.push((title_case(&old), title_case(&new)));
            pairs.push((old, new));
        }
        pairs.dedup();
        Renamer { pairs }
    }

    pub fn apply(&self, text: &str) -> String {
        self.pairs
            .iter()
            .fold(text.to_string(), |text, (old, new)| text.replace(old, new))
    }
}

fn title_case(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// What `--lib-only` writes in place of the tour: `main.rs` (the crate's
/// own `lib-only-main`, or else the library's front-page example), a
/// README stub and a CI workflow.
fn lib_only(
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
fn prune_test_support(destination: &Path) -> Result<()> {
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
const CI_WORKFLOW: &str = "name: ci
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
