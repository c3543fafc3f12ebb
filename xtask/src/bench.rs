//! `cargo xtask bench`: each crate's `bench` subcommand against its
//! `reference.py`, alternating A B A B so that drift in machine speed hits
//! both sides alike, with the ratio taken pair by pair.
//!
//! Which figures to compare, and the targets from the design, are listed in
//! [`specs`]: one entry per crate, naming the `key=value` keys that the
//! crate's bench and its Python reference print.

use crate::bench_serve::{Serve, Server, Site, substitute};
use crate::runner::{self, Check};
use crate::workspace::{self, Example};
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// How long one bench run may take before it is killed.
const RUN_TIMEOUT: Duration = Duration::from_secs(600);

/// Whether a smaller or a larger figure is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Lower,
    Higher,
}

/// What a row must reach.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// Rust at least this many times better than Python.
    RatioAtLeast(f64),
    /// Rust's own figure at least this (for figures where higher is better).
    RustAtLeast(f64),
    /// Rust's own figure at most this (for figures where lower is better).
    RustAtMost(f64),
    /// Equal to Python's in every pair: a digest of the work both did.
    SameAsPython,
}

/// One compared figure.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    pub workload: &'static str,
    pub rust_key: &'static str,
    pub python_key: &'static str,
    pub unit: &'static str,
    pub better: Better,
    pub target: Target,
    /// The lower bound this row is also read against, if any.
    pub floor: Option<Floor>,
}

/// A row's floor: one of this machine's lower bounds, measured in the same
/// run, and how many times its cost the Rust figure may take.
#[derive(Debug, Clone, Copy)]
pub struct Floor {
    /// The [`Bound`](crate::lower_bounds::Bound)'s name.
    pub bound: &'static str,
    /// The most times the floor's cost per operation; `None` reports the
    /// distance with no target.
    pub at_most: Option<f64>,
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
    pub rows: &'static [Row],
}

