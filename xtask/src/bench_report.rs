//! Running `cargo xtask bench` end to end, and reporting it: a table on
//! stdout, and `target/bench/results.json`, `results.md` and `ratios.svg`.
//! A full run also publishes its results to `docs/bench-results.json` and
//! renders every document's figures from them (see [`figures`]).

use crate::bench::{self, Better, FloorOf, FloorTarget, Measured, PeerProgram, Target, median};
use crate::figures::{self, Results};
use crate::lower_bounds::{self, Bound};
use crate::{chart, workspace};
use anyhow::{Context, Result, ensure};
use serde_json::json;
use std::fs;
use std::path::{Path, PathBuf};
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
    let started = utc_now();
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
        pythons.insert(spec.name.to_string(), python_description(&python, example));
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

    let mut machine = machine_description(&selected, &pythons);
    machine["date"] = json!(started);
    machine["finished"] = json!(utc_now());
    machine["command"] = json!(command_line(options));
    machine["python_per_crate"] = serde_json::Value::Object(pythons);
    let json = results_json(&measured, &bounds, &machine, runs, options);
    // No path of this machine goes into results that may be committed.
    let text = without_local_paths(&serde_json::to_string_pretty(&json)?, &root, &target_dir);
    let results = Results::parse(&text)?;
    println!();
    print!("{}", figures::text_report(&results));
    let out_dir = target_dir.join("bench");
    fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    fs::write(out_dir.join("results.json"), &text)?;
    fs::write(
        out_dir.join("results.md"),
        figures::markdown_report(&results),
    )?;
    fs::write(out_dir.join("ratios.svg"), chart::svg(&results)?)?;
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
                .map(|reason| format!("{}: {}: {reason}", row.crate_name, row.row.workload))
        })
        .collect();
    match publish_refusal(options, complete, &skipped) {
        None => {
            fs::write(root.join(figures::RESULTS), &text)
                .with_context(|| format!("writing {}", figures::RESULTS))?;
            let changed = figures::render_all(&root)?;
            eprintln!(
                "bench: a full run: published in {}; rendered again: {}",
                figures::RESULTS,
                if changed.is_empty() {
                    "nothing changed".to_string()
                } else {
                    changed.join(", ")
                }
            );
        }
        Some(why) => eprintln!(
            "bench: the published figures ({}) are left as they were: {why}",
            figures::RESULTS
        ),
    }
    let skipped: Vec<&String> = skipped
        .iter()
        .filter(|reason| !reason.ends_with(bench::PEERS_NOT_ASKED))
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

/// The rounds per crate of `cargo xtask bench` with no `--runs`.
pub const DEFAULT_RUNS: usize = 5;

/// Why a run may not replace the published figures, or `None` when it
/// may. Only a full run publishes: every crate, at full size, at least the
/// default number of rounds, every row complete and no side skipped, the
/// peers from crates.io included. Anything less is a look, not a record.
pub fn publish_refusal(options: &Options, complete: bool, skipped: &[String]) -> Option<String> {
    if options.quick {
        Some("--quick runs every workload once, at small sizes".to_string())
    } else if !options.names.is_empty() {
        Some(format!(
            "only {} ran; a full run benches every crate",
            options.names.join(", ")
        ))
    } else if options.runs < DEFAULT_RUNS {
        Some(format!(
            "{} round(s); a full run has at least {DEFAULT_RUNS}",
            options.runs
        ))
    } else if !options.peers {
        Some("the peers from crates.io were not run; a full run has --peers".to_string())
    } else if !complete {
        Some("a row is missing figures".to_string())
    } else {
        skipped
            .first()
            .map(|first| format!("a side was skipped ({first})"))
    }
}

/// The command that made a run, as a reader would type it.
fn command_line(options: &Options) -> String {
    let mut line = String::from("cargo xtask bench");
    for name in &options.names {
        line.push(' ');
        line.push_str(name);
    }
    if options.quick {
        line.push_str(" --quick");
    } else if options.runs != DEFAULT_RUNS {
        line.push_str(&format!(" --runs {}", options.runs));
    }
    if options.peers {
        line.push_str(" --peers");
    }
    line
}

fn utc_now() -> String {
    command_line_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"])
}

/// `text` with the target folder's and the workspace's paths made
/// relative, the target folder first (it may sit inside the workspace).
fn without_local_paths(text: &str, root: &Path, target_dir: &Path) -> String {
    let mut text = text.to_string();
    for (path, prefix, alone) in [(target_dir, "target/", "target"), (root, "", ".")] {
        text = text.replace(&format!("{}/", path.display()), prefix);
        text = text.replace(&path.display().to_string(), alone);
    }
    text
}

/// The machine, for the record: cores, CPU model, toolchains (the C
/// compiler's too), and the version of every peer the selected crates run.
fn machine_description(
    selected: &[(bench::CrateBench, workspace::Example)],
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
                PeerProgram::C(_) => format!("{c_compiler}, -O2"),
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
fn python_description(
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

fn command_line_output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".to_string())
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

/// The results file's contents: every row's figures, target and floor,
/// the machine and the bounds.
pub fn results_json(
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
