//! Each crate's bench as data: `crates/NAME/bench.toml`, read into the
//! [`CrateBench`] the bench runs.
//!
//! ```toml
//! rust_args = ["bench"]                  # the crate's own bench command
//! python_args = ["--workload", "counter"]
//! quick_rust_args = ["bench", "--increments", "20000"]
//! quick_python_args = ["--workload", "counter", "--increments", "20000"]
//! python_modules = []                    # imports beyond the standard library
//!
//! [[serve]]                              # servers; `{N}` in the args is server N's URL
//! site = "rust_docs"                     # rust_docs, bundled, std_only or redis
//! latency_ms = 0
//!
//! [[peer]]                               # other programs run in every round
//! name = "C"
//! program = { c = "bench/primes.c" }     # or { python = "FILE" }, or
//! args = ["4000000", "64"]               # { crate = { package, version, bin } }
//! quick_args = ["200000", "8"]
//!
//! [[row]]                                # one compared figure
//! workload = "4 threads x 1M increments: std Mutex vs threading.Lock"
//! rust_key = "mutex_ns_per_increment"
//! against = "Python"                     # Python, Rust, or a peer's name
//! reference_key = "lock_ns_per_increment"
//! unit = "ns"
//! better = "lower"
//! target = { ratio_at_least = 4.0 }      # or rust_at_least, rust_at_most,
//!                                        # "same_as_reference", "reported"
//! floor = { of = { bound = "Unix-socket round trip, 16 in flight on a socket per core" } }
//! scale = false                          # true: measured only with --scale
//! same_work = "pages"                    # the rust_key of a row, against the
//!                                        # same side, that counts the work both
//!                                        # did: unequal, this row is not judged
//! ```
//!
//! `scale_args = [...]`, at the top, are added to the Rust side's
//! arguments in the first round of a run with `--scale`, the one round in
//! which the rows marked `scale` are measured (crawls of minutes).
//!
//! A floor's `of` is `{ bound = NAME }`, one of the machine's lower bounds,
//! or `{ figure = { side, key, name } }`, a figure a side prints in every
//! round; its optional `target` is `{ cost_at_most = X }` or
//! `{ speed_at_least = X }`.
//!
//! The file is read straight into [`CrateBench`] and the row types of
//! [`crate::model`], which the results file carries too.

use super::servers::Serve;
use crate::workspace;
use anyhow::{Context, Result};
use serde::Deserialize;
use std::path::Path;

pub use crate::model::{
    Better, Floor, FloorOf, FloorTarget, PEERS_NOT_ASKED, Row, SCALE_NOT_ASKED, Side, Target,
};

/// Seconds per operation, from a time per operation or a rate.
pub fn cost_per_operation(value: f64, unit: &str) -> Option<f64> {
    let seconds = match unit {
        "ns" => value * 1e-9,
        "us" => value * 1e-6,
        "ms" => value * 1e-3,
        "s" => value,
        "/s" if value > 0.0 => 1.0 / value,
        _ => return None,
    };
    Some(seconds)
}

/// Another program measured in the same rounds as a crate's bench: the tool
/// a user would pick instead (Scrapy), or the same loop in C as a floor.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Peer {
    /// The name its rows and floors use ([`Side::Peer`]).
    pub name: String,
    pub program: PeerProgram,
    pub args: Vec<String>,
    pub quick_args: Vec<String>,
}

/// What a peer runs, from a file in the crate.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeerProgram {
    /// A C file, built once per bench with the system C compiler at `-O2`
    /// and once at `-O3` (`cc -O2 -pthread FILE -lm`), each figure the best
    /// of the two; skipped, with the reason, where there is no C compiler.
    C(String),
    /// A Python script, run with the Python the crate's `reference.py`
    /// runs with, and skipped when that is.
    Python(String),
    /// A crate's binary from crates.io, built without default features
    /// into `target/bench/peers` only when the bench is run with `--peers`
    /// (the build takes minutes), and skipped otherwise. It is not run by
    /// the bench itself: its `args`, with `{bin}` its path, go to the Rust
    /// side's run, which runs both on the same server and prints the
    /// figures of both, so the Rust run's figures count for this peer too.
    Crate {
        package: String,
        version: String,
        bin: String,
    },
}

/// How to bench one crate, as its `bench.toml` says: the arguments of both
/// sides, full and quick, the servers and peers, and the rows to compare.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrateBench {
    /// The crate's name: its folder's, not written in the file.
    #[serde(skip)]
    pub name: String,
    pub rust_args: Vec<String>,
    pub python_args: Vec<String>,
    pub quick_rust_args: Vec<String>,
    pub quick_python_args: Vec<String>,
    /// Python modules `reference.py` imports beyond the standard library;
    /// without them the Python side is skipped, and the rows say why.
    #[serde(default)]
    pub python_modules: Vec<String>,
    /// Servers to start before the runs; `{N}` in the arguments of both
    /// sides becomes server N's URL.
    #[serde(default)]
    pub serve: Vec<Serve>,
    #[serde(default)]
    pub quick_serve: Vec<Serve>,
    /// Run in every round, between Python and Rust.
    #[serde(default, rename = "peer")]
    pub peers: Vec<Peer>,
    /// Added to the Rust side's arguments in the first round of a run with
    /// `--scale`, which alone measures the rows marked `scale`.
    #[serde(default)]
    pub scale_args: Vec<String>,
    #[serde(rename = "row")]
    pub rows: Vec<Row>,
}

/// The bench of every crate that has one, read from its `bench.toml`
/// (this module). The targets are those of the design's
/// performance table.
pub fn specs() -> Result<Vec<CrateBench>> {
    let root = workspace::root();
    let mut specs = Vec::new();
    for example in workspace::examples(&root)? {
        if let Some(spec) = read(&example.dir, &example.name)? {
            specs.push(spec);
        }
    }
    Ok(specs)
}

/// The file each crate's bench is described in, in the crate's folder.
pub const FILE: &str = "bench.toml";

/// The crate's bench, read from its `bench.toml`, if it has one.
pub fn read(crate_dir: &Path, name: &str) -> Result<Option<CrateBench>> {
    let path = crate_dir.join(FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error).with_context(|| format!("reading {}", path.display())),
    };
    parse(&text, name)
        .map(Some)
        .with_context(|| format!("reading {}", path.display()))
}

/// A bench from the text of a `bench.toml`.
pub fn parse(text: &str, name: &str) -> Result<CrateBench> {
    let mut bench: CrateBench = toml::from_str(text)?;
    bench.name = name.to_string();
    Ok(bench)
}
