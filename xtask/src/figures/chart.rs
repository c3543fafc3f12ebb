//! The benchmark chart, drawn from a run's results (the committed ones by
//! `cargo xtask render`, a fresh run's by `cargo xtask bench`), so that the
//! picture and the tables always show the same figures.
//!
//! The SVG is written by hand rather than with a plotting library: each
//! row is a label on a line of its own, the full width of the picture,
//! above its bar, so no label is ever clipped, and the panels share one
//! column; a chart type with labels beside the axis (which plotters draws)
//! must cut long labels or shrink everything. What is drawn:
//!
//! - **Times better** than Python, a peer or another Rust run, on a log
//!   axis centred on 1x: a win grows right of 1x, a loss left.
//! - **Speedups** on all cores over one, on the same kind of axis: 1x is no
//!   gain; Python's speedup is marked beside Rust's.
//! - **Share of the floor's speed**, from 0 to 100%: the floor is the most
//!   this machine can do, so no bar can pass 100%.
//! - **Counts and equality checks**, which have no "better", as a table.
//!
//! Every bar carries its spread (the lowest to the highest round) and its
//! target; a target in Rust's own terms (at most 150 MB) is marked at the
//! ratio it asks for against the reference's median.

use super::format::format_value;
use super::results::{Results, RowKind, RowResult};
use crate::model::{FloorTarget, Side, Target};
use crate::stats::{median, spread};
use std::fmt::Write;

/// The picture's width. Shown 900 px wide, as a README shows it, its
/// 13 px text is 13 px.
const WIDTH: f64 = 900.0;
const FONT: f64 = 13.0;
// Shown 900 px wide, the text must stay at least 11 px.
const _: () = assert!(FONT * 900.0 / WIDTH >= 11.0);
const MARGIN: f64 = 14.0;
/// Where the axes run.
const AXIS_LEFT: f64 = 70.0;
const AXIS_RIGHT: f64 = WIDTH - 70.0;
/// A line of text, and the room a row takes beyond its label's lines.
const LINE: f64 = 16.0;
const ROW_BAR: f64 = 22.0;
const BAR: f64 = 10.0;
/// About how wide one character of the 13 px font is.
const CHAR: f64 = 7.3;

const MET: &str = "#2e7d32";
const NOT_MET: &str = "#c62828";
const NEUTRAL: &str = "#8a8a8a";
const GRID: &str = "#d6d6d6";
const INK: &str = "#1a1a1a";

/// One bar: where it ends, its rounds' range, its target, and its colour.
struct Bar {
    label: String,
    value: f64,
    range: Option<(f64, f64)>,
    target: Option<Mark>,
    /// A second figure to mark beside the bar (Python's speedup).
    beside: Option<(f64, String)>,
    colour: &'static str,
    /// Said after the value: "NOT MET", "unreachable here".
    note: &'static str,
}

/// A target's mark: solid for a target on the bar's own scale, dashed for
/// one in Rust's own terms, placed where it falls on this scale.
struct Mark {
    at: f64,
    derived: bool,
}

