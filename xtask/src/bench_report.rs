//! Running `cargo xtask bench` end to end, and reporting it: a table on
//! stdout, and `target/bench/results.json`, `results.md` and `ratios.svg`.

use crate::bench::{self, Better, FloorOf, FloorTarget, Measured, Side, Target, median, spread};
use crate::lower_bounds::{self, Bound};
use crate::workspace;
use anyhow::{Context, Result, ensure};
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
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
    /// A skipped side or floor fails the run (CI), rather than being shown
    /// with its reason; a peer built only with `peers` is not counted.
    pub strict: bool,
    /// Build and run the peers that are crates (spider-rs), which takes
    /// minutes.
    pub peers: bool,
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
    let c_dir = target_dir.join("bench").join("c");
    let crates_dir = target_dir.join("bench").join("peers");
    let peer_dirs = bench::PeerDirs {
        c: &c_dir,
        crates: options.peers.then_some(crates_dir.as_path()),
    };
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
            &peer_dirs,
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
    draw_chart(&measured, &bounds, &out_dir.join("ratios.svg"))?;
    eprintln!(
        "bench: wrote results.json, results.md and ratios.svg in {}",
        out_dir.display()
    );

    // Every row has its figures, or says why a side was skipped.
    let complete = measured.iter().all(|row| {
        let floor_complete = match row.row.floor.map(|floor| floor.of) {
            Some(FloorOf::Figure { .. }) => row.floor_skipped.is_some() || !row.floor.is_empty(),
            _ => true,
        };
        // A row against a peer that was skipped may have no Rust figure
        // either: spider-rs runs inside the Rust side's run.
        let rust_complete = !row.rust.is_empty()
            || (row.reference_skipped.is_some() && matches!(row.row.against, bench::Side::Peer(_)));
        rust_complete
            && (row.reference_skipped.is_some() || !row.reference.is_empty())
            && floor_complete
    });
    let skipped: Vec<String> = measured
        .iter()
        .flat_map(|row| {
            [&row.reference_skipped, &row.floor_skipped]
                .into_iter()
                .flatten()
                .filter(|reason| *reason != bench::PEERS_NOT_ASKED)
                .map(|reason| format!("{}: {}: {reason}", row.crate_name, row.row.workload))
        })
        .collect();
    if options.strict && !skipped.is_empty() {
        for skip in &skipped {
            eprintln!("bench: --strict: skipped: {skip}");
        }
        return Ok(false);
    }
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

fn target_text(row: &bench::Row) -> String {
    let against = row.against.label();
    match row.target {
        Target::RatioAtLeast(ratio) => format!("≥ {ratio}x {against}"),
        Target::RustAtLeast(floor) => format!("Rust ≥ {}", format_value(floor, row.unit)),
        Target::RustAtMost(ceiling) => format!("Rust ≤ {}", format_value(ceiling, row.unit)),
        Target::SameAsReference => format!("= {against}"),
        Target::Reported => "reported".to_string(),
    }
}

fn met_text(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "NOT MET",
        None => "—",
    }
}

/// The cells of one table row: crate, workload, Rust, reference, ratio,
/// target, met.
fn cells(row: &Measured) -> [String; 7] {
    let unit = row.row.unit;
    let ratio = summary(&row.ratios(), "x");
    [
        row.crate_name.to_string(),
        row.row.workload.to_string(),
        summary(&row.rust, unit),
        match &row.reference_skipped {
            Some(reason) => format!("{} skipped: {reason}", row.row.against.label()),
            None => format!(
                "{} {}",
                row.row.against.label(),
                summary(&row.reference, unit)
            ),
        },
        ratio,
        target_text(&row.row),
        met_text(row.met()).to_string(),
    ]
}