/// The bench of every crate that has one. The targets are those of the
/// design's performance table.
pub fn specs() -> Vec<CrateBench> {
    vec![
        CrateBench {
            name: "threads-locks",
            rust_args: &["bench"],
            python_args: &["--workload", "counter"],
            quick_rust_args: &["bench", "--increments", "20000"],
            quick_python_args: &["--workload", "counter", "--increments", "20000"],
            python_modules: &[],
            serve: &[],
            quick_serve: &[],
            rows: &[
                Row {
                    workload: "4 threads x 1M increments: std Mutex vs threading.Lock",
                    rust_key: "mutex_ns_per_increment",
                    python_key: "lock_ns_per_increment",
                    unit: "ns",
                    better: Better::Lower,
                    target: Target::RatioAtLeast(4.0),
                    floor: Some(Floor {
                        bound: "contended Mutex increment (one thread per core)",
                        at_most: None,
                    }),
                },
                Row {
                    workload: "the same: parking_lot::Mutex vs threading.Lock",
                    rust_key: "parking_lot_mutex_ns_per_increment",
                    python_key: "lock_ns_per_increment",
                    unit: "ns",
                    better: Better::Lower,
                    target: Target::RatioAtLeast(4.0),
                    floor: Some(Floor {
                        bound: "contended Mutex increment (one thread per core)",
                        at_most: Some(1.5),
                    }),
                },
                Row {
                    workload: "the same: AtomicU64::fetch_add vs threading.Lock",
                    rust_key: "atomic_ns_per_increment",
                    python_key: "lock_ns_per_increment",
                    unit: "ns",
                    better: Better::Lower,
                    target: Target::RatioAtLeast(15.0),
                    floor: Some(Floor {
                        bound: "contended atomic increment (one thread per core)",
                        at_most: Some(1.15),
                    }),
                },
            ],
        },
        CrateBench {
            name: "child-processes",
            rust_args: &["bench", "spawn", "--children", "50"],
            python_args: &["--children", "50"],
            quick_rust_args: &["bench", "spawn", "--children", "5", "--repeat", "1"],
            quick_python_args: &["--children", "5"],
            python_modules: &[],
            serve: &[],
            quick_serve: &[],
            rows: &[
                Row {
                    workload: "start and join 50 no-op children, per child (Python: fork)",
                    rust_key: "spawn_ms_per_child",
                    python_key: "fork_ms_per_child",
                    unit: "ms",
                    better: Better::Lower,
                    target: Target::RustAtMost(1.2),
                    floor: Some(Floor {
                        bound: "spawn and wait of a trivial child",
                        at_most: None,
                    }),
                },
                Row {
                    workload: "the same, vs Python's spawn start method",
                    rust_key: "spawn_ms_per_child",
                    python_key: "spawn_ms_per_child",
                    unit: "ms",
                    better: Better::Lower,
                    target: Target::RatioAtLeast(20.0),
                    floor: None,
                },
            ],
        },
        CrateBench {
            name: "process-pool",
            rust_args: &["bench"],
            python_args: &[],
            quick_rust_args: &[
                "bench",
                "--map-items",
                "20000",
                "--tiny-tasks",
                "500",
                "--limit",
                "100000",
            ],
            quick_python_args: &[
                "--map-items",
                "20000",
                "--tiny-tasks",
                "500",
                "--limit",
                "100000",
            ],
            python_modules: &[],
            serve: &[],
            quick_serve: &[],
            rows: &[
                Row {
                    workload: "map of square over 1M ints, 2 workers, vs Pool.map",
                    rust_key: "map_per_s",
                    python_key: "pool_map_per_s",
                    unit: "/s",
                    better: Better::Higher,
                    target: Target::RatioAtLeast(2.0),
                    floor: None,
                },
                Row {
                    workload: "submit + as_completed of 20k tiny tasks vs ProcessPoolExecutor",
                    rust_key: "tiny_tasks_per_s",
                    python_key: "tiny_tasks_per_s",
                    unit: "/s",
                    better: Better::Higher,
                    target: Target::RatioAtLeast(5.0),
                    floor: Some(Floor {
                        bound: "Unix-socket round trip, sustained",
                        at_most: None,
                    }),
                },
                Row {
                    workload: "primes < 3M: speedup with 2 workers (Python: processes)",
                    rust_key: "primes_speedup",
                    python_key: "primes_speedup",
                    unit: "x",
                    better: Better::Higher,
                    target: Target::RustAtLeast(1.8),
                    floor: None,
                },
            ],
        },
        CrateBench {
            name: "shared-counter",
            rust_args: &["bench"],
            python_args: &[],
            quick_rust_args: &["bench", "--increments", "20000"],
            quick_python_args: &["--increments", "20000"],
            python_modules: &[],
            serve: &[],
            quick_serve: &[],
            rows: &[
                Row {
                    workload: "4 processes x 1M increments: fetch_add vs Value + get_lock()",
                    rust_key: "atomic_per_s",
                    python_key: "locked_per_s",
                    unit: "/s",
                    better: Better::Higher,
                    target: Target::RatioAtLeast(50.0),
                    floor: None,
                },
                Row {
                    workload: "the same: robust pthread mutex vs Value + get_lock()",
                    rust_key: "locked_per_s",
                    python_key: "locked_per_s",
                    unit: "/s",
                    better: Better::Higher,
                    target: Target::RatioAtLeast(10.0),
                    floor: None,
                },
                Row {
                    workload: "the same: a record lock on the block's file (every Unix) vs Value + get_lock()",
                    rust_key: "file-lock_per_s",
                    python_key: "locked_per_s",
                    unit: "/s",
                    better: Better::Higher,
                    // Two system calls per increment, where Python's
                    // semaphore takes none uncontended: robustness on
                    // every Unix costs speed, and this row shows how much.
                    target: Target::RatioAtLeast(0.5),
                    floor: None,
                },
            ],
        },
        CrateBench {
            name: "thread-pool",
            rust_args: &["bench"],
            python_args: &["--workload", "all"],
            quick_rust_args: &[
                "bench",
                "--limit",
                "100000",
                "--tiny-tasks",
                "5000",
                "--repeat",
                "1",
            ],
            quick_python_args: &[
                "--workload",
                "all",
                "--limit",
                "100000",
                "--tiny-tasks",
                "5000",
            ],
            python_modules: &[],
            serve: &[],
            quick_serve: &[],
            rows: &[
                Row {
                    workload: "primes < 3M in 64 chunks: parallel speedup (Python: processes)",
                    rust_key: "primes_speedup",
                    python_key: "primes_processes_speedup",
                    unit: "x",
                    better: Better::Higher,
                    target: Target::RustAtLeast(1.85),
                    floor: None,
                },
                Row {
                    workload: "primes < 3M: rayon vs Python's best (processes)",
                    rust_key: "primes_parallel_s",
                    python_key: "primes_best_s",
                    unit: "s",
                    better: Better::Lower,
                    target: Target::RatioAtLeast(30.0),
                    floor: None,
                },
                Row {
                    workload: "submit + result of 100k tiny tasks",
                    rust_key: "tiny_tasks_per_s",
                    python_key: "tiny_tasks_per_s",
                    unit: "/s",
                    better: Better::Higher,
                    target: Target::RustAtLeast(1_000_000.0),
                    floor: None,
                },
            ],
        },
        CrateBench {
            name: "web-scraper",
            rust_args: &[
                "bench",
                "--url",
                "{0}std/index.html",
                "--scope",
                "{0}std/",
                "--slow-url",
                "{1}std/os/index.html",
                "--slow-scope",
                "{1}std/os/",
                "--slow-pages",
                "113",
            ],
            python_args: &[
                "--url",
                "{0}std/index.html",
                "--scope",
                "{0}std/",
                "--slow-url",
                "{1}std/os/index.html",
                "--slow-scope",
                "{1}std/os/",
                "--slow-pages",
                "113",
            ],
            quick_rust_args: &[
                "bench",
                "--url",
                "{0}index.html",
                "--slow-url",
                "{1}index.html",
                "--slow-pages",
                "20",
            ],
            quick_python_args: &[
                "--url",
                "{0}index.html",
                "--slow-url",
                "{1}index.html",
                "--slow-pages",
                "20",
            ],
            python_modules: &["requests", "bs4"],
            // The toolchain's std docs, served by the crate itself, once as
            // fast as it can and once 50 ms behind every response. The quick
            // run serves the bundled site instead.
            serve: &[
                Serve {
                    site: Site::RustDocs,
                    latency_ms: 0,
                },
                Serve {
                    site: Site::RustDocs,
                    latency_ms: 50,
                },
            ],
            quick_serve: &[
                Serve {
                    site: Site::Bundled,
                    latency_ms: 0,
                },
                Serve {
                    site: Site::Bundled,
                    latency_ms: 50,
                },
            ],
            rows: &[
                Row {
                    workload: "crawl the std docs, 16 at a time, vs requests + bs4 with 16 threads",
                    rust_key: "crawl_pages_per_s",
                    python_key: "crawl_pages_per_s",
                    unit: "/s",
                    better: Better::Higher,
                    target: Target::RatioAtLeast(30.0),
                    floor: None,
                },
                Row {
                    workload: "the same: pages crawled",
                    rust_key: "crawl_pages",
                    python_key: "crawl_pages",
                    unit: "pages",
                    better: Better::Higher,
                    target: Target::SameAsPython,
                    floor: None,
                },
                Row {
                    workload: "the same: digest of the sorted URLs (the same set of pages)",
                    rust_key: "crawl_digest",
                    python_key: "crawl_digest",
                    unit: "id",
                    better: Better::Higher,
                    target: Target::SameAsPython,
                    floor: None,
                },
                Row {
                    workload: "the same: the crawler's peak memory",
                    rust_key: "peak_rss_mb",
                    python_key: "peak_rss_mb",
                    unit: "MB",
                    better: Better::Lower,
                    target: Target::RustAtMost(150.0),
                    floor: None,
                },
                Row {
                    workload: "113 pages as a list, 50 ms latency, 16 at a time (ideal 320/s)",
                    rust_key: "slow_pages_per_s",
                    python_key: "slow_pages_per_s",
                    unit: "/s",
                    better: Better::Higher,
                    target: Target::RustAtLeast(272.0),
                    floor: None,
                },
                Row {
                    workload: "the same: digest of the sorted URLs",
                    rust_key: "slow_digest",
                    python_key: "slow_digest",
                    unit: "id",
                    better: Better::Higher,
                    target: Target::SameAsPython,
                    floor: None,
                },
            ],
        },
    ]
}

