//! Figures from one source.
//!
//! A full `cargo xtask bench` publishes its results to [`RESULTS`], which is
//! committed. Every measured figure, target and verdict in the READMEs and
//! in BENCHMARKS.md is rendered from that file into a marked block:
//!
//! ```text
//! <!-- figures: rows crate=threads-locks -->
//! (rendered: never edit by hand)
//! <!-- /figures -->
//! ```
//!
//! `cargo xtask render` rewrites every block, and the chart, from the
//! committed file without measuring anything. `cargo xtask tidy` (and so
//! `cargo test --workspace`) fails when a block differs from what the file
//! renders, so a figure typed by hand, or left behind by a new run, cannot
//! last. Prose explains and points at the blocks; it carries no figures.
//!
//! A block's line names a kind and, for the tables, filters:
//!
//! | kind | what it renders |
//! |---|---|
//! | `run` | the machine, the date, the command, the toolchains and the peers |
//! | `source` | one line: where a crate's table comes from |
//! | `rows` | the rows against Python, a peer or another Rust run |
//! | `floors` | the rows read against this machine's floor |
//! | `bounds` | the machine's lower bounds |
//! | `verdicts` | how many targets are met, and which are not |
//!
//! Filters: `crate=NAME` (one crate's rows), `against=SIDE` (rows whose
//! reference is `Python`, `Rust` or a peer such as `spider-rs`),
//! `key=PREFIX` (rows whose Rust figure's key starts so), `targets` (rows
//! with a target to meet).

mod blocks;
pub mod chart;
mod format;
mod report;
mod results;
mod stray;

pub use blocks::render_document;
pub use format::{aligned, format_value, met_text, summary};
pub use report::{markdown_report, text_report};
pub use results::{BoundResult, FloorResult, RESULTS, Results, RowKind, RowResult};
pub use stray::stray_figures;

use anyhow::{Context, Result};
use std::fs;
use std::path::{Path, PathBuf};

/// The chart drawn from the results, relative to the root.
pub const CHART: &str = "docs/bench-ratios.svg";

/// The documents whose figures are rendered: the root README,
/// BENCHMARKS.md and every crate's README.
pub fn documents(root: &Path) -> Result<Vec<PathBuf>> {
    let mut documents = vec![root.join("README.md"), root.join("BENCHMARKS.md")];
    for example in crate::workspace::examples(root)? {
        documents.push(example.dir.join("README.md"));
    }
    Ok(documents)
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Where the documents differ from what the committed results render.
pub fn problems(root: &Path) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let results = match Results::published(root) {
        Ok(results) => Some(results),
        Err(error) => {
            problems.push(format!("{error:#}"));
            None
        }
    };
    for path in documents(root)? {
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        let name = relative(root, &path);
        problems.extend(stray_figures(&name, &text));
        let Some(results) = &results else {
            continue;
        };
        let (rendered, block_problems) = render_document(&text, results);
        for problem in block_problems {
            problems.push(format!("{name}: {problem}"));
        }
        if rendered != text {
            let line = first_difference(&text, &rendered);
            problems.push(format!(
                "{name}:{line}: a rendered block differs from what {RESULTS} renders; run `cargo xtask render` (never edit a block by hand)"
            ));
        }
    }
    let Some(results) = results else {
        return Ok(problems);
    };
    let chart = chart::svg(&results)?;
    if fs::read_to_string(root.join(CHART)).ok().as_deref() != Some(chart.as_str()) {
        problems.push(format!(
            "{CHART} differs from what {RESULTS} draws; run `cargo xtask render`"
        ));
    }
    Ok(problems)
}

/// The 1-based number of the first line where two texts differ.
pub(super) fn first_difference(a: &str, b: &str) -> usize {
    a.lines()
        .zip(b.lines())
        .position(|(x, y)| x != y)
        .unwrap_or_else(|| a.lines().count().min(b.lines().count()))
        + 1
}

/// Renders every document's blocks, and the chart, from the committed
/// results, and each document's table of contents from its headings;
/// returns the files it changed. Blocks it cannot render are
/// errors, and then nothing is written.
pub fn render_all(root: &Path) -> Result<Vec<String>> {
    let results = Results::published(root)?;
    let mut writes = Vec::new();
    let mut problems = Vec::new();
    for path in documents(root)? {
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        let (rendered, block_problems) = render_document(&text, &results);
        let rendered = crate::contents::render(&rendered);
        let name = relative(root, &path);
        problems.extend(
            block_problems
                .into_iter()
                .map(|problem| format!("{name}: {problem}")),
        );
        if rendered != text {
            writes.push((path, rendered));
        }
    }
    anyhow::ensure!(problems.is_empty(), "{}", problems.join("\n"));
    let chart = chart::svg(&results)?;
    if fs::read_to_string(root.join(CHART)).ok().as_deref() != Some(chart.as_str()) {
        writes.push((root.join(CHART), chart));
    }
    let mut changed = Vec::new();
    for (path, text) in writes {
        fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        changed.push(relative(root, &path));
    }
    Ok(changed)
}