/// Rows of cells in columns as wide as their widest cell.
fn print_aligned(rows: &[[String; 7]]) {
    let widths: Vec<usize> = (0..7)
        .map(|column| {
            rows.iter()
                .map(|row| row[column].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
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
        "{} cores, {}, {}; {runs} alternating round(s) per crate; ratio = times better than the reference (Python, a peer, or another Rust run), round by round",
        machine["cores"],
        machine["cpu"].as_str().unwrap_or("?"),
        machine["date"].as_str().unwrap_or("?")
    );
    let header = [
        "crate",
        "workload",
        "Rust",
        "reference",
        "ratio",
        "target",
        "met",
    ]
    .map(String::from);
    print_aligned(
        &std::iter::once(header)
            .chain(measured.iter().map(cells))
            .collect::<Vec<_>>(),
    );
    println!();
    println!("lower bounds on this machine:");
    for bound in bounds {
        println!(
            "  {:<58} {}",
            bound.name,
            format_value(bound.value, bound.unit)
        );
    }
}

/// A row read against its floor: the floor's name and figure, Rust's cost
/// per operation as a multiple of the floor's, and whether that is within
/// the row's floor target.
pub struct AgainstFloor<'a> {
    pub row: &'a Measured,
    pub name: &'a str,
    /// The floor's figure (the median of the rounds, for a figure of the
    /// rounds), in `unit`.
    pub value: f64,
    pub unit: &'a str,
    /// The median, round by round where the floor is a figure of the
    /// rounds, of Rust's cost over the floor's.
    pub times_floor: f64,
    pub target: Option<FloorTarget>,
}

impl AgainstFloor<'_> {
    /// `None` when the row has no floor target.
    pub fn met(&self) -> Option<bool> {
        self.target.map(|target| target.met(self.times_floor))
    }

    /// Rust's speed as a fraction of the floor's.
    pub fn fraction(&self) -> f64 {
        1.0 / self.times_floor
    }
}

/// Every row that has a floor measured in this run, with its distance.
pub fn against_floors<'a>(measured: &'a [Measured], bounds: &'a [Bound]) -> Vec<AgainstFloor<'a>> {
    let cost = bench::cost_per_operation;
    measured
        .iter()
        .filter_map(|row| {
            let floor = row.row.floor?;
            let unit = row.row.unit;
            let (name, value, unit, times_floor) = match floor.of {
                FloorOf::Bound(name) => {
                    let bound = bounds.iter().find(|bound| bound.name == name)?;
                    let times = cost(median(&row.rust)?, unit)? / cost(bound.value, bound.unit)?;
                    (bound.name, bound.value, bound.unit, times)
                }
                FloorOf::Figure { name, .. } => {
                    let times: Option<Vec<f64>> = row
                        .rust
                        .iter()
                        .zip(&row.floor)
                        .map(|(&rust, &floor)| Some(cost(rust, unit)? / cost(floor, unit)?))
                        .collect();
                    (name, median(&row.floor)?, unit, median(&times?)?)
                }
            };
            Some(AgainstFloor {
                row,
                name,
                value,
                unit,
                times_floor,
                target: floor.target,
            })
        })
        .collect()
}

fn floor_target_text(target: Option<FloorTarget>) -> String {
    match target {
        None => "reported".to_string(),
        Some(FloorTarget::CostAtMost(at_most)) => format!("≤ {at_most}x its cost"),
        Some(FloorTarget::SpeedAtLeast(fraction)) => {
            format!("≥ {:.0}% of its speed", fraction * 100.0)
        }
    }
}

fn floor_cells(against: &AgainstFloor<'_>) -> [String; 7] {
    [
        against.row.crate_name.to_string(),
        against.row.row.workload.to_string(),
        format!(
            "{} ({})",
            against.name,
            format_value(against.value, against.unit)
        ),
        format!("{:.2}x", against.times_floor),
        format!("{:.0}%", against.fraction() * 100.0),
        floor_target_text(against.target),
        met_text(against.met()).to_string(),
    ]
}

/// The rows whose floor could not be measured in this run, with why.
fn floors_skipped(measured: &[Measured]) -> Vec<String> {
    measured
        .iter()
        .filter_map(|row| {
            let reason = row.floor_skipped.as_ref()?;
            Some(format!(
                "{}: {}: floor skipped: {reason}",
                row.crate_name, row.row.workload
            ))
        })
        .collect()
}

fn print_floors(measured: &[Measured], bounds: &[Bound]) {
    let rows = against_floors(measured, bounds);
    if rows.is_empty() && floors_skipped(measured).is_empty() {
        return;
    }
    println!();
    println!(
        "against this machine's floor (Rust's cost per operation as a multiple of the floor's, and its speed as a share of the floor's):"
    );
    let header = [
        "crate",
        "workload",
        "floor",
        "times its cost",
        "share of its speed",
        "target",
        "met",
    ]
    .map(String::from);
    print_aligned(
        &std::iter::once(header)
            .chain(rows.iter().map(floor_cells))
            .collect::<Vec<_>>(),
    );
    for skipped in floors_skipped(measured) {
        println!("  {skipped}");
    }
}