/// The figures of one row: every pair's Rust and Python value.
#[derive(Debug, Clone)]
pub struct Measured {
    pub crate_name: &'static str,
    pub row: Row,
    pub rust: Vec<f64>,
    /// Empty when Python was not run.
    pub python: Vec<f64>,
    /// Why Python was not run, when it was not.
    pub python_skipped: Option<String>,
}

impl Measured {
    /// Rust's advantage in each pair: how many times better than Python.
    pub fn ratios(&self) -> Vec<f64> {
        self.rust
            .iter()
            .zip(&self.python)
            .map(|(&rust, &python)| match self.row.better {
                Better::Lower => python / rust,
                Better::Higher => rust / python,
            })
            .collect()
    }

    /// Whether the target was met, on the medians; `None` when it cannot be
    /// judged (no Python figures for a ratio target).
    pub fn met(&self) -> Option<bool> {
        match self.row.target {
            Target::RatioAtLeast(ratio) => median(&self.ratios()).map(|median| median >= ratio),
            Target::RustAtLeast(floor) => median(&self.rust).map(|median| median >= floor),
            Target::RustAtMost(ceiling) => median(&self.rust).map(|median| median <= ceiling),
            Target::SameAsPython if self.python.is_empty() => None,
            Target::SameAsPython => Some(
                self.rust.len() == self.python.len()
                    && self
                        .rust
                        .iter()
                        .zip(&self.python)
                        .all(|(rust, python)| rust == python),
            ),
        }
    }
}

