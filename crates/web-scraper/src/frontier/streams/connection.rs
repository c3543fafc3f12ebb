//! The frontier's settings and errors, the connection to Redis, and the
//! names of a crawl's keys: what the crawler and `crawl-status` share.

use super::protocol::Keys;
use crate::scrape::{CrawlOptions, Summary};
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, RedisError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use url::Url;

/// How often a crawler with nothing to do looks for leases run out.
pub(super) const CLAIM_EVERY: Duration = Duration::from_millis(100);

/// Where the frontier is, and how long its leases last.
#[derive(Debug, Clone)]
pub struct FrontierConfig {
    /// `redis://HOST:PORT/DB`.
    pub url: String,
    /// The crawl's name: every crawler given the same one works on the
    /// same crawl. Letters, digits, `.`, `_` and `-`.
    pub crawl_id: String,
    /// How long a URL stays leased to a crawler that stops renewing it.
    /// A live crawler renews its leases every third of this.
    pub lease: Duration,
    /// How long to wait for a connection to Redis, and for any one reply.
    pub timeout: Duration,
}

impl FrontierConfig {
    /// A frontier at `url` for the crawl `crawl_id`, with a 30 s lease and
    /// a 5 s timeout.
    pub fn new(url: impl Into<String>, crawl_id: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            crawl_id: crawl_id.into(),
            lease: Duration::from_secs(30),
            timeout: Duration::from_secs(5),
        }
    }
}

/// What can go wrong with a shared frontier.
#[derive(Debug, thiserror::Error)]
pub enum FrontierError {
    /// The URL is not a `redis://` URL.
    #[error("--frontier {url}: {why}")]
    BadUrl {
        /// The URL given.
        url: String,
        /// Why it is not one.
        why: String,
    },
    /// The crawl id has characters a Redis key should not.
    #[error(
        "--crawl-id {0:?}: use 1 to 100 letters, digits, '.', '_' or '-' (it becomes part of Redis keys)"
    )]
    BadCrawlId(String),
    /// Redis could not be reached, or did not answer, at the start.
    #[error("cannot reach Redis at {url}: {error}")]
    Connect {
        /// The URL given.
        url: String,
        /// What the client said.
        error: RedisError,
    },
    /// Redis failed, or stopped answering, during the crawl.
    #[error("lost Redis at {url} mid-crawl: {error}; rerun with the same --crawl-id to resume")]
    Lost {
        /// The URL given.
        url: String,
        /// What the client said.
        error: RedisError,
    },
    /// The crawl id is in use by a crawl with other options.
    #[error(
        "crawl {id:?} was started with other options ({theirs}); this crawler has {ours}. Use the same options, or another --crawl-id"
    )]
    Mismatch {
        /// The crawl id.
        id: String,
        /// The options stored in Redis.
        theirs: String,
        /// This crawler's options.
        ours: String,
    },
    /// `crawl-status` of a crawl that Redis has never seen.
    #[error("no crawl {0:?} in this Redis")]
    Unknown(String),
}

impl FrontierError {
    /// Whether the error is the user's input, which exits with code 2.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Self::BadUrl { .. } | Self::BadCrawlId(_) | Self::Mismatch { .. }
        )
    }
}

/// What one crawler of a shared crawl did.
#[derive(Debug, Clone, Default)]
pub struct SharedSummary {
    /// This crawler's own totals: its records, nobody else's.
    pub summary: Summary,
    /// The crawl id had finished before this crawler joined; it did nothing.
    pub already_finished: bool,
    /// URLs this crawler held when it was stopped, handed back at once.
    pub returned: usize,
    /// Pages whose lease ran out while this crawler worked on them, and that
    /// another crawler acknowledged first: their records are written twice.
    pub lease_lost: usize,
}

