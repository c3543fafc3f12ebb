//! What this machine can do at best, measured beside the benchmarks so their
//! figures can be read against it: starting and reaping a trivial process,
//! and a Unix-socket round trip. (A floor that depends on how the workload
//! runs, such as a contended counter with the workload's thread count, is
//! measured by the workload's own bench, in the same run, and read as a
//! figure.)
//!
//! The xtask is built with optimisations even in the dev profile (see the
//! workspace `Cargo.toml`), so these loops are measured as release code.
//! A full run measures each bound five times and keeps the best.

use super::measure::Measured;
use super::spec::{FloorOf, FloorTarget, Target, cost_per_operation};
use crate::stats::{median, spread};
use anyhow::{Context, Result};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

/// One measured lower bound.
#[derive(Debug, Clone)]
pub struct Bound {
    pub name: &'static str,
    pub value: f64,
    pub unit: &'static str,
}

/// Round trips in a short burst.
const BURST: usize = 2_000;

/// Sizes of the measurements; `quick` shrinks them for CI.
struct Sizes {
    children: usize,
    round_trips: usize,
}

/// How many times each bound is measured in a full run; the best is kept,
/// since a floor is what the machine can do, and a neighbour's noise only
/// ever makes a figure worse.
const REPEATS: usize = 5;

pub fn measure(quick: bool) -> Result<Vec<Bound>> {
    let (sizes, repeats) = if quick {
        (
            Sizes {
                children: 10,
                round_trips: 10_000,
            },
            1,
        )
    } else {
        (
            Sizes {
                children: 50,
                round_trips: 50_000,
            },
            REPEATS,
        )
    };
    let threads = thread::available_parallelism()
        .map(|cores| cores.get())
        .unwrap_or(1);
    let best = |measure: &dyn Fn() -> Result<f64>| -> Result<f64> {
        let mut best = f64::INFINITY;
        for _ in 0..repeats {
            best = best.min(measure()?);
        }
        Ok(best)
    };
    Ok(vec![
        Bound {
            name: "spawn and wait of a trivial child",
            value: best(&|| spawn_and_wait_ms(sizes.children))?,
            unit: "ms",
        },
        // Both figures are real. On this VM a short burst of round trips is
        // fast, while a sustained stream settles many times slower (wake-ups
        // across virtual CPUs), so a pool's IPC figures land in between.
        Bound {
            name: "Unix-socket round trip, a burst of 2,000",
            value: best(&|| socket_round_trip_us(BURST))?,
            unit: "us",
        },
        Bound {
            name: "Unix-socket round trip, sustained",
            value: best(&|| socket_round_trip_us(sizes.round_trips))?,
            unit: "us",
        },
        // What a pool that keeps tasks in flight could reach at best: each
        // task is a message there and one back, over one socket per worker.
        Bound {
            name: "Unix-socket round trip, 16 in flight on a socket per core",
            value: best(&|| pipelined_round_trip_us(threads, sizes.round_trips))?,
            unit: "us",
        },
        // What a pool that batches could reach at best: the bytes of tiny
        // tasks there and back in writes of many, and nothing else done
        // with them, over one socket per worker.
        Bound {
            name: "Unix-socket round trip of 16-byte tasks, 1,024 in flight in writes of 256, on a socket per core",
            value: best(&|| batched_round_trip_us(threads, sizes.round_trips * BATCHED_PER_TRIP))?
                * 1e3,
            unit: "ns",
        },
    ])
}

/// Starts `count` `true` processes together, then waits for all: ms per child.
fn spawn_and_wait_ms(count: usize) -> Result<f64> {
    let started = Instant::now();
    let children = (0..count)
        .map(|_| {
            Command::new("true")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .spawn()
        })
        .collect::<Result<Vec<_>, _>>()
        .context("spawning `true`")?;
    for mut child in children {
        child.wait().context("waiting for `true`")?;
    }
    Ok(per_item(started.elapsed(), count as u64) * 1e3)
}

/// One byte there and back over a socket pair, `count` times: µs per trip.
fn socket_round_trip_us(count: usize) -> Result<f64> {
    let (mut ours, mut theirs) = UnixStream::pair().context("creating a socket pair")?;
    let echo = thread::spawn(move || -> std::io::Result<()> {
        let mut byte = [0u8; 1];
        for _ in 0..count {
            theirs.read_exact(&mut byte)?;
            theirs.write_all(&byte)?;
        }
        Ok(())
    });
    let mut byte = [7u8; 1];
    let started = Instant::now();
    for _ in 0..count {
        ours.write_all(&byte)?;
        ours.read_exact(&mut byte)?;
    }
    let elapsed = started.elapsed();
    echo.join()
        .map_err(|_| anyhow::anyhow!("the echo thread panicked"))??;
    Ok(per_item(elapsed, count as u64) * 1e6)
}

/// How many round trips the pipelined bound keeps in flight on a socket:
/// the process pool's window per worker before it batched its writes.
const IN_FLIGHT: usize = 16;

