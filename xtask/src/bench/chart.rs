//! The benchmark chart, drawn from a run's results (the committed ones by
//! `cargo xtask render`, a fresh run's by `cargo xtask bench`), so that the
//! picture and the tables always show the same figures.

use crate::bench::median;
use crate::figures::{FloorTargetResult, Results, RowResult, TargetResult};
use anyhow::Result;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

/// One bar of the chart: a median, and the target to mark on it.
struct Bar {
    label: String,
    value: f64,
    target: Option<f64>,
    met: Option<bool>,
}

/// The chart as SVG text, in three panels, each bar green when its target
/// is met, red when not, blue when it has none, with a black mark at the
/// target:
/// - times better than Python, a peer or another Rust run, the median of the rounds, on a
///   log axis;
/// - Rust's speed as a share of this machine's floor's, with a line at 1;
/// - speedups on all cores against one (Rust's own figure), apart, since
///   they are not "times better than" anything.
pub fn svg(results: &Results) -> Result<String> {
    let is_speedup = |row: &RowResult| row.unit == "x";
    let ratios: Vec<Bar> = results
        .rows
        .iter()
        // A digest's "ratio" means nothing: it is equal or it is not.
        .filter(|row| {
            !matches!(row.target, Some(TargetResult::SameAsReference(_))) && !is_speedup(row)
        })
        .filter_map(|row| {
            // Peers are named; Python is the default, and the workloads say so.
            let against = match row.reference_side.as_str() {
                "Rust" | "Python" => String::new(),
                peer => format!(" ({peer})"),
            };
            Some(Bar {
                label: format!("{}: {}{against}", row.crate_name, row.workload),
                value: median(&row.ratios)?,
                target: match row.target {
                    Some(TargetResult::RatioAtLeast(ratio)) => Some(ratio),
                    _ => None,
                },
                met: row.met,
            })
        })
        .collect();
    let floors: Vec<Bar> = results
        .rows
        .iter()
        .filter_map(|row| {
            let floor = row.floor.as_ref()?;
            Some(Bar {
                label: format!(
                    "{}: {} (floor: {})",
                    row.crate_name, row.workload, floor.name
                ),
                value: floor.share_of_floor_speed,
                target: floor.target.map(|target| match target {
                    FloorTargetResult::CostAtMost(at_most) => 1.0 / at_most,
                    FloorTargetResult::SpeedAtLeast(fraction) => fraction,
                }),
                met: floor.met,
            })
        })
        .collect();
    let speedups: Vec<Bar> = results
        .rows
        .iter()
        .filter(|row| is_speedup(row))
        .filter_map(|row| {
            let reference = median(&row.reference)
                .map(|value| format!(", {} {value:.2}x", row.reference_side))
                .unwrap_or_default();
            Some(Bar {
                label: format!("{}: {}{reference}", row.crate_name, row.workload),
                value: median(&row.rust)?,
                target: match row.target {
                    Some(TargetResult::RustAtLeast(at_least)) => Some(at_least),
                    _ => None,
                },
                met: row.met,
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
    let mut text = String::new();
    {
        let root =
            SVGBackend::with_string(&mut text, (1400, heights.iter().sum())).into_drawing_area();
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
        // The backend writes the SVG into `text` when the last area that
        // holds it is dropped, at the end of this block.
    }
    Ok(text)
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
