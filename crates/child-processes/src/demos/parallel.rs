//! The seed's square and cube functions in two processes at once: the wall
//! time is about the longer of the two, not their sum.
//!
//! Python (the seed): `square_numbers` sleeps 1 s five times and
//! `cube_numbers` 1.5 s five times, each in its own `Process`.

use super::header;
use anyhow::{Result, ensure};
use child_processes::task::{ChildTask, arg};
use std::time::{Duration, Instant};

const STEPS: u64 = 5;

#[derive(clap::Args)]
pub struct Args {
    /// How long a square step sleeps, in milliseconds (a cube step: 1.5x)
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub delay_ms: u64,
}

pub fn run(args: &Args) -> Result<()> {
    header(
        "parallel",
        "square and cube in two processes at once",
        "the seed's square_numbers and cube_numbers",
    );
    let square_delay = args.delay_ms;
    let cube_delay = args.delay_ms * 3 / 2;
    let started = Instant::now();
    let mut square = Powers {
        exponent: 2,
        delay_ms: square_delay,
    }
    .builder()
    .name("square")
    .start()?;
    let mut cube = Powers {
        exponent: 3,
        delay_ms: cube_delay,
    }
    .builder()
    .name("cube")
    .start()?;
    for child in [&mut square, &mut cube] {
        let report = child.join()?;
        ensure!(report.success(), "{} ended with {report}", child.name());
    }
    let wall = started.elapsed();
    let longer = Duration::from_millis(STEPS * cube_delay);
    let sum = Duration::from_millis(STEPS * (square_delay + cube_delay));
    // Not a tight timing: only that the two overlapped at all.
    ensure!(
        wall < sum,
        "the two took {wall:?}, as long as one after the other ({sum:?})"
    );
    println!(
        "wall {:.2} s: about the longer of the two ({:.2} s), not their sum ({:.2} s)",
        wall.as_secs_f64(),
        longer.as_secs_f64(),
        sum.as_secs_f64()
    );
    Ok(())
}

/// The seed's `square_numbers` (exponent 2) and `cube_numbers` (3): prints
/// `i` to the power `exponent` for i in 0..5, sleeping before each.
pub struct Powers {
    pub exponent: u32,
    pub delay_ms: u64,
}

impl ChildTask for Powers {
    const ROLE: &'static str = "power";

    fn to_args(&self) -> Vec<String> {
        vec![self.exponent.to_string(), self.delay_ms.to_string()]
    }

    fn from_args(args: &[String]) -> Result<Self> {
        Ok(Powers {
            exponent: arg(args, 0)?,
            delay_ms: arg(args, 1)?,
        })
    }

    fn run(self) -> Result<()> {
        let label = if self.exponent == 2 { "Square" } else { "Cube" };
        for base in 0..STEPS {
            std::thread::sleep(Duration::from_millis(self.delay_ms));
            println!("{label}: {}", base.pow(self.exponent));
        }
        Ok(())
    }
}
