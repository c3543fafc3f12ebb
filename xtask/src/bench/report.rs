//! The record of a run: the machine, the Pythons, and the results every
//! document's figures are rendered from, in the types of
//! [`crate::figures`] and [`crate::model`], written with serde.

use super::floors::{AgainstFloor, Bound, against_floors};
use super::measure::Measured;
use super::spec::{Better, CrateBench, PeerProgram};
use crate::figures::{BoundResult, FloorResult, Results, RowResult};
use crate::model::{Machine, PythonUsed};
use crate::stats::median;
use crate::workspace;
use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

/// The machine, for the record: cores, CPU model, toolchains (the C
/// compiler's too), and the version of every peer the selected crates run.
/// The run's dates, command and Pythons are the caller's to fill in.
pub(super) fn machine_description(
    selected: &[(CrateBench, workspace::Example)],
    pythons: &BTreeMap<String, PythonUsed>,
) -> Machine {
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
    let c_compiler = command_line_output("cc", &["--version"])
        .lines()
        .next()
        .unwrap_or("unknown")
        .to_string();
    let mut peers = BTreeMap::new();
    for (spec, _) in selected {
        for peer in &spec.peers {
            let version = match &peer.program {
                PeerProgram::C(_) => format!("{c_compiler}, best of -O2 and -O3"),
                PeerProgram::Crate {
                    package, version, ..
                } => format!("{package} {version}"),
                // A Python peer is one of the packages the crate pins.
                PeerProgram::Python(_) => pythons
                    .get(&spec.name)
                    .map(PythonUsed::requirements)
                    .unwrap_or_default()
                    .iter()
                    .find(|pin| {
                        pin.to_lowercase()
                            .starts_with(&format!("{}==", peer.name.to_lowercase()))
                    })
                    .cloned()
                    .unwrap_or_else(|| "unknown".to_string()),
            };
            peers.insert(peer.name.clone(), version);
        }
    }
    Machine {
        cores,
        cpu,
        rustc: command_line_output("rustc", &["--version"]),
        python: command_line_output("python3", &["--version"]),
        c_compiler,
        peers,
        ..Machine::default()
    }
}

/// The Python a crate's side ran with: its path and its version, and for a
/// crate with a `requirements.txt`, the versions of the packages it pins
/// and of every package installed; or why the side was skipped.
pub(super) fn python_description(
    python: &std::result::Result<PathBuf, String>,
    example: &workspace::Example,
) -> PythonUsed {
    match python {
        Err(reason) => PythonUsed::Skipped {
            skipped: reason.clone(),
        },
        Ok(python) => {
            let program = python.to_string_lossy();
            let packages = command_line_output(
                &program,
                &["-m", "pip", "freeze", "--disable-pip-version-check"],
            );
            let pinned: Vec<String> = fs::read_to_string(example.dir.join("requirements.txt"))
                .unwrap_or_default()
                .lines()
                .filter_map(|line| {
                    let name = line.split(['=', '>', '<', '~', '[', ' ', '#']).next()?;
                    (!name.is_empty()).then(|| name.to_lowercase())
                })
                .collect();
            let requirements: Vec<String> = packages
                .lines()
                .filter(|pin| {
                    pin.split_once("==")
                        .is_some_and(|(name, _)| pinned.contains(&name.to_lowercase()))
                })
                .map(String::from)
                .collect();
            // A crate whose Python needs only the standard library has no
            // packages worth recording.
            let recorded = !pinned.is_empty();
            PythonUsed::Ran {
                interpreter: program.to_string(),
                version: command_line_output(&program, &["--version"]),
                requirements: recorded.then_some(requirements),
                packages: recorded.then(|| packages.lines().map(String::from).collect()),
            }
        }
    }
}

pub(super) fn command_line_output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

/// A run's results: every row's figures, target and floor, the machine
/// and the bounds.
pub fn results(
    measured: &[Measured],
    bounds: &[Bound],
    machine: Machine,
    runs: usize,
    quick: bool,
) -> Results {
    let floors = against_floors(measured, bounds);
    let rows = measured
        .iter()
        .map(|row| {
            let against = floors.iter().find(|against| std::ptr::eq(against.row, row));
            row_result(row, against)
        })
        .collect();
    let lower_bounds = bounds
        .iter()
        .map(|bound| BoundResult {
            name: bound.name.to_string(),
            value: bound.value,
            unit: bound.unit.to_string(),
        })
        .collect();
    let mut results = Results {
        machine,
        runs,
        quick,
        rows,
        lower_bounds,
    };
    results.judge_work();
    results
}

/// One row's record, read against its floor when it has one.
fn row_result(row: &Measured, against: Option<&AgainstFloor>) -> RowResult {
    let reachable = against.and_then(AgainstFloor::target_reachable);
    let ratios = row.ratios();
    RowResult {
        crate_name: row.crate_name.clone(),
        workload: row.row.workload.clone(),
        rust_key: row.row.rust_key.clone(),
        reference_key: row.row.reference_key.clone(),
        unit: row.row.unit.clone(),
        lower_is_better: row.row.better == Better::Lower,
        rust: row.rust.clone(),
        reference_side: row.row.against.clone(),
        reference: row.reference.clone(),
        reference_skipped: row.reference_skipped.clone(),
        rust_median: median(&row.rust),
        reference_median: median(&row.reference),
        ratio_median: median(&ratios),
        ratios,
        target: row.row.target,
        // A target the floor does not allow is neither met nor missed.
        met: if reachable == Some(false) {
            None
        } else {
            row.met()
        },
        target_cap: reachable.and(against.and_then(|against| against.cap)),
        target_reachable: reachable,
        floor: against.map(|against| FloorResult {
            name: against.name.to_string(),
            value: against.value,
            unit: against.unit.to_string(),
            per_round: row.floor.clone(),
            times_floor: against.times_floor,
            times_floor_per_round: against.per_round.clone(),
            under_floor_allowance: against.allowance(),
            beats_floor: against.beats_floor(),
            share_of_floor_speed: against.fraction(),
            target: against.target,
            met: against.met(),
        }),
        floor_skipped: row.floor_skipped.clone(),
        same_work: row.row.same_work.clone(),
        // Set by `Results::judge_work`, once every row is built.
        unequal_work: None,
    }
}
