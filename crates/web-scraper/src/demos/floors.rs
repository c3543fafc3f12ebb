//! The crawl's floor for `bench`: the least time any crawl of the same
//! pages could take on this machine.
//!
//! A crawl must do two things to every page: fetch it (the request, the
//! server's answer, the body received and decoded) and parse it. So it
//! takes at least as long as each of these passes alone:
//! - **fetch only**: the same requests to the same server at the same
//!   concurrency, through the same client, each body read and dropped;
//! - **parse only**: the same pages from memory, read by the crawl's own
//!   [`parse::scan`] on a thread per core.
//!
//! And since the crawl does both on the same cores, with the server on them
//! too, it also takes at least the CPU time both passes used, spread over
//! every core. The floor is the longest of the three. The CPU time is the
//! whole machine's (busy time in `/proc/stat`, so the server's counts too),
//! on Linux, and counts only for passes long enough for the clock tick to
//! be noise (a crawl of a small site is not); otherwise the floor is the
//! slower pass alone.
//!
//! Running both passes at once was tried as a floor first, and measured
//! slower than the crawl itself: parse threads that never yield starve the
//! fetch pass's server and client of their turns on the cores, where the
//! crawl parses each page on the task that fetched it. A floor a crawl can
//! beat is no floor, so the CPU time is added instead.

use anyhow::{Context, Result, ensure};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use url::Url;
use web_scraper::client::{FetchConfig, Fetcher};
use web_scraper::parse;

/// One timed pass: its wall time, and the machine's busy CPU time over it
/// (`None` where it cannot be read).
#[derive(Debug, Clone, Copy)]
pub struct Pass {
    pub seconds: f64,
    pub busy_seconds: Option<f64>,
}

impl Pass {
    /// The best of several passes of the same work: the least wall time
    /// and the least CPU time, each taken alone, since each is a bound a
    /// neighbour's noise only ever makes worse.
    fn best(passes: &[Pass]) -> Pass {
        Pass {
            seconds: passes
                .iter()
                .map(|pass| pass.seconds)
                .fold(f64::INFINITY, f64::min),
            busy_seconds: passes
                .iter()
                .map(|pass| pass.busy_seconds)
                .reduce(|a, b| Some(a?.min(b?)))
                .flatten(),
        }
    }
}

/// Times `work`, with the machine's busy CPU time over it.
fn timed<T>(work: impl FnOnce() -> T) -> (T, Pass) {
    let (busy, started) = (busy_seconds(), Instant::now());
    let output = work();
    let seconds = started.elapsed().as_secs_f64();
    let busy = busy
        .zip(busy_seconds())
        .map(|(before, after)| after - before);
    (
        output,
        Pass {
            seconds,
            busy_seconds: busy,
        },
    )
}