/// The chart as SVG text.
pub fn svg(results: &Results) -> anyhow::Result<String> {
    let ratios: Vec<Bar> = results
        .rows
        .iter()
        .filter(|row| row.kind() == RowKind::Ratio)
        .filter_map(ratio_bar)
        .collect();
    let speedups: Vec<Bar> = results
        .rows
        .iter()
        .filter(|row| row.kind() == RowKind::Speedup)
        .filter_map(speedup_bar)
        .collect();
    let floors: Vec<Bar> = results.rows.iter().filter_map(floor_bar).collect();
    let table: Vec<&RowResult> = results
        .rows
        .iter()
        .filter(|row| matches!(row.kind(), RowKind::Count | RowKind::Equality))
        .collect();

    let mut body = String::new();
    let mut y = MARGIN + FONT;
    let title = format!(
        "{} rounds, {} cores, {}, {}",
        results.runs, results.machine.cores, results.machine.cpu, results.machine.date,
    );
    text(&mut body, MARGIN, y, &title, "bold", "start");
    y += FONT + 8.0;
    y = legend(&mut body, y);
    y = log_panel(
        &mut body,
        y,
        "Times better than the reference: right of 1x Rust is better, left worse (log scale)",
        &ratios,
    );
    y = log_panel(
        &mut body,
        y,
        "Speedup on every core over one (log scale; 1x is no gain; ◇ Python's)",
        &speedups,
    );
    y = share_panel(
        &mut body,
        y,
        "Share of the floor's speed: the floor is the most this machine can do",
        &floors,
    );
    y = count_table(&mut body, y, &table);
    let height = y + MARGIN;
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" font-family=\"DejaVu Sans, Verdana, sans-serif\" font-size=\"{FONT}\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n{body}</svg>\n"
    ))
}

/// The colour and the word for a verdict.
fn verdict(met: Option<bool>, unjudged: Option<&'static str>) -> (&'static str, &'static str) {
    match (met, unjudged) {
        (_, Some(why)) => (NEUTRAL, why),
        (Some(true), _) => (MET, ""),
        (Some(false), _) => (NOT_MET, "NOT MET"),
        (None, _) => (NEUTRAL, ""),
    }
}

/// A row's colour and note: its verdict, or why it has none.
fn row_verdict(row: &RowResult) -> (&'static str, &'static str) {
    let unjudged = if row.unequal_work.is_some() {
        Some("unequal work")
    } else if row.unreachable() {
        Some("unreachable here")
    } else {
        None
    };
    verdict(row.met, unjudged)
}

fn label(row: &RowResult) -> String {
    // Peers are named; Python is the default, and the workloads say so.
    let against = match &row.reference_side {
        Side::Rust | Side::Python => String::new(),
        Side::Peer(peer) => format!(" (against {peer})"),
    };
    format!("{}: {}{against}", row.crate_name, row.workload)
}

fn ratio_bar(row: &RowResult) -> Option<Bar> {
    let value = median(&row.ratios)?;
    let reference = median(&row.reference);
    // A target on Rust's own figure asks for this ratio against the
    // reference's median.
    let target = match (row.target, reference) {
        (Target::RatioAtLeast(ratio), _) => Some(Mark {
            at: ratio,
            derived: false,
        }),
        (Target::RustAtMost(at_most), Some(reference)) if row.lower_is_better => Some(Mark {
            at: reference / at_most,
            derived: true,
        }),
        (Target::RustAtLeast(at_least), Some(reference)) if !row.lower_is_better => Some(Mark {
            at: at_least / reference,
            derived: true,
        }),
        _ => None,
    };
    let (colour, note) = row_verdict(row);
    Some(Bar {
        label: label(row),
        value,
        range: spread(&row.ratios),
        target,
        beside: None,
        colour,
        note,
    })
}

fn speedup_bar(row: &RowResult) -> Option<Bar> {
    let value = median(&row.rust)?;
    let target = match row.target {
        Target::RustAtLeast(at_least) => Some(Mark {
            at: at_least,
            derived: false,
        }),
        _ => None,
    };
    let (colour, note) = row_verdict(row);
    Some(Bar {
        label: format!("{}: {}", row.crate_name, row.workload),
        value,
        range: spread(&row.rust),
        target,
        beside: median(&row.reference)
            .map(|python| (python, format!("{} {python:.2}x", row.reference_side))),
        colour,
        note,
    })
}

