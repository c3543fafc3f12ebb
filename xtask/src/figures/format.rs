//! Figures as text: a value with its unit, a run's median and range, a
//! verdict, and tables of cells.

/// A figure with its unit, compactly.
pub fn format_value(value: f64, unit: &str) -> String {
    match unit {
        "/s" if value >= 1e6 => format!("{:.2}M/s", value / 1e6),
        "/s" if value >= 1e4 => format!("{:.1}k/s", value / 1e3),
        // Below ten thousand, every digit of the whole number: 1518, not 1.5k.
        "/s" if value >= 1e3 => format!("{value:.0} /s"),
        "s" => format!("{value:.3} s"),
        "x" => format!("{value:.2}x"),
        "id" | "pages" | "increments" | "tasks" | "workers" => format!("{value:.0}"),
        // Whole things: a median of whole numbers over an odd count of
        // rounds is one of them.
        "kills" | "runs" | "fetches" => {
            let one = match unit {
                "kills" => "kill",
                "runs" => "run",
                _ => "fetch",
            };
            format!("{value:.0} {}", if value == 1.0 { one } else { unit })
        }
        "ms" => format!("{value:.2} ms"),
        _ => format!("{value:.1} {unit}"),
    }
}

/// "median (lowest–highest)" of a list of figures.
pub fn summary(values: &[f64], unit: &str) -> String {
    use crate::stats::{median, spread};
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

pub const ROW_HEADER: [&str; 7] = [
    "crate",
    "workload",
    "Rust",
    "reference",
    "ratio",
    "target",
    "met",
];
pub const FLOOR_HEADER: [&str; 7] = [
    "crate",
    "workload",
    "floor",
    "times its cost",
    "share of its speed",
    "target",
    "met",
];

pub fn markdown_table(header: &[&str; 7], rows: impl Iterator<Item = [String; 7]>) -> String {
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
