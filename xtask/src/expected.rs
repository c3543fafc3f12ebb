//! Checks a program's stdout against an expected-output file.
//!
//! The file holds one pattern per output line:
//!
//! - An ordinary line must equal the output line, except that each `[..]` in it
//!   stands for any run of characters within that one line.
//! - A line that is exactly `...` stands for any number of output lines, none
//!   included.
//! - The lines between `[unordered]` and `[/unordered]` must match the same
//!   number of output lines, in any order, each pattern matching one line.
//!   Use it for lines printed by racing threads.
//! - A line that starts with `[os NAME] ` is a pattern only on that operating
//!   system (`std::env::consts::OS`: `linux`, `macos`, ...), and is skipped
//!   on the others. Use it where a demo prints what its OS does.
//!
//! Trailing white space and trailing blank lines are ignored on both sides.
//!
//! This file uses only `std`. The workspace's xtask owns the original, and each
//! example crate carries a byte-for-byte copy in `tests/support/`, so that a
//! crate copied out of the workspace still checks its own output. `cargo xtask
//! tidy` fails when a copy drifts from the original. We write this by hand
//! because snapbox, the usual library for output checks, can make a whole
//! snapshot unordered but not one block of it.

use std::fmt;

/// Where the output first stopped matching the expected file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// 1-based line in the expected file and its text, or `None` when the
    /// output went on after the expected file ended.
    pub expected: Option<(usize, String)>,
    /// 1-based line of the output and its text, or `None` when the output
    /// ended first or the expected file itself is malformed.
    pub actual: Option<(usize, String)>,
    /// Whether the problem is in the expected file rather than the output.
    pub malformed: bool,
    /// What went wrong, in a few words.
    pub reason: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.expected {
            Some((line, text)) => write!(f, "line {line}: {}: `{text}`", self.reason)?,
            None => write!(f, "{}", self.reason)?,
        }
        match (&self.actual, self.malformed) {
            (_, true) => Ok(()),
            (Some((line, text)), false) => write!(f, "; output line {line} is `{text}`"),
            (None, false) => write!(f, "; the output has no more lines"),
        }
    }
}

/// Compares `actual` output with the `expected` file text.
pub fn check(expected: &str, actual: &str) -> Result<(), Mismatch> {
    let items = parse(expected)?;
    let lines = normalized_lines(actual);
    let mut furthest = Furthest::default();
    if match_from(&items, 0, &lines, 0, &mut furthest) {
        return Ok(());
    }
    Err(furthest.into_mismatch(&items, &lines))
}

/// Checks that an expected-output file is well formed.
pub fn validate(expected: &str) -> Result<(), Mismatch> {
    parse(expected).map(|_| ())
}

/// One parsed piece of the expected file.
#[derive(Debug)]
enum Item {
    Line {
        file_line: usize,
        pattern: String,
    },
    AnyLines,
    Unordered {
        file_line: usize,
        patterns: Vec<(usize, String)>,
    },
}

fn normalized_lines(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    while lines.last() == Some(&"") {
        lines.pop();
    }
    lines
}

fn parse(expected: &str) -> Result<Vec<Item>, Mismatch> {
    let misplaced = |file_line: usize, line: &str, reason: &str| Mismatch {
        expected: Some((file_line, line.to_string())),
        actual: None,
        reason: reason.to_string(),
        malformed: true,
    };
    let mut items = Vec::new();
    // The open `[unordered]` block, if any: its first line and its patterns.
    let mut open_block: Option<(usize, Vec<(usize, String)>)> = None;
    for (index, line) in normalized_lines(expected).into_iter().enumerate() {
        let file_line = index + 1;
        let line = match for_os(line) {
            Some((os, rest)) if os == std::env::consts::OS => rest,
            Some(_) => continue,
            None => line,
        };
        match (line, open_block.take()) {
            ("[/unordered]", Some((start, patterns))) => {
                items.push(Item::Unordered {
                    file_line: start,
                    patterns,
                });
            }
            ("[unordered]" | "...", Some(_)) => {
                return Err(misplaced(
                    file_line,
                    line,
                    "blocks do not nest and cannot hold `...`",
                ));
            }
            (_, Some((start, mut patterns))) => {
                patterns.push((file_line, line.to_string()));
                open_block = Some((start, patterns));
            }
            ("[unordered]", None) => open_block = Some((file_line, Vec::new())),
            ("[/unordered]", None) => {
                return Err(misplaced(file_line, line, "this closes no block"));
            }
            ("...", None) => items.push(Item::AnyLines),
            (_, None) => items.push(Item::Line {
                file_line,
                pattern: line.to_string(),
            }),
        }
    }
    if let Some((start, _)) = open_block {
        return Err(misplaced(
            start,
            "[unordered]",
            "this block is never closed with [/unordered]",
        ));
    }
    Ok(items)
}

