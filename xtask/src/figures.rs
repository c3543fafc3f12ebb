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

use crate::bench::chart;
use anyhow::{Context, Result};
use serde::Deserialize;
use std::fs;
use std::path::{Path, PathBuf};

/// The published results of the latest full run, relative to the root.
pub const RESULTS: &str = "docs/bench-results.json";
/// The chart drawn from them, relative to the root.
pub const CHART: &str = "docs/bench-ratios.svg";

const OPEN: &str = "<!-- figures:";
const CLOSE: &str = "<!-- /figures -->";

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
    pub rust: Vec<f64>,
    /// Who the row is measured against: `Python`, `Rust`, or a peer's name.
    pub reference_side: String,
    pub reference: Vec<f64>,
    pub reference_skipped: Option<String>,
    /// How many times better Rust is, round by round.
    pub ratios: Vec<f64>,
    pub target: Option<TargetResult>,
    pub met: Option<bool>,
    pub floor: Option<FloorResult>,
    pub floor_skipped: Option<String>,
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
    pub share_of_floor_speed: f64,
    pub target: Option<FloorTargetResult>,
    pub met: Option<bool>,
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
            met_text(self.met).to_string(),
        ]
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

/// A figure with its unit, compactly.
pub fn format_value(value: f64, unit: &str) -> String {
    match unit {
        "/s" if value >= 1e6 => format!("{:.2}M/s", value / 1e6),
        "/s" if value >= 1e4 => format!("{:.1}k/s", value / 1e3),
        // Below ten thousand, every digit of the whole number: 1518, not 1.5k.
        "/s" if value >= 1e3 => format!("{value:.0} /s"),
        "s" => format!("{value:.3} s"),
        "x" => format!("{value:.2}x"),
        "id" | "pages" => format!("{value:.0}"),
        "ms" => format!("{value:.2} ms"),
        _ => format!("{value:.1} {unit}"),
    }
}

/// "median (lowest–highest)" of a list of figures.
pub fn summary(values: &[f64], unit: &str) -> String {
    use crate::bench::{median, spread};
    match (median(values), spread(values)) {
        // The same every time (a count, a digest): just the value.
        (Some(middle), Some((low, high))) if low == high => format_value(middle, unit),
        (Some(middle), Some((low, high))) if values.len() > 1 => format!(
            "{} ({}–{})",
            format_value(middle, unit),
            format_value(low, unit),
            format_value(high, unit)
        ),
        (Some(middle), _) => format_value(middle, unit),
        _ => "—".to_string(),
    }
}

pub fn met_text(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "NOT MET",
        None => "—",
    }
}

const ROW_HEADER: [&str; 7] = [
    "crate",
    "workload",
    "Rust",
    "reference",
    "ratio",
    "target",
    "met",
];
const FLOOR_HEADER: [&str; 7] = [
    "crate",
    "workload",
    "floor",
    "times its cost",
    "share of its speed",
    "target",
    "met",
];

