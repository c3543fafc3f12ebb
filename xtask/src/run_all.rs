//! `cargo xtask run-all`: build every example once, run each tour with a
//! timeout, and check its output and what it left behind.

use crate::procs;
use crate::runner::{self, Check, Outcome};
use crate::workspace::{self, EXPECTED_OUTPUT, Example};
use anyhow::{Context, Result};
use serde::Serialize;
use std::process::Command;
use std::time::Duration;

/// How many lines of output a failure report shows.
const TAIL_LINES: usize = 15;

pub struct Options {
    pub only: Vec<String>,
    pub release: bool,
    pub json: bool,
    pub timeout: Duration,
}

/// Builds the examples, then runs and checks each tour in turn. Returns
/// whether all of them passed. Progress goes to stderr; the summary (a table,
/// or JSON with `--json`) goes to stdout.
pub fn run_all(options: &Options) -> Result<bool> {
    let root = workspace::root();
    let examples = workspace::select(workspace::examples(&root)?, &options.only)?;
    let metadata = workspace::metadata(&root)?;
    let target_dir = workspace::target_dir(&metadata)?;
    workspace::build(&root, &examples, options.release)?;
    procs::become_subreaper()
        .context("becoming a child subreaper, to catch processes an example leaves behind")?;

    let profile = workspace::profile_dir(options.release);
    let mut outcomes = Vec::new();
    for example in &examples {
        let binary = example.binary(&target_dir, profile);
        let outcome = check_tour(example, Command::new(&binary), options)?;
        let verdict = if outcome.passed() { "ok" } else { "FAILED" };
        eprintln!(
            "run-all: {:<18} {verdict} ({:.1} s)",
            example.name,
            outcome.wall.as_secs_f64()
        );
        outcomes.push(outcome);
    }

    if options.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::to_value(summary_json(&outcomes))?)?
        );
    } else {
        print_summary(&outcomes);
    }
    Ok(outcomes.iter().all(Outcome::passed))
}

/// Runs one example's default tour and checks it against its expected output.
pub fn check_tour(example: &Example, command: Command, options: &Options) -> Result<Outcome> {
    let expected_path = example.expected_output();
    let expected_text = std::fs::read_to_string(&expected_path)
        .with_context(|| format!("reading {}", expected_path.display()))?;
    let release_flag = if options.release { " --release" } else { "" };
    let check = Check {
        name: example.name.clone(),
        command,
        reproduce: format!("cargo run{release_flag} --package {}", example.name),
        expected: Some((EXPECTED_OUTPUT.to_string(), expected_text)),
        timeout: options.timeout,
    };
    runner::run(check).with_context(|| format!("starting {}", example.name))
}

fn print_summary(outcomes: &[Outcome]) {
    println!();
    println!("{:<20} {:<7} {:>8}", "crate", "result", "wall");
    for outcome in outcomes {
        let verdict = if outcome.passed() { "pass" } else { "FAIL" };
        println!(
            "{:<20} {verdict:<7} {:>7.1}s",
            outcome.name,
            outcome.wall.as_secs_f64()
        );
    }
    let total: f64 = outcomes
        .iter()
        .map(|outcome| outcome.wall.as_secs_f64())
        .sum();
    println!("{:<20} {:<7} {total:>7.1}s", "total", "");
    for outcome in outcomes.iter().filter(|outcome| !outcome.passed()) {
        print_failure(outcome);
    }
}

/// Everything a person needs to see why an example failed and to try again.
pub fn print_failure(outcome: &Outcome) {
    println!();
    println!("---- {} failed ----", outcome.name);
    for failure in &outcome.failures {
        println!("  {}: {failure}", outcome.name);
    }
    println!("  reproduce with: {}", outcome.reproduce);
    for (label, text) in [("stdout", &outcome.stdout), ("stderr", &outcome.stderr)] {
        if !text.trim().is_empty() {
            println!("  last lines of {label}:");
            for line in runner::tail(text, TAIL_LINES).lines() {
                println!("    | {line}");
            }
        }
    }
}

/// `--json`'s summary: whether everything passed, and each crate's run.
#[derive(Serialize)]
struct Summary<'a> {
    passed: bool,
    total_wall_seconds: f64,
    crates: Vec<CrateRun<'a>>,
}

#[derive(Serialize)]
struct CrateRun<'a> {
    #[serde(rename = "crate")]
    name: &'a str,
    passed: bool,
    wall_seconds: f64,
    exit_code: Option<i32>,
    failures: &'a [String],
    reproduce: &'a str,
}

fn summary_json(outcomes: &[Outcome]) -> Summary<'_> {
    Summary {
        passed: outcomes.iter().all(Outcome::passed),
        total_wall_seconds: outcomes
            .iter()
            .map(|outcome| outcome.wall.as_secs_f64())
            .sum(),
        crates: outcomes
            .iter()
            .map(|outcome| CrateRun {
                name: &outcome.name,
                passed: outcome.passed(),
                wall_seconds: outcome.wall.as_secs_f64(),
                exit_code: outcome.status.and_then(|status| status.code()),
                failures: &outcome.failures,
                reproduce: &outcome.reproduce,
            })
            .collect(),
    }
}
