//! `cargo xtask bench`: each crate's `bench` subcommand against its
//! `reference.py` and the other programs of its [`Peer`] entries (Scrapy and
//! spider-rs, the peers; the same loop in C, read as a floor), in rounds
//! of Python, peers, Rust, so that drift in machine speed hits every side
//! alike, with each ratio taken round by round.
//!
//! Which figures to compare, their floors, and the targets from the design,
//! are data: each crate's `bench.toml` ([`crate::bench::spec`]), naming the
//! `key=value` keys that the crate's bench, its Python reference and its
//! peers print.
//!
//! The code, one file each: `spec` (the rows, read from each crate's
//! `bench.toml`), `measure` (running the rounds), `python` (the Python
//! each reference runs with), `servers` (the sites and Redis a bench
//! serves), `floors` (the machine's lower bounds, and rows read against
//! them) and `report` (the results file); this file drives a run and
//! publishes it. The chart is drawn by [`crate::figures::chart`].

pub mod build;
pub mod floors;
pub mod measure;
mod python;
pub mod report;
pub mod servers;
pub mod spec;

pub use build::*;
pub use measure::*;
pub use python::{python_for, python_missing};
pub use spec::*;

use crate::figures;
use crate::model::Skip;
use crate::workspace;
use anyhow::{Context, Result, ensure};
use report::{command_line_output, machine_description, python_description, results};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

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
    /// Also measure the rows marked `scale` (crawls of minutes), once.
    pub scale: bool,
}

/// Builds in release mode, benches every selected crate and writes the
/// reports. Returns whether every row produced its figures; targets missed
/// are reported, never treated as a failure.
pub fn bench(options: &Options) -> Result<bool> {
    let root = workspace::root();
    let started = utc_now();
    let selected = select(&root, &options.names)?;
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
    let mut pythons = BTreeMap::new();
    let venv = target_dir.join("bench").join("venv");
    let c_dir = target_dir.join("bench").join("c");
    let crates_dir = target_dir.join("bench").join("peers");
    let peer_dirs = PeerDirs {
        c: &c_dir,
        crates: options.peers.then_some(crates_dir.as_path()),
    };
    for (spec, example) in &selected {
        let binary = example.binary(&target_dir, "release");
        let python = python_for(spec, example, &venv, options.python_setup);
        pythons.insert(spec.name.clone(), python_description(&python, example));
        measured.extend(bench_crate(
            spec,
            example,
            &binary,
            Rounds {
                runs,
                quick: options.quick,
                scale: options.scale,
            },
            &python,
            &peer_dirs,
        )?);
    }
    eprintln!("bench: measuring this machine's lower bounds");
    let bounds = floors::measure(options.quick)?;

    let mut machine = machine_description(&selected, &pythons);
    machine.date = started;
    machine.finished = utc_now();
    machine.command = command_line(options);
    machine.python_per_crate = pythons;
    let results = results(&measured, &bounds, machine, runs, options.quick);
    // Written through a JSON value, whose keys are sorted, so that a new
    // field lands in the same place whatever its place in the types. No
    // path of this machine goes into results that may be committed.
    let json = serde_json::to_string_pretty(&serde_json::to_value(&results)?)?;
    let text = without_local_paths(&json, &root, &target_dir);
    let results = figures::Results::parse(&text)?;
    println!();
    print!("{}", figures::text_report(&results));
    let out_dir = target_dir.join("bench");
    fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    fs::write(out_dir.join("results.json"), &text)?;
    fs::write(
        out_dir.join("results.md"),
        figures::markdown_report(&results),
    )?;
    fs::write(out_dir.join("ratios.svg"), figures::chart::svg(&results)?)?;
    eprintln!(
        "bench: wrote results.json, results.md and ratios.svg in {}",
        out_dir.display()
    );

    // Every row has its figures, or says why a side was skipped.
    let complete = measured.iter().all(|row| {
        let floor_complete = match row.row.floor.as_ref().map(|floor| &floor.of) {
            Some(FloorOf::Figure { .. }) => row.floor_skipped.is_some() || !row.floor.is_empty(),
            _ => true,
        };
        // A row against a peer that was skipped may have no Rust figure
        // either: spider-rs runs inside the Rust side's run.
        let rust_complete = !row.rust.is_empty()
            || (row.reference_skipped.is_some()
                && (matches!(row.row.against, Side::Peer(_)) || row.row.scale));
        rust_complete
            && (row.reference_skipped.is_some() || !row.reference.is_empty())
            && floor_complete
    });
    let skips: Vec<(String, &Skip)> = measured
        .iter()
        .flat_map(|row| {
            [&row.reference_skipped, &row.floor_skipped]
                .into_iter()
                .flatten()
                .map(|skip| {
                    (
                        format!("{}: {}: {skip}", row.crate_name, row.row.workload),
                        skip,
                    )
                })
        })
        .collect();
    let skipped: Vec<String> = skips.iter().map(|(line, _)| line.clone()).collect();
    // A row under its floor by more than its rounds' spread: the floor is
    // the wrong one, or was measured badly.
    let under_floor: Vec<String> = results
        .rows
        .iter()
        .filter_map(|row| {
            let floor = row.floor.as_ref()?;
            floor.beats_floor.then(|| {
                format!(
                    "{}: {}: Rust {} against the floor's {} ({}): {:.2}x its cost, beyond the allowance of {:.0}%",
                    row.crate_name,
                    row.workload,
                    figures::summary(&row.rust, &row.unit),
                    figures::format_value(floor.value, &floor.unit),
                    floor.name,
                    floor.times_floor,
                    floor.under_floor_allowance * 100.0
                )
            })
        })
        .collect();
    for row in &under_floor {
        eprintln!("bench: under its floor: {row}");
    }
    match publish_refusal(options, complete, &skipped, &under_floor) {
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
    // What the run chose not to measure is not held against it.
    let skipped: Vec<&String> = skips
        .iter()
        .filter(|(_, skip)| !skip.not_asked())
        .map(|(line, _)| line)
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
/// peers from crates.io and the scale rows included, and no row faster than
/// its floor beyond the spread of its rounds. Anything less is a look, not
/// a record.
pub fn publish_refusal(
    options: &Options,
    complete: bool,
    skipped: &[String],
    under_floor: &[String],
) -> Option<String> {
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
    } else if !options.scale {
        Some("the scale rows were not run; a full run has --scale".to_string())
    } else if !complete {
        Some("a row is missing figures".to_string())
    } else if let Some(first) = under_floor.first() {
        Some(format!("a row beats its floor ({first})"))
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
    if options.scale {
        line.push_str(" --scale");
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