/// The CPU time every core of the machine has spent busy since boot: all
/// but idle and iowait in `/proc/stat`'s first line, in clock ticks.
fn busy_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<f64> = stat
        .lines()
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .map(|field| field.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal (guest time is
    // already counted in user and nice).
    let busy: f64 = [0, 1, 2, 5, 6, 7]
        .iter()
        .filter_map(|&field| ticks.get(field))
        .sum();
    Some(busy / clock_ticks_per_second()?)
}

#[cfg(unix)]
fn clock_ticks_per_second() -> Option<f64> {
    // SAFETY: sysconf reads a constant of the system and touches no memory.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (ticks > 0).then_some(ticks as f64)
}

#[cfg(not(unix))]
fn clock_ticks_per_second() -> Option<f64> {
    None
}

/// The fewest clock ticks of busy time a pass must take for its CPU time
/// to count: at twenty, a tick either way is within 5%.
const MIN_TICKS: f64 = 20.0;

/// The crawl's floor and its parts, each in the crawl's URLs per second.
pub struct CrawlFloor {
    pub fetch_only: f64,
    pub parse_only: f64,
    /// Both passes' CPU time over every core, if it could be read and each
    /// pass took at least [`MIN_TICKS`] of it.
    pub cpu: Option<f64>,
    /// The slowest of the three: no crawl of these pages can be faster.
    pub floor: f64,
    pub fetch_cpu_s: Option<f64>,
    pub parse_cpu_s: Option<f64>,
}

impl CrawlFloor {
    /// The floor from the best fetch-only and parse-only passes, for a
    /// crawl of `urls` URLs.
    pub fn new(urls: usize, fetch: Pass, parse: Pass) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from) as f64;
        let rate = |seconds: f64| urls as f64 / seconds;
        // Busy time is counted in clock ticks: a pass of fewer than
        // MIN_TICKS of them (a small site's) is too short to count.
        let enough = |busy: Option<f64>| {
            busy.filter(|&busy| busy * clock_ticks_per_second().unwrap_or(0.0) >= MIN_TICKS)
        };
        let cpu_seconds = enough(fetch.busy_seconds)
            .zip(enough(parse.busy_seconds))
            .map(|(fetch, parse)| (fetch + parse) / cores);
        let least = fetch
            .seconds
            .max(parse.seconds)
            .max(cpu_seconds.unwrap_or(0.0));
        CrawlFloor {
            fetch_only: rate(fetch.seconds),
            parse_only: rate(parse.seconds),
            cpu: cpu_seconds.map(rate),
            floor: rate(least),
            fetch_cpu_s: fetch.busy_seconds,
            parse_cpu_s: parse.busy_seconds,
        }
    }
}

/// The fetch-only pass: best of three, each with a new client, as each
/// crawl has.
pub async fn fetch_only(config: &FetchConfig, urls: &[Url]) -> Result<Pass> {
    let mut passes = Vec::new();
    for _ in 0..3 {
        let (busy, started) = (busy_seconds(), Instant::now());
        fetch_pass(config, urls).await?;
        let seconds = started.elapsed().as_secs_f64();
        let busy = busy
            .zip(busy_seconds())
            .map(|(before, after)| after - before);
        passes.push(Pass {
            seconds,
            busy_seconds: busy,
        });
    }
    Ok(Pass::best(&passes))
}

/// One fetch-only pass over `urls`, with a new client.
async fn fetch_pass(config: &FetchConfig, urls: &[Url]) -> Result<()> {
    let fetcher = Arc::new(Fetcher::new(config.clone()).context("building the HTTP client")?);
    let permits = Arc::new(Semaphore::new(config.concurrency.max(1)));
    let mut fetches = JoinSet::new();
    for url in urls {
        let (fetcher, permits, url) = (fetcher.clone(), permits.clone(), url.clone());
        fetches.spawn(async move {
            let _permit = permits.acquire_owned().await.expect("never closed");
            drop(std::hint::black_box(fetcher.fetch_no_redirects(&url).await));
        });
    }
    while let Some(joined) = fetches.join_next().await {
        joined?;
    }
    Ok(())
}

/// What the parse-only pass measured, and the scans compared on the same
/// pages.
pub struct ParseFloor {
    pub pages: usize,
    pub threads: usize,
    /// The crawl's scan over every page: the best of three passes.
    pub scan: Pass,
    /// The same pages read by html5ever's tokenizer (`parse::html5ever_scan`),
    /// the scan the crawl used before its own.
    pub html5ever_pages_per_s: f64,
    /// Pages on which the two scans read exactly the same.
    pub same_as_html5ever: usize,
    /// The same pages read into a tree by `parse::parse`.
    pub tree_pages_per_s: f64,
    pub agreement: ScanAgreement,
}

impl ParseFloor {
    pub fn pages_per_s(&self) -> f64 {
        self.pages as f64 / self.scan.seconds
    }
}

