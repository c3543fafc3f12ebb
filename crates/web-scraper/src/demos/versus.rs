//! `bench --spider PATH`: this crate's `crawl` and spider-rs's CLI, each
//! run as a process of its own on the same server, measured the same way.
//!
//! Neither crawler is trusted to say what it did: the pages are counted by
//! the server (its `/_hits` route, read before and after each run), and the
//! time, CPU time and peak memory come from the kernel (`wait4`) for the
//! process and nothing else.

use anyhow::{Context, Result, bail, ensure};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;
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
/// pages stopped early (it does, now and then: one run in three on the
/// std docs made about half the requests); it is dropped, counted, and run
/// again. A smaller shortfall is kept, and shows in the pages row.
pub async fn round(spider: &Path, start: &Url, concurrency: usize) -> Result<Round> {
    let ours = measure(start, our_crawl(start, concurrency)?).await?;
    ensure!(ours.pages > 0, "the crawl of {start} found no pages");
    for dropped in 0..SPIDER_ATTEMPTS {
        let run = measure(start, spider_crawl(spider, start)).await?;
        if run.pages * 10 >= ours.pages * 9 {
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
/// furthest run is kept as it is. On a generated site it stops early far
/// more often than on the std docs: four runs in five, after anywhere
/// from 50 to 100,000 pages. An early stop takes a second or less.
const SCALE_SPIDER_ATTEMPTS: usize = 10;

/// Crawls generated sites ([`Generated`], seed 1) served by this process:
/// `small` pages with ours, then `large` pages with ours and with `spider`,
/// if given. Each crawl runs once, as it takes minutes, except that a
/// spider run that got less than nine tenths of the site is dropped and
/// run again, up to [`SCALE_SPIDER_ATTEMPTS`] times; the furthest is kept,
/// and its pages row shows how far it got.
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
    let small = measure(&start, our_crawl(&start, concurrency)?).await?;
    drop(server);
    let (_server, start) = serve(large_pages).await?;
    let large = measure(&start, our_crawl(&start, concurrency)?).await?;
    let mut spider_dropped = 0;
    let mut furthest: Option<Run> = None;
    if let Some(spider) = spider {
        for _ in 0..SCALE_SPIDER_ATTEMPTS {
            let run = measure(&start, spider_crawl(spider, &start)).await?;
            let whole = run.pages * 10 >= large_pages * 9;
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

/// Runs `command` (its output thrown away) and measures it.
async fn measure(site: &Url, mut command: Command) -> Result<Run> {
    let program = command.get_program().to_owned();
    let before = hits(site).await?;
    let started = Instant::now();
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {program:?}"))?;
    let (status, usage) = tokio::task::spawn_blocking(move || wait_with_usage(child)).await??;
    let seconds = started.elapsed().as_secs_f64();
    ensure!(status == 0, "{program:?} exited with {status}");
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
    })
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

struct Usage {
    cpu_seconds: f64,
    peak_rss_mb: f64,
}

/// Waits for `child` with `wait4`, which also returns the resources it
/// used; std's `wait` does not. Returns its exit code (or 128 + signal).
#[cfg(unix)]
fn wait_with_usage(child: std::process::Child) -> Result<(i32, Usage)> {
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `pid` is our own child, not yet waited for (std waits only
    // when asked, and `child` is dropped here without being asked), and
    // both pointers are to live, writable values of the right types.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, usage.as_mut_ptr()) };
    if waited != pid {
        bail!("wait4: {}", std::io::Error::last_os_error());
    }
    // SAFETY: wait4 succeeded, so it filled `usage` in.
    let usage = unsafe { usage.assume_init() };
    let seconds = |time: libc::timeval| time.tv_sec as f64 + time.tv_usec as f64 / 1e6;
    // Linux counts ru_maxrss in KiB, macOS in bytes.
    let peak = usage.ru_maxrss as f64;
    let peak_rss_mb = if cfg!(target_os = "macos") {
        peak / (1024.0 * 1024.0)
    } else {
        peak / 1024.0
    };
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    Ok((
        code,
        Usage {
            cpu_seconds: seconds(usage.ru_utime) + seconds(usage.ru_stime),
            peak_rss_mb,
        },
    ))
}

#[cfg(not(unix))]
fn wait_with_usage(_: std::process::Child) -> Result<(i32, Usage)> {
    bail!("the bench measures another crawler on Unix only")
}
