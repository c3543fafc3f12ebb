//! The workspace's task runner: `cargo xtask <task>` (an alias for
//! `cargo run --package xtask --`).
//!
//! - `run-all`: build every example once, run each tour, check its output and
//!   that it left no process or `/dev/shm` entry behind.
//! - `copy-check`: copy each example out alone and build and test it there.
//! - `tidy`: the rules every example keeps.
//! - `bench`: each crate's bench against its Python reference, side by side;
//!   a full run publishes its results to `docs/bench-results.json`.
//! - `render`: every document's figures, rendered again from the published
//!   results, without measuring.
//! - `diagrams`: every Mermaid block rendered in a real browser, and
//!   checked to parse and to fit a README's width.
//! - `new`: one crate copied out as the start of your own tool, renamed.
//!
//! Each task exits 0 when everything passed, 1 when something failed, and 2
//! on bad arguments.

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::process::ExitCode;
use std::time::Duration;
use xtask::{bench, copy_check, diagrams, figures, new, run_all, tidy, workspace};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Build, run and check the examples of this workspace"
)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Build every example, run each default tour and check its output
    RunAll {
        /// Run only this example (repeatable)
        #[arg(long = "only", value_name = "NAME")]
        only: Vec<String>,
        /// Build and run in release mode
        #[arg(long)]
        release: bool,
        /// Print the summary as JSON on stdout instead of a table
        #[arg(long)]
        json: bool,
        /// Seconds each tour may run before it is killed
        #[arg(long, value_name = "SECONDS", default_value_t = 60)]
        timeout: u64,
    },
    /// Copy each example out alone, then build and test it there
    CopyCheck {
        /// The examples to check (default: all)
        names: Vec<String>,
    },
    /// Check the rules every example crate keeps
    Tidy,
    /// Run each crate's bench against its reference.py, in rounds, and report; a full run (every crate, --peers, --scale) publishes docs/bench-results.json and renders the documents from it
    Bench {
        /// The crates to bench (default: every crate with a bench)
        names: Vec<String>,
        /// How many rounds per crate, each running Python, the peers, then Rust
        #[arg(long, value_name = "K", default_value_t = bench::DEFAULT_RUNS as u64, value_parser = clap::value_parser!(u64).range(1..=100))]
        runs: u64,
        /// One small run of everything, to check that every row produces a figure
        #[arg(long)]
        quick: bool,
        /// Do not create or fill target/bench/venv: skip a crate's Python side when neither python3 nor that venv has its modules
        #[arg(long)]
        no_python_setup: bool,
        /// Fail when any row's Python, peer or floor is skipped, instead of showing why (CI)
        #[arg(long)]
        strict: bool,
        /// Also build and run the peers that come from crates.io (spider-rs for web-scraper); their build takes minutes
        #[arg(long)]
        peers: bool,
        /// Also measure the scale rows, once: web-scraper's crawl of a generated site of 500,000 pages, beside spider-rs's with --peers (minutes)
        #[arg(long)]
        scale: bool,
    },
    /// Render every Mermaid block of the repository's Markdown in Chromium, and check that each parses and is at most 1000 px wide
    Diagrams {
        /// Also write a PNG of each diagram here, to look at
        #[arg(long, value_name = "DIR")]
        out: Option<std::path::PathBuf>,
    },
    /// Render every README's and BENCHMARKS.md's figures, and the chart, from docs/bench-results.json, without measuring
    Render,
    /// Copy one example crate out as the start of your own tool, renamed everywhere, then build and test it
    New {
        /// The example crate to start from
        #[arg(value_name = "CRATE")]
        template: String,
        /// A new or empty folder for it
        #[arg(value_name = "PATH")]
        destination: std::path::PathBuf,
        /// The new package name (default: the folder's name)
        #[arg(long)]
        name: Option<String>,
        /// Leave the tour out: the library, its tests and examples, a main.rs, a README stub, CI
        #[arg(long)]
        lib_only: bool,
        /// Write the crate but do not build and test it
        #[arg(long)]
        no_check: bool,
    },
}

fn main() -> Result<ExitCode> {
    let cli = Cli::parse();
    match run(cli.task) {
        Ok(true) => Ok(ExitCode::SUCCESS),
        Ok(false) => Ok(ExitCode::FAILURE),
        // A crate name that does not exist is bad input, like a bad flag.
        Err(error) if error.is::<workspace::UnknownExample>() || error.is::<new::Refused>() => {
            eprintln!("error: {error}");
            Ok(ExitCode::from(2))
        }
        Err(error) => Err(error),
    }
}

/// Runs a task; returns whether everything it checked passed.
fn run(task: Task) -> Result<bool> {
    let passed = match task {
        Task::RunAll {
            only,
            release,
            json,
            timeout,
        } => {
            let options = run_all::Options {
                only,
                release,
                json,
                timeout: Duration::from_secs(timeout),
            };
            run_all::run_all(&options)?
        }
        Task::CopyCheck { names } => copy_check::copy_check(&names)?,
        Task::Bench {
            names,
            runs,
            quick,
            no_python_setup,
            strict,
            peers,
            scale,
        } => bench::bench(&bench::Options {
            names,
            runs: runs as usize,
            quick,
            python_setup: !no_python_setup,
            strict,
            peers,
            scale,
        })?,
        Task::New {
            template,
            destination,
            name,
            lib_only,
            no_check,
        } => new::new(&new::Options {
            template,
            destination,
            name,
            lib_only,
            check: !no_check,
            target_dir: None,
        })?,
        Task::Diagrams { out } => diagrams::run(&workspace::root(), out.as_deref())?,
        Task::Render => {
            let changed = figures::render_all(&workspace::root())?;
            if changed.is_empty() {
                eprintln!("render: every document already shows {}", figures::RESULTS);
            }
            for path in changed {
                eprintln!("render: wrote {path}");
            }
            true
        }
        Task::Tidy => {
            let problems = tidy::problems(&workspace::root())?;
            for problem in &problems {
                eprintln!("tidy: {problem}");
            }
            if problems.is_empty() {
                eprintln!("tidy: every example keeps the rules");
            }
            problems.is_empty()
        }
    };
    Ok(passed)
}