/// The parse-only pass: each page fetched again into memory first (not
/// timed), then every page parsed by the crawl's own [`parse::scan`] on
/// one thread per core, each thread taking the next page, with no network,
/// no server and no scheduler in the timed part.
pub async fn parse_only(config: FetchConfig, pages: &[String]) -> Result<ParseFloor> {
    let concurrency = config.concurrency.max(1);
    let fetcher = Arc::new(Fetcher::new(config).context("building the HTTP client")?);
    let permits = Arc::new(Semaphore::new(concurrency));
    let mut fetches = JoinSet::new();
    for page in pages {
        let url = Url::parse(page)?;
        let (fetcher, permits) = (fetcher.clone(), permits.clone());
        fetches.spawn(async move {
            let _permit = permits.acquire_owned().await.expect("never closed");
            let fetch = fetcher.fetch_no_redirects(&url).await;
            fetch.result.map(|body| (url, body.text))
        });
    }
    let mut bodies = Vec::with_capacity(pages.len());
    while let Some(joined) = fetches.join_next().await {
        if let Ok(body) = joined? {
            bodies.push(body);
        }
    }
    ensure!(
        bodies.len() == pages.len(),
        "{} of the crawl's {} pages could not be fetched again for the parse-only floor",
        pages.len() - bodies.len(),
        pages.len()
    );
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    // The best of three passes: a floor is the most the machine does. The
    // result is kept, so the parse cannot be optimised away.
    let mut scans = Vec::new();
    for _ in 0..3 {
        let (done, pass) = timed(|| {
            read_on_every_core(&bodies, threads, "parse-floor", |text, url| {
                std::hint::black_box(parse::scan(text, url).ok());
            })
        });
        done?;
        scans.push(pass);
    }
    let mut html5ever_pages_per_s: f64 = 0.0;
    for _ in 0..3 {
        let (done, pass) = timed(|| {
            read_on_every_core(&bodies, threads, "html5ever-floor", |text, url| {
                std::hint::black_box(parse::html5ever_scan(text, url).ok());
            })
        });
        done?;
        html5ever_pages_per_s = html5ever_pages_per_s.max(bodies.len() as f64 / pass.seconds);
    }
    let same_as_html5ever = bodies
        .iter()
        .filter(|(url, text)| parse::scan(text, url) == parse::html5ever_scan(text, url))
        .count();
    // The same pages through scraper's tree, which the crawl read them with
    // before `parse::scan`: how much the scan saves, and how closely the
    // two agree.
    let (done, tree) = timed(|| {
        read_on_every_core(&bodies, threads, "tree-floor", |text, url| {
            std::hint::black_box(parse::parse(text, url).ok());
        })
    });
    done?;
    let mut agreement = ScanAgreement::default();
    for (url, text) in &bodies {
        let (Ok(tree), Ok(scan)) = (parse::parse(text, url), parse::scan(text, url)) else {
            continue;
        };
        agreement.same_links += usize::from(tree.links == scan.links);
        agreement.same_titles += usize::from(tree.title == scan.title);
        let off = scan.chars.abs_diff(tree.chars) as f64 / tree.chars.max(1) as f64;
        agreement.chars_off_pct = agreement.chars_off_pct.max(off * 100.0);
    }
    Ok(ParseFloor {
        pages: bodies.len(),
        threads,
        scan: Pass::best(&scans),
        html5ever_pages_per_s,
        same_as_html5ever,
        tree_pages_per_s: bodies.len() as f64 / tree.seconds,
        agreement,
    })
}

/// Runs `read` over every page on `threads` threads, each taking the next
/// page. The threads are named, so a profile tells them from the crawl's.
fn read_on_every_core(
    bodies: &[(Url, String)],
    threads: usize,
    name: &str,
    read: impl Fn(&str, &Url) + Sync,
) -> Result<()> {
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| -> Result<()> {
        for _ in 0..threads {
            std::thread::Builder::new()
                .name(name.into())
                .spawn_scoped(scope, || {
                    while let Some((url, text)) = bodies.get(next.fetch_add(1, Ordering::Relaxed)) {
                        read(text, url);
                    }
                })
                .with_context(|| format!("starting a {name} thread"))?;
        }
        Ok(())
    })
}

/// How closely `parse::scan` matched `parse::parse` on the floor's pages.
#[derive(Default)]
pub struct ScanAgreement {
    pub same_links: usize,
    pub same_titles: usize,
    /// The largest difference in the text count, as a share of the tree's.
    pub chars_off_pct: f64,
}
