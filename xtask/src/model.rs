//! The bench's one model of a row, below both the bench that measures it
//! and the figures that show it: `bench.toml` is read straight into these
//! types, and the results file carries the same ones, so a row means the
//! same thing from the file that names it to the page that shows it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Whether a smaller or a larger figure is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    Lower,
    Higher,
}

/// Who a figure comes from in a pair: the crate's own `bench`, its
/// `reference.py`, or one of its peers, by name. Written as that name:
/// `"Rust"`, `"Python"`, `"spider-rs"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum Side {
    Rust,
    Python,
    Peer(String),
}

impl Side {
    /// How the report names this side.
    pub fn label(&self) -> &str {
        match self {
            Side::Rust => "Rust",
            Side::Python => "Python",
            Side::Peer(name) => name,
        }
    }
}

impl From<String> for Side {
    fn from(name: String) -> Self {
        match name.as_str() {
            "Rust" => Side::Rust,
            "Python" => Side::Python,
            _ => Side::Peer(name),
        }
    }
}

impl From<Side> for String {
    fn from(side: Side) -> Self {
        side.label().to_string()
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What a row must reach. In `bench.toml` and in the results alike:
/// `{ ratio_at_least = 4.0 }`, `"same_as_reference"`, `"reported"`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// Rust at least this many times better than the row's reference.
    RatioAtLeast(f64),
    /// Rust's own figure at least this (for figures where higher is better).
    RustAtLeast(f64),
    /// Rust's own figure at most this (for figures where lower is better).
    RustAtMost(f64),
    /// Equal to the reference's in every round: a digest of the work both did.
    SameAsReference,
    /// Shown, with no target: the row is there for its floor, or to be read.
    Reported,
}

/// One compared figure: Rust's `rust_key` against `reference_key` printed
/// by `against` in the same round. `against` is Python, a peer, or Rust
/// itself, for two of Rust's own figures (a crawl with its frontier in
/// Redis against the same crawl in memory).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    pub workload: String,
    pub rust_key: String,
    pub against: Side,
    pub reference_key: String,
    pub unit: String,
    pub better: Better,
    pub target: Target,
    /// The floor this row is also read against, if any.
    #[serde(default)]
    pub floor: Option<Floor>,
    /// Measured only with `--scale`, once per bench rather than per round:
    /// a crawl of minutes.
    #[serde(default)]
    pub scale: bool,
    /// The Rust key of another row of the crate, against the same side,
    /// that counts the work both sides did (pages crawled, say): when its
    /// two figures differ, this row compares unequal work, and is neither
    /// met nor missed.
    #[serde(default)]
    pub same_work: Option<String>,
}

impl Row {
    /// What the row's figures are.
    pub fn kind(&self) -> RowKind {
        RowKind::of(self.target, &self.unit)
    }
}

/// A row's floor: the most this machine could do at the row's work,
/// measured in the same run, and how close Rust must come.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Floor {
    pub of: FloorOf,
    /// `None` reports the distance with no target.
    #[serde(default)]
    pub target: Option<FloorTarget>,
}

/// Where a floor's figure comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FloorOf {
    /// One of the machine's lower bounds, by its name, measured once after
    /// the crates.
    Bound(String),
    /// A figure that a side prints in every round, in the row's unit: C's
    /// time for the same loop, or a parse-only pass over the same pages.
    Figure {
        side: Side,
        key: String,
        name: String,
    },
}

/// How close to its floor a row must come.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FloorTarget {
    /// At most this many times the floor's cost per operation.
    CostAtMost(f64),
    /// At least this fraction of the floor's speed (1 / cost).
    SpeedAtLeast(f64),
}

impl FloorTarget {
    /// Whether Rust's cost per operation, as a multiple of the floor's,
    /// is within the target.
    pub fn met(self, times_floor: f64) -> bool {
        match self {
            FloorTarget::CostAtMost(at_most) => times_floor <= at_most,
            FloorTarget::SpeedAtLeast(fraction) => 1.0 / times_floor >= fraction,
        }
    }
}

/// What a row's figures are, and so how they are judged and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// Times better than its reference: a bar on a log axis.
    Ratio,
    /// Rust's own speedup on every core over one (unit `x`).
    Speedup,
    /// How many of something (pages, runs, kills, fetches): read side by
    /// side.
    Count,
    /// A figure that must equal its reference's: a digest, a count.
    Equality,
}

