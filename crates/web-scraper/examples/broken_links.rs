//! A broken-link checker: crawl one site and print every link that leads
//! nowhere, with the pages it was found on. The classic exercise of
//! Comprehensive Rust's concurrency chapter, on this crate's library.
//!
//! Run with `cargo run -p web-scraper --example broken_links -- [START_URL]`.
//! With no URL it serves the bundled site, which has three broken links.
//! Each level of the crawl is fetched at once, as tokio tasks, within the
//! `Fetcher`'s limits; links to other sites are counted, not followed. It
//! is meant for your own site, so it does not consult robots.txt (`crawl`
//! does). The output is sorted, so it is the same on every run.

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;
use tokio::task::JoinSet;
use url::Url;
use web_scraper::client::{FetchConfig, FetchError, Fetcher};
use web_scraper::crawl::{RedirectMode, Scraper};
use web_scraper::server::{ServeOptions, SiteServer};

/// Whether an error means the link leads nowhere. The others (a page too
/// large, not HTML, badly encoded) mean the link works but the page could
/// not be read, which is not the link's fault.
fn is_broken(error: &FetchError) -> bool {
    matches!(
        error,
        FetchError::Status(_)
            | FetchError::Connect(_)
            | FetchError::Timeout(_)
            | FetchError::TooManyRedirects(_)
            | FetchError::Connection(_)
    )
}

#[tokio::main]
async fn main() -> ExitCode {
    let start = match std::env::args().nth(1) {
        Some(text) => match Url::parse(&text) {
            Ok(url) if url.scheme() == "http" || url.scheme() == "https" => Some(url),
            _ => {
                eprintln!("broken_links: `{text}` is not an http(s) URL");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let server = match start {
        Some(_) => None,
        None => match SiteServer::start(ServeOptions::bundled(), 0).await {
            Ok(server) => Some(server),
            Err(error) => {
                eprintln!("broken_links: cannot serve the bundled site: {error}");
                return ExitCode::FAILURE;
            }
        },
    };
    let start = match (start, &server) {
        (Some(url), _) => url,
        (None, Some(server)) => server.url().join("index.html").expect("a valid path"),
        (None, None) => unreachable!("a server is started when no URL is given"),
    };
    let fetcher = match Fetcher::new(FetchConfig::default()) {
        Ok(fetcher) => fetcher,
        Err(error) => {
            eprintln!("broken_links: cannot build the HTTP client: {error}");
            return ExitCode::FAILURE;
        }
    };
    let report = check(Scraper::new(fetcher), start).await;
    if let Some(server) = server {
        server.stop().await;
    }
    print!("{report}");
    ExitCode::SUCCESS
}

/// Crawls the site of `start`, level by level, and reports the broken links.
async fn check(scraper: Scraper, start: Url) -> String {
    // Each link, and the pages it was found on.
    let mut found_on: BTreeMap<Url, BTreeSet<Url>> = BTreeMap::new();
    let mut seen = BTreeSet::from([start.clone()]);
    let mut level = vec![start.clone()];
    let mut broken = BTreeMap::new();
    let (mut pages, mut off_site) = (0, BTreeSet::new());
    let mut depth = 0;
    while !level.is_empty() {
        let mut tasks = JoinSet::new();
        for url in level.drain(..) {
            let scraper = scraper.clone();
            tasks.spawn(async move {
                (
                    url.clone(),
                    scraper.visit(url, depth, RedirectMode::Follow).await,
                )
            });
        }
        while let Some(joined) = tasks.join_next().await {
            let Ok((url, (result, links))) = joined else {
                continue; // a task that panicked; visit itself never does
            };
            pages += 1;
            if let Some(error) = result.error.filter(is_broken) {
                broken.insert(url.clone(), error.to_string());
            }
            for link in links {
                if link.origin() != start.origin() {
                    off_site.insert(link);
                    continue;
                }
                found_on
                    .entry(link.clone())
                    .or_default()
                    .insert(url.clone());
                if seen.insert(link.clone()) {
                    level.push(link);
                }
            }
        }
        depth += 1;
    }

    let mut report = String::new();
    for (url, error) in &broken {
        report.push_str(&format!("broken: {url} ({error})\n"));
        for page in found_on.get(url).into_iter().flatten() {
            report.push_str(&format!("  found on {page}\n"));
        }
    }
    report.push_str(&format!(
        "{} broken links; {pages} URLs checked on {}, {} links to other sites not followed\n",
        broken.len(),
        start.origin().ascii_serialization(),
        off_site.len()
    ));
    report
}
