//! The record of a run: the machine, the Pythons, and the results file
//! every document's figures are rendered from.

use super::floors::{AgainstFloor, Bound, against_floors};
use super::measure::Measured;
use super::spec::{Better, CrateBench, FloorTarget, PeerProgram, Target};
use crate::stats::median;
use crate::workspace;
use serde_json::json;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

/// The machine, for the record: cores, CPU model, toolchains (the C
/// compiler's too), and the version of every peer the selected crates run.
pub(super) fn machine_description(
    selected: &[(CrateBench, workspace::Example)],
    pythons: &serde_json::Map<String, serde_json::Value>,
) -> serde_json::Value {
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
    let mut peers = serde_json::Map::new();
    for (spec, _) in selected {
        for peer in spec.peers {
            let version = match peer.program {
                PeerProgram::C(_) => format!("{c_compiler}, best of -O2 and -O3"),
                PeerProgram::Crate {
                    package, version, ..
                } => format!("{package} {version}"),
                // A Python peer is one of the packages the crate pins.
                PeerProgram::Python(_) => pythons[spec.name]["requirements"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|pin| pin.as_str())
                    .find(|pin| {
                        pin.to_lowercase()
                            .starts_with(&format!("{}==", peer.name.to_lowercase()))
                    })
                    .unwrap_or("unknown")
                    .to_string(),
            };
            peers.insert(peer.name.to_string(), json!(version));
        }
    }
    json!({
        "cores": cores,
        "cpu": cpu,
        "rustc": command_line_output("rustc", &["--version"]),
        "python": command_line_output("python3", &["--version"]),
        "c_compiler": c_compiler,
        "peers": peers,
    })
}

/// The Python a crate's side ran with: its path and its version, and for a
/// crate with a `requirements.txt`, the versions of the packages it pins
/// and of every package installed; or why the side was skipped.
pub(super) fn python_description(
    python: &std::result::Result<PathBuf, String>,
    example: &workspace::Example,
) -> serde_json::Value {
    match python {
        Err(reason) => json!({ "skipped": reason }),
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
            let requirements: Vec<&str> = packages
                .lines()
                .filter(|pin| {
                    pin.split_once("==")
                        .is_some_and(|(name, _)| pinned.contains(&name.to_lowercase()))
                })
                .collect();
            let mut description = json!({
                "interpreter": program,
                "version": command_line_output(&program, &["--version"]),
            });
            // A crate whose Python needs only the standard library has no
            // packages worth recording.
            if !pinned.is_empty() {
                description["requirements"] = json!(requirements);
                description["packages"] = json!(packages.lines().collect::<Vec<_>>());
            }
            description
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

/// The results file's contents: every row's figures, target and floor,
/// the machine and the bounds.
pub fn results_json(
    measured: &[Measured],
    bounds: &[Bound],
    machine: &serde_json::Value,
    runs: usize,
    quick: bool,
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
            let against = floors
                .iter()
                .find(|against| std::ptr::eq(against.row, row));
            let reachable = against.and_then(AgainstFloor::target_reachable);
            json!({
                "crate": row.crate_name,
                "workload": row.row.workload,
                "rust_key": row.row.rust_key,
                "reference_key": row.row.reference_key,
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
                // A target the floor does not allow is neither met nor missed.
                "met": if reachable == Some(false) { None } else { row.met() },
                "target_cap": reachable.and(against.and_then(|against| against.cap)),
                "target_reachable": reachable,
                "floor": against.map(|against| json!({
                    "name": against.name,
                    "value": against.value,
                    "unit": against.unit,
                    "per_round": row.floor,
                    "times_floor": against.times_floor,
                    "times_floor_per_round": against.per_round,
                    "under_floor_allowance": against.allowance(),
                    "beats_floor": against.beats_floor(),
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
    json!({ "machine": machine, "runs": runs, "quick": quick, "rows": rows, "lower_bounds": bounds })
}