impl RowKind {
    /// The kind of a row with this target and unit.
    pub fn of(target: Target, unit: &str) -> Self {
        if target == Target::SameAsReference {
            RowKind::Equality
        } else if unit == "x" {
            RowKind::Speedup
        } else if matches!(
            unit,
            "pages" | "runs" | "id" | "kills" | "fetches" | "fetches per death"
        ) {
            RowKind::Count
        } else {
            RowKind::Ratio
        }
    }
}

/// Why a side of a row was not measured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum Skip {
    /// A row marked `scale`, in a run without `--scale`.
    ScaleNotAsked,
    /// A peer from crates.io, in a run without `--peers`.
    PeersNotAsked,
    /// The side could not run here: no Python, no C compiler, ….
    CannotRun(String),
}

/// Why a row marked `scale` is skipped without `--scale`.
pub const SCALE_NOT_ASKED: &str = "measured only with --scale (crawls of minutes)";

/// Why a crates.io peer is skipped without `--peers`.
pub const PEERS_NOT_ASKED: &str = "built only with --peers (cargo install takes minutes)";

impl Skip {
    /// Whether the run chose not to measure the side (which a `--strict`
    /// run does not count against it), rather than being unable to.
    pub fn not_asked(&self) -> bool {
        matches!(self, Skip::ScaleNotAsked | Skip::PeersNotAsked)
    }

    pub fn reason(&self) -> &str {
        match self {
            Skip::ScaleNotAsked => SCALE_NOT_ASKED,
            Skip::PeersNotAsked => PEERS_NOT_ASKED,
            Skip::CannotRun(reason) => reason,
        }
    }
}

impl From<String> for Skip {
    fn from(reason: String) -> Self {
        match reason.as_str() {
            SCALE_NOT_ASKED => Skip::ScaleNotAsked,
            PEERS_NOT_ASKED => Skip::PeersNotAsked,
            _ => Skip::CannotRun(reason),
        }
    }
}

impl From<Skip> for String {
    fn from(skip: Skip) -> Self {
        skip.reason().to_string()
    }
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

/// The machine a run was measured on, and how.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    pub cores: usize,
    pub cpu: String,
    pub rustc: String,
    pub python: String,
    pub c_compiler: String,
    /// Each peer's version, by its name.
    #[serde(default)]
    pub peers: BTreeMap<String, String>,
    /// When the run began and ended, in UTC.
    pub date: String,
    #[serde(default)]
    pub finished: String,
    /// The command that made the run.
    #[serde(default)]
    pub command: String,
    /// The Python each crate's side ran with.
    #[serde(default)]
    pub python_per_crate: BTreeMap<String, PythonUsed>,
}

/// The Python a crate's side ran with, or why it did not run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PythonUsed {
    Skipped {
        skipped: String,
    },
    Ran {
        interpreter: String,
        version: String,
        /// The packages its `requirements.txt` pins, as installed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        requirements: Option<Vec<String>>,
        /// Every package installed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        packages: Option<Vec<String>>,
    },
}

impl PythonUsed {
    /// The pinned packages it ran with; none for the standard library alone.
    pub fn requirements(&self) -> &[String] {
        match self {
            PythonUsed::Ran {
                requirements: Some(pins),
                ..
            } => pins,
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sides_and_skips_are_written_as_their_names() {
        for side in [Side::Rust, Side::Python, Side::Peer("spider-rs".into())] {
            let json = serde_json::to_string(&side).unwrap();
            assert_eq!(json, format!("\"{}\"", side.label()));
            assert_eq!(serde_json::from_str::<Side>(&json).unwrap(), side);
        }
        for skip in [
            Skip::ScaleNotAsked,
            Skip::PeersNotAsked,
            Skip::CannotRun("no python3".into()),
        ] {
            let json = serde_json::to_string(&skip).unwrap();
            assert_eq!(serde_json::from_str::<Skip>(&json).unwrap(), skip);
        }
        assert!(Skip::from(PEERS_NOT_ASKED.to_string()).not_asked());
    }

    #[test]
    fn a_target_reads_the_same_from_toml_and_json() {
        #[derive(Deserialize)]
        struct Holder {
            target: Target,
        }
        for (toml_text, target) in [
            (
                "target = { ratio_at_least = 4.0 }",
                Target::RatioAtLeast(4.0),
            ),
            ("target = \"same_as_reference\"", Target::SameAsReference),
            ("target = \"reported\"", Target::Reported),
        ] {
            let read: Holder = toml::from_str(toml_text).unwrap();
            assert_eq!(read.target, target);
            let json = serde_json::to_string(&target).unwrap();
            assert_eq!(serde_json::from_str::<Target>(&json).unwrap(), target);
        }
    }
}
