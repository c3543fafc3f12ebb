//! `bench`: the figures `cargo xtask bench` compares with `reference.py`
//! and Scrapy, and the crawl's floor ([`super::floors`]).

use super::{chaos, floors, scraper};
use anyhow::{Context, Result, ensure};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use tokio::task::JoinSet;
use url::Url;
use web_scraper::client::FetchConfig;
use web_scraper::crawl::{CrawlOptions, Summary};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Crawl from here (e.g. the std docs' std/index.html)
    #[arg(long)]
    url: Url,
    /// Only follow links under this prefix
    #[arg(long)]
    scope: Option<String>,
    /// A second workload, against a server with latency: crawl from here
    /// to find `--slow-pages` URLs (untimed), then fetch those that are
    /// pages as a list
    #[arg(long)]
    slow_url: Option<Url>,
    /// Only follow links under this prefix, when finding the slow pages
    #[arg(long)]
    slow_scope: Option<String>,
    /// How many pages the second workload fetches
    #[arg(long, default_value_t = 113)]
    slow_pages: usize,
    /// Requests in flight at once
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Also crawl `--url` through this Redis frontier: as one crawler
    /// process, then as two at once
    #[arg(long, value_name = "URL")]
    frontier: Option<String>,
    /// Also crawl `--spider-url` with this build of spider-rs's CLI
    /// (`spider`) and with this binary's `crawl`, each a process of its
    /// own, counting their pages on the server
    #[arg(long, value_name = "PATH", requires = "spider_url")]
    spider: Option<std::path::PathBuf>,
    /// Where both crawls of `--spider` start, on a server of this crate's
    /// (`serve`), whose `/_hits` counts their pages
    #[arg(long, value_name = "URL", requires = "spider")]
    spider_url: Option<Url>,
    /// Also crawl a generated site of this many pages, and one of
    /// `--scale-small` pages, each served by this process; with `--spider`,
    /// spider crawls the large one too
    #[arg(long, value_name = "PAGES", value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    scale: Option<u64>,
    /// The size of the smaller generated site `--scale` reads its speed
    /// against
    #[arg(long, value_name = "PAGES", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    scale_small: u64,
    /// Also run `chaos` on a generated site of this many pages, with its
    /// default faults and then calm, with `--concurrency` per crawler
    #[arg(long, value_name = "PAGES", value_parser = clap::value_parser!(u64).range(10..=10_000_000))]
    chaos_pages: Option<u64>,
}

