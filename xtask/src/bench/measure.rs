//! Running a crate's rounds, and what they measured.

use super::build::{build_c, build_crate, keep_best};
use super::servers::{Server, substitute};
use super::spec::{Better, CrateBench, Floor, FloorOf, PeerProgram, Row, Side, Target, specs};
use crate::model::Skip;
use crate::runner::{self, Check};
use crate::workspace::{self, Example};
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// How long one bench run may take before it is killed.
const RUN_TIMEOUT: Duration = Duration::from_secs(600);

/// How long the run of a scale round may take: crawls of minutes, and a
/// peer that may need several attempts at them.
const SCALE_RUN_TIMEOUT: Duration = Duration::from_secs(2400);

/// The figures of one row: every round's Rust value, its reference's, and
/// its floor's when the floor is a figure of the rounds.
#[derive(Debug, Clone)]
pub struct Measured {
    pub crate_name: String,
    pub row: Row,
    pub rust: Vec<f64>,
    /// Empty when the reference's side was not run.
    pub reference: Vec<f64>,
    /// Why the reference's side was not run, when it was not.
    pub reference_skipped: Option<Skip>,
    /// The floor's figure in each round ([`FloorOf::Figure`]); empty when
    /// the floor is a machine bound, or its side was not run.
    pub floor: Vec<f64>,
    /// Why the floor's side was not run, when it was not.
    pub floor_skipped: Option<Skip>,
}

impl Measured {
    /// A row with no figures yet.
    pub fn new(crate_name: &str, row: Row) -> Self {
        Self {
            crate_name: crate_name.to_string(),
            row,
            rust: Vec::new(),
            reference: Vec::new(),
            reference_skipped: None,
            floor: Vec::new(),
            floor_skipped: None,
        }
    }

    /// Rust's advantage in each round: how many times better than the
    /// reference.
    pub fn ratios(&self) -> Vec<f64> {
        self.rust
            .iter()
            .zip(&self.reference)
            .map(|(&rust, &reference)| match self.row.better {
                Better::Lower => reference / rust,
                Better::Higher => rust / reference,
            })
            // A count that is 0 on both sides has no ratio.
            .filter(|ratio| ratio.is_finite())
            .collect()
    }

    /// Whether the target was met, on the medians; `None` when it cannot be
    /// judged (no reference figures for a ratio target, or no target).
    pub fn met(&self) -> Option<bool> {
        match self.row.target {
            Target::RatioAtLeast(ratio) => median(&self.ratios()).map(|median| median >= ratio),
            Target::RustAtLeast(floor) => median(&self.rust).map(|median| median >= floor),
            Target::RustAtMost(ceiling) => median(&self.rust).map(|median| median <= ceiling),
            Target::SameAsReference if self.reference.is_empty() => None,
            Target::SameAsReference => Some(
                self.rust.len() == self.reference.len()
                    && self
                        .rust
                        .iter()
                        .zip(&self.reference)
                        .all(|(rust, reference)| rust == reference),
            ),
            Target::Reported => None,
        }
    }
}

pub use crate::stats::{median, spread};

/// Parses `key=value` lines; other lines are ignored.
pub fn parse_figures(stdout: &str) -> BTreeMap<String, f64> {
    stdout
        .lines()
        .filter_map(|line| {
            let (key, value) = line.split_once('=')?;
            Some((key.trim().to_string(), value.trim().parse().ok()?))
        })
        .collect()
}

/// Runs one side once and returns its figures. A failed or hung run is an
/// error naming the command.
fn run_once(
    name: &str,
    mut command: Command,
    reproduce: String,
    timeout: Duration,
) -> Result<BTreeMap<String, f64>> {
    command.env("PYTHONDONTWRITEBYTECODE", "1");
    let check = Check {
        name: name.to_string(),
        command,
        reproduce: reproduce.clone(),
        expected: None,
        timeout,
    };
    let outcome = runner::run(check).with_context(|| format!("starting `{reproduce}`"))?;
    if !outcome.passed() {
        bail!(
            "`{reproduce}` failed: {}\n{}",
            outcome.failures.join("; "),
            runner::tail(&outcome.stderr, 10)
        );
    }
    Ok(parse_figures(&outcome.stdout))
}

