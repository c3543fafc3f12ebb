//! The report of a run: the table `cargo xtask bench` prints, and
//! `results.md`.

use super::blocks::{Filter, Kind, floors_skipped, render_kind, run_line};
use super::format::{FLOOR_HEADER, ROW_HEADER, aligned, format_value};
use super::results::{Results, RowResult};

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
