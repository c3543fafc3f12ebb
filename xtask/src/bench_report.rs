//! Running `cargo xtask bench` end to end, and reporting it: a table on
//! stdout, and `target/bench/results.json`, `results.md` and `ratios.svg`.

use crate::bench::{self, Better, Measured, Target, median, spread};
use crate::lower_bounds::{self, Bound};
use crate::workspace;
use anyhow::{Context, Result, ensure};
use plotters::prelude::*;
use serde_json::json;
use std::fs;
use std::path::Path;
use std::process::Command;

pub struct Options {
    pub names: Vec<String>,
    pub runs: usize,
    pub quick: bool,
    /// Install a crate's missing Python modules into `target/bench/venv`.
    pub python_setup: bool,
}

/// Builds in release mode, benches every selected crate and writes the
/// reports. Returns whether every row produced its figures; targets missed
/// are reported, never treated as a failure.
pub fn bench(options: &Options) -> Result<bool> {
    let root = workspace::root();
    let selected = bench::select(&root, &options.names)?;
    let metadata = workspace::metadata(&root)?;
    let target_dir = workspace::target_dir(&metadata)?;
    let examples: Vec<_> = selected
        .iter()
        .map(|(_, example)| example.clone())
        .collect();
    workspace::build(&root, &examples, true)?;
    crate::procs::become_subreaper().context("becoming a child subreaper")?;

    let runs = if options.quick {
        1
    } else {
        options.runs.max(1)
    };
    let mut measured = Vec::new();
    let mut pythons = serde_json::Map::new();
    let venv = target_dir.join("bench").join("venv");
    for (spec, example) in &selected {
        let binary = example.binary(&target_dir, "release");
        let python = bench::python_for(spec, example, &venv, options.python_setup);
        pythons.insert(spec.name.to_string(), python_description(&python));
        measured.extend(bench::bench_crate(
            spec,
            example,
            &binary,
            runs,
            options.quick,
            &python,
        )?);
    }
    eprintln!("bench: measuring this machine's lower bounds");
    let bounds = lower_bounds::measure(options.quick)?;

    let mut machine = machine_description();
    machine["python_per_crate"] = serde_json::Value::Object(pythons);
    print_table(&measured, &bounds, &machine, runs, options.quick);
    print_floors(&measured, &bounds);
    let out_dir = target_dir.join("bench");
    fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    fs::write(
        out_dir.join("results.json"),
        serde_json::to_string_pretty(&results_json(&measured, &bounds, &machine, runs, options))?,
    )?;
    fs::write(
        out_dir.join("results.md"),
        markdown_table(&measured, &bounds),
    )?;
    draw_chart(&measured, &out_dir.join("ratios.svg"))?;
    eprintln!(
        "bench: wrote results.json, results.md and ratios.svg in {}",
        out_dir.display()
    );

    // Every row has its figures, or says why its Python side was skipped.
    let complete = measured.iter().all(|row| {
        !row.rust.is_empty() && (row.python_skipped.is_some() || !row.python.is_empty())
    });
    ensure!(!measured.is_empty(), "no crate had a bench to run");
    Ok(complete)
}

/// The machine, for the record: cores, CPU model, date, toolchains (the C
/// compiler's too).
fn machine_description() -> serde_json::Value {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|line| {
                line.strip_prefix("model name")?
                    .split_once(':')
                    .map(|(_, model)| model.trim().to_string())
            })
        })
        .unwrap_or_else(|| "unknown".to_string());
    let cores = std::thread::available_parallelism()
        .map(|cores| cores.get())
        .unwrap_or(1);
    json!({
        "cores": cores,
        "cpu": cpu,
        "date": command_line_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        "rustc": command_line_output("rustc", &["--version"]),
        "python": command_line_output("python3", &["--version"]),
        "c_compiler": command_line_output("cc", &["--version"])
            .lines()
            .next()
            .unwrap_or("unknown")
            .to_string(),
    })
}