/// `bench`: crawls, printing key=value figures that `cargo xtask bench`
/// compares with `reference.py`'s.
pub async fn bench(args: &BenchArgs) -> Result<()> {
    let config = FetchConfig {
        concurrency: args.concurrency,
        per_host: args.concurrency,
        ..FetchConfig::default()
    };
    let options = CrawlOptions {
        scope: args.scope.clone(),
        ..CrawlOptions::default()
    };
    let (summary, found) = quiet_crawl(args.url.clone(), &options, config.clone()).await?;
    ensure!(summary.ok > 0, "the crawl of {} found no pages", args.url);
    let pages: Vec<String> = found
        .iter()
        .filter(|visit| visit.parsed)
        .map(|visit| visit.url.clone())
        .collect();
    let urls: Vec<String> = found.into_iter().map(|visit| visit.url).collect();
    println!("crawl_pages={}", urls.len());
    println!("crawl_ok={}", summary.ok);
    println!("crawl_pages_per_s={:.1}", summary.pages_per_s);
    let requests = urls
        .iter()
        .map(|url| Url::parse(url))
        .collect::<Result<Vec<_>, _>>()?;
    println!("crawl_digest={}", digest(urls));
    // The crawl's first pass alone, right after it: its requests.
    let fetch_only = floors::fetch_only(&config, &requests).await?;
    // The in-memory crawl again as a process of its own, printing its
    // records, the way the shared ones run: its peak memory is the crawl's
    // own, measured by the probe, where this process's would be the
    // bench's.
    let alone = process_crawl(args, None, 1).await?;
    println!("process_pages={}", alone.pages);
    println!("process_pages_per_s={:.1}", alone.pages_per_s);
    println!("peak_rss_mb={:.1}", alone.peak_rss_mb);
    if let Some(frontier) = &args.frontier {
        for crawlers in [1, 2] {
            let shared = process_crawl(args, Some(frontier), crawlers).await?;
            println!("redis_{crawlers}_pages={}", shared.pages);
            println!("redis_{crawlers}_pages_per_s={:.1}", shared.pages_per_s);
            println!("redis_{crawlers}_digest={}", shared.digest);
        }
    }
    if let (Some(spider), Some(start)) = (&args.spider, &args.spider_url) {
        let round = super::versus::round(spider, start, args.concurrency).await?;
        for (name, run) in [("versus", round.ours), ("spider", round.spider)] {
            println!("{name}_pages={}", run.pages);
            println!("{name}_requests={}", run.requests);
            println!("{name}_pages_per_s={:.1}", run.pages_per_s());
            println!("{name}_cpu_s={:.3}", run.cpu_seconds);
            println!("{name}_peak_rss_mb={:.1}", run.peak_rss_mb);
        }
        println!("spider_dropped={}", round.spider_dropped);
    }
    if let Some(pages) = args.chaos_pages {
        chaos_rows(pages, args.concurrency as u64).await?;
    }
    if let Some(pages) = args.scale {
        let scale = super::versus::scale(
            args.spider.as_deref(),
            args.scale_small,
            pages,
            args.concurrency,
        )
        .await?;
        println!("scale_site_pages={pages}");
        println!("scale_small_site_pages={}", args.scale_small);
        let runs = [
            ("scale_small", Some(scale.small)),
            ("scale", Some(scale.large)),
            ("scale_spider", scale.spider),
        ];
        for (name, run) in runs {
            let Some(run) = run else { continue };
            println!("{name}_pages={}", run.pages);
            println!("{name}_requests={}", run.requests);
            println!("{name}_pages_per_s={:.1}", run.pages_per_s());
            println!("{name}_cpu_s={:.3}", run.cpu_seconds);
            println!("{name}_peak_rss_mb={:.1}", run.peak_rss_mb);
        }
        if args.spider.is_some() {
            println!("scale_spider_dropped={}", scale.spider_dropped);
        }
    }
    let floor = floors::parse_only(config.clone(), &pages).await?;
    println!("parse_floor_pages={}", floor.pages);
    println!("parse_floor_threads={}", floor.threads);
    println!("parse_floor_pages_per_s={:.1}", floor.pages_per_s());
    println!(
        "html5ever_floor_pages_per_s={:.1}",
        floor.html5ever_pages_per_s
    );
    println!("scan_same_as_html5ever={}", floor.same_as_html5ever);
    // The crawl's floor, in the crawl's terms: its URLs per second.
    let crawl_floor = floors::CrawlFloor::new(requests.len(), fetch_only, floor.scan);
    println!("fetch_floor_pages_per_s={:.1}", crawl_floor.fetch_only);
    println!(
        "parse_floor_crawl_pages_per_s={:.1}",
        crawl_floor.parse_only
    );
    println!(
        "slower_floor_pages_per_s={:.1}",
        crawl_floor.fetch_only.min(crawl_floor.parse_only)
    );
    if let (Some(fetch), Some(parse)) = (crawl_floor.fetch_cpu_s, crawl_floor.parse_cpu_s) {
        println!("fetch_floor_cpu_s={fetch:.3}");
        println!("parse_floor_cpu_s={parse:.3}");
    }
    if let Some(cpu) = crawl_floor.cpu {
        println!("cpu_floor_pages_per_s={cpu:.1}");
    }
    println!("crawl_floor_pages_per_s={:.1}", crawl_floor.floor);
    println!("tree_parse_pages_per_s={:.1}", floor.tree_pages_per_s);
    println!("scan_same_links={}", floor.agreement.same_links);
    println!("scan_same_titles={}", floor.agreement.same_titles);
    println!("scan_chars_off_pct={:.3}", floor.agreement.chars_off_pct);
    if let Some(slow_url) = &args.slow_url {
        // The seed's list mode, where latency is all there is to hide:
        // fetch a list of pages at once. The list comes from a crawl that
        // is not timed.
        let options = CrawlOptions {
            scope: args.slow_scope.clone(),
            max_pages: Some(args.slow_pages),
            ..CrawlOptions::default()
        };
        let (_, found) = quiet_crawl(slow_url.clone(), &options, config.clone()).await?;
        let urls: Vec<String> = found
            .into_iter()
            .filter(|visit| visit.ok)
            .map(|visit| visit.url)
            .collect();
        let list = urls
            .iter()
            .map(|url| Url::parse(url))
            .collect::<Result<Vec<_>, _>>()?;
        let summary = scraper(config)?
            .fetch_all(list, std::future::pending(), |_| {})
            .await;
        ensure!(
            summary.ok == urls.len(),
            "{} of the {} slow pages failed",
            summary.failed,
            urls.len()
        );
        println!("slow_pages={}", urls.len());
        println!("slow_pages_per_s={:.1}", summary.pages_per_s);
        println!("slow_digest={}", digest(urls));
    }
    Ok(())
}

/// What a crawl by crawler processes measured.
struct ProcessCrawl {
    pages: usize,
    pages_per_s: f64,
    digest: u64,
    /// The largest of the crawlers' peaks, each measured by the probe.
    peak_rss_mb: f64,
}