/// A side of a crate's rounds, ready to run: its command's program and
/// arguments, or why it is skipped.
struct Runnable {
    side: Side,
    command: std::result::Result<(PathBuf, Vec<String>), Skip>,
    /// Other builds of the same program, run with the same arguments after
    /// it; each figure is the best of all ([`keep_best`]).
    alternatives: Vec<PathBuf>,
    reproduce: String,
    /// Run inside the Rust side's run, not on its own
    /// ([`PeerProgram::Crate`]).
    embedded: bool,
}

/// How the rounds of a crate's bench run.
#[derive(Debug, Clone, Copy)]
pub struct Rounds {
    pub runs: usize,
    /// Small sizes, one round.
    pub quick: bool,
    /// Measure the rows marked `scale` too, in the first round.
    pub scale: bool,
}

/// Where a bench builds its peers: C files, and, with `--peers`, crates.
pub struct PeerDirs<'a> {
    pub c: &'a Path,
    /// `None` without `--peers`: [`PeerProgram::Crate`] peers are skipped.
    pub crates: Option<&'a Path>,
}

/// What a crate's rounds will run, decided before the first: every side,
/// built and ready or skipped with its reason, and every row with the
/// sides it cannot have.
struct Plan {
    /// Python, then each peer, then Rust.
    sides: Vec<Runnable>,
    /// Peers whose figures the Rust run prints ([`PeerProgram::Crate`]).
    embedded: Vec<Side>,
    /// Embedded peers that were not built: their rows have no Rust figure
    /// either, since the Rust run prints its side of them only with them.
    not_built: Vec<Side>,
    /// Each row, with no figures yet.
    rows: Vec<Measured>,
}

