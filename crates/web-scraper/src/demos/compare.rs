//! `compare`: the same pages one at a time, then concurrently.

use super::{bundled_pages, scraper};
use anyhow::{Context, Result, ensure};
use std::time::{Duration, Instant};
use web_scraper::client::FetchConfig;
use web_scraper::server::{ServeOptions, SiteServer};

#[derive(clap::Args)]
pub struct CompareArgs {
    /// Milliseconds the server waits before each response
    #[arg(long, default_value_t = 50)]
    latency_ms: u64,
    /// Requests in flight at once, for the concurrent run
    #[arg(long, default_value_t = FetchConfig::default().concurrency as u32, value_parser = clap::value_parser!(u32).range(1..=1024))]
    concurrency: u32,
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
            .fetch_all(urls.clone(), std::future::pending(), |_| {})
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
