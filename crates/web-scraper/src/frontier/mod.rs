//! One crawl, many crawler processes: the frontier in a Redis server.
//!
//! scrapy-redis keeps a crawl's seen URLs in a Redis set and its requests
//! in a Redis list, and a crawler pops a request off the list. When that
//! crawler dies, what it popped is gone. Here a URL is leased, not popped:
//! the queue is a Redis stream read through a consumer group, so a URL a
//! crawler takes stays in the group's pending list until the crawler
//! acknowledges it, after its record is written. A crawler renews its
//! leases while it works; when it dies, they run out, and the others claim
//! its URLs with `XAUTOCLAIM`. On Ctrl-C it hands them back at once.
//!
//! What lives in Redis, under `web-scraper:{ID}:` for a crawl id `ID` (the
//! braces keep a crawl's keys in one Redis Cluster slot):
//!
//! | key | type | what |
//! |---|---|---|
//! | `options` | string | the start URL, scope and limits; every crawler must match |
//! | `seen` | set | every URL met in scope; `SADD` says whether one is new |
//! | `admitted` | string | URLs let in for fetching, for `--max-pages` |
//! | `queue:D` | stream | the URLs at depth `D`, with group `crawlers` |
//! | `stats` | hash | ok, failed, retried, robots_skipped, deduped, out_of_scope |
//! | `level` | string | the deepest level reached |
//! | `crawlers` | hash | each crawler's name and when it last renewed |
//! | `done` | string | set when the crawl has finished |
//!
//! The crawl keeps the in-memory crawl's levels: no crawler takes a URL at
//! depth `D + 1` while any at depth `D` is queued or leased. A URL's depth is
//! then its distance from the start, whatever the crawlers' speeds, and
//! `--max-depth` cuts the crawl where one crawler would. Finishing a page
//! is one Lua script: acknowledge the lease, add the new links to the next
//! level, bump the counters. Redis runs a script whole or not at all, so a
//! crawler that dies mid-way leaves the page leased, never half done.
//!
//! Each crawler fetches robots.txt itself at the start, and again once its
//! copy is a day old: one request per crawler rather than shared state that
//! could go stale.
//!
//! One crawler of a shared crawl; run the same program anywhere else with
//! the same Redis URL and crawl id, and the crawlers split the work:
//!
//! ```no_run
//! use web_scraper::client::{FetchConfig, Fetcher};
//! use web_scraper::crawl::{CrawlOptions, Scraper};
//! use web_scraper::frontier::{FrontierConfig, RedisFrontier};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let config = FrontierConfig::new("redis://127.0.0.1:6379/0", "my-crawl");
//!     let frontier = RedisFrontier::connect(config).await?;
//!     let scraper = Scraper::new(Fetcher::new(FetchConfig::default())?);
//!     let start = url::Url::parse("http://127.0.0.1:8000/index.html")?;
//!     let shared = frontier
//!         .crawl(&scraper, start, &CrawlOptions::default(), std::future::pending(), |page| {
//!             // Written before the page is acknowledged: keep it somewhere
//!             // that survives this process.
//!             println!("{} {:?}", page.url, page.status)
//!         })
//!         .await?;
//!     println!("this crawler: {} ok, {} failed", shared.summary.ok, shared.summary.failed);
//!     let status = frontier.status().await?;
//!     println!("the whole crawl: {} ok, finished: {}", status.ok, status.finished);
//!     Ok(())
//! }
//! ```

mod connection;
mod crawler;
mod scripts;
mod status;

pub use connection::{
    FrontierConfig, FrontierError, RedisFrontier, SharedSummary, check_crawl_id, check_url,
};
pub use status::CrawlStatus;
