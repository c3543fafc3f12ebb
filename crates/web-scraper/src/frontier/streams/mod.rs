//! The frontier in a Redis server, through Redis Streams: see
//! [`RedisFrontier`] for how it works.

mod connection;
mod crawler;
mod leases;
mod protocol;
mod queue;
mod state;
mod status;

pub use connection::{
    FrontierConfig, FrontierError, RedisFrontier, SharedSummary, check_crawl_id, check_url,
};
pub use status::CrawlStatus;
