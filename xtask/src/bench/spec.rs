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
//! The bench's types hold `&'static str`s, as they did when the specs were
//! Rust literals, so that everything that reads them stays as it was; the
//! few kilobytes of each file read are leaked to get them, once per run of
//! a short-lived command.

use super::servers::{Serve, Site};
use crate::workspace;
use anyhow::{Context, Result};
use serde::Deserialize;
use std::path::Path;

/// Whether a smaller or a larger figure is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Lower,
    Higher,
}

/// Who a figure comes from in a pair: the crate's own `bench`, its
/// `reference.py`, or one of its [`Peer`]s, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Rust,
    Python,
    Peer(&'static str),
}

impl Side {
    /// How the report names this side.
    pub fn label(self) -> &'static str {
        match self {
            Side::Rust => "Rust",
            Side::Python => "Python",
            Side::Peer(name) => name,
        }
    }
}

/// What a row must reach.
#[derive(Debug, Clone, Copy, PartialEq)]
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
#[derive(Debug, Clone, Copy)]
pub struct Row {
    pub workload: &'static str,
    pub rust_key: &'static str,
    pub against: Side,
    pub reference_key: &'static str,
    pub unit: &'static str,
    pub better: Better,
    pub target: Target,
    /// The floor this row is also read against, if any.
    pub floor: Option<Floor>,
    /// Measured only with `--scale`, once per bench rather than per round:
    /// a crawl of minutes ([`CrateBench::scale_args`]).
    pub scale: bool,
}

/// A row's floor: the most this machine could do at the row's work,
/// measured in the same run, and how close Rust must come.
#[derive(Debug, Clone, Copy)]
pub struct Floor {
    pub of: FloorOf,
    /// `None` reports the distance with no target.
    pub target: Option<FloorTarget>,
}

/// Where a floor's figure comes from.
#[derive(Debug, Clone, Copy)]
pub enum FloorOf {
    /// One of the machine's lower bounds, by its
    /// [`Bound`](crate::bench::floors::Bound)'s name, measured once after
    /// the crates.
    Bound(&'static str),
    /// A figure that a side prints in every round, in the row's unit: C's
    /// time for the same loop, or a parse-only pass over the same pages.
    Figure {
        side: Side,
        key: &'static str,
        name: &'static str,
    },
}

/// How close to its floor a row must come.
#[derive(Debug, Clone, Copy, PartialEq)]
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
#[derive(Debug, Clone, Copy)]
pub struct Peer {
    /// The name its rows and floors use ([`Side::Peer`]).
    pub name: &'static str,
    pub program: PeerProgram,
    pub args: &'static [&'static str],
    pub quick_args: &'static [&'static str],
}

/// What a peer runs, from a file in the crate.
#[derive(Debug, Clone, Copy)]
pub enum PeerProgram {
    /// A C file, built once per bench with the system C compiler at `-O2`
    /// and once at `-O3` (`cc -O2 -pthread FILE -lm`), each figure the best
    /// of the two; skipped, with the reason, where there is no C compiler.
    C(&'static str),
    /// A Python script, run with the Python the crate's `reference.py`
    /// runs with, and skipped when that is.
    Python(&'static str),
    /// A crate's binary from crates.io, built without default features
    /// into `target/bench/peers` only when the bench is run with `--peers`
    /// (the build takes minutes), and skipped otherwise. It is not run by
    /// the bench itself: its `args`, with `{bin}` its path, go to the Rust
    /// side's run, which runs both on the same server and prints the
    /// figures of both, so the Rust run's figures count for this peer too.
    Crate {
        package: &'static str,
        version: &'static str,
        bin: &'static str,
    },
}

/// Why a row marked `scale` is skipped without `--scale`.
pub const SCALE_NOT_ASKED: &str = "measured only with --scale (crawls of minutes)";

/// Why a [`PeerProgram::Crate`] peer is skipped without `--peers`.
pub const PEERS_NOT_ASKED: &str = "built only with --peers (cargo install takes minutes)";

/// How to bench one crate: the arguments of both sides, full and quick, and
/// the rows to compare.
#[derive(Debug, Clone, Copy)]
pub struct CrateBench {
    pub name: &'static str,
    pub rust_args: &'static [&'static str],
    pub python_args: &'static [&'static str],
    pub quick_rust_args: &'static [&'static str],
    pub quick_python_args: &'static [&'static str],
    /// Python modules `reference.py` imports beyond the standard library;
    /// without them the Python side is skipped, and the rows say why.
    pub python_modules: &'static [&'static str],
    /// Servers to start before the runs; `{N}` in the arguments of both
    /// sides becomes server N's URL.
    pub serve: &'static [Serve],
    pub quick_serve: &'static [Serve],
    /// Run in every round, between Python and Rust.
    pub peers: &'static [Peer],
    /// Added to the Rust side's arguments in the first round of a run with
    /// `--scale`, which alone measures the rows marked `scale`.
    pub scale_args: &'static [&'static str],
    pub rows: &'static [Row],
}

/// The bench of every crate that has one, read from its `bench.toml`
/// (this module). The targets are those of the design's
/// performance table.
pub fn specs() -> Result<Vec<CrateBench>> {
    let root = workspace::root();
    let mut specs = Vec::new();
    for example in workspace::examples(&root)? {
        if let Some(spec) = crate::bench::spec::read(&example.dir, &example.name)? {
            specs.push(spec);
        }
    }
    Ok(specs)
}