/// The middle value (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        len if len % 2 == 1 => Some(sorted[middle]),
        _ => Some((sorted[middle - 1] + sorted[middle]) / 2.0),
    }
}

/// The smallest and largest value.
pub fn spread(values: &[f64]) -> Option<(f64, f64)> {
    let min = values.iter().copied().min_by(f64::total_cmp)?;
    let max = values.iter().copied().max_by(f64::total_cmp)?;
    Some((min, max))
}

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

/// Why the Python side cannot run here, or `None` when it can: `python`
/// must start and import every module in `modules`.
pub fn python_missing(python: &Path, modules: &[&str]) -> Option<String> {
    let imports = if modules.is_empty() {
        "pass".to_string()
    } else {
        format!("import {}", modules.join(", "))
    };
    let name = python.display();
    match Command::new(python).args(["-c", &imports]).output() {
        Err(_) => Some(format!("{name} is not installed")),
        Ok(output) if output.status.success() => None,
        Ok(_) => Some(format!("{name} cannot import {}", modules.join(", "))),
    }
}

/// Where a crate's reference.py runs: `python3` when it has the crate's
/// modules; otherwise a virtual environment under `venv` (normally
/// `target/bench/venv`) that this makes and fills from the crate's pinned
/// `requirements.txt`, saying so in one line. `Err` says why the Python
/// side must be skipped: no `python3`, `setup` off, or the install failed.
pub fn python_for(
    spec: &CrateBench,
    example: &Example,
    venv: &Path,
    setup: bool,
) -> std::result::Result<PathBuf, String> {
    let system = PathBuf::from("python3");
    let Some(reason) = python_missing(&system, spec.python_modules) else {
        return Ok(system);
    };
    let venv_python = venv.join("bin").join("python");
    if python_missing(&venv_python, spec.python_modules).is_none() {
        return Ok(venv_python);
    }
    let requirements = example.dir.join("requirements.txt");
    if !setup || !requirements.is_file() {
        return Err(reason);
    }
    eprintln!(
        "bench: {}: {reason}; installing crates/{}/requirements.txt into {}",
        spec.name,
        spec.name,
        venv.display()
    );
    let quiet = |command: &mut Command| {
        command
            .output()
            .map_err(|error| error.to_string())
            .and_then(|output| {
                if output.status.success() {
                    Ok(())
                } else {
                    Err(runner::tail(&String::from_utf8_lossy(&output.stderr), 5))
                }
            })
    };
    if !venv_python.exists() {
        quiet(Command::new("python3").args(["-m", "venv"]).arg(venv)).map_err(|error| {
            format!("{reason}, and making a virtual environment failed: {error}")
        })?;
    }
    quiet(
        Command::new(&venv_python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(&requirements),
    )
    .map_err(|error| format!("{reason}, and installing its requirements failed: {error}"))?;
    match python_missing(&venv_python, spec.python_modules) {
        None => Ok(venv_python),
        Some(still) => Err(format!("after installing its requirements, {still}")),
    }
}

/// Runs one side once and returns its figures. A failed or hung run is an
/// error naming the command.
fn run_once(name: &str, mut command: Command, reproduce: String) -> Result<BTreeMap<String, f64>> {
    command.env("PYTHONDONTWRITEBYTECODE", "1");
    let check = Check {
        name: name.to_string(),
        command,
        reproduce: reproduce.clone(),
        expected: None,
        timeout: RUN_TIMEOUT,
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

/// Benches one crate: `runs` alternating pairs of Python then Rust.
pub fn bench_crate(
    spec: &CrateBench,
    example: &Example,
    binary: &Path,
    runs: usize,
    quick: bool,
    python: &std::result::Result<PathBuf, String>,
) -> Result<Vec<Measured>> {
    let python_skipped = python.as_ref().err().cloned();
    if let Some(reason) = &python_skipped {
        eprintln!("bench: {}: Python side skipped: {reason}", spec.name);
    }
    let (rust_args, python_args, serve) = if quick {
        (
            spec.quick_rust_args,
            spec.quick_python_args,
            spec.quick_serve,
        )
    } else {
        (spec.rust_args, spec.python_args, spec.serve)
    };
    // Stopped when dropped, after the last pair.
    let servers = serve
        .iter()
        .map(|&serve| Server::start(binary, serve))
        .collect::<Result<Vec<_>>>()?;
    let rust_args = substitute(rust_args, &servers);
    let python_args = substitute(python_args, &servers);
    let reference = example.dir.join("reference.py");
    let mut measured: Vec<Measured> = spec
        .rows
        .iter()
        .map(|&row| Measured {
            crate_name: spec.name,
            row,
            rust: Vec::new(),
            python: Vec::new(),
            python_skipped: python_skipped.clone(),
        })
        .collect();
    for pair in 1..=runs {
        eprintln!("bench: {} pair {pair} of {runs}", spec.name);
        if let Ok(python) = python {
            let mut command = Command::new(python);
            command.arg(&reference).args(&python_args);
            let reproduce = format!(
                "{} crates/{}/reference.py {}",
                python.display(),
                spec.name,
                python_args.join(" ")
            );
            let figures = run_once(spec.name, command, reproduce.clone())?;
            record(&mut measured, &figures, &reproduce, Side::Python)?;
        }
        let mut command = Command::new(binary);
        command.args(&rust_args);
        let reproduce = format!(
            "cargo run --release -p {} -- {}",
            spec.name,
            rust_args.join(" ")
        );
        let figures = run_once(spec.name, command, reproduce.clone())?;
        record(&mut measured, &figures, &reproduce, Side::Rust)?;
    }
    Ok(measured)
}

/// Which side of a pair a run was.
#[derive(Clone, Copy)]
enum Side {
    Python,
    Rust,
}

/// Adds one run's figures to each row, by that side's key; a missing key
/// is an error naming the command that should have printed it.
fn record(
    measured: &mut [Measured],
    figures: &BTreeMap<String, f64>,
    reproduce: &str,
    side: Side,
) -> Result<()> {
    for row in measured {
        let (key, values) = match side {
            Side::Python => (row.row.python_key, &mut row.python),
            Side::Rust => (row.row.rust_key, &mut row.rust),
        };
        let value = figures
            .get(key)
            .with_context(|| format!("`{reproduce}` printed no `{key}=` line"))?;
        values.push(*value);
    }
    Ok(())
}

/// The examples to bench: those named, or every one that has a spec.
pub fn select(root: &Path, names: &[String]) -> Result<Vec<(CrateBench, Example)>> {
    let examples = workspace::select(workspace::examples(root)?, names)?;
    let specs = specs();
    let mut selected = Vec::new();
    for example in examples {
        match specs.iter().find(|spec| spec.name == example.name) {
            Some(spec) => selected.push((*spec, example)),
            None if names.contains(&example.name) => {
                bail!("{} has no bench spec in xtask/src/bench.rs", example.name)
            }
            None => eprintln!("bench: {} has no bench spec yet; skipped", example.name),
        }
    }
    Ok(selected)
}