/// The bench's crawl by `crawlers` processes of this binary's `crawl`,
/// sharing a fresh crawl id on `frontier` (or, with none, one process in
/// memory), timed from their start to the last one's exit; the pages are
/// the union of their records.
async fn process_crawl(
    args: &BenchArgs,
    frontier: Option<&str>,
    crawlers: usize,
) -> Result<ProcessCrawl> {
    let binary = std::env::current_exe().context("finding this binary")?;
    let id = format!("bench-{}-{crawlers}-{}", std::process::id(), crawl_ids());
    let shared = frontier
        .map(|frontier| ["--frontier", frontier, "--crawl-id", &id])
        .into_iter()
        .flatten();
    let concurrency = args.concurrency.to_string();
    let started = Instant::now();
    // Read together: a crawler whose stdout pipe is full stops, and its
    // leases run out.
    let mut children = JoinSet::new();
    for _ in 0..crawlers {
        let mut command = std::process::Command::new(&binary);
        command
            .args(["crawl", args.url.as_str()])
            .args(shared.clone())
            .args(["--concurrency", &concurrency, "--per-host", &concurrency])
            .args(["--format", "jsonl"])
            .args(
                args.scope
                    .as_ref()
                    .map(|scope| ["--scope", scope])
                    .into_iter()
                    .flatten(),
            );
        let mut launcher = tokio::process::Command::from(super::probe::wrap(&command)?);
        launcher
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        let child = launcher.spawn().context("starting a crawler")?;
        children.spawn(child.wait_with_output());
    }
    let mut urls = Vec::new();
    let mut peak_rss_mb: f64 = 0.0;
    while let Some(output) = children.join_next().await {
        let output = output??;
        let (stderr, usage) = super::probe::read_report(&output.stderr)?;
        ensure!(
            output.status.success() && usage.status == 0,
            "a bench crawler failed: {stderr}"
        );
        peak_rss_mb = peak_rss_mb.max(usage.peak_rss_mb);
        for line in String::from_utf8(output.stdout)?.lines() {
            let record: serde_json::Value = serde_json::from_str(line)?;
            if let Some(url) = record["url"].as_str()
                && record["error_kind"] != "robots-disallowed"
            {
                urls.push(url.to_string());
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    Ok(ProcessCrawl {
        pages: urls.len(),
        pages_per_s: urls.len() as f64 / elapsed,
        digest: digest(urls),
        peak_rss_mb,
    })
}

/// `chaos` on `pages` generated pages, calm and then with its faults:
/// what it lost, what it fetched again, and what the faults cost.
async fn chaos_rows(pages: u64, concurrency: u64) -> Result<()> {
    let faults = chaos::ChaosArgs {
        pages,
        concurrency,
        ..super::defaults()
    };
    let calm = chaos::run(&chaos::ChaosArgs {
        calm: true,
        ..faults.clone()
    })
    .await?;
    eprintln!("chaos, calm: {}", calm.line());
    ensure!(
        calm.recorded == pages,
        "the calm crawl lost pages: {}",
        calm.line()
    );
    let run = chaos::run(&faults).await?;
    eprintln!("chaos: {}", run.line());
    let deaths = run.kills + run.lost_redis;
    println!("chaos_site_pages={pages}");
    println!("chaos_recorded={}", run.recorded);
    println!("chaos_kills={}", run.kills);
    println!("chaos_lost_redis={}", run.lost_redis);
    println!("chaos_redis_kills={}", run.redis_kills);
    println!("chaos_repeated={}", run.repeated);
    println!("chaos_repeat_bound={}", run.bound());
    println!(
        "chaos_repeated_per_death={:.2}",
        run.repeated as f64 / deaths.max(1) as f64
    );
    println!("chaos_hold={}", run.hold);
    println!("chaos_pages_per_s={:.1}", run.pages_per_s());
    println!("calm_pages_per_s={:.1}", calm.pages_per_s());
    Ok(())
}

/// A new number each call, so that every shared crawl has its own id.
fn crawl_ids() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// One URL a crawl fetched.
struct Visit {
    url: String,
    /// It ended well: a page, or a redirect queued.
    ok: bool,
    /// It was parsed as a page.
    parsed: bool,
}

/// A crawl that prints nothing: its summary and the URLs it fetched.
async fn quiet_crawl(
    start: Url,
    options: &CrawlOptions,
    config: FetchConfig,
) -> Result<(Summary, Vec<Visit>)> {
    let mut visits = Vec::new();
    let summary = scraper(config)?
        .crawl(start, options, std::future::pending(), |result| {
            if !result.robots_skipped() {
                visits.push(Visit {
                    url: result.url.clone(),
                    ok: result.ok(),
                    parsed: result.ok() && result.title.is_some(),
                });
            }
        })
        .await;
    Ok((summary, visits))
}

/// FNV-1a over the sorted URLs, each followed by a newline, cut to 52 bits
/// so that it survives as a float: `reference.py` computes the same, so
/// equal digests mean the same set of pages.
pub fn digest(mut urls: Vec<String>) -> u64 {
    urls.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for url in &urls {
        for &byte in url.as_bytes().iter().chain(b"\n") {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash & ((1 << 52) - 1)
}
