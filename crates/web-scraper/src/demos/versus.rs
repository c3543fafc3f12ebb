//! `bench --spider PATH`: this crate's `crawl` and spider-rs's CLI, each
//! run as a process of its own on the same server, measured the same way.
//!
//! Neither crawler is trusted to say what it did: the pages are counted by
//! the server (its `/_hits` route, read before and after each run), and the
//! CPU time and peak memory come from the kernel (`wait4`) for the process
//! and nothing else, through the memory probe ([`super::probe`]), so that
//! neither inherits this process's size.

use anyhow::{Context, Result, bail, ensure};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use url::Url;
use web_scraper::server::{Generated, Root, ServeOptions, SiteServer};

/// One crawler process's run, as the server and the kernel saw it.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    /// Responses with status 200: the pages.
    pub pages: u64,
    /// Every request, robots.txt and 404s included.
    pub requests: u64,
    pub seconds: f64,
    /// User plus system time.
    pub cpu_seconds: f64,
    pub peak_rss_mb: f64,
    /// It made no request for [`STALL`], or ran past its time, and was
    /// killed.
    pub stalled: bool,
}

impl Run {
    pub fn pages_per_s(&self) -> f64 {
        self.pages as f64 / self.seconds
    }
}

/// Both crawlers' runs of one round, and how many of spider's runs were
/// thrown away first because they stopped early.
pub struct Round {
    pub ours: Run,
    pub spider: Run,
    pub spider_dropped: usize,
}

/// How many times spider may stop early in one round before the round
/// fails.
const SPIDER_ATTEMPTS: usize = 4;

/// One round: our `crawl` of `start`, then spider's, both obeying
/// robots.txt, with `concurrency` requests in flight for ours (spider
/// picks its own). A spider run that got less than nine tenths of our
/// pages stopped early (it does, now and then, after about half the
/// requests), and one that makes no request for [`STALL`] has stalled and
/// is killed; either is dropped, counted (the `spider_dropped` figure), and
/// run again. A smaller shortfall is kept, and shows in the pages row.
pub async fn round(spider: &Path, start: &Url, concurrency: usize) -> Result<Round> {
    let ours = measure(start, our_crawl(start, concurrency)?, None).await?;
    ensure!(ours.pages > 0, "the crawl of {start} found no pages");
    for dropped in 0..SPIDER_ATTEMPTS {
        let watch = Watch { deadline: None };
        let run = measure(start, spider_crawl(spider, start), Some(watch)).await?;
        if run.pages * 10 >= ours.pages * 9 && !run.stalled {
            return Ok(Round {
                ours,
                spider: run,
                spider_dropped: dropped,
            });
        }
        eprintln!(
            "bench: spider stopped early ({} of {} pages); dropped, running it again",
            run.pages, ours.pages
        );
    }
    bail!("spider stopped early {SPIDER_ATTEMPTS} times in a row")
}

/// This binary's `crawl` of `start`, its records written and thrown away.
fn our_crawl(start: &Url, concurrency: usize) -> Result<Command> {
    let concurrency = concurrency.to_string();
    let mut ours = Command::new(std::env::current_exe().context("finding this binary")?);
    ours.args(["crawl", start.as_str(), "--format", "jsonl"])
        .args(["--concurrency", &concurrency, "--per-host", &concurrency]);
    Ok(ours)
}

/// spider's crawl of `start`, obeying robots.txt.
fn spider_crawl(spider: &Path, start: &Url) -> Command {
    let mut command = Command::new(spider);
    command
        .args(["--respect-robots-txt", "--url", start.as_str()])
        .args(["crawl", "--output-links"]);
    command
}

/// The scale rows' runs: our crawl of a generated site of `small` pages,
/// then of one of `large` pages, then spider's of the large one, and how
/// many of spider's runs stopped early and were run again.
pub struct Scale {
    pub small: Run,
    pub large: Run,
    pub spider: Option<Run>,
    pub spider_dropped: usize,
}

/// How many times spider may stop early on the large site before its
/// furthest run is kept as it is. On a generated site it has stopped early
/// after anywhere from 50 to 100,000 pages; how often, in a run, is the
/// `scale_spider_dropped` figure. An early stop takes a second or less.
const SCALE_SPIDER_ATTEMPTS: usize = 10;

/// Crawls generated sites ([`Generated`], seed 1) served by this process:
/// `small` pages with ours, then `large` pages with ours and with `spider`,
/// if given. Each crawl runs once, as it takes minutes, except that a
/// spider run that got less than nine tenths of the site, or stalled, is
/// dropped and run again, up to [`SCALE_SPIDER_ATTEMPTS`] times within
/// [`SCALE_SPIDER_BUDGET`]; the furthest is kept, and its pages row shows
/// how far it got.
pub async fn scale(
    spider: Option<&Path>,
    small: u64,
    large_pages: u64,
    concurrency: usize,
) -> Result<Scale> {
    let serve = |pages| async move {
        let options = ServeOptions {
            root: Root::Generated(Generated { pages, seed: 1 }),
            ..ServeOptions::bundled()
        };
        let server = SiteServer::start(options, 0)
            .await
            .context("serving a generated site")?;
        let start = server.url().join("/p/0.html")?;
        anyhow::Ok((server, start))
    };
    let (server, start) = serve(small).await?;
    let small = measure(&start, our_crawl(&start, concurrency)?, None).await?;
    drop(server);
    let (_server, start) = serve(large_pages).await?;
    let large = measure(&start, our_crawl(&start, concurrency)?, None).await?;
    let mut spider_dropped = 0;
    let mut furthest: Option<Run> = None;
    if let Some(spider) = spider {
        let watch = Watch {
            deadline: Some(Instant::now() + SCALE_SPIDER_BUDGET),
        };
        for _ in 0..SCALE_SPIDER_ATTEMPTS {
            if watch
                .deadline
                .is_some_and(|deadline| Instant::now() >= deadline)
            {
                break;
            }
            let run = measure(&start, spider_crawl(spider, &start), Some(watch)).await?;
            let whole = run.pages * 10 >= large_pages * 9 && !run.stalled;
            if furthest.is_none_or(|furthest| run.pages > furthest.pages) {
                furthest = Some(run);
            }
            if whole {
                break;
            }
            spider_dropped += 1;
            eprintln!(
                "bench: spider stopped early ({} of {large_pages} pages); running it again",
                run.pages
            );
        }
    }
    Ok(Scale {
        small,
        large,
        spider: furthest,
        spider_dropped,
    })
}

