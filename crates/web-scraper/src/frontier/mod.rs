//! Where a crawl's URLs wait: the `Frontier` trait the one crawl loop
//! (`frontier/engine.rs`) takes its work from, and its two implementations.
//!
//! - `MemoryFrontier`, in this process: [`Scraper::crawl`] and
//!   [`Scraper::fetch_all`]. It fetches ahead of its levels and holds each
//!   finished page's links until no page less deep is unfinished, so that
//!   depths come out as a level-by-level crawl's would (see [`crate::crawl`]).
//! - `RedisFrontier` (feature `redis`, on by default): one crawl shared by
//!   many crawler processes through Redis Streams; its docs tell how.
//!
//! The loop is the same for both: take URLs up to the window, fetch and
//! parse them, report each result, and hand the page's links back to the
//! frontier, which thins them, admits the new ones and releases them for
//! fetching when their depth is settled.
//!
//! The Redis frontier keeps strict levels rather than fetching ahead: no
//! crawler takes a URL at depth `D + 1` while any at depth `D` is queued or
//! leased. Fetching ahead needs a finished page's links held until every
//! shallower page is done; in one process they wait in memory, but across
//! crawlers they would have to wait in Redis, and a crawler's lease on a
//! page would have to outlive its fetch to keep them safe from its death.
//! Levels keep a URL's depth its distance from the start, whatever the
//! crawlers' speeds, with nothing held anywhere.
//!
//! [`Scraper::crawl`]: crate::crawl::Scraper::crawl
//! [`Scraper::fetch_all`]: crate::crawl::Scraper::fetch_all

pub(crate) mod engine;
pub(crate) mod memory;
pub(crate) mod scope;
#[cfg(feature = "redis")]
mod streams;
pub(crate) mod traits;

#[cfg(feature = "redis")]
pub use streams::{
    CrawlStatus, FrontierConfig, FrontierError, RedisFrontier, SharedSummary, check_crawl_id,
    check_url,
};