fn markdown_table(measured: &[Measured], bounds: &[Bound]) -> String {
    let mut text = String::from(
        "| crate | workload | Rust | reference | ratio | target | met |\n|---|---|---|---|---|---|---|\n",
    );
    for row in measured {
        text.push_str(&format!("| {} |\n", cells(row).join(" | ")));
    }
    let floors = against_floors(measured, bounds);
    if !floors.is_empty() {
        text.push_str(
            "\n| crate | workload | floor | times its cost | share of its speed | target | met |\n|---|---|---|---|---|---|---|\n",
        );
        for against in &floors {
            text.push_str(&format!("| {} |\n", floor_cells(against).join(" | ")));
        }
    }
    for skipped in floors_skipped(measured) {
        text.push_str(&format!("\n{skipped}\n"));
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
                Target::SameAsReference => json!({ "same_as_reference": true }),
                Target::Reported => json!(null),
            };
            json!({
                "crate": row.crate_name,
                "workload": row.row.workload,
                "unit": row.row.unit,
                "lower_is_better": row.row.better == Better::Lower,
                "rust": row.rust,
                "reference_side": row.row.against.label(),
                "reference": row.reference,
                "reference_skipped": row.reference_skipped,
                "ratios": row.ratios(),
                "rust_median": median(&row.rust),
                "reference_median": median(&row.reference),
                "ratio_median": median(&row.ratios()),
                "target": target,
                "met": row.met(),
                "floor": floors.iter().find(|against| std::ptr::eq(against.row, row)).map(|against| json!({
                    "name": against.name,
                    "value": against.value,
                    "unit": against.unit,
                    "per_round": row.floor,
                    "times_floor": against.times_floor,
                    "share_of_floor_speed": against.fraction(),
                    "target": against.target.map(|target| match target {
                        FloorTarget::CostAtMost(at_most) => json!({ "cost_at_most": at_most }),
                        FloorTarget::SpeedAtLeast(fraction) => json!({ "speed_at_least": fraction }),
                    }),
                    "met": against.met(),
                })),
                "floor_skipped": row.floor_skipped,
            })
        })
        .collect();
    let bounds: Vec<serde_json::Value> = bounds
        .iter()
        .map(|bound| json!({ "name": bound.name, "value": bound.value, "unit": bound.unit }))
        .collect();
    json!({ "machine": machine, "runs": runs, "quick": options.quick, "rows": rows, "lower_bounds": bounds })
}

/// One bar of the chart: a median, and the target to mark on it.
struct Bar {
    label: String,
    value: f64,
    target: Option<f64>,
    met: Option<bool>,
}

/// The chart, in three panels, each bar green when its target
/// is met, red when not, blue when it has none, with a black mark at the
/// target:
/// - times better than Python, a peer or another Rust run, the median of the rounds, on a
///   log axis;
/// - Rust's speed as a share of this machine's floor's, with a line at 1;
/// - speedups on all cores against one (Rust's own figure), apart, since
///   they are not "times better than" anything.
fn draw_chart(measured: &[Measured], bounds: &[Bound], path: &Path) -> Result<()> {
    let is_speedup = |row: &Measured| row.row.unit == "x";
    let ratios: Vec<Bar> = measured
        .iter()
        // A digest's "ratio" means nothing: it is equal or it is not.
        .filter(|row| row.row.target != Target::SameAsReference && !is_speedup(row))
        .filter_map(|row| {
            // Peers are named; Python is the default, and the workloads say so.
            let against = match row.row.against {
                Side::Peer(name) => format!(" ({name})"),
                Side::Rust | Side::Python => String::new(),
            };
            Some(Bar {
                label: format!("{}: {}{against}", row.crate_name, row.row.workload),
                value: median(&row.ratios())?,
                target: match row.row.target {
                    Target::RatioAtLeast(ratio) => Some(ratio),
                    _ => None,
                },
                met: row.met(),
            })
        })
        .collect();
    let floors: Vec<Bar> = against_floors(measured, bounds)
        .iter()
        .map(|against| Bar {
            label: format!(
                "{}: {} (floor: {})",
                against.row.crate_name, against.row.row.workload, against.name
            ),
            value: against.fraction(),
            target: against.target.map(|target| match target {
                FloorTarget::CostAtMost(at_most) => 1.0 / at_most,
                FloorTarget::SpeedAtLeast(fraction) => fraction,
            }),
            met: against.met(),
        })
        .collect();
    let speedups: Vec<Bar> = measured
        .iter()
        .filter(|row| is_speedup(row))
        .filter_map(|row| {
            let reference = median(&row.reference)
                .map(|value| format!(", {} {value:.2}x", row.row.against.label()))
                .unwrap_or_default();
            Some(Bar {
                label: format!("{}: {}{reference}", row.crate_name, row.row.workload),
                value: median(&row.rust)?,
                target: match row.row.target {
                    Target::RustAtLeast(at_least) => Some(at_least),
                    _ => None,
                },
                met: row.met(),
            })
        })
        .collect();
    let panels = [
        (
            "Times better than Python, a peer, or another Rust run (log axis)",
            "times better, median of the rounds",
            ratios,
            false,
        ),
        (
            "Speed as a share of this machine's floor, measured in the same run (1 = the floor)",
            "Rust's speed / the floor's",
            floors,
            true,
        ),
        (
            "Speedup on all cores over one (1 = no speedup)",
            "Rust's speedup",
            speedups,
            true,
        ),
    ];
    let heights: Vec<u32> = panels
        .iter()
        .map(|panel| 90 + 26 * panel.2.len().max(1) as u32)
        .collect();
    let root = SVGBackend::new(path, (1400, heights.iter().sum())).into_drawing_area();
    root.fill(&WHITE).map_err(chart_error)?;
    let mut rest = root;
    for (index, ((title, x_desc, bars, mark_one), height)) in
        panels.iter().zip(&heights).enumerate()
    {
        let (area, below) = rest.split_vertically(*height);
        let (low, high) = extent(bars, *mark_one);
        // Ratios span three decades: a log axis. Shares of a floor and
        // speedups sit within a few times 1: a linear one from 0 reads best.
        if index == 0 {
            draw_panel(
                &area,
                title,
                x_desc,
                bars,
                *mark_one,
                (low..high).log_scale(),
                low,
            )?;
        } else {
            draw_panel(&area, title, x_desc, bars, *mark_one, 0.0..high, 0.0)?;
        }
        rest = below;
    }
    Ok(())
}