/// `("macos", "rest")` for a line `[os macos] rest`.
fn for_os(line: &str) -> Option<(&str, &str)> {
    let (os, rest) = line.strip_prefix("[os ")?.split_once("] ")?;
    (!os.is_empty() && os.bytes().all(|byte| byte.is_ascii_alphanumeric())).then_some((os, rest))
}

/// Whether `text` matches `pattern`, where each `[..]` stands for any run of
/// characters. With only this one kind of wildcard, taking the leftmost place
/// for each literal piece is always right, so no backtracking is needed.
pub fn line_matches(pattern: &str, text: &str) -> bool {
    let mut pieces = pattern.split("[..]");
    // `split` always yields at least one piece.
    let first = pieces.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let mut middle: Vec<&str> = pieces.collect();
    let Some(last) = middle.pop() else {
        // No wildcard at all: the whole line must have been the prefix.
        return rest.is_empty();
    };
    for piece in middle {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// The deepest point the search reached before failing, for the error message.
#[derive(Default)]
struct Furthest {
    item: usize,
    line: usize,
    reason: &'static str,
    /// For an unordered block: which pattern found no partner.
    pattern_line: Option<(usize, String)>,
}

impl Furthest {
    fn record(
        &mut self,
        item: usize,
        line: usize,
        reason: &'static str,
        pattern: Option<(usize, String)>,
    ) {
        if (item, line) >= (self.item, self.line) {
            *self = Furthest {
                item,
                line,
                reason,
                pattern_line: pattern,
            };
        }
    }

    fn into_mismatch(self, items: &[Item], lines: &[&str]) -> Mismatch {
        let expected = match (self.pattern_line, items.get(self.item)) {
            (Some(pattern), _) => Some(pattern),
            (None, Some(Item::Line { file_line, pattern })) => Some((*file_line, pattern.clone())),
            (None, Some(Item::Unordered { file_line, .. })) => {
                Some((*file_line, "[unordered]".to_string()))
            }
            (None, Some(Item::AnyLines) | None) => None,
        };
        Mismatch {
            expected,
            actual: lines
                .get(self.line)
                .map(|text| (self.line + 1, text.to_string())),
            reason: self.reason.to_string(),
            malformed: false,
        }
    }
}

fn match_from(
    items: &[Item],
    item: usize,
    lines: &[&str],
    line: usize,
    furthest: &mut Furthest,
) -> bool {
    let Some(current) = items.get(item) else {
        if line == lines.len() {
            return true;
        }
        furthest.record(
            item,
            line,
            "the output goes on after the expected file ends",
            None,
        );
        return false;
    };
    match current {
        Item::Line { pattern, .. } => {
            if lines
                .get(line)
                .is_some_and(|text| line_matches(pattern, text))
            {
                return match_from(items, item + 1, lines, line + 1, furthest);
            }
            furthest.record(item, line, "expected", None);
            false
        }
        Item::AnyLines => (line..=lines.len())
            .any(|skip_to| match_from(items, item + 1, lines, skip_to, furthest)),
        Item::Unordered { patterns, .. } => {
            let end = line + patterns.len();
            if end > lines.len() {
                furthest.record(
                    item,
                    line,
                    "too few output lines for the unordered block",
                    None,
                );
                return false;
            }
            match unmatched_pattern(patterns, &lines[line..end]) {
                None => match_from(items, item + 1, lines, end, furthest),
                Some(missing) => {
                    let pattern = patterns[missing].clone();
                    furthest.record(
                        item,
                        line,
                        "no line of the unordered block matches",
                        Some(pattern),
                    );
                    false
                }
            }
        }
    }
}

/// Pairs every pattern with a distinct line (bipartite matching, Kuhn's
/// algorithm). Returns the index of a pattern left without a partner, if any.
fn unmatched_pattern(patterns: &[(usize, String)], lines: &[&str]) -> Option<usize> {
    let mut owner_of_line: Vec<Option<usize>> = vec![None; lines.len()];
    for pattern in 0..patterns.len() {
        let mut visited = vec![false; lines.len()];
        if !assign(pattern, patterns, lines, &mut owner_of_line, &mut visited) {
            return Some(pattern);
        }
    }
    None
}

fn assign(
    pattern: usize,
    patterns: &[(usize, String)],
    lines: &[&str],
    owner_of_line: &mut [Option<usize>],
    visited: &mut [bool],
) -> bool {
    for (line, text) in lines.iter().enumerate() {
        if visited[line] || !line_matches(&patterns[pattern].1, text) {
            continue;
        }
        visited[line] = true;
        let free = match owner_of_line[line] {
            None => true,
            Some(other) => assign(other, patterns, lines, owner_of_line, visited),
        };
        if free {
            owner_of_line[line] = Some(pattern);
            return true;
        }
    }
    false
}
