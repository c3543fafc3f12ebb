//! `bench spawn --children N`: start N children that do nothing, then join
//! them all, and print the cost per child as `key=value` lines.
//! `reference.py` does the same with Python's spawn and fork start methods.

use super::Noop;
use anyhow::{Result, ensure};
use child_processes::task::ChildTask;
use clap::Subcommand;
use std::time::Instant;

#[derive(Subcommand)]
pub enum Workload {
    /// Start N no-op children, then join them all
    Spawn {
        /// How many children
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        children: u32,
        /// Measure this many times and report the median
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
        repeat: u32,
    },
}

impl Workload {
    /// The tour's settings.
    pub fn quick() -> Self {
        Workload::Spawn {
            children: 10,
            repeat: 1,
        }
    }
}

pub fn run(workload: &Workload) -> Result<()> {
    let Workload::Spawn { children, repeat } = *workload;
    let mut per_child_ms = Vec::new();
    for _ in 0..repeat {
        let started = Instant::now();
        let mut running = (0..children)
            .map(|_| Noop.builder().start())
            .collect::<Result<Vec<_>, _>>()?;
        for child in &mut running {
            let report = child.join()?;
            ensure!(report.success(), "a no-op child ended with {report}");
        }
        per_child_ms.push(started.elapsed().as_secs_f64() * 1e3 / f64::from(children));
    }
    per_child_ms.sort_by(f64::total_cmp);
    println!("children={children}");
    println!("repeat={repeat}");
    println!(
        "spawn_ms_per_child={:.3}",
        per_child_ms[per_child_ms.len() / 2]
    );
    Ok(())
}