/// `pairs` socket pairs side by side, each with an echo thread, each kept
/// `IN_FLIGHT` one-byte messages ahead of its replies until `count` have
/// come back: µs per round trip over all pairs together.
fn pipelined_round_trip_us(pairs: usize, count: usize) -> Result<f64> {
    let elapsed = on_socket_pairs(
        pairs,
        |mut theirs| {
            let mut byte = [0u8; 1];
            for _ in 0..count {
                theirs.read_exact(&mut byte)?;
                theirs.write_all(&byte)?;
            }
            Ok(())
        },
        |mut ours| {
            let mut byte = [7u8; 1];
            let ahead = IN_FLIGHT.min(count);
            for _ in 0..ahead {
                ours.write_all(&byte)?;
            }
            for sent in ahead..count + ahead {
                ours.read_exact(&mut byte)?;
                if sent < count {
                    ours.write_all(&byte)?;
                }
            }
            Ok(())
        },
    )?;
    Ok(per_item(elapsed, (pairs * count) as u64) * 1e6)
}

/// The batched bound's tasks: each this many bytes each way, this many in
/// flight on a socket, written this many at a time: the process pool's
/// largest window, and a quarter of it per write.
const TASK_BYTES: usize = 16;
const TASKS_IN_FLIGHT: usize = 1_024;
const TASKS_PER_WRITE: usize = 256;
/// The batched bound moves this many tasks per round trip the unbatched
/// bounds make, so that it runs about as long.
const BATCHED_PER_TRIP: usize = 20;

/// `pairs` socket pairs side by side, each with an echo thread that writes
/// back whatever it reads; each pair is kept `TASKS_IN_FLIGHT` tasks ahead
/// of its replies, in writes of `TASKS_PER_WRITE`, until `tasks` tasks'
/// bytes have come back: µs per task over all pairs together (a few
/// hundredths: the bound is shown in ns).
fn batched_round_trip_us(pairs: usize, tasks: usize) -> Result<f64> {
    let tasks = tasks.div_ceil(TASKS_PER_WRITE) * TASKS_PER_WRITE;
    let total = tasks * TASK_BYTES;
    let elapsed = on_socket_pairs(
        pairs,
        |mut theirs| {
            let mut buffer = vec![0u8; TASKS_IN_FLIGHT * TASK_BYTES];
            let mut left = total;
            while left > 0 {
                let most = left.min(buffer.len());
                let read = theirs.read(&mut buffer[..most])?;
                if read == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                theirs.write_all(&buffer[..read])?;
                left -= read;
            }
            Ok(())
        },
        |mut ours| {
            let write = vec![7u8; TASKS_PER_WRITE * TASK_BYTES];
            let mut buffer = vec![0u8; TASKS_IN_FLIGHT * TASK_BYTES];
            let (mut sent, mut back) = (0, 0);
            while back < total {
                while sent < total && sent - back + write.len() <= buffer.len() {
                    ours.write_all(&write)?;
                    sent += write.len();
                }
                let read = ours.read(&mut buffer)?;
                if read == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                back += read;
            }
            Ok(())
        },
    )?;
    Ok(per_item(elapsed, (pairs * tasks) as u64) * 1e6)
}

/// Runs `pairs` socket pairs side by side, each with `echo` on one end and
/// `drive` on the other, the drivers let go together: how long until every
/// thread is done.
fn on_socket_pairs(
    pairs: usize,
    echo: impl Fn(UnixStream) -> std::io::Result<()> + Sync,
    drive: impl Fn(UnixStream) -> std::io::Result<()> + Sync,
) -> Result<Duration> {
    let sockets = (0..pairs)
        .map(|_| UnixStream::pair())
        .collect::<std::io::Result<Vec<_>>>()
        .context("creating socket pairs")?;
    let start_line = Barrier::new(pairs);
    let started = Instant::now();
    thread::scope(|scope| -> Result<()> {
        let (echo, drive, start_line) = (&echo, &drive, &start_line);
        let runs: Vec<_> = sockets
            .into_iter()
            .flat_map(|(ours, theirs)| {
                [
                    scope.spawn(move || echo(theirs)),
                    scope.spawn(move || {
                        start_line.wait();
                        drive(ours)
                    }),
                ]
            })
            .collect();
        for run in runs {
            run.join()
                .map_err(|_| anyhow::anyhow!("a socket thread panicked"))??;
        }
        Ok(())
    })?;
    Ok(started.elapsed())
}

fn per_item(elapsed: Duration, count: u64) -> f64 {
    elapsed.as_secs_f64() / count.max(1) as f64
}

/// How far under its floor a row may measure before the run refuses to
/// publish, at least: a floor is a lower bound, so a row below it by more
/// than noise means the floor is the wrong one or was measured badly.
pub const UNDER_FLOOR_AT_LEAST: f64 = 0.05;