/// The Python a crate's side ran with: its path, its version and its
/// installed packages; or why the side was skipped.
fn python_description(
    python: &std::result::Result<std::path::PathBuf, String>,
) -> serde_json::Value {
    match python {
        Err(reason) => json!({ "skipped": reason }),
        Ok(python) => {
            let program = python.to_string_lossy();
            let packages = command_line_output(
                &program,
                &["-m", "pip", "freeze", "--disable-pip-version-check"],
            );
            json!({
                "interpreter": program,
                "version": command_line_output(&program, &["--version"]),
                "packages": packages.lines().collect::<Vec<_>>(),
            })
        }
    }
}

fn command_line_output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

/// A figure with its unit, compactly.
pub fn format_value(value: f64, unit: &str) -> String {
    match unit {
        "/s" if value >= 1e6 => format!("{:.2}M/s", value / 1e6),
        "/s" if value >= 1e3 => format!("{:.1}k/s", value / 1e3),
        "s" => format!("{value:.3} s"),
        "x" => format!("{value:.2}x"),
        "id" | "pages" => format!("{value:.0}"),
        "ms" => format!("{value:.2} ms"),
        _ => format!("{value:.1} {unit}"),
    }
}

/// "median (min–max)" of a list of figures.
fn summary(values: &[f64], unit: &str) -> String {
    match (median(values), spread(values)) {
        // The same every time (a count, a digest): just the value.
        (Some(middle), Some((low, high))) if low == high => format_value(middle, unit),
        (Some(middle), Some((low, high))) if values.len() > 1 => {
            format!(
                "{} ({}–{})",
                format_value(middle, unit),
                format_value(low, unit),
                format_value(high, unit)
            )
        }
        (Some(middle), _) => format_value(middle, unit),
        _ => "—".to_string(),
    }
}

fn target_text(target: Target, unit: &str) -> String {
    match target {
        Target::RatioAtLeast(ratio) => format!("≥ {ratio}x Python"),
        Target::RustAtLeast(floor) => format!("Rust ≥ {}", format_value(floor, unit)),
        Target::RustAtMost(ceiling) => format!("Rust ≤ {}", format_value(ceiling, unit)),
        Target::SameAsPython => "= Python".to_string(),
    }
}

fn met_text(row: &Measured) -> &'static str {
    match row.met() {
        Some(true) => "met",
        Some(false) => "NOT MET",
        None => "—",
    }
}

/// The cells of one table row: crate, workload, Rust, Python, ratio, target, met.
fn cells(row: &Measured) -> [String; 7] {
    let unit = row.row.unit;
    let ratio = summary(&row.ratios(), "x");
    [
        row.crate_name.to_string(),
        row.row.workload.to_string(),
        summary(&row.rust, unit),
        match &row.python_skipped {
            Some(reason) => format!("skipped: {reason}"),
            None => summary(&row.python, unit),
        },
        ratio,
        target_text(row.row.target, unit),
        met_text(row).to_string(),
    ]
}