/// The range an axis must show: every bar and target, and 1 where marked,
/// with room on both sides.
fn extent(bars: &[Bar], mark_one: bool) -> (f64, f64) {
    let values = bars
        .iter()
        .flat_map(|bar| [Some(bar.value), bar.target])
        .flatten()
        .chain(mark_one.then_some(1.0))
        .filter(|value| *value > 0.0);
    let (low, high) = values.fold((1.0f64, 1.0f64), |(low, high), value| {
        (low.min(value), high.max(value))
    });
    (low / 1.6, high * 1.25)
}

/// One panel: a bar per row from `base`, on the x axis `x`.
fn draw_panel<X>(
    area: &DrawingArea<SVGBackend, plotters::coord::Shift>,
    title: &str,
    x_desc: &str,
    bars: &[Bar],
    mark_one: bool,
    x: X,
    base: f64,
) -> Result<()>
where
    X: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
{
    // The first bar at the top: plotters counts segments from the bottom.
    let bars: Vec<&Bar> = bars.iter().rev().collect();
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 17))
        .margin(10)
        .x_label_area_size(34)
        .y_label_area_size(760)
        // A segmented 0..n has n + 1 slots; n - 1 gives one slot per bar
        // (and a lone bar two slots, as 0..0 draws nothing).
        .build_cartesian_2d(x, (0..bars.len().max(2) - 1).into_segmented())
        .map_err(chart_error)?;
    chart
        .configure_mesh()
        .y_labels(bars.len().max(1))
        .y_label_formatter(&|value| match value {
            SegmentValue::CenterOf(index) => bars
                .get(*index)
                .map(|bar| bar.label.clone())
                .unwrap_or_default(),
            _ => String::new(),
        })
        .x_labels(8)
        .x_label_formatter(&|value| format!("{value:.2}x"))
        .label_style(("sans-serif", 13))
        .x_desc(x_desc)
        .draw()
        .map_err(chart_error)?;
    chart
        .draw_series(bars.iter().enumerate().map(|(index, bar)| {
            let colour = match bar.met {
                Some(true) => GREEN.mix(0.6),
                Some(false) => RED.mix(0.6),
                None => BLUE.mix(0.4),
            };
            Rectangle::new(
                [
                    (base, SegmentValue::Exact(index)),
                    (bar.value, SegmentValue::Exact(index + 1)),
                ],
                colour.filled(),
            )
        }))
        .map_err(chart_error)?;
    let mark = |value: f64, index: usize, style: ShapeStyle| {
        PathElement::new(
            vec![
                (value, SegmentValue::Exact(index)),
                (value, SegmentValue::Exact(index + 1)),
            ],
            style,
        )
    };
    chart
        .draw_series(
            bars.iter()
                .enumerate()
                .filter_map(|(index, bar)| Some(mark(bar.target?, index, BLACK.stroke_width(3)))),
        )
        .map_err(chart_error)?;
    if mark_one && !bars.is_empty() {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![
                    (1.0, SegmentValue::Exact(0)),
                    (1.0, SegmentValue::Exact(bars.len())),
                ],
                BLACK.mix(0.5).stroke_width(1),
            )))
            .map_err(chart_error)?;
    }
    Ok(())
}

fn chart_error(error: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("drawing the chart: {error}")
}
