//! The tour: the seed's program, then the same pages through the guarded
//! `Fetcher`, the speedup concurrency buys, and a crawl, all against the
//! bundled site.

use super::{bundled_pages, compare, scraper, seed};
use crate::cli::commands;
use crate::cli::output::{Format, Output};
use anyhow::{Context, Result, ensure};
use url::Url;
use web_scraper::client::FetchConfig;
use web_scraper::crawl::{CrawlOptions, PageResult};
use web_scraper::server::{ServeOptions, SiteServer};

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

/// The tour: fetch, compare, crawl, against the bundled site.
pub async fn tour() -> Result<()> {
    let server = SiteServer::start(ServeOptions::bundled(), 0)
        .await
        .context("starting the bundled site")?;
    println!("== seed: the seed's program, every page at once ==");
    println!("Serving the bundled site at {}", server.url());
    let urls = bundled_pages(&server.url());
    let count = urls.len();
    seed::run(urls.clone()).await?;

    println!();
    println!("== fetch: the same pages through the guarded Fetcher ==");
    let summary = commands::fetch(urls, FetchConfig::default(), Format::Text).await?;
    ensure!(
        summary.ok == count && summary.failed == 0,
        "expected all {count} pages to be fetched, got {} ok and {} failed",
        summary.ok,
        summary.failed
    );

    println!();
    compare::compare(&super::defaults()).await?;

    println!();
    println!("== crawl: the bundled site, breadth first, obeying robots.txt ==");
    let mut failed = Vec::new();
    let mut output = Output::new(Format::Text);
    let summary = scraper(FetchConfig::default())?
        .crawl(
            server.url().join("index.html")?,
            &CrawlOptions::default(),
            std::future::pending(),
            |result: &PageResult| {
                if !result.ok() && !result.robots_skipped() {
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