/// Decides what a crate's rounds run: the arguments for the size asked
/// for, the Python side, each peer (building it, or saying why not), the
/// Rust side, and why each row's reference or floor is skipped.
fn plan(
    spec: &CrateBench,
    example: &Example,
    binary: &Path,
    rounds: Rounds,
    python: &std::result::Result<PathBuf, String>,
    peer_dirs: &PeerDirs,
    servers: &[Server],
) -> Plan {
    let Rounds { quick, scale, .. } = rounds;
    if let Err(reason) = python {
        eprintln!("bench: {}: Python side skipped: {reason}", spec.name);
    }
    let (rust_args, python_args) = if quick {
        (&spec.quick_rust_args, &spec.quick_python_args)
    } else {
        (&spec.rust_args, &spec.python_args)
    };
    let crate_file = |file: &str| example.dir.join(file);
    let python_side = |script: &str, args: &[String], side: Side| {
        let args = substitute(args, servers);
        let command = python
            .clone()
            .map(|python| {
                (
                    python,
                    std::iter::once(crate_file(script).display().to_string())
                        .chain(args.iter().cloned())
                        .collect(),
                )
            })
            .map_err(Skip::CannotRun);
        let shown = python.as_ref().map_or_else(
            |_| "python3".to_string(),
            |python| python.display().to_string(),
        );
        Runnable {
            side,
            command,
            alternatives: Vec::new(),
            reproduce: format!("{shown} crates/{}/{script} {}", spec.name, args.join(" ")),
            embedded: false,
        }
    };
    let mut rust_args = substitute(rust_args, servers);
    let mut sides = vec![python_side("reference.py", python_args, Side::Python)];
    for peer in &spec.peers {
        let args = if quick { &peer.quick_args } else { &peer.args };
        let side = Side::Peer(peer.name.clone());
        match &peer.program {
            PeerProgram::Python(script) => sides.push(python_side(script, args, side)),
            PeerProgram::C(source) => {
                let stem = Path::new(source)
                    .file_stem()
                    .map_or_else(|| "peer".into(), |stem| stem.to_string_lossy());
                let built = build_c(
                    &crate_file(source),
                    peer_dirs.c,
                    &format!("{}-{stem}", spec.name),
                );
                if let Err(reason) = &built {
                    eprintln!("bench: {}: {} side skipped: {reason}", spec.name, peer.name);
                }
                let args = substitute(args, servers);
                let alternatives = built
                    .as_ref()
                    .map(|binaries| binaries[1..].to_vec())
                    .unwrap_or_default();
                sides.push(Runnable {
                    side,
                    reproduce: format!(
                        "cc -O2 -pthread crates/{}/{source} -lm && ./a.out {} (and the same at -O3; the best of both)",
                        spec.name,
                        args.join(" ")
                    ),
                    command: built
                        .map(|binaries| (binaries[0].clone(), args))
                        .map_err(Skip::CannotRun),
                    alternatives,
                    embedded: false,
                });
            }
            PeerProgram::Crate {
                package,
                version,
                bin,
            } => {
                let built = match peer_dirs.crates {
                    None => Err(Skip::PeersNotAsked),
                    Some(dir) => build_crate(package, version, bin, dir).map_err(Skip::CannotRun),
                };
                match &built {
                    Ok(path) => rust_args.extend(
                        substitute(args, servers)
                            .into_iter()
                            .map(|arg| arg.replace("{bin}", &path.display().to_string())),
                    ),
                    Err(reason) => {
                        eprintln!("bench: {}: {} side skipped: {reason}", spec.name, peer.name)
                    }
                }
                sides.push(Runnable {
                    side,
                    reproduce: format!("cargo xtask bench {} --peers", spec.name),
                    command: built.map(|binary| (binary, Vec::new())),
                    alternatives: Vec::new(),
                    embedded: true,
                });
            }
        }
    }
    let embedded_sides = |built: bool| -> Vec<Side> {
        sides
            .iter()
            .filter(|runnable| runnable.embedded && runnable.command.is_ok() == built)
            .map(|runnable| runnable.side.clone())
            .collect()
    };
    let (embedded, not_built) = (embedded_sides(true), embedded_sides(false));
    sides.push(Runnable {
        side: Side::Rust,
        reproduce: format!(
            "cargo run --release -p {} -- {}",
            spec.name,
            rust_args.join(" ")
        ),
        command: Ok((binary.to_path_buf(), rust_args)),
        alternatives: Vec::new(),
        embedded: false,
    });
    let skipped = |side: &Side| {
        sides
            .iter()
            .find(|runnable| &runnable.side == side)
            .map_or_else(
                || {
                    Some(Skip::CannotRun(format!(
                        "{} has no side named {side}",
                        spec.name
                    )))
                },
                |runnable| runnable.command.as_ref().err().cloned(),
            )
    };
    let rows = spec
        .rows
        .iter()
        .map(|row| {
            let mut measured = Measured::new(&spec.name, row.clone());
            measured.reference_skipped = if row.scale && (quick || !scale) {
                Some(Skip::ScaleNotAsked)
            } else {
                skipped(&row.against)
            };
            if let Some(Floor {
                of: FloorOf::Figure { side, .. },
                ..
            }) = &row.floor
            {
                measured.floor_skipped = skipped(side);
            }
            measured
        })
        .collect();
    Plan {
        sides,
        embedded,
        not_built,
        rows,
    }
}

/// Benches one crate: `runs` alternating rounds of Python, each peer, then
/// Rust, all against the same servers.
pub fn bench_crate(
    spec: &CrateBench,
    example: &Example,
    binary: &Path,
    rounds: Rounds,
    python: &std::result::Result<PathBuf, String>,
    peer_dirs: &PeerDirs,
) -> Result<Vec<Measured>> {
    let serve = if rounds.quick {
        &spec.quick_serve
    } else {
        &spec.serve
    };
    // Stopped when dropped, after the last round.
    let servers = serve
        .iter()
        .map(|&serve| Server::start(binary, serve))
        .collect::<Result<Vec<_>>>()?;
    let plan = plan(spec, example, binary, rounds, python, peer_dirs, &servers);
    run_rounds(spec, plan, rounds)
}

