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
mod report;
mod stray;

pub use blocks::render_document;
pub use report::{aligned, format_value, markdown_report, met_text, summary, text_report};
pub use stray::stray_figures;

use anyhow::{Context, Result};
use serde::Deserialize;
use std::fs;
use std::path::{Path, PathBuf};

/// The published results of the latest full run, relative to the root.
pub const RESULTS: &str = "docs/bench-results.json";
/// The chart drawn from them, relative to the root.
pub const CHART: &str = "docs/bench-ratios.svg";

pub(super) const OPEN: &str = "<!-- figures:";
pub(super) const CLOSE: &str = "<!-- /figures -->";

/// A bench run's results, as `cargo xtask bench` writes them.
#[derive(Debug, Deserialize)]
pub struct Results {
    /// The machine, the date and the toolchains, kept as written: the
    /// renderer reads the fields it knows, and a new one costs nothing.
    pub machine: serde_json::Value,
    pub runs: usize,
    pub quick: bool,
    pub rows: Vec<RowResult>,
    pub lower_bounds: Vec<BoundResult>,
}

/// One row: Rust's figure in every round, its reference's, and what they
/// make.
#[derive(Debug, Deserialize)]
pub struct RowResult {
    #[serde(rename = "crate")]
    pub crate_name: String,
    pub workload: String,
    #[serde(default)]
    pub rust_key: String,
    pub unit: String,
    /// A smaller figure is the better one (a time, a size).
    #[serde(default)]
    pub lower_is_better: bool,
    pub rust: Vec<f64>,
    /// Who the row is measured against: `Python`, `Rust`, or a peer's name.
    pub reference_side: String,
    pub reference: Vec<f64>,
    pub reference_skipped: Option<String>,
    /// How many times better Rust is, round by round.
    pub ratios: Vec<f64>,
    pub target: Option<TargetResult>,
    pub met: Option<bool>,
    /// The best the row's target could reach with Rust at its floor, in
    /// the target's terms, where the row has both.
    #[serde(default)]
    pub target_cap: Option<f64>,
    /// `Some(false)`: the floor does not allow the target on this machine,
    /// so it is neither met nor missed.
    #[serde(default)]
    pub target_reachable: Option<bool>,
    pub floor: Option<FloorResult>,
    pub floor_skipped: Option<String>,
}

/// What a row's figures are, and so how they are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// Times better than its reference: a bar on a log axis.
    Ratio,
    /// Rust's own speedup on every core over one (unit `x`).
    Speedup,
    /// How many of something (pages, runs), with no "better".
    Count,
    /// A figure that must equal its reference's: a digest, a count.
    Equality,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetResult {
    RatioAtLeast(f64),
    RustAtLeast(f64),
    RustAtMost(f64),
    SameAsReference(bool),
}

/// A row read against the machine's floor.
#[derive(Debug, Deserialize)]
pub struct FloorResult {
    pub name: String,
    pub value: f64,
    pub unit: String,
    /// Rust's cost per operation as a multiple of the floor's.
    pub times_floor: f64,
    /// The same, round by round.
    #[serde(default)]
    pub times_floor_per_round: Vec<f64>,
    pub share_of_floor_speed: f64,
    pub target: Option<FloorTargetResult>,
    pub met: Option<bool>,
    /// How far under the floor the row may measure and still be noise.
    #[serde(default)]
    pub under_floor_allowance: f64,
    /// Rust beat the floor by more than that: the run was not published.
    #[serde(default)]
    pub beats_floor: bool,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FloorTargetResult {
    CostAtMost(f64),
    SpeedAtLeast(f64),
}

#[derive(Debug, Deserialize)]
pub struct BoundResult {
    pub name: String,
    pub value: f64,
    pub unit: String,
}

impl Results {
    pub fn parse(text: &str) -> Result<Self> {
        serde_json::from_str(text).context("reading bench results")
    }