fn print_table(
    measured: &[Measured],
    bounds: &[Bound],
    machine: &serde_json::Value,
    runs: usize,
    quick: bool,
) {
    println!();
    if quick {
        println!(
            "--quick: every workload once, at small sizes; the figures only prove that each row runs"
        );
    }
    println!(
        "{} cores, {}, {}; {runs} alternating pair(s) per crate; ratio = times better than Python, pair by pair",
        machine["cores"],
        machine["cpu"].as_str().unwrap_or("?"),
        machine["date"].as_str().unwrap_or("?")
    );
    let header = [
        "crate", "workload", "Rust", "Python", "ratio", "target", "met",
    ]
    .map(String::from);
    let rows: Vec<[String; 7]> = std::iter::once(header)
        .chain(measured.iter().map(cells))
        .collect();
    let widths: Vec<usize> = (0..7)
        .map(|column| {
            rows.iter()
                .map(|row| row[column].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
    println!();
    println!("lower bounds on this machine:");
    for bound in bounds {
        println!(
            "  {:<50} {}",
            bound.name,
            format_value(bound.value, bound.unit)
        );
    }
}

/// A row read against its floor: the bound, the Rust median's cost per
/// operation as a multiple of the bound's, and whether that is within the
/// row's floor target.
pub struct AgainstFloor<'a> {
    pub row: &'a Measured,
    pub bound: &'a Bound,
    pub times_floor: f64,
    pub at_most: Option<f64>,
}

impl AgainstFloor<'_> {
    /// `None` when the row has no floor target.
    pub fn met(&self) -> Option<bool> {
        self.at_most.map(|at_most| self.times_floor <= at_most)
    }
}

/// Every row that has a floor measured in this run, with its distance.
pub fn against_floors<'a>(measured: &'a [Measured], bounds: &'a [Bound]) -> Vec<AgainstFloor<'a>> {
    measured
        .iter()
        .filter_map(|row| {
            let floor = row.row.floor?;
            let bound = bounds.iter().find(|bound| bound.name == floor.bound)?;
            let rust = bench::cost_per_operation(median(&row.rust)?, row.row.unit)?;
            let best = bench::cost_per_operation(bound.value, bound.unit)?;
            Some(AgainstFloor {
                row,
                bound,
                times_floor: rust / best,
                at_most: floor.at_most,
            })
        })
        .collect()
}

fn floor_cells(against: &AgainstFloor<'_>) -> [String; 6] {
    [
        against.row.crate_name.to_string(),
        against.row.row.workload.to_string(),
        format!(
            "{} ({})",
            against.bound.name,
            format_value(against.bound.value, against.bound.unit)
        ),
        format!("{:.2}x", against.times_floor),
        against
            .at_most
            .map_or_else(|| "reported".to_string(), |at_most| format!("≤ {at_most}x")),
        match against.met() {
            Some(true) => "met".to_string(),
            Some(false) => "NOT MET".to_string(),
            None => "-".to_string(),
        },
    ]
}

fn print_floors(measured: &[Measured], bounds: &[Bound]) {
    let rows = against_floors(measured, bounds);
    if rows.is_empty() {
        return;
    }
    println!();
    println!("against this machine's floor (cost per operation, as a multiple of the bound's):");
    for against in &rows {
        println!("  {}", floor_cells(against).join("  "));
    }
}

fn markdown_table(measured: &[Measured], bounds: &[Bound]) -> String {
    let mut text = String::from(
        "| crate | workload | Rust | Python | ratio | target | met |\n|---|---|---|---|---|---|---|\n",
    );
    for row in measured {
        text.push_str(&format!("| {} |\n", cells(row).join(" | ")));
    }
    let floors = against_floors(measured, bounds);
    if !floors.is_empty() {
        text.push_str(
            "\n| crate | workload | floor | times the floor | target | met |\n|---|---|---|---|---|---|\n",
        );
        for against in &floors {
            text.push_str(&format!("| {} |\n", floor_cells(against).join(" | ")));
        }
    }
    text.push_str("\n| lower bound on this machine | figure |\n|---|---|\n");
    for bound in bounds {
        text.push_str(&format!(
            "| {} | {} |\n",
            bound.name,
            format_value(bound.value, bound.unit)
        ));
    }
    text
}

fn results_json(
    measured: &[Measured],
    bounds: &[Bound],
    machine: &serde_json::Value,
    runs: usize,
    options: &Options,
) -> serde_json::Value {
    let floors = against_floors(measured, bounds);
    let rows: Vec<serde_json::Value> = measured
        .iter()
        .map(|row| {
            let target = match row.row.target {
                Target::RatioAtLeast(ratio) => json!({ "ratio_at_least": ratio }),
                Target::RustAtLeast(floor) => json!({ "rust_at_least": floor }),
                Target::RustAtMost(ceiling) => json!({ "rust_at_most": ceiling }),
                Target::SameAsPython => json!({ "same_as_python": true }),
            };
            json!({
                "crate": row.crate_name,
                "workload": row.row.workload,
                "unit": row.row.unit,
                "lower_is_better": row.row.better == Better::Lower,
                "rust": row.rust,
                "python": row.python,
                "python_skipped": row.python_skipped,
                "ratios": row.ratios(),
                "rust_median": median(&row.rust),
                "python_median": median(&row.python),
                "ratio_median": median(&row.ratios()),
                "target": target,
                "met": row.met(),
                "floor": floors.iter().find(|against| std::ptr::eq(against.row, row)).map(|against| json!({
                    "bound": against.bound.name,
                    "times_floor": against.times_floor,
                    "at_most": against.at_most,
                    "met": against.met(),
                })),
            })
        })
        .collect();
    let bounds: Vec<serde_json::Value> = bounds
        .iter()
        .map(|bound| json!({ "name": bound.name, "value": bound.value, "unit": bound.unit }))
        .collect();
    json!({ "machine": machine, "runs": runs, "quick": options.quick, "rows": rows, "lower_bounds": bounds })
}

/// A horizontal bar per row: the median ratio, green when the target is met,
/// red when not, with a black mark at the ratio target where there is one.
fn draw_chart(measured: &[Measured], path: &Path) -> Result<()> {
    let bars: Vec<(String, f64, Option<f64>, bool)> = measured
        .iter()
        // A digest's "ratio" means nothing: it is equal or it is not.
        .filter(|row| row.row.target != Target::SameAsPython)
        .filter_map(|row| {
            let ratio = median(&row.ratios())?;
            let target = match row.row.target {
                Target::RatioAtLeast(ratio) => Some(ratio),
                Target::RustAtLeast(_) | Target::RustAtMost(_) | Target::SameAsPython => None,
            };
            Some((
                format!("{}: {}", row.crate_name, row.row.workload),
                ratio,
                target,
                row.met() == Some(true),
            ))
        })
        .collect();
    // The first row at the top: plotters counts segments from the bottom.
    let bars: Vec<_> = bars.into_iter().rev().collect();
    let height = 80 + 36 * bars.len().max(1) as u32;
    let root = SVGBackend::new(path, (1200, height)).into_drawing_area();
    root.fill(&WHITE).map_err(chart_error)?;
    let widest = bars
        .iter()
        .map(|bar| bar.1.max(bar.2.unwrap_or(0.0)))
        .fold(1.0, f64::max)
        * 1.1;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Rust vs Python: times better (bar), target (black mark)",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(520)
        // A segmented 0..n has n + 1 slots; n - 1 gives one slot per bar.
        .build_cartesian_2d(
            0.0..widest,
            (0..bars.len().saturating_sub(1)).into_segmented(),
        )
        .map_err(chart_error)?;
    chart
        .configure_mesh()
        .y_labels(bars.len().max(1))
        .y_label_formatter(&|value| match value {
            SegmentValue::CenterOf(index) => bars
                .get(*index)
                .map(|bar| bar.0.clone())
                .unwrap_or_default(),
            _ => String::new(),
        })
        .x_desc("times better than Python (median of the pairs)")
        .draw()
        .map_err(chart_error)?;
    chart
        .draw_series(bars.iter().enumerate().map(|(index, (_, ratio, _, met))| {
            let colour = if *met { GREEN.mix(0.6) } else { RED.mix(0.6) };
            Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(index)),
                    (*ratio, SegmentValue::Exact(index + 1)),
                ],
                colour.filled(),
            )
        }))
        .map_err(chart_error)?;
    chart
        .draw_series(
            bars.iter()
                .enumerate()
                .filter_map(|(index, (_, _, target, _))| {
                    let target = (*target)?;
                    Some(PathElement::new(
                        vec![
                            (target, SegmentValue::Exact(index)),
                            (target, SegmentValue::Exact(index + 1)),
                        ],
                        BLACK.stroke_width(3),
                    ))
                }),
        )
        .map_err(chart_error)?;
    root.present().map_err(chart_error)?;
    Ok(())
}

fn chart_error(error: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("drawing the chart: {error}")
}
