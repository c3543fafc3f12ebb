//! A bench run's results, as `cargo xtask bench` writes them and every
//! figure is rendered from.

use super::format::{format_value, met_text, summary};
use crate::model::{FloorTarget, Machine, Side, Skip, Target};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::Path;

/// The published results of the latest full run, relative to the root.
pub const RESULTS: &str = "docs/bench-results.json";
/// A bench run's results, as `cargo xtask bench` writes them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Results {
    pub machine: Machine,
    pub runs: usize,
    pub quick: bool,
    pub rows: Vec<RowResult>,
    pub lower_bounds: Vec<BoundResult>,
}

/// One row: Rust's figure in every round, its reference's, and what they
/// make.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RowResult {
    #[serde(rename = "crate")]
    pub crate_name: String,
    pub workload: String,
    pub rust_key: String,
    pub reference_key: String,
    pub unit: String,
    /// A smaller figure is the better one (a time, a size).
    pub lower_is_better: bool,
    pub rust: Vec<f64>,
    /// Who the row is measured against.
    pub reference_side: Side,
    pub reference: Vec<f64>,
    pub reference_skipped: Option<Skip>,
    /// How many times better Rust is, round by round.
    pub ratios: Vec<f64>,
    pub rust_median: Option<f64>,
    pub reference_median: Option<f64>,
    pub ratio_median: Option<f64>,
    pub target: Target,
    pub met: Option<bool>,
    /// The best the row's target could reach with Rust at its floor, in
    /// the target's terms, where the row has both.
    pub target_cap: Option<f64>,
    /// `Some(false)`: the floor does not allow the target on this machine,
    /// so it is neither met nor missed.
    pub target_reachable: Option<bool>,
    pub floor: Option<FloorResult>,
    pub floor_skipped: Option<Skip>,
    /// The Rust key of the row that counts the work both sides did
    /// ([`Row::same_work`](crate::model::Row::same_work)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_work: Option<String>,
    /// That row's medians, Rust's and the reference's, when they differ:
    /// this row then compares unequal work, and is neither met nor missed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unequal_work: Option<UnequalWork>,
}

/// The work two sides of a row did, when it differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnequalWork {
    pub rust: f64,
    pub reference: f64,
    /// Its unit: pages, say.
    pub unit: String,
}

pub use crate::model::RowKind;

/// A row read against the machine's floor.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FloorResult {
    pub name: String,
    pub value: f64,
    pub unit: String,
    /// The floor's figure in each round, where it is a figure of the
    /// rounds (empty for a bound of the machine, measured once).
    pub per_round: Vec<f64>,
    /// Rust's cost per operation as a multiple of the floor's.
    pub times_floor: f64,
    /// The same, round by round.
    pub times_floor_per_round: Vec<f64>,
    /// How far under the floor the row may measure and still be noise.
    pub under_floor_allowance: f64,
    /// Rust beat the floor by more than that: the run was not published.
    pub beats_floor: bool,
    pub share_of_floor_speed: f64,
    pub target: Option<FloorTarget>,
    pub met: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BoundResult {
    pub name: String,
    pub value: f64,
    pub unit: String,
}

impl Results {
    pub fn parse(text: &str) -> Result<Self> {
        let mut results: Self = serde_json::from_str(text).context("reading bench results")?;
        results.judge_work();
        Ok(results)
    }

    /// Takes the verdict from each row whose two sides did unequal work:
    /// where the row named by its `same_work` has different medians on
    /// its two sides. Run on every results built or read, so that a file
    /// written before a row had `same_work` is judged the same way.
    pub fn judge_work(&mut self) {
        let counts: Vec<_> = self
            .rows
            .iter()
            .map(|row| {
                (
                    row.crate_name.clone(),
                    row.rust_key.clone(),
                    row.reference_side.clone(),
                    row.rust_median,
                    row.reference_median,
                    row.unit.clone(),
                )
            })
            .collect();
        for row in &mut self.rows {
            let Some(key) = &row.same_work else { continue };
            let count = counts.iter().find(|(crate_name, rust_key, side, ..)| {
                *crate_name == row.crate_name && rust_key == key && *side == row.reference_side
            });
            if let Some((.., Some(rust), Some(reference), unit)) = count
                && rust != reference
            {
                row.unequal_work = Some(UnequalWork {
                    rust: *rust,
                    reference: *reference,
                    unit: unit.clone(),
                });
                row.met = None;
            }
        }
    }