/// Runs a plan's rounds, and records each run's figures in its rows.
fn run_rounds(spec: &CrateBench, plan: Plan, rounds: Rounds) -> Result<Vec<Measured>> {
    let Rounds { runs, quick, scale } = rounds;
    let Plan {
        sides,
        embedded,
        not_built,
        rows: mut measured,
    } = plan;
    for round in 1..=runs {
        eprintln!("bench: {} round {round} of {runs}", spec.name);
        // The rows marked `scale` are measured in the first round alone.
        let scale_round = scale && !quick && round == 1;
        for runnable in sides.iter().filter(|runnable| !runnable.embedded) {
            let Ok((program, args)) = &runnable.command else {
                continue;
            };
            let mut command = Command::new(program);
            command.args(args);
            let mut reproduce = runnable.reproduce.clone();
            let mut timeout = RUN_TIMEOUT;
            if runnable.side == Side::Rust && scale_round && !spec.scale_args.is_empty() {
                command.args(&spec.scale_args);
                reproduce = format!("{reproduce} {}", spec.scale_args.join(" "));
                timeout = SCALE_RUN_TIMEOUT;
            }
            let mut figures = run_once(&spec.name, command, reproduce.clone(), timeout)?;
            for alternative in &runnable.alternatives {
                let mut command = Command::new(alternative);
                command.args(args);
                keep_best(
                    &mut figures,
                    run_once(&spec.name, command, runnable.reproduce.clone(), RUN_TIMEOUT)?,
                );
            }
            let in_this_round = |row: &&mut Measured| !row.row.scale || scale_round;
            let rows = measured
                .iter_mut()
                .filter(|row| !not_built.contains(&row.row.against))
                .filter(in_this_round);
            record(rows, &figures, &reproduce, &runnable.side)?;
            if runnable.side == Side::Rust {
                for side in &embedded {
                    let rows = measured.iter_mut().filter(in_this_round);
                    record(rows, &figures, &reproduce, side)?;
                }
            }
        }
    }
    Ok(measured)
}

/// Adds one run's figures to each row that reads that side: as its Rust
/// figure, its reference's or its floor's. A missing key is an error
/// naming the command that should have printed it.
fn record<'a>(
    measured: impl Iterator<Item = &'a mut Measured>,
    figures: &BTreeMap<String, f64>,
    reproduce: &str,
    side: &Side,
) -> Result<()> {
    for row in measured {
        let mut wanted: Vec<(&str, &mut Vec<f64>)> = Vec::new();
        if side == &Side::Rust {
            wanted.push((&row.row.rust_key, &mut row.rust));
        }
        if side == &row.row.against {
            wanted.push((&row.row.reference_key, &mut row.reference));
        }
        if let Some(Floor {
            of:
                FloorOf::Figure {
                    side: floor_side,
                    key,
                    ..
                },
            ..
        }) = &row.row.floor
            && floor_side == side
        {
            wanted.push((key, &mut row.floor));
        }
        for (key, values) in wanted {
            let value = figures
                .get(key)
                .with_context(|| format!("`{reproduce}` printed no `{key}=` line"))?;
            values.push(*value);
        }
    }
    Ok(())
}

/// The examples to bench: those named, or every one that has a spec.
pub fn select(root: &Path, names: &[String]) -> Result<Vec<(CrateBench, Example)>> {
    let examples = workspace::select(workspace::examples(root)?, names)?;
    let specs = specs()?;
    let mut selected = Vec::new();
    for example in examples {
        match specs.iter().find(|spec| spec.name == example.name) {
            Some(spec) => selected.push((spec.clone(), example)),
            None if names.contains(&example.name) => {
                bail!("{} has no {}", example.name, crate::bench::spec::FILE)
            }
            None => eprintln!("bench: {} has no bench spec yet; skipped", example.name),
        }
    }
    Ok(selected)
}