/// How long a spider run may make no request before it is taken as
/// stalled: killed, and dropped like a run that stopped early.
const STALL: Duration = Duration::from_secs(30);

/// How long spider's attempts at the large generated site may take in all:
/// a run still going at the end is cut short like a stalled one, and the
/// furthest run is kept.
const SCALE_SPIDER_BUDGET: Duration = Duration::from_secs(20 * 60);

/// When a spider run is cut short: after [`STALL`] with no request, or at
/// `deadline`.
#[derive(Debug, Clone, Copy)]
struct Watch {
    deadline: Option<Instant>,
}

/// Runs `command` under the memory probe ([`super::probe`]), its output
/// thrown away, and measures it. With a [`Watch`], a run during which the
/// server sees no request for [`STALL`], or still running at its deadline,
/// is killed (the crawler, not the launcher, so that the launcher still
/// reports what it used) and marked [`Run::stalled`]; without, our own
/// crawl is waited for.
async fn measure(site: &Url, command: Command, watch: Option<Watch>) -> Result<Run> {
    let program = command.get_program().to_owned();
    let mut launcher = tokio::process::Command::from(super::probe::wrap(&command)?);
    let before = hits(site).await?;
    let started = Instant::now();
    let child = launcher
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {program:?} under the memory probe"))?;
    let launcher_pid = child.id();
    let output = child.wait_with_output();
    tokio::pin!(output);
    let mut stalled = false;
    let (mut requests, mut since) = (before.get("requests").copied(), Instant::now());
    let output = loop {
        tokio::select! {
            output = &mut output => break output?,
            () = tokio::time::sleep(Duration::from_secs(5)), if watch.is_some() && !stalled => {
                let now = hits(site).await?.get("requests").copied();
                let late = watch
                    .and_then(|watch| watch.deadline)
                    .is_some_and(|deadline| Instant::now() >= deadline);
                if now != requests && !late {
                    (requests, since) = (now, Instant::now());
                } else if late || since.elapsed() >= STALL {
                    eprintln!(
                        "bench: {program:?} {}; killed",
                        if late { "ran past its time" } else { "made no request for 30 s" }
                    );
                    stalled = launcher_pid.is_some_and(kill_children_of);
                }
            }
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let (_, usage) = super::probe::read_report(&output.stderr)?;
    ensure!(
        usage.status == 0 || stalled,
        "{program:?} exited with {}",
        usage.status
    );
    let after = hits(site).await?;
    let count = |key: &str| {
        let read = |hits: &BTreeMap<String, u64>| hits.get(key).copied().unwrap_or(0);
        read(&after).saturating_sub(read(&before))
    };
    Ok(Run {
        pages: count("status_200"),
        requests: count("requests"),
        seconds,
        cpu_seconds: usage.cpu_seconds,
        peak_rss_mb: usage.peak_rss_mb,
        stalled,
    })
}

/// Kills the children of process `pid` (the launcher's one crawler) with
/// SIGKILL; whether there was one to kill. Linux lists a process's
/// children in `/proc`; elsewhere nothing is killed, and a stalled run is
/// waited for.
#[cfg(unix)]
fn kill_children_of(pid: u32) -> bool {
    let path = format!("/proc/{pid}/task/{pid}/children");
    let Ok(children) = std::fs::read_to_string(path) else {
        return false;
    };
    let mut killed = false;
    for child in children
        .split_whitespace()
        .filter_map(|pid| pid.parse::<i32>().ok())
    {
        // SAFETY: kill takes a pid and a signal number and touches no
        // memory; `child` is the launcher's child, which the launcher has
        // not reaped while it is listed.
        killed |= unsafe { libc::kill(child, libc::SIGKILL) } == 0;
    }
    killed
}

#[cfg(not(unix))]
fn kill_children_of(_: u32) -> bool {
    false
}

/// The server's own counts, from its `/_hits` route.
async fn hits(site: &Url) -> Result<BTreeMap<String, u64>> {
    let url = site.join("/_hits")?;
    let body = reqwest::get(url.clone())
        .await
        .and_then(reqwest::Response::error_for_status)
        .with_context(|| format!("reading {url}"))?
        .text()
        .await?;
    Ok(body
        .lines()
        .filter_map(|line| {
            let (key, value) = line.split_once('=')?;
            Some((key.to_string(), value.parse().ok()?))
        })
        .collect())
}