/// The file each crate's bench is described in, in the crate's folder.
pub const FILE: &str = "bench.toml";

/// A `bench.toml`, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BenchFile {
    rust_args: Vec<String>,
    python_args: Vec<String>,
    quick_rust_args: Vec<String>,
    quick_python_args: Vec<String>,
    #[serde(default)]
    python_modules: Vec<String>,
    #[serde(default)]
    serve: Vec<ServeData>,
    #[serde(default)]
    quick_serve: Vec<ServeData>,
    #[serde(default)]
    peer: Vec<PeerData>,
    #[serde(default)]
    scale_args: Vec<String>,
    row: Vec<RowData>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServeData {
    site: SiteData,
    #[serde(default)]
    latency_ms: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SiteData {
    RustDocs,
    Bundled,
    StdOnly,
    Redis,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PeerData {
    name: String,
    program: ProgramData,
    args: Vec<String>,
    quick_args: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ProgramData {
    C(String),
    Python(String),
    Crate {
        package: String,
        version: String,
        bin: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RowData {
    workload: String,
    rust_key: String,
    against: String,
    reference_key: String,
    unit: String,
    better: BetterData,
    target: TargetData,
    floor: Option<FloorData>,
    #[serde(default)]
    scale: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum BetterData {
    Lower,
    Higher,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum TargetData {
    RatioAtLeast(f64),
    RustAtLeast(f64),
    RustAtMost(f64),
    SameAsReference,
    Reported,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FloorData {
    of: FloorOfData,
    target: Option<FloorTargetData>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum FloorOfData {
    Bound(String),
    Figure {
        side: String,
        key: String,
        name: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum FloorTargetData {
    CostAtMost(f64),
    SpeedAtLeast(f64),
}

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
    let file: BenchFile = toml::from_str(text)?;
    Ok(CrateBench {
        name: leak(name.to_string()),
        rust_args: strings(file.rust_args),
        python_args: strings(file.python_args),
        quick_rust_args: strings(file.quick_rust_args),
        quick_python_args: strings(file.quick_python_args),
        python_modules: strings(file.python_modules),
        serve: slice(file.serve.into_iter().map(serve).collect()),
        quick_serve: slice(file.quick_serve.into_iter().map(serve).collect()),
        peers: slice(file.peer.into_iter().map(peer).collect()),
        scale_args: strings(file.scale_args),
        rows: slice(file.row.into_iter().map(row).collect()),
    })
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

fn slice<T>(items: Vec<T>) -> &'static [T] {
    Box::leak(items.into_boxed_slice())
}

fn strings(items: Vec<String>) -> &'static [&'static str] {
    slice(items.into_iter().map(leak).collect())
}

fn side(name: String) -> Side {
    match name.as_str() {
        "Rust" => Side::Rust,
        "Python" => Side::Python,
        _ => Side::Peer(leak(name)),
    }
}

fn serve(data: ServeData) -> Serve {
    Serve {
        site: match data.site {
            SiteData::RustDocs => Site::RustDocs,
            SiteData::Bundled => Site::Bundled,
            SiteData::StdOnly => Site::StdOnly,
            SiteData::Redis => Site::Redis,
        },
        latency_ms: data.latency_ms,
    }
}

fn peer(data: PeerData) -> Peer {
    Peer {
        name: leak(data.name),
        program: match data.program {
            ProgramData::C(file) => PeerProgram::C(leak(file)),
            ProgramData::Python(file) => PeerProgram::Python(leak(file)),
            ProgramData::Crate {
                package,
                version,
                bin,
            } => PeerProgram::Crate {
                package: leak(package),
                version: leak(version),
                bin: leak(bin),
            },
        },
        args: strings(data.args),
        quick_args: strings(data.quick_args),
    }
}

fn row(data: RowData) -> Row {
    Row {
        workload: leak(data.workload),
        rust_key: leak(data.rust_key),
        against: side(data.against),
        reference_key: leak(data.reference_key),
        unit: leak(data.unit),
        better: match data.better {
            BetterData::Lower => Better::Lower,
            BetterData::Higher => Better::Higher,
        },
        target: match data.target {
            TargetData::RatioAtLeast(ratio) => Target::RatioAtLeast(ratio),
            TargetData::RustAtLeast(value) => Target::RustAtLeast(value),
            TargetData::RustAtMost(value) => Target::RustAtMost(value),
            TargetData::SameAsReference => Target::SameAsReference,
            TargetData::Reported => Target::Reported,
        },
        floor: data.floor.map(|floor| Floor {
            of: match floor.of {
                FloorOfData::Bound(name) => FloorOf::Bound(leak(name)),
                FloorOfData::Figure {
                    side: who,
                    key,
                    name,
                } => FloorOf::Figure {
                    side: side(who),
                    key: leak(key),
                    name: leak(name),
                },
            },
            target: floor.target.map(|target| match target {
                FloorTargetData::CostAtMost(at_most) => FloorTarget::CostAtMost(at_most),
                FloorTargetData::SpeedAtLeast(fraction) => FloorTarget::SpeedAtLeast(fraction),
            }),
        }),
        scale: data.scale,
    }
}