/// A row read against its floor: the floor's name and figure, Rust's cost
/// per operation as a multiple of the floor's, whether that is within the
/// row's floor target, and what the floor allows the row's own target.
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
    /// Rust's cost over the floor's in each round (empty for a bound,
    /// which is measured once).
    pub per_round: Vec<f64>,
    pub target: Option<FloorTarget>,
    /// The best the row's own target could reach if Rust ran at the floor,
    /// against the same reference in the same rounds, in the target's
    /// terms: a ratio for [`Target::RatioAtLeast`], a figure in the row's
    /// unit for [`Target::RustAtLeast`] and [`Target::RustAtMost`].
    pub cap: Option<f64>,
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

    /// How far under the floor the row may measure and still be noise: the
    /// spread of its rounds (half the range of the per-round multiples,
    /// over their median), and never less than [`UNDER_FLOOR_AT_LEAST`].
    pub fn allowance(&self) -> f64 {
        let spread = match (spread(&self.per_round), median(&self.per_round)) {
            (Some((low, high)), Some(middle)) if middle > 0.0 => (high - low) / 2.0 / middle,
            _ => 0.0,
        };
        spread.max(UNDER_FLOOR_AT_LEAST)
    }

    /// Whether the row beats its floor by more than [`Self::allowance`]:
    /// then the run may not be published.
    pub fn beats_floor(&self) -> bool {
        self.times_floor < 1.0 - self.allowance()
    }

    /// Whether the floor allows the row's own target; `None` when the row
    /// has no target the floor bears on.
    pub fn target_reachable(&self) -> Option<bool> {
        let cap = self.cap?;
        match self.row.row.target {
            Target::RatioAtLeast(ratio) => Some(ratio <= cap),
            Target::RustAtLeast(at_least) => Some(at_least <= cap),
            Target::RustAtMost(at_most) => Some(at_most >= cap),
            Target::SameAsReference | Target::Reported => None,
        }
    }
}

/// Every row that has a floor measured in this run, with its distance.
pub fn against_floors<'a>(measured: &'a [Measured], bounds: &'a [Bound]) -> Vec<AgainstFloor<'a>> {
    measured
        .iter()
        .filter_map(|row| {
            let floor = row.row.floor.as_ref()?;
            let unit = row.row.unit.as_str();
            let (name, value, unit, times_floor, per_round, floor_cost) = match &floor.of {
                FloorOf::Bound(name) => {
                    let bound = bounds.iter().find(|bound| bound.name == name)?;
                    let floor_cost = cost(bound.value, bound.unit)?;
                    let times = cost(median(&row.rust)?, unit)? / floor_cost;
                    (
                        bound.name,
                        bound.value,
                        bound.unit,
                        times,
                        Vec::new(),
                        floor_cost,
                    )
                }
                FloorOf::Figure { name, .. } => {
                    let per_round: Option<Vec<f64>> = row
                        .rust
                        .iter()
                        .zip(&row.floor)
                        .map(|(&rust, &floor)| Some(cost(rust, unit)? / cost(floor, unit)?))
                        .collect();
                    let per_round = per_round?;
                    let value = median(&row.floor)?;
                    let times = median(&per_round)?;
                    (
                        name.as_str(),
                        value,
                        unit,
                        times,
                        per_round,
                        cost(value, unit)?,
                    )
                }
            };
            Some(AgainstFloor {
                row,
                name,
                value,
                unit,
                times_floor,
                per_round,
                target: floor.target,
                cap: cap(row, floor_cost),
            })
        })
        .collect()
}

fn cost(value: f64, unit: &str) -> Option<f64> {
    cost_per_operation(value, unit)
}

/// What the row's target could reach at best with Rust at `floor_cost`
/// seconds per operation (see [`AgainstFloor::cap`]).
fn cap(row: &Measured, floor_cost: f64) -> Option<f64> {
    let unit = row.row.unit.as_str();
    match row.row.target {
        Target::RatioAtLeast(_) => {
            // Per round where the floor is a figure of the rounds, so the
            // cap is taken as the ratio is.
            let caps: Option<Vec<f64>> = if row.floor.is_empty() {
                row.reference
                    .iter()
                    .map(|&reference| Some(cost(reference, unit)? / floor_cost))
                    .collect()
            } else {
                row.reference
                    .iter()
                    .zip(&row.floor)
                    .map(|(&reference, &floor)| Some(cost(reference, unit)? / cost(floor, unit)?))
                    .collect()
            };
            median(&caps?)
        }
        Target::RustAtLeast(_) | Target::RustAtMost(_) => in_unit(floor_cost, unit),
        Target::SameAsReference | Target::Reported => None,
    }
}

/// A cost per operation in seconds, as a figure in `unit`.
fn in_unit(seconds: f64, unit: &str) -> Option<f64> {
    let one = cost(1.0, unit)?;
    Some(if unit == "/s" {
        1.0 / seconds
    } else {
        seconds / one
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The socket bounds move every byte they send and come back with a
    /// cost: a lost or extra byte would hang a reader or fail a read.
    #[test]
    fn the_socket_bounds_finish_and_give_a_cost() {
        for cost in [
            pipelined_round_trip_us(2, 1_000).unwrap(),
            // Not a whole number of writes: rounded up to one.
            batched_round_trip_us(2, 1_000).unwrap(),
        ] {
            assert!(cost.is_finite() && cost > 0.0, "{cost}");
        }
    }
}
