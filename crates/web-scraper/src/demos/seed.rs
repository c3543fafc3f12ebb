//! The seed's program, line for line: fetch every page at once and print
//! how many characters of text each has.
//!
//! | Python (the seed) | Rust (below) |
//! |---|---|
//! | `threading.Thread(target=fetch_content, args=(url,))` | `tasks.spawn(fetch_content(...))`: a tokio task |
//! | `requests.get(url)` | `client.get(url).send().await`, one shared `Client` |
//! | (nothing: every thread starts at once) | a `Semaphore`: at most `CONCURRENCY` requests at a time |
//! | `BeautifulSoup(response.content, 'html.parser')` | `Html::parse_document`, on `spawn_blocking` |
//! | `len(soup.text)` | the characters of every text node |
//! | `thread.join()` | `tasks.join_next().await` |
//!
//! A tokio task costs a few hundred bytes, not a thread's stack, so a task
//! per URL is fine for thousands of URLs. The parse runs on the blocking
//! pool because it is CPU work that would stall the other tasks, and
//! because `scraper::Html` is not `Send`: it may not be held across an
//! `.await`. What this lacks (timeouts, retries, a body cap, typed errors,
//! robots.txt) is what `web_scraper::client::Fetcher` adds; `fetch` shows it.

use anyhow::{Context, Result};
use reqwest::Client;
use scraper::Html;
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use url::Url;
use web_scraper::server::{ServeOptions, SiteServer};

/// Requests in flight at once.
const CONCURRENCY: usize = 16;

/// `seed [URL...]`: the given URLs, or with none, the bundled site's pages.
pub async fn standalone(urls: Vec<Url>) -> Result<()> {
    if !urls.is_empty() {
        return run(urls).await;
    }
    let server = SiteServer::start(ServeOptions::bundled(), 0)
        .await
        .context("starting the bundled site")?;
    println!("Serving the bundled site at {}", server.url());
    run(super::bundled_pages(&server.url())).await?;
    server.stop().await;
    Ok(())
}

pub async fn run(urls: Vec<Url>) -> Result<()> {
    // This crate builds reqwest's TLS without a default crypto provider
    // (the default would compile aws-lc); ring is the one it installs.
    #[cfg(feature = "tls")]
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = Client::builder().build()?;
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = JoinSet::new();
    for url in urls {
        tasks.spawn(fetch_content(client.clone(), Arc::clone(&permits), url));
    }
    while let Some(finished) = tasks.join_next().await {
        finished.context("a fetch task panicked")??;
    }
    println!("All web pages fetched");
    Ok(())
}

async fn fetch_content(client: Client, permits: Arc<Semaphore>, url: Url) -> Result<()> {
    let _permit = permits.acquire().await?;
    let response = client.get(url.clone()).send().await?.error_for_status()?;
    let html = response.text().await?;
    let characters = tokio::task::spawn_blocking(move || {
        let soup = Html::parse_document(&html);
        soup.root_element()
            .text()
            .map(|text| text.chars().count())
            .sum::<usize>()
    })
    .await?;
    println!("Fetched {characters} characters from {url}");
    Ok(())
}
