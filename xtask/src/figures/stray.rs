//! The tidy rule that keeps measured figures inside the blocks.

use super::blocks::{CLOSE, OPEN};

/// Units a measured figure carries. `x` and `%` must follow the number
/// directly ("4 x workers" is a product, not a ratio); `ms` and `s` count
/// only with a decimal point, since whole milliseconds are the settings of
/// the workloads (50 ms of latency, a 200 ms timeout), not measurements.
pub(super) const UNITS: [&str; 13] = [
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
pub(super) const NOT_MEASURED: [(&str, &str); 2] = [
    // 113 pages, 16 at a time, 50 ms each: 8 rounds, so 282.5 pages/s.
    ("BENCHMARKS.md", "so 282.5 pages a second (88% of the ideal"),
    (
        "crates/web-scraper/README.md",
        "so no client can pass 282.5 pages a second, 88% of the",
    ),
];

/// The measured-looking figures of one line: a number followed by a unit.
pub(super) fn figures_in(line: &str) -> Vec<String> {
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
pub(super) fn names_a_date(heading: &str) -> bool {
    heading.as_bytes().windows(10).any(|window| {
        window.iter().enumerate().all(|(at, byte)| match at {
            4 | 7 => *byte == b'-',
            _ => byte.is_ascii_digit(),
        })
    })
}