    /// The committed results of the latest full run.
    pub fn published(root: &Path) -> Result<Self> {
        let path = root.join(RESULTS);
        let text = fs::read_to_string(&path).with_context(|| {
            format!(
                "reading {}; a full `cargo xtask bench --peers` writes it",
                path.display()
            )
        })?;
        Self::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    fn machine_field(&self, field: &str) -> &str {
        self.machine[field].as_str().unwrap_or("unknown")
    }
}

impl RowResult {
    /// What the row's figures are.
    pub fn kind(&self) -> RowKind {
        if matches!(self.target, Some(TargetResult::SameAsReference(_))) {
            RowKind::Equality
        } else if self.unit == "x" {
            RowKind::Speedup
        } else if matches!(self.unit.as_str(), "pages" | "runs" | "id") {
            RowKind::Count
        } else {
            RowKind::Ratio
        }
    }

    fn target_text(&self) -> String {
        let against = &self.reference_side;
        match self.target {
            Some(TargetResult::RatioAtLeast(ratio)) => format!("≥ {ratio}x {against}"),
            Some(TargetResult::RustAtLeast(at_least)) => {
                format!("Rust ≥ {}", format_value(at_least, &self.unit))
            }
            Some(TargetResult::RustAtMost(at_most)) => {
                format!("Rust ≤ {}", format_value(at_most, &self.unit))
            }
            Some(TargetResult::SameAsReference(_)) => format!("= {against}"),
            None => "reported".to_string(),
        }
    }

    /// Whether the row has a target of its own to meet (a digest or a
    /// count that must equal its reference's is a check, not a target).
    fn has_target(&self) -> bool {
        !matches!(self.target, None | Some(TargetResult::SameAsReference(_)))
    }

    /// The cells: crate, workload, Rust, reference, ratio, target, met.
    pub fn cells(&self) -> [String; 7] {
        let unit = &self.unit;
        [
            self.crate_name.clone(),
            self.workload.clone(),
            summary(&self.rust, unit),
            match &self.reference_skipped {
                Some(reason) => format!("{} skipped: {reason}", self.reference_side),
                None => format!("{} {}", self.reference_side, summary(&self.reference, unit)),
            },
            summary(&self.ratios, "x"),
            self.target_text(),
            self.verdict_text(),
        ]
    }

    /// met, NOT MET, or why neither: a target its floor does not allow.
    fn verdict_text(&self) -> String {
        match (self.target_reachable, self.target_cap) {
            (Some(false), Some(cap)) => {
                let cap = match self.target {
                    Some(TargetResult::RatioAtLeast(_)) => format!("{cap:.1}x"),
                    _ => format_value(cap, &self.unit),
                };
                format!("unreachable here: the floor allows {cap}")
            }
            _ => met_text(self.met).to_string(),
        }
    }

    /// Whether the floor rules the row's target out on this machine.
    pub fn unreachable(&self) -> bool {
        self.target_reachable == Some(false)
    }

    /// The cells of its floor: crate, workload, floor, times its cost,
    /// share of its speed, target, met.
    pub fn floor_cells(&self) -> Option<[String; 7]> {
        let floor = self.floor.as_ref()?;
        Some([
            self.crate_name.clone(),
            self.workload.clone(),
            format!(
                "{} ({})",
                floor.name,
                format_value(floor.value, &floor.unit)
            ),
            format!("{:.2}x", floor.times_floor),
            format!("{:.0}%", floor.share_of_floor_speed * 100.0),
            match floor.target {
                None => "reported".to_string(),
                Some(FloorTargetResult::CostAtMost(at_most)) => format!("≤ {at_most}x its cost"),
                Some(FloorTargetResult::SpeedAtLeast(fraction)) => {
                    format!("≥ {:.0}% of its speed", fraction * 100.0)
                }
            },
            met_text(floor.met).to_string(),
        ])
    }
}

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