fn markdown_table(header: &[&str; 7], rows: impl Iterator<Item = [String; 7]>) -> String {
    let mut text = format!("| {} |\n|{}\n", header.join(" | "), "---|".repeat(7));
    for cells in rows {
        text.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    text
}

/// Rows of cells in columns as wide as their widest cell, for a terminal.
pub fn aligned(header: &[&str; 7], rows: impl Iterator<Item = [String; 7]>) -> String {
    let rows: Vec<[String; 7]> = std::iter::once(header.map(String::from))
        .chain(rows)
        .collect();
    let widths: Vec<usize> = (0..7)
        .map(|column| {
            rows.iter()
                .map(|row| row[column].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    rows.iter()
        .map(|row| {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect();
            line.join("  ").trim_end().to_string() + "\n"
        })
        .collect()
}

/// One line on the run: where and when.
fn run_line(results: &Results) -> String {
    format!(
        "{} cores, {}, {}",
        results.machine["cores"],
        results.machine_field("cpu"),
        results.machine_field("date"),
    )
}

/// The whole run for a terminal: both tables, the floors skipped, the
/// bounds.
pub fn text_report(results: &Results) -> String {
    let mut text = String::new();
    if results.quick {
        text.push_str(
            "--quick: every workload once, at small sizes; the figures only prove that each row runs\n",
        );
    }
    text.push_str(&format!(
        "{}; {} round(s) per crate; ratio = times better than the reference (Python, a peer, or another Rust run), round by round\n",
        run_line(results),
        results.runs
    ));
    text.push_str(&aligned(
        &ROW_HEADER,
        results.rows.iter().map(RowResult::cells),
    ));
    text.push_str(
        "\nagainst this machine's floor (Rust's cost per operation as a multiple of the floor's, and its speed as a share of the floor's):\n",
    );
    text.push_str(&aligned(
        &FLOOR_HEADER,
        results.rows.iter().filter_map(RowResult::floor_cells),
    ));
    for skipped in floors_skipped(results.rows.iter()) {
        text.push_str(&format!("  {skipped}\n"));
    }
    text.push_str("\nlower bounds on this machine:\n");
    for bound in &results.lower_bounds {
        text.push_str(&format!(
            "  {:<58} {}\n",
            bound.name,
            format_value(bound.value, &bound.unit)
        ));
    }
    text
}

/// The whole run as Markdown, every table.
pub fn markdown_report(results: &Results) -> String {
    let all = Filter::default();
    [
        render_kind(Kind::Rows, &all, results),
        render_kind(Kind::Floors, &all, results),
        render_kind(Kind::Bounds, &all, results),
    ]
    .join("\n")
}

fn floors_skipped<'a>(rows: impl Iterator<Item = &'a RowResult>) -> Vec<String> {
    rows.filter_map(|row| {
        let reason = row.floor_skipped.as_ref()?;
        Some(format!(
            "{}: {}: floor skipped: {reason}",
            row.crate_name, row.workload
        ))
    })
    .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Run,
    Source,
    Rows,
    Floors,
    Bounds,
    Verdicts,
}

/// Which rows a table shows.
#[derive(Debug, Default)]
struct Filter {
    crate_name: Option<String>,
    against: Option<String>,
    key_prefix: Option<String>,
    targets_only: bool,
}

impl Filter {
    fn keeps(&self, row: &RowResult) -> bool {
        self.crate_name
            .as_ref()
            .is_none_or(|name| *name == row.crate_name)
            && self
                .against
                .as_ref()
                .is_none_or(|side| *side == row.reference_side)
            && self
                .key_prefix
                .as_ref()
                .is_none_or(|prefix| row.rust_key.starts_with(prefix.as_str()))
    }
}

/// A block's kind and filters, from the text after `figures:`.
fn parse_spec(spec: &str) -> std::result::Result<(Kind, Filter), String> {
    let mut words = spec.split_whitespace();
    let kind = match words.next() {
        Some("run") => Kind::Run,
        Some("source") => Kind::Source,
        Some("rows") => Kind::Rows,
        Some("floors") => Kind::Floors,
        Some("bounds") => Kind::Bounds,
        Some("verdicts") => Kind::Verdicts,
        Some(other) => {
            return Err(format!(
                "unknown kind `{other}`; use run, source, rows, floors, bounds or verdicts"
            ));
        }
        None => return Err("no kind; use run, source, rows, floors, bounds or verdicts".into()),
    };
    let mut filter = Filter::default();
    for word in words {
        match word.split_once('=') {
            Some(("crate", name)) => filter.crate_name = Some(name.to_string()),
            Some(("against", side)) => filter.against = Some(side.to_string()),
            Some(("key", prefix)) => filter.key_prefix = Some(prefix.to_string()),
            None if word == "targets" => filter.targets_only = true,
            _ => {
                return Err(format!(
                    "unknown filter `{word}`; use crate=NAME, against=SIDE, key=PREFIX or targets"
                ));
            }
        }
    }
    Ok((kind, filter))
}

/// The text of one block, from its spec.
fn render_block(spec: &str, results: &Results) -> std::result::Result<String, String> {
    let (kind, filter) = parse_spec(spec)?;
    if let Some(name) = &filter.crate_name
        && !results.rows.iter().any(|row| row.crate_name == *name)
    {
        return Err(format!("the results have no rows of crate `{name}`"));
    }
    let text = render_kind(kind, &filter, results);
    if text.is_empty() {
        return Err(format!("`{spec}` selects nothing in the results"));
    }
    Ok(text)
}

fn render_kind(kind: Kind, filter: &Filter, results: &Results) -> String {
    let rows = || results.rows.iter().filter(|row| filter.keeps(row));
    match kind {
        Kind::Run => run_block(results),
        Kind::Source => format!(
            "From the latest full run, on {}: medians of {} rounds, the lowest and highest in brackets. [BENCHMARKS.md]({}BENCHMARKS.md) has all of it.\n",
            run_line(results),
            results.runs,
            // The crate READMEs sit two folders below the root.
            if filter.crate_name.is_some() {
                "../../"
            } else {
                ""
            },
        ),
        Kind::Rows => {
            let rows: Vec<[String; 7]> = rows()
                .filter(|row| !filter.targets_only || row.has_target())
                .map(RowResult::cells)
                .collect();
            if rows.is_empty() {
                return String::new();
            }
            markdown_table(&ROW_HEADER, rows.into_iter())
        }
        Kind::Floors => {
            let floors: Vec<[String; 7]> = rows()
                .filter(|row| {
                    !filter.targets_only || row.floor.as_ref().is_some_and(|f| f.target.is_some())
                })
                .filter_map(RowResult::floor_cells)
                .collect();
            let skipped = floors_skipped(rows());
            if floors.is_empty() && skipped.is_empty() {
                return String::new();
            }
            let mut text = if floors.is_empty() {
                String::new()
            } else {
                markdown_table(&FLOOR_HEADER, floors.into_iter())
            };
            for line in skipped {
                text.push_str(&format!("\n{line}\n"));
            }
            text
        }
        Kind::Bounds => {
            let mut text = String::from("| lower bound on this machine | figure |\n|---|---|\n");
            for bound in &results.lower_bounds {
                text.push_str(&format!(
                    "| {} | {} |\n",
                    bound.name,
                    format_value(bound.value, &bound.unit)
                ));
            }
            text
        }
        Kind::Verdicts => verdicts(rows()),
    }
}

/// "N of M targets met", and the ones that are not, each with its figure.
fn verdicts<'a>(rows: impl Iterator<Item = &'a RowResult>) -> String {
    let mut judged = 0;
    let mut missed = Vec::new();
    for row in rows {
        if row.has_target()
            && let Some(met) = row.met
        {
            judged += 1;
            if !met {
                let cells = row.cells();
                missed.push(format!(
                    "{}, {}: {} against a target of {}",
                    row.crate_name, row.workload, cells[4], cells[5]
                ));
            }
        }
        if let Some(floor) = &row.floor
            && floor.target.is_some()
            && let (Some(met), Some(cells)) = (floor.met, row.floor_cells())
        {
            judged += 1;
            if !met {
                missed.push(format!(
                    "{}, {}: {} of the floor's speed against a target of {}",
                    row.crate_name, row.workload, cells[4], cells[5]
                ));
            }
        }
    }
    if judged == 0 {
        return String::new();
    }
    let mut text = format!(
        "{} of {judged} targets met in the latest full run.",
        judged - missed.len()
    );
    if missed.is_empty() {
        text.push('\n');
    } else {
        text.push_str(" Not met:\n\n");
        for line in missed {
            text.push_str(&format!("- {line}\n"));
        }
    }
    text
}

fn run_block(results: &Results) -> String {
    let machine = &results.machine;
    let field = |name: &str| results.machine_field(name).to_string();
    let mut text = format!(
        "- **Machine:** {} cores, {}.\n- **Run:** {} to {}, `{}`, {} rounds per crate.\n- **Toolchains:** {}; {}; {}.\n",
        machine["cores"],
        field("cpu"),
        field("date"),
        field("finished"),
        field("command"),
        results.runs,
        field("rustc"),
        field("c_compiler"),
        field("python"),
    );
    let peers: Vec<String> = machine["peers"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(name, version)| Some(format!("{name}: {}", version.as_str()?)))
        .collect();
    if !peers.is_empty() {
        text.push_str(&format!("- **Peers:** {}.\n", peers.join("; ")));
    }
    for (name, python) in machine["python_per_crate"]
        .as_object()
        .into_iter()
        .flatten()
    {
        let pins: Vec<&str> = python["requirements"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|pin| pin.as_str())
            .collect();
        if !pins.is_empty() {
            text.push_str(&format!(
                "- **{name}'s Python packages:** {} (every package installed is in the results file).\n",
                pins.join(", ")
            ));
        }
    }
    text
}

/// Where a block sits in a document, and what it says now.
struct Block {
    /// 1-based line of its opening marker.
    line: usize,
    spec: String,
    /// Byte range of the text between the markers.
    body: std::ops::Range<usize>,
}

/// Every block in a document; `Err` names a marker left open.
fn blocks(text: &str) -> std::result::Result<Vec<Block>, String> {
    let mut found = Vec::new();
    let mut open: Option<(usize, String, usize)> = None;
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix(OPEN) {
            if let Some((line, ..)) = open {
                return Err(format!(
                    "line {line}: a block is opened again before `{CLOSE}`"
                ));
            }
            let spec = rest.strip_suffix("-->").unwrap_or(rest).trim().to_string();
            open = Some((index + 1, spec, offset + line.len()));
        } else if trimmed == CLOSE {
            let Some((line, spec, start)) = open.take() else {
                return Err(format!("line {}: `{CLOSE}` closes no block", index + 1));
            };
            found.push(Block {
                line,
                spec,
                body: start..offset,
            });
        }
        offset += line.len();
    }
    match open {
        Some((line, ..)) => Err(format!(
            "line {line}: the block is never closed with `{CLOSE}`"
        )),
        None => Ok(found),
    }
}

/// What a block's body must be: its rendered text between blank lines, so
/// that Markdown reads it as its own paragraph or table, apart from the
/// markers.
fn body_for(rendered: &str) -> String {
    format!("\n{}\n\n", rendered.trim_end())
}

/// A document with every block rendered again, and what was wrong with the
/// blocks that could not be.
pub fn render_document(text: &str, results: &Results) -> (String, Vec<String>) {
    let blocks = match blocks(text) {
        Ok(blocks) => blocks,
        Err(problem) => return (text.to_string(), vec![problem]),
    };
    let mut out = String::with_capacity(text.len());
    let mut problems = Vec::new();
    let mut last = 0;
    for block in blocks {
        out.push_str(&text[last..block.body.start]);
        match render_block(&block.spec, results) {
            Ok(rendered) => out.push_str(&body_for(&rendered)),
            Err(problem) => {
                problems.push(format!("line {}: {problem}", block.line));
                out.push_str(&text[block.body.clone()]);
            }
        }
        last = block.body.end;
    }
    out.push_str(&text[last..]);
    (out, problems)
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

/// Units a measured figure carries. `x` and `%` must follow the number
/// directly ("4 x workers" is a product, not a ratio); `ms` and `s` count
/// only with a decimal point, since whole milliseconds are the settings of
/// the workloads (50 ms of latency, a 200 ms timeout), not measurements.
const UNITS: [&str; 13] = [
    "pages a second",
    "pages/s",
    "M/s",
    "k/s",
    "ns",
    "µs",
    "us",
    "ms",
    "MB",
    "GB",
    "s",
    "x",
    "%",
];

/// Lines outside the blocks that carry a figure and are not measured: a
/// bound computed from a workload's settings. Each is (file, a piece of
/// the line).
const NOT_MEASURED: [(&str, &str); 2] = [
    // 113 pages, 16 at a time, 50 ms each: 8 rounds, so 282.5 pages/s.
    ("BENCHMARKS.md", "so 282.5 pages a second (88% of the ideal"),
    (
        "crates/web-scraper/README.md",
        "so no client can pass 282.5 pages a second, 88% of the",
    ),
];

/// The measured-looking figures of one line: a number followed by a unit.
fn figures_in(line: &str) -> Vec<String> {
    let bytes = line.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let starts_number = bytes[at].is_ascii_digit()
            && (at == 0
                || !(bytes[at - 1].is_ascii_alphanumeric() || b"._-/".contains(&bytes[at - 1])));
        if !starts_number {
            at += 1;
            continue;
        }
        let start = at;
        while at < bytes.len() && (bytes[at].is_ascii_digit() || bytes[at] == b',') {
            at += 1;
        }
        let mut decimal = false;
        if at + 1 < bytes.len() && bytes[at] == b'.' && bytes[at + 1].is_ascii_digit() {
            decimal = true;
            at += 1;
            while at < bytes.len() && bytes[at].is_ascii_digit() {
                at += 1;
            }
        }
        let rest = &line[at..];
        let spaced = rest.strip_prefix(' ');
        for unit in UNITS {
            let tight = matches!(unit, "x" | "%");
            let after = if tight {
                rest.strip_prefix(unit)
            } else {
                rest.strip_prefix(unit)
                    .or_else(|| spaced.and_then(|rest| rest.strip_prefix(unit)))
            };
            let Some(after) = after else { continue };
            let ends_word = after
                .chars()
                .next()
                .is_none_or(|next| !(next.is_alphanumeric() || next == '/'));
            if ends_word && (decimal || !matches!(unit, "ms" | "s")) {
                found.push(line[start..line.len() - after.len()].to_string());
                break;
            }
        }
    }
    found
}

/// Figures outside the rendered blocks, in prose that is not history: a
/// heading that names a date (2026-12-02) and everything under it is
/// history. Code blocks are sample output, and are left out too.
pub fn stray_figures(name: &str, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut in_code = false;
    let mut in_block = false;
    // The levels of the headings above this line that name a date.
    let mut dated: Vec<usize> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        if trimmed.starts_with(OPEN) {
            in_block = true;
            continue;
        }
        if trimmed == CLOSE {
            in_block = false;
            continue;
        }
        let level = line.chars().take_while(|&c| c == '#').count();
        if level > 0 && line[level..].starts_with(' ') {
            dated.retain(|&above| above < level);
            if names_a_date(line) {
                dated.push(level);
            }
            continue;
        }
        if in_block || !dated.is_empty() {
            continue;
        }
        if NOT_MEASURED
            .iter()
            .any(|(file, piece)| *file == name && line.contains(piece))
        {
            continue;
        }
        for figure in figures_in(line) {
            problems.push(format!(
                "{name}:{}: `{figure}` looks measured, outside a rendered block: render it (`<!-- figures: ... -->`), point at a block, or move it under a heading that names its date",
                index + 1
            ));
        }
    }
    problems
}

/// Whether a heading names a date, as `2026-12-02`.
fn names_a_date(heading: &str) -> bool {
    heading.as_bytes().windows(10).any(|window| {
        window.iter().enumerate().all(|(at, byte)| match at {
            4 | 7 => *byte == b'-',
            _ => byte.is_ascii_digit(),
        })
    })
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
fn first_difference(a: &str, b: &str) -> usize {
    a.lines()
        .zip(b.lines())
        .position(|(x, y)| x != y)
        .unwrap_or_else(|| a.lines().count().min(b.lines().count()))
        + 1
}

/// Renders every document's blocks, and the chart, from the committed
/// results; returns the files it changed. Blocks it cannot render are
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
