//! A concurrent, polite web scraper and crawler: Python's threads +
//! `requests` + BeautifulSoup, rebuilt on tokio, reqwest and scraper, with
//! an embedded server so that it all runs offline.
//!
//! ```
//! use web_scraper::client::{FetchConfig, Fetcher};
//! use web_scraper::crawl::{CrawlOptions, Scraper};
//! use web_scraper::parse;
//! use web_scraper::server::{ServeOptions, SiteServer};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // The bundled site, on 127.0.0.1 and a free port.
//!     let server = SiteServer::start(ServeOptions::bundled(), 0).await?;
//!     let index = server.url().join("index.html")?;
//!
//!     // `requests.get(url)`, with limits, timeouts, retries and a body cap;
//!     // then `BeautifulSoup(...)`, as owned data.
//!     let fetcher = Fetcher::new(FetchConfig::default())?;
//!     let body = fetcher.fetch(&index).await.result?;
//!     let page = parse::parse(&body.text, &index)?;
//!     assert_eq!(page.chars, 639);
//!
//!     // A whole crawl, breadth first, obeying robots.txt: one result per URL.
//!     let mut titles = Vec::new();
//!     let summary = Scraper::new(fetcher)
//!         .crawl(index, &CrawlOptions::default(), std::future::pending(), |result| {
//!             titles.extend(result.title.clone())
//!         })
//!         .await;
//!     assert_eq!(summary.ok, 34);
//!     assert!(titles.iter().any(|title| title.contains("Deadlock")));
//!     server.stop().await;
//!     Ok(())
//! }
//! ```
//!
//! - [`client`]: fetching one URL, with limits, timeouts, retries, a body cap
//!   and charset decoding;
//! - [`parse`]: reading a page into owned data;
//! - [`crawl`]: many URLs at once, and breadth-first crawls;
//! - [`frontier`]: where a crawl's URLs wait, in memory or, with the
//!   `redis` feature (on by default), in a Redis server that many crawler
//!   processes share;
//! - [`robots`]: robots.txt by RFC 9309;
//! - `server` and `site` (feature `site`, on by default): the bundled test
//!   site, any folder, and the fault routes, for tests of a crawler.

#![warn(missing_docs)]
// The library holds no `unsafe` code, and this keeps it so.
#![forbid(unsafe_code)]

pub mod client;
pub mod crawl;
pub mod frontier;
pub mod parse;
pub mod robots;
mod scrape;
#[cfg(feature = "site")]
pub mod server;
#[cfg(feature = "site")]
pub mod site;