fn floor_bar(row: &RowResult) -> Option<Bar> {
    let floor = row.floor.as_ref()?;
    let shares: Vec<f64> = floor
        .times_floor_per_round
        .iter()
        .map(|times| 1.0 / times)
        .collect();
    let (colour, note) = verdict(floor.met, None);
    Some(Bar {
        label: format!(
            "{}: {} (floor: {})",
            row.crate_name, row.workload, floor.name
        ),
        value: floor.share_of_floor_speed,
        range: spread(&shares),
        target: floor.target.map(|target| Mark {
            at: match target {
                FloorTarget::CostAtMost(at_most) => 1.0 / at_most,
                FloorTarget::SpeedAtLeast(fraction) => fraction,
            },
            derived: false,
        }),
        beside: None,
        colour,
        note,
    })
}

/// The legend: what the colours and marks mean.
fn legend(out: &mut String, y: f64) -> f64 {
    let mut x = MARGIN;
    for (colour, words) in [
        (MET, "target met"),
        (NOT_MET, "target not met"),
        (NEUTRAL, "no target, or none this machine allows"),
    ] {
        rect(out, x, y - 10.0, 12.0, 12.0, colour);
        text(out, x + 17.0, y, words, "normal", "start");
        x += 17.0 + words.chars().count() as f64 * CHAR + 18.0;
    }
    let y = y + 20.0;
    let mut x = MARGIN;
    line(out, x + 6.0, y - 12.0, x + 6.0, y + 3.0, INK, 2.5, "");
    text(out, x + 14.0, y, "target", "normal", "start");
    x += 70.0;
    line(out, x + 6.0, y - 12.0, x + 6.0, y + 3.0, INK, 2.0, "4 3");
    text(
        out,
        x + 14.0,
        y,
        "target in Rust's own terms, at the ratio it asks for",
        "normal",
        "start",
    );
    x += 390.0;
    line(out, x, y - 4.0, x + 24.0, y - 4.0, INK, 1.2, "");
    line(out, x, y - 8.0, x, y, INK, 1.2, "");
    line(out, x + 24.0, y - 8.0, x + 24.0, y, INK, 1.2, "");
    text(
        out,
        x + 30.0,
        y,
        "lowest to highest round",
        "normal",
        "start",
    );
    y + 26.0
}

/// A panel of bars on a log axis centred on 1x, symmetric, wide enough for
/// every value, range and mark.
fn log_panel(out: &mut String, y: f64, title: &str, bars: &[Bar]) -> f64 {
    if bars.is_empty() {
        return y;
    }
    let mut reach: f64 = 2.0;
    for bar in bars {
        let mut values = vec![bar.value];
        values.extend(
            bar.range
                .map(|(low, high)| [low, high])
                .into_iter()
                .flatten(),
        );
        values.extend(bar.target.as_ref().map(|mark| mark.at));
        values.extend(bar.beside.as_ref().map(|(value, _)| *value));
        for value in values.into_iter().filter(|value| *value > 0.0) {
            reach = reach.max(value).max(1.0 / value);
        }
    }
    // Whole decades, or 2x for a panel that stays close to 1x.
    let decades = reach.log10().ceil().max(1.0) as i32;
    let (low, high) = if reach <= 2.0 {
        (0.5f64.ln(), 2f64.ln())
    } else {
        let span = f64::from(decades) * 10f64.ln();
        (-span, span)
    };
    let x_of = |value: f64| {
        let position = (value.max(1e-12).ln() - low) / (high - low);
        AXIS_LEFT + position.clamp(0.0, 1.0) * (AXIS_RIGHT - AXIS_LEFT)
    };
    let ticks: Vec<(f64, String)> = if reach <= 2.0 {
        [0.5, 0.75, 1.0, 1.5, 2.0]
            .into_iter()
            .map(|tick| (tick, format!("{tick}x")))
            .collect()
    } else {
        (-decades..=decades)
            .map(|power| {
                let tick = 10f64.powi(power);
                let digits = usize::try_from(-power).unwrap_or(0);
                (tick, format!("{tick:.digits$}x"))
            })
            .collect()
    };
    panel(out, y, title, bars, &ticks, x_of(1.0), x_of)
}

