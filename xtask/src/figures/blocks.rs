//! The marked blocks of a document, and what each kind renders.

use super::format::{FLOOR_HEADER, ROW_HEADER, format_value, markdown_table};
use super::results::{Results, RowResult};
use crate::model::Side;

/// Where a rendered block opens and closes.
pub(super) const OPEN: &str = "<!-- figures:";
pub(super) const CLOSE: &str = "<!-- /figures -->";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Run,
    Source,
    Rows,
    Floors,
    Bounds,
    Verdicts,
}

/// Which rows a table shows.
#[derive(Debug, Default)]
pub(super) struct Filter {
    crate_name: Option<String>,
    against: Option<Side>,
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
pub(super) fn parse_spec(spec: &str) -> std::result::Result<(Kind, Filter), String> {
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
            Some(("against", side)) => filter.against = Some(Side::from(side.to_string())),
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
pub(super) fn render_block(spec: &str, results: &Results) -> std::result::Result<String, String> {
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

pub(super) fn render_kind(kind: Kind, filter: &Filter, results: &Results) -> String {
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
pub(super) fn verdicts<'a>(rows: impl Iterator<Item = &'a RowResult>) -> String {
    let mut judged = 0;
    let mut missed = Vec::new();
    let mut unreachable = Vec::new();
    for row in rows {
        if row.unjudged() && row.has_target() {
            let cells = row.cells();
            unreachable.push(format!(
                "{}, {}: a target of {}; {}",
                row.crate_name, row.workload, cells[5], cells[6]
            ));
        }
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
    if !unreachable.is_empty() {
        text.push_str(
            "\nNeither met nor missed: beyond what the floor allows on this machine, or measured on unequal work:\n\n",
        );
        for line in unreachable {
            text.push_str(&format!("- {line}\n"));
        }
    }
    text
}

pub(super) fn run_block(results: &Results) -> String {
    let machine = &results.machine;
    let mut text = format!(
        "- **Machine:** {} cores, {}.\n- **Run:** {} to {}, `{}`, {} rounds per crate.\n- **Toolchains:** {}; {}; {}.\n",
        machine.cores,
        machine.cpu,
        machine.date,
        machine.finished,
        machine.command,
        results.runs,
        machine.rustc,
        machine.c_compiler,
        machine.python,
    );
    let peers: Vec<String> = machine
        .peers
        .iter()
        .map(|(name, version)| format!("{name}: {version}"))
        .collect();
    if !peers.is_empty() {
        text.push_str(&format!("- **Peers:** {}.\n", peers.join("; ")));
    }
    for (name, python) in &machine.python_per_crate {
        let pins = python.requirements();
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
pub(super) struct Block {
    /// 1-based line of its opening marker.
    line: usize,
    spec: String,
    /// Byte range of the text between the markers.
    body: std::ops::Range<usize>,
}

/// Every block in a document; `Err` names a marker left open.
pub(super) fn blocks(text: &str) -> std::result::Result<Vec<Block>, String> {
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
pub(super) fn body_for(rendered: &str) -> String {
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

/// One line on the run: where and when.
pub(super) fn run_line(results: &Results) -> String {
    format!(
        "{} cores, {}, {}",
        results.machine.cores, results.machine.cpu, results.machine.date,
    )
}

/// The rows whose floor was skipped, each with why.
pub(super) fn floors_skipped<'a>(rows: impl Iterator<Item = &'a RowResult>) -> Vec<String> {
    rows.filter_map(|row| {
        let reason = row.floor_skipped.as_ref()?;
        Some(format!(
            "{}: {}: floor skipped: {reason}",
            row.crate_name, row.workload
        ))
    })
    .collect()
}