/// One crawl, many crawler processes: the frontier in a Redis server.
///
/// scrapy-redis keeps a crawl's seen URLs in a Redis set and its requests
/// in a Redis list, and a crawler pops a request off the list. When that
/// crawler dies, what it popped is gone. Here a URL is leased, not popped:
/// the queue is a Redis stream read through a consumer group, so a URL a
/// crawler takes stays in the group's pending list until the crawler
/// acknowledges it, after its record is written. A crawler renews its
/// leases while it works; when it dies, they run out, and the others claim
/// its URLs with `XAUTOCLAIM`. On Ctrl-C it hands them back at once.
///
/// What lives in Redis, under `web-scraper:{ID}:` for a crawl id `ID` (the
/// braces keep a crawl's keys in one Redis Cluster slot):
///
/// | key | type | what |
/// |---|---|---|
/// | `options` | string | the start URL, scope and limits; every crawler must match |
/// | `seen` | set | every URL met in scope; `SADD` says whether one is new |
/// | `admitted` | string | URLs let in for fetching, for `--max-pages` |
/// | `max_pages` | string | `--max-pages`; absent when the crawl has no limit |
/// | `queue:D` | stream | the URLs at depth `D`, with group `crawlers` |
/// | `stats` | hash | ok, failed, retried, robots_skipped, deduped, out_of_scope |
/// | `level` | string | the deepest level reached |
/// | `crawlers` | hash | each crawler's name and when it last renewed |
/// | `finished` | string | set when the crawl has finished |
///
/// The crawl keeps the in-memory crawl's levels: no crawler takes a URL at
/// depth `D + 1` while any at depth `D` is queued or leased. A URL's depth is
/// then its distance from the start, whatever the crawlers' speeds, and
/// `--max-depth` cuts the crawl where one crawler would. Acknowledging pages
/// is one Lua script for a batch of them: acknowledge each lease, add the new
/// links to the next level, bump the counters. Redis runs a script whole
/// or not at all, so a crawler that dies mid-way leaves its pages leased,
/// never half done. A crawler reads URLs a few at a time, ahead of need,
/// and acknowledges pages a few at a time, in the background: its loop
/// never waits on Redis while it has pages to fetch.
///
/// Each crawler fetches robots.txt itself at the start, and again once its
/// copy is a day old: one request per crawler rather than shared state that
/// could go stale.
///
/// One crawler of a shared crawl; run the same program anywhere else with
/// the same Redis URL and crawl id, and the crawlers split the work:
///
/// ```no_run
/// use web_scraper::client::{FetchConfig, Fetcher};
/// use web_scraper::crawl::{CrawlOptions, Scraper};
/// use web_scraper::frontier::{FrontierConfig, RedisFrontier};
///
/// #[tokio::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let config = FrontierConfig::new("redis://127.0.0.1:6379/0", "my-crawl");
///     let frontier = RedisFrontier::connect(config).await?;
///     let scraper = Scraper::new(Fetcher::new(FetchConfig::default())?);
///     let start = url::Url::parse("http://127.0.0.1:8000/index.html")?;
///     let shared = frontier
///         .crawl(&scraper, start, &CrawlOptions::default(), std::future::pending(), |page| {
///             // Written before the page is acknowledged: keep it somewhere
///             // that survives this process.
///             println!("{} {:?}", page.url, page.status)
///         })
///         .await?;
///     println!("this crawler: {} ok, {} failed", shared.summary.ok, shared.summary.failed);
///     let status = frontier.status().await?;
///     println!("the whole crawl: {} ok, finished: {}", status.ok, status.finished);
///     Ok(())
/// }
/// ```
pub struct RedisFrontier {
    pub(super) connection: MultiplexedConnection,
    pub(super) config: FrontierConfig,
    pub(super) keys: Keys,
    /// This crawler's name in the consumer group.
    pub(super) consumer: String,
}

/// Checks that `url` names a Redis server this build can talk to.
pub fn check_url(url: &str) -> Result<(), FrontierError> {
    let bad = |why: String| FrontierError::BadUrl {
        url: url.to_string(),
        why,
    };
    let parsed = Url::parse(url).map_err(|error| bad(error.to_string()))?;
    match parsed.scheme() {
        "redis" => {}
        "rediss" => return Err(bad("TLS to Redis is not built in; use redis://".into())),
        other => {
            return Err(bad(format!(
                "not a Redis URL (redis://HOST:PORT/DB), but {other}:"
            )));
        }
    }
    Client::open(url).map_err(|error| bad(error.to_string()))?;
    Ok(())
}

/// Checks a crawl id: it becomes part of every key.
pub fn check_crawl_id(id: &str) -> Result<(), FrontierError> {
    let fits = (1..=100).contains(&id.len())
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"._-".contains(&byte));
    if fits {
        Ok(())
    } else {
        Err(FrontierError::BadCrawlId(id.to_string()))
    }
}

impl RedisFrontier {
    /// Connects to the frontier, waiting at most `config.timeout`.
    pub async fn connect(config: FrontierConfig) -> Result<Self, FrontierError> {
        check_url(&config.url)?;
        check_crawl_id(&config.crawl_id)?;
        let connect = |error| FrontierError::Connect {
            url: config.url.clone(),
            error,
        };
        let client = Client::open(config.url.as_str()).map_err(connect)?;
        let settings = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(config.timeout))
            .set_response_timeout(Some(config.timeout));
        let mut connection = client
            .get_multiplexed_async_connection_with_config(&settings)
            .await
            .map_err(connect)?;
        let () = redis::cmd("PING")
            .query_async::<String>(&mut connection)
            .await
            .map(drop)
            .map_err(connect)?;
        let keys = Keys::new(&config.crawl_id);
        Ok(Self {
            connection,
            keys,
            consumer: consumer_name(),
            config,
        })
    }

    /// This crawler's name in the consumer group: host, pid and start time.
    pub fn consumer(&self) -> &str {
        &self.consumer
    }

    pub(super) fn lost(&self, error: RedisError) -> FrontierError {
        FrontierError::Lost {
            url: self.config.url.clone(),
            error,
        }
    }
}

/// The options every crawler of one crawl must share, as text.
pub(super) fn options_text(start: &Url, scope: &str, options: &CrawlOptions) -> String {
    let limit = |value: Option<String>| value.unwrap_or_else(|| "none".into());
    format!(
        "start {start}, scope {scope}, max-depth {}, max-pages {}, robots {}",
        limit(options.max_depth.map(|max| max.to_string())),
        limit(options.max_pages.map(|max| max.to_string())),
        if options.ignore_robots {
            "ignored"
        } else {
            "obeyed"
        },
    )
}

pub(super) fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64)
}

/// A name no other crawler has: host, pid and the start time in ms.
fn consumer_name() -> String {
    let host = std::env::var("HOSTNAME")
        .or_else(|_| std::env::var("COMPUTERNAME"))
        .unwrap_or_else(|_| "host".into());
    format!("{host}-{}-{}", std::process::id(), unix_ms())
}
