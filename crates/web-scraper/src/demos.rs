//! The subcommands: the tour, `fetch`, `crawl`, `serve`, `compare` and
//! `bench`. Each demo checks its own result and fails if the check fails.

use anyhow::{Context, Result, ensure};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use url::Url;
use web_scraper::client::{FetchConfig, Fetcher};
use web_scraper::crawl::{self, CrawlOptions, PageResult, Scraper, Summary};
use web_scraper::output::{Format, Output, print_line};
use web_scraper::server::{Root, ServeOptions, SiteServer};
use web_scraper::site;

/// What a crawl of the bundled site must find, robots.txt obeyed: every
/// public page, the redirect, and these failures.
const CRAWL_OK: usize = 34;
const CRAWL_FAILED: &[&str] = &[
    "/files/glossary.csv",
    "/glossary/livelock.html",
    "/guide/missing.html",
    "/robots.txt",
    "/rust/crossbeam.html",
];

/// The bundled site's public pages: every HTML file outside `/private/`.
pub fn bundled_pages(base: &Url) -> Vec<Url> {
    site::FILES
        .iter()
        .map(|(path, _)| *path)
        .filter(|path| path.ends_with(".html") && !path.starts_with("/private/"))
        .map(|path| base.join(path).expect("site paths are valid URLs"))
        .collect()
}

fn scraper(config: FetchConfig) -> Result<Scraper> {
    Ok(Scraper::new(
        Fetcher::new(config).context("building the HTTP client")?,
    ))
}

/// The tour: fetch, compare, crawl, against the bundled site.
pub async fn tour() -> Result<()> {
    let server = SiteServer::start(ServeOptions::bundled(), 0)
        .await
        .context("starting the bundled site")?;
    println!("== fetch: the seed's page list, every page at once ==");
    println!("Serving the bundled site at {}", server.url());
    let urls = bundled_pages(&server.url());
    let count = urls.len();
    let summary = fetch(urls, FetchConfig::default(), Format::Text).await?;
    ensure!(
        summary.ok == count && summary.failed == 0,
        "expected all {count} pages to be fetched, got {} ok and {} failed",
        summary.ok,
        summary.failed
    );

    println!();
    compare(&CompareArgs::default()).await?;

    println!();
    println!("== crawl: the bundled site, breadth first, obeying robots.txt ==");
    let mut failed = Vec::new();
    let mut output = Output::new(Format::Text);
    let summary = scraper(FetchConfig::default())?
        .crawl(
            server.url().join("index.html")?,
            &CrawlOptions::default(),
            crawl::never(),
            |result: &PageResult| {
                if result.error.is_some() && result.error_kind != Some("robots-disallowed") {
                    failed.push(Url::parse(&result.url).map(|u| u.path().to_string()));
                }
                output.result(result);
            },
        )
        .await;
    output.finish(&summary);
    let mut failed: Vec<String> = failed.into_iter().collect::<Result<_, _>>()?;
    failed.sort();
    ensure!(
        summary.ok == CRAWL_OK && failed == CRAWL_FAILED,
        "the crawl should find {CRAWL_OK} pages and fail on {CRAWL_FAILED:?}; \
         it found {} and failed on {failed:?}",
        summary.ok
    );
    println!(
        "robots.txt kept the crawl out of /private/, and it did not follow the link off the site."
    );
    server.stop().await;
    println!();
    println!("tour complete: every part checked its result");
    Ok(())
}

/// `fetch`: every URL at once, within the limits; the seed's output.
pub async fn fetch(urls: Vec<Url>, config: FetchConfig, format: Format) -> Result<Summary> {
    let mut output = Output::new(format);
    let summary = scraper(config)?
        .fetch_all(urls, crawl::ctrl_c(), |result| output.result(result))
        .await;
    if format == Format::Text && !summary.interrupted {
        print_line("All web pages fetched");
    }
    output.finish(&summary);
    Ok(summary)
}

/// `crawl`: breadth first from `start`.
pub async fn crawl(
    start: Url,
    options: &CrawlOptions,
    config: FetchConfig,
    format: Format,
) -> Result<Summary> {
    let mut output = Output::new(format);
    let summary = scraper(config)?
        .crawl(start, options, crawl::ctrl_c(), |result| {
            output.result(result)
        })
        .await;
    output.finish(&summary);
    Ok(summary)
}