/// A panel of shares, 0 to 100%, bars from 0.
fn share_panel(out: &mut String, y: f64, title: &str, bars: &[Bar]) -> f64 {
    if bars.is_empty() {
        return y;
    }
    let x_of = |value: f64| AXIS_LEFT + value.clamp(0.0, 1.0) * (AXIS_RIGHT - AXIS_LEFT);
    let ticks: Vec<(f64, String)> = [0.0, 0.25, 0.5, 0.75, 1.0]
        .into_iter()
        .map(|tick| (tick, format!("{:.0}%", tick * 100.0)))
        .collect();
    panel(out, y, title, bars, &ticks, x_of(0.0), x_of)
}

/// A panel's title, its grid, and its bars, each from `origin` to its
/// value; returns where the next panel starts.
fn panel(
    out: &mut String,
    y: f64,
    title: &str,
    bars: &[Bar],
    ticks: &[(f64, String)],
    origin: f64,
    x_of: impl Fn(f64) -> f64,
) -> f64 {
    text(out, MARGIN, y, title, "bold", "start");
    let labels: Vec<Vec<String>> = bars.iter().map(|bar| wrap(&bar.label)).collect();
    let top = y + FONT + 10.0;
    let height: f64 = labels
        .iter()
        .map(|lines| LINE * lines.len() as f64 + ROW_BAR)
        .sum();
    let bottom = top + height + 4.0;
    for (tick, words) in ticks {
        let x = x_of(*tick);
        let (colour, width) = if x == origin { (INK, 1.2) } else { (GRID, 1.0) };
        line(out, x, top, x, bottom, colour, width, "");
        text(out, x, top - 4.0, words, "normal", "middle");
        text(out, x, bottom + FONT + 2.0, words, "normal", "middle");
    }
    let mut row_top = top;
    for (bar, lines) in bars.iter().zip(&labels) {
        for (index, words) in lines.iter().enumerate() {
            let indent = if index == 0 { 0.0 } else { 16.0 };
            text(
                out,
                MARGIN + indent,
                row_top + LINE * (index as f64 + 1.0) - 2.0,
                words,
                "normal",
                "start",
            );
        }
        let bar_y = row_top + LINE * lines.len() as f64 + 4.0;
        row_top = bar_y + ROW_BAR - 4.0;
        let middle = bar_y + BAR / 2.0;
        let end = x_of(bar.value);
        let (left, right) = (origin.min(end), origin.max(end));
        rect(out, left, bar_y, (right - left).max(1.5), BAR, bar.colour);
        // How far the bar's marks reach on each side, for its figure.
        let (mut reach_left, mut reach_right) = (left, right);
        if let Some((low, high)) = bar.range {
            let (from, to) = (x_of(low), x_of(high));
            line(out, from, middle, to, middle, INK, 1.2, "");
            line(out, from, middle - 4.0, from, middle + 4.0, INK, 1.2, "");
            line(out, to, middle - 4.0, to, middle + 4.0, INK, 1.2, "");
            reach_left = reach_left.min(from);
            reach_right = reach_right.max(to);
        }
        if let Some(mark) = &bar.target {
            let x = x_of(mark.at);
            let dash = if mark.derived { "4 3" } else { "" };
            line(out, x, bar_y - 5.0, x, bar_y + BAR + 5.0, INK, 2.5, dash);
            reach_left = reach_left.min(x - 2.0);
            reach_right = reach_right.max(x + 2.0);
        }
        if let Some((value, _)) = &bar.beside {
            let x = x_of(*value);
            out.push_str(&format!(
                "<path d=\"M{x:.1} {:.1} l5 5 l-5 5 l-5 -5 z\" fill=\"white\" stroke=\"{INK}\" stroke-width=\"1.2\"/>\n",
                middle - 5.0
            ));
            reach_left = reach_left.min(x - 5.0);
            reach_right = reach_right.max(x + 5.0);
        }
        // The figure, past the bar's marks, and the verdict after it.
        let mut words = if x_of(1.0) == origin {
            ratio_text(bar.value)
        } else {
            format!("{:.0}%", bar.value * 100.0)
        };
        if let Some((_, beside)) = &bar.beside {
            words.push_str(&format!(" ({beside})"));
        }
        if !bar.note.is_empty() {
            words.push_str(&format!(", {}", bar.note));
        }
        let width = words.chars().count() as f64 * CHAR;
        let grows_right = end >= origin;
        // On the side the bar grows to, unless the text would leave the
        // picture there.
        let right_side = if grows_right {
            reach_right + 8.0 + width <= WIDTH - 4.0
        } else {
            reach_left - 8.0 - width < 4.0
        };
        let (x, anchor) = if right_side {
            (reach_right + 8.0, "start")
        } else {
            (reach_left - 8.0, "end")
        };
        text(out, x, bar_y + BAR, &words, "normal", anchor);
    }
    bottom + FONT + 30.0
}

