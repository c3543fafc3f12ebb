//! The seed's threaded scraper (`threading` + `requests` + BeautifulSoup),
//! grown into a crawler you could point at a real site.
//!
//! Run the tour with `cargo run -p web-scraper`: it serves the bundled site
//! on 127.0.0.1, fetches its pages concurrently, compares sequential with
//! concurrent fetching under 50 ms of latency, and crawls the site. Each
//! part is also a subcommand; `--help` lists them.
//!
//! Exit codes: 0, or 1 when `--fail-on-error` is given and a URL failed (or
//! a demo's check fails), 2 for bad arguments, 130 after Ctrl-C.

mod cli;
mod demos;

use clap::{Parser, Subcommand};
use cli::{Failure, parse_url};
use std::process::ExitCode;
use url::Url;

#[derive(Parser)]
#[command(
    name = "web-scraper",
    version,
    about = "Fetch and crawl web pages concurrently: Python's threads + requests + BeautifulSoup in Rust"
)]
struct Cli {
    /// What to do; with none, the whole tour runs against the bundled site
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// The seed's program, line for line: every URL at once (with none, the bundled site's pages)
    Seed {
        /// The URLs to fetch
        #[arg(value_parser = parse_url)]
        urls: Vec<Url>,
    },
    /// The tool's own: fetch, crawl, crawl-status, serve (src/cli/)
    #[command(flatten)]
    Tool(cli::Command),
    /// Fetch the bundled site's pages one at a time, then concurrently
    Compare(demos::compare::CompareArgs),
    /// Crawlers sharing Redis, killed at random, and Redis killed once: no page may be lost
    Chaos(demos::chaos::ChaosArgs),
    /// Print key=value figures for `cargo xtask bench`
    Bench(demos::bench::BenchArgs),
}

fn main() -> ExitCode {
    // The bench's memory probe runs this binary again as a launcher.
    if let Some(code) = demos::probe::launcher_role() {
        return code;
    }
    let cli = Cli::parse();
    cli::block_on(run(cli))
}

async fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let Some(command) = cli.command else {
        demos::tour::tour().await?;
        return Ok(ExitCode::SUCCESS);
    };
    match command {
        Command::Seed { urls } => {
            demos::seed::standalone(urls).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Tool(command) => cli::run(command).await,
        Command::Compare(args) => {
            demos::compare::compare(&args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Chaos(args) => {
            if !cfg!(feature = "redis") {
                return Err(Failure::Usage(
                    "chaos needs the redis feature, which this build leaves out".into(),
                ));
            }
            demos::chaos::chaos(&args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(args) => {
            demos::bench::bench(&args).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