    /// The committed results of the latest full run.
    pub fn published(root: &Path) -> Result<Self> {
        let path = root.join(RESULTS);
        let text = fs::read_to_string(&path).with_context(|| {
            format!(
                "reading {}; a full `cargo xtask bench --peers` writes it",
                path.display()
            )
        })?;
        Self::parse(&text).with_context(|| format!("in {}", path.display()))
    }
}

impl RowResult {
    /// What the row's figures are.
    pub fn kind(&self) -> RowKind {
        RowKind::of(self.target, &self.unit)
    }

    pub(super) fn target_text(&self) -> String {
        let against = &self.reference_side;
        match self.target {
            Target::RatioAtLeast(ratio) => format!("≥ {ratio}x {against}"),
            Target::RustAtLeast(at_least) => {
                format!("Rust ≥ {}", format_value(at_least, &self.unit))
            }
            Target::RustAtMost(at_most) => {
                format!("Rust ≤ {}", format_value(at_most, &self.unit))
            }
            Target::SameAsReference => format!("= {against}"),
            Target::Reported => "reported".to_string(),
        }
    }

    /// Whether the row has a target of its own to meet (a digest or a
    /// count that must equal its reference's is a check, not a target).
    pub(super) fn has_target(&self) -> bool {
        !matches!(self.target, Target::Reported | Target::SameAsReference)
    }

    /// The cells: crate, workload, Rust, reference, ratio, target, met.
    pub fn cells(&self) -> [String; 7] {
        let unit = &self.unit;
        [
            self.crate_name.clone(),
            self.workload.clone(),
            summary(&self.rust, unit),
            match &self.reference_skipped {
                Some(reason) => format!("{} skipped: {reason}", self.reference_side),
                None => format!("{} {}", self.reference_side, summary(&self.reference, unit)),
            },
            // A count is read beside its reference, not as a ratio: kills
            // against crawlers that lost Redis, say, divide to nothing.
            match self.kind() {
                RowKind::Count => "—".to_string(),
                _ => summary(&self.ratios, "x"),
            },
            self.target_text(),
            self.verdict_text(),
        ]
    }

    /// met, NOT MET, or why neither: a target its floor does not allow,
    /// or unequal work on the two sides.
    fn verdict_text(&self) -> String {
        if let Some(work) = &self.unequal_work {
            return format!(
                "not judged: unequal work (Rust {}, {} {} {})",
                format_value(work.rust, &work.unit),
                self.reference_side,
                format_value(work.reference, &work.unit),
                work.unit
            );
        }
        match (self.target_reachable, self.target_cap) {
            (Some(false), Some(cap)) => {
                let cap = match self.target {
                    Target::RatioAtLeast(_) => format!("{cap:.1}x"),
                    _ => format_value(cap, &self.unit),
                };
                format!("unreachable here: the floor allows {cap}")
            }
            _ => met_text(self.met).to_string(),
        }
    }

    /// Whether the floor rules the row's target out on this machine.
    pub fn unreachable(&self) -> bool {
        self.target_reachable == Some(false)
    }

    /// Whether the row has a target that this run cannot judge: one the
    /// floor rules out, or unequal work on the two sides.
    pub fn unjudged(&self) -> bool {
        self.unreachable() || self.unequal_work.is_some()
    }

    /// The cells of its floor: crate, workload, floor, times its cost,
    /// share of its speed, target, met.
    pub fn floor_cells(&self) -> Option<[String; 7]> {
        let floor = self.floor.as_ref()?;
        Some([
            self.crate_name.clone(),
            self.workload.clone(),
            format!(
                "{} ({})",
                floor.name,
                format_value(floor.value, &floor.unit)
            ),
            format!("{:.2}x", floor.times_floor),
            format!("{:.0}%", floor.share_of_floor_speed * 100.0),
            match floor.target {
                None => "reported".to_string(),
                Some(FloorTarget::CostAtMost(at_most)) => format!("≤ {at_most}x its cost"),
                Some(FloorTarget::SpeedAtLeast(fraction)) => {
                    format!("≥ {:.0}% of its speed", fraction * 100.0)
                }
            },
            met_text(floor.met).to_string(),
        ])
    }
}
