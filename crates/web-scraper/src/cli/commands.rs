//! The commands: `fetch URL...` and `crawl URL`, the library's `Scraper`
//! at work with every guard on (limits, timeouts, retries, a body cap,
//! robots.txt); `crawl-status` of a shared crawl; and `serve [DIR]`.

use super::output::{Format, Output, print_line};
use anyhow::{Context, Result};
use std::process::ExitCode;
use std::time::Duration;
use url::Url;
use web_scraper::client::{FetchConfig, Fetcher};
use web_scraper::crawl::{CrawlOptions, Scraper, Summary};
use web_scraper::server::{Root, ServeOptions, SiteServer};

/// `fetch`: every URL at once, within the limits; the seed's output.
pub async fn fetch(urls: Vec<Url>, config: FetchConfig, format: Format) -> Result<Summary> {
    let mut output = Output::new(format);
    let summary = scraper(config)?
        .fetch_all(urls, ctrl_c(), |result| output.result(result))
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
        .crawl(start, options, ctrl_c(), |result| output.result(result))
        .await;
    output.finish(&summary);
    Ok(summary)
}

/// `crawl --frontier`: one crawler of a crawl shared through Redis.
#[cfg(feature = "redis")]
pub async fn crawl_shared(
    start: Url,
    options: &CrawlOptions,
    config: FetchConfig,
    frontier: web_scraper::frontier::FrontierConfig,
    format: Format,
) -> Result<Summary> {
    use web_scraper::frontier::RedisFrontier;
    let id = frontier.crawl_id.clone();
    let scraper = scraper(config)?;
    let frontier = RedisFrontier::connect(frontier).await?;
    eprintln!("crawler {} joins crawl {id:?}", frontier.consumer());
    let mut output = Output::new(format);
    let shared = frontier
        .crawl(&scraper, start, options, ctrl_c(), |result| {
            output.result(result)
        })
        .await?;
    if shared.already_finished {
        let status = frontier.status().await?;
        eprintln!(
            "crawl {id:?} had already finished ({} ok, {} failed): nothing to do. \
             Pick a new --crawl-id to crawl again.",
            status.ok, status.failed
        );
    }
    if shared.returned > 0 {
        eprintln!(
            "crawler stopped: {} URLs it held are back in the queue for the others",
            shared.returned
        );
    }
    if shared.lease_lost > 0 {
        eprintln!(
            "{} pages took longer than --lease, and another crawler acknowledged them too",
            shared.lease_lost
        );
    }
    output.finish(&shared.summary);
    Ok(shared.summary)
}

#[cfg(not(feature = "redis"))]
pub async fn crawl_shared(
    _: Url,
    _: &CrawlOptions,
    _: FetchConfig,
    frontier: std::convert::Infallible,
    _: Format,
) -> Result<Summary> {
    match frontier {}
}

/// `crawl-status`: a shared crawl's figures in Redis.
#[cfg(feature = "redis")]
pub async fn crawl_status(
    frontier: web_scraper::frontier::FrontierConfig,
    format: Format,
) -> Result<()> {
    use web_scraper::frontier::RedisFrontier;
    let status = RedisFrontier::connect(frontier).await?.status().await?;
    if format != Format::Text {
        print_line(&serde_json::to_string(&status)?);
        return Ok(());
    }
    let state = if status.finished {
        "finished"
    } else {
        "running"
    };
    print_line(&format!(
        "crawl {:?}: {state}, level {}",
        status.crawl_id, status.level
    ));
    print_line(&format!("  options: {}", status.options));
    print_line(&format!(
        "  URLs: {} seen, {} admitted, {} queued, {} leased",
        status.seen, status.admitted, status.queued, status.leased
    ));
    print_line(&format!(
        "  pages: {} ok, {} failed, {} retried, {} robots-skipped, {} deduped, {} out of scope",
        status.ok,
        status.failed,
        status.retried,
        status.robots_skipped,
        status.deduped,
        status.out_of_scope
    ));
    for (name, ago) in &status.crawlers {
        print_line(&format!("  crawler {name}: last renewed {ago:.1} s ago"));
    }
    Ok(())
}

#[cfg(not(feature = "redis"))]
pub async fn crawl_status(frontier: std::convert::Infallible, _: Format) -> Result<()> {
    match frontier {}
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
pub async fn serve(root: Root, port: u16, latency: Duration) -> Result<()> {
    let what = match &root {
        Root::Dir(dir) => dir.display().to_string(),
        Root::Bundled => "the bundled site".to_string(),
        Root::Generated(site) => format!("a generated site of {} pages", site.pages),
    };
    let options = ServeOptions {
        root,
        ..ServeOptions::bundled().with_latency(latency)
    };
    let server = SiteServer::start(options, port)
        .await
        .with_context(|| format!("serving {what} on 127.0.0.1:{port}"))?;
    // Listen for Ctrl-C before saying we are up: whoever reads the line
    // below may send it at once.
    let stop = ctrl_c();
    // Benchmarks read the URL from this line.
    print_line(&format!(
        "Serving {what} at {} with {} ms of latency; Ctrl-C stops",
        server.url(),
        latency.as_millis()
    ));
    server.run_until(stop).await;
    Ok(())
}

/// A `Scraper` over a new `Fetcher` with `config`.
pub fn scraper(config: FetchConfig) -> anyhow::Result<Scraper> {
    Ok(Scraper::new(
        Fetcher::new(config).context("building the HTTP client")?,
    ))
}

/// A future that resolves on Ctrl-C (SIGINT). The handler is installed
/// now, not when the future is first polled, so a Ctrl-C that comes early
/// is not lost and cannot kill the process mid-run.
pub fn ctrl_c() -> impl Future<Output = ()> {
    #[cfg(unix)]
    let signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt());
    #[cfg(windows)]
    let signal = tokio::signal::windows::ctrl_c();
    async move {
        match signal {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    }
}