/// `words` in lines that fit the picture, broken between words.
fn wrap(words: &str) -> Vec<String> {
    let fits = ((WIDTH - 2.0 * MARGIN - 16.0) / CHAR) as usize;
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in words.split(' ') {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > fits {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    lines.push(current);
    lines
}

/// The rows that count or check, with no "better": each with both sides'
/// figures and whether they agree.
fn count_table(out: &mut String, y: f64, rows: &[&RowResult]) -> f64 {
    if rows.is_empty() {
        return y;
    }
    text(
        out,
        MARGIN,
        y,
        "Counts and equality checks (not ratios: equal, or how many)",
        "bold",
        "start",
    );
    let mut y = y + 8.0;
    for row in rows {
        for (index, words) in wrap(&label(row)).iter().enumerate() {
            y += if index == 0 { FONT + 6.0 } else { LINE };
            let indent = if index == 0 { 0.0 } else { 16.0 };
            text(out, MARGIN + indent, y, words, "normal", "start");
        }
        y += FONT + 4.0;
        let rust =
            median(&row.rust).map_or("none".to_string(), |value| format_value(value, &row.unit));
        let reference = match (&row.reference_skipped, median(&row.reference)) {
            (Some(_), _) | (_, None) => "skipped".to_string(),
            (None, Some(value)) => format_value(value, &row.unit),
        };
        let (colour, verdict) = match (row.kind(), row.met) {
            (RowKind::Equality, Some(true)) => (MET, "equal in every round"),
            (RowKind::Equality, Some(false)) => (NOT_MET, "NOT equal in every round"),
            _ => (NEUTRAL, "reported"),
        };
        // A digest's value means nothing to a reader; its equality does.
        let words = if row.unit == "id" {
            match &row.reference_side {
                // Two of Rust's own runs: the Redis crawl's and the one in memory.
                Side::Rust => format!("the two runs' digests: {verdict}"),
                side => format!("Rust's and {side}'s digests: {verdict}"),
            }
        } else {
            format!("Rust {rust}, {} {reference}: {verdict}", row.reference_side)
        };
        rect(out, MARGIN + 16.0, y - 10.0, 11.0, 11.0, colour);
        text(out, MARGIN + 34.0, y, &words, "normal", "start");
    }
    y + 10.0
}

fn ratio_text(value: f64) -> String {
    if value >= 10.0 {
        format!("{value:.0}x")
    } else if value >= 0.1 {
        format!("{value:.2}x")
    } else {
        format!("{value:.3}x")
    }
}

fn escape(words: &str) -> String {
    words
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn text(out: &mut String, x: f64, y: f64, words: &str, weight: &str, anchor: &str) {
    let _ = writeln!(
        out,
        "<text x=\"{x:.1}\" y=\"{y:.1}\" font-weight=\"{weight}\" text-anchor=\"{anchor}\" fill=\"{INK}\" stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
        escape(words)
    );
}

fn rect(out: &mut String, x: f64, y: f64, width: f64, height: f64, colour: &str) {
    let _ = writeln!(
        out,
        "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{height:.1}\" fill=\"{colour}\"/>"
    );
}

#[allow(clippy::too_many_arguments)] // an SVG line is these eight things
fn line(
    out: &mut String,
    x1: f64,
    y1: f64,
    x2: f64,
    y2: f64,
    colour: &str,
    width: f64,
    dash: &str,
) {
    let dash = if dash.is_empty() {
        String::new()
    } else {
        format!(" stroke-dasharray=\"{dash}\"")
    };
    let _ = writeln!(
        out,
        "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"{colour}\" stroke-width=\"{width}\"{dash}/>"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Results with one row against Python, Rust at `ratio` times its
    /// speed in every round, and a target of 1x.
    fn one_row(ratio: f64) -> Results {
        let rust = 100.0 * ratio;
        Results {
            machine: crate::model::Machine {
                cores: 2,
                cpu: "test".into(),
                date: "today".into(),
                ..Default::default()
            },
            runs: 3,
            quick: false,
            lower_bounds: Vec::new(),
            rows: vec![RowResult {
                crate_name: "demo".into(),
                workload: "a workload".into(),
                rust_key: "rust_per_s".into(),
                reference_key: "python_per_s".into(),
                unit: "/s".into(),
                lower_is_better: false,
                rust: vec![rust; 3],
                reference_side: Side::Python,
                reference: vec![100.0; 3],
                reference_skipped: None,
                ratios: vec![ratio; 3],
                rust_median: Some(rust),
                reference_median: Some(100.0),
                ratio_median: Some(ratio),
                target: Target::RatioAtLeast(1.0),
                met: Some(ratio >= 1.0),
                target_cap: None,
                target_reachable: None,
                floor: None,
                floor_skipped: None,
                same_work: None,
                unequal_work: None,
            }],
        }
    }

    /// The x of the 1x line, and the left and right of the row's bar.
    fn bar_and_axis(svg: &str) -> (f64, f64, f64) {
        let number = |element: &str, name: &str| -> f64 {
            element
                .split(&format!(" {name}=\""))
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap()
                .parse()
                .unwrap()
        };
        // The legend's squares are 12 high; a bar is BAR high.
        let bar = svg
            .lines()
            .find(|line| line.starts_with("<rect") && line.contains("height=\"10.0\""))
            .unwrap();
        // The axis's origin: the one tall grid line drawn in ink.
        let axis = svg
            .lines()
            .filter(|line| line.starts_with("<line") && line.contains(&format!("stroke=\"{INK}\"")))
            .find(|line| {
                number(line, "x1") == number(line, "x2")
                    && number(line, "y2") - number(line, "y1") > 30.0
            })
            .unwrap();
        let left = number(bar, "x");
        (number(axis, "x1"), left, left + number(bar, "width"))
    }

    #[test]
    fn a_loss_grows_left_of_1x_and_a_win_right() {
        let loss = svg(&one_row(0.6)).unwrap();
        let (axis, left, right) = bar_and_axis(&loss);
        assert!(
            (right - axis).abs() < 0.2 && left < axis - 50.0,
            "{axis} {left} {right}"
        );
        assert!(loss.contains("0.60x, NOT MET"), "{loss}");

        let win = svg(&one_row(3.0)).unwrap();
        let (axis, left, right) = bar_and_axis(&win);
        assert!(
            (left - axis).abs() < 0.2 && right > axis + 50.0,
            "{axis} {left} {right}"
        );
    }

    #[test]
    fn text_is_readable_at_a_readmes_width() {
        let chart = svg(&one_row(0.6)).unwrap();
        assert!(chart.contains(&format!("width=\"{WIDTH}\"")));
        // Every label fits: a line never runs past the picture.
        let long = "word ".repeat(60);
        for line in wrap(&long) {
            assert!(MARGIN + 16.0 + line.chars().count() as f64 * CHAR <= WIDTH - MARGIN);
        }
    }
}