/// The exit code for a finished `fetch` or `crawl`.
pub fn exit_code(summary: &Summary, fail_on_error: bool) -> ExitCode {
    if summary.interrupted {
        ExitCode::from(130)
    } else if fail_on_error && summary.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `serve`: until Ctrl-C.
pub async fn serve(dir: Option<PathBuf>, port: u16, latency: Duration) -> Result<()> {
    let (root, what) = match dir {
        Some(dir) => (Root::Dir(dir.clone()), dir.display().to_string()),
        None => (Root::Bundled, "the bundled site".to_string()),
    };
    let options = ServeOptions {
        root,
        latency,
        robots_status: None,
    };
    let server = SiteServer::start(options, port)
        .await
        .with_context(|| format!("serving {what} on 127.0.0.1:{port}"))?;
    // Listen for Ctrl-C before saying we are up: whoever reads the line
    // below may send it at once.
    let stop = crawl::ctrl_c();
    // Benchmarks read the URL from this line.
    print_line(&format!(
        "Serving {what} at {} with {} ms of latency; Ctrl-C stops",
        server.url(),
        latency.as_millis()
    ));
    server.run_until(stop).await;
    Ok(())
}

#[derive(clap::Args)]
pub struct CompareArgs {
    /// Milliseconds the server waits before each response
    #[arg(long, default_value_t = 50)]
    latency_ms: u64,
    /// Requests in flight at once, for the concurrent run
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1024))]
    concurrency: u32,
}

impl Default for CompareArgs {
    fn default() -> Self {
        Self {
            latency_ms: 50,
            concurrency: 16,
        }
    }
}

/// `compare`: the bundled site's pages one at a time, then concurrently,
/// against a server that waits before each response.
pub async fn compare(args: &CompareArgs) -> Result<()> {
    let latency = Duration::from_millis(args.latency_ms);
    let server = SiteServer::start(ServeOptions::bundled().with_latency(latency), 0)
        .await
        .context("starting the bundled site")?;
    let urls = bundled_pages(&server.url());
    let count = urls.len();
    println!(
        "== compare: {count} pages, {} ms of latency per request ==",
        args.latency_ms
    );
    let mut times = Vec::new();
    for concurrency in [1, args.concurrency] {
        let config = FetchConfig {
            concurrency: concurrency as usize,
            per_host: concurrency as usize,
            ..FetchConfig::default()
        };
        let started = Instant::now();
        let summary = scraper(config)?
            .fetch_all(urls.clone(), crawl::never(), |_| {})
            .await;
        let elapsed = started.elapsed();
        ensure!(
            summary.ok == count,
            "{concurrency} at a time: {} of {count} pages fetched",
            summary.ok
        );
        let label = if concurrency == 1 {
            "Sequential, 1 at a time:".to_string()
        } else {
            format!("Concurrent, {concurrency} at a time:")
        };
        println!(
            "{label:<26} {count} pages in {:.2} s",
            elapsed.as_secs_f64()
        );
        times.push(elapsed);
    }
    // With latency to hide, the server makes the sequential run take
    // count x latency at least, and the concurrent one should take a tenth
    // of that. Half is the check. (Without latency, both are noise.)
    if args.concurrency > 1 && args.latency_ms >= 10 {
        ensure!(
            times[1] * 2 < times[0],
            "the concurrent run ({:?}) was not much faster than the sequential one ({:?})",
            times[1],
            times[0]
        );
    }
    let rounds = count.div_ceil(args.concurrency as usize);
    println!(
        "Speedup: {:.1}x; at most {:.1}x here, as {count} pages at {} a time take {rounds} rounds",
        times[0].as_secs_f64() / times[1].as_secs_f64(),
        count as f64 / rounds as f64,
        args.concurrency
    );
    server.stop().await;
    Ok(())
}

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
    let urls: Vec<String> = found.into_iter().map(|(url, _)| url).collect();
    println!("crawl_pages={}", urls.len());
    println!("crawl_ok={}", summary.ok);
    println!("crawl_pages_per_s={:.1}", summary.pages_per_s);
    println!("crawl_digest={}", digest(urls));
    println!("peak_rss_mb={:.1}", peak_rss_mb()?);
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
            .filter(|(_, ok)| *ok)
            .map(|(url, _)| url)
            .collect();
        let list = urls
            .iter()
            .map(|url| Url::parse(url))
            .collect::<Result<Vec<_>, _>>()?;
        let summary = scraper(config)?
            .fetch_all(list, crawl::never(), |_| {})
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

/// A crawl that prints nothing: its summary and the URLs it fetched, each
/// with whether it was read as a page.
async fn quiet_crawl(
    start: Url,
    options: &CrawlOptions,
    config: FetchConfig,
) -> Result<(Summary, Vec<(String, bool)>)> {
    let mut urls = Vec::new();
    let summary = scraper(config)?
        .crawl(start, options, crawl::never(), |result| {
            if result.error_kind != Some("robots-disallowed") {
                urls.push((result.url.clone(), result.ok()));
            }
        })
        .await;
    Ok((summary, urls))
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

/// This process's peak resident memory, from `/proc/self/status`.
fn peak_rss_mb() -> Result<f64> {
    let status =
        std::fs::read_to_string("/proc/self/status").context("reading /proc/self/status")?;
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmHWM line in /proc/self/status")?;
    Ok(kib / 1024.0)
}
