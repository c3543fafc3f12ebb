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
//! Each crawler fetches robots.txt itself, once, at the start: one request
//! per crawler rather than shared state that could go stale.
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

use crate::client::FetchError;
use crate::crawl::{self, CrawlOptions, PageResult, RedirectMode, Scraper, Summary};
use crate::robots::{self, Robots};
use redis::aio::MultiplexedConnection;
use redis::streams::{StreamAutoClaimReply, StreamId, StreamReadReply};
use redis::{AsyncConnectionConfig, Client, RedisError, Script};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::LazyLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::task::JoinSet;
use url::Url;

/// The consumer group every crawler of a crawl reads through.
const GROUP: &str = "crawlers";

/// How often a crawler with room for more work looks for it: new URLs,
/// leases run out, or the level's end.
const POLL: Duration = Duration::from_millis(20);

/// How often a crawler with nothing to do looks for leases run out.
const CLAIM_EVERY: Duration = Duration::from_millis(100);

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
    /// another crawler finished first: their records are written twice.
    pub lease_lost: usize,
}

/// A crawl's figures in Redis, for `crawl-status`.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct CrawlStatus {
    /// The crawl id.
    pub crawl_id: String,
    /// The options it was started with.
    pub options: String,
    /// Whether it has finished.
    pub finished: bool,
    /// The deepest level reached.
    pub level: u32,
    /// URLs let in for fetching.
    pub admitted: u64,
    /// URLs met.
    pub seen: u64,
    /// URLs waiting for a crawler.
    pub queued: u64,
    /// URLs leased to a crawler.
    pub leased: u64,
    /// Pages read in full.
    pub ok: u64,
    /// URLs that ended in an error.
    pub failed: u64,
    /// URLs that needed more than one attempt.
    pub retried: u64,
    /// URLs robots.txt kept the crawl from.
    pub robots_skipped: u64,
    /// Links to a URL already met.
    pub deduped: u64,
    /// Links out of scope.
    pub out_of_scope: u64,
    /// Each crawler that joined, and how many seconds ago it last renewed.
    pub crawlers: Vec<(String, f64)>,
}

/// `status`'s one round trip: options, done, level, admitted, seen,
/// stats, crawlers.
type StatusReply = (
    Option<String>,
    bool,
    Option<u32>,
    Option<u64>,
    u64,
    HashMap<String, u64>,
    HashMap<String, u64>,
);

/// What [`FINISH`] answers: admitted, and deduped by Redis; or -1 and 0.
type FinishReply = Result<(i64, i64), RedisError>;

/// A connection to one crawl's frontier.
pub struct RedisFrontier {
    connection: MultiplexedConnection,
    config: FrontierConfig,
    keys: Keys,
    /// This crawler's name in the consumer group.
    consumer: String,
}

/// The crawl's key names.
#[derive(Debug, Clone)]
struct Keys {
    prefix: String,
}

impl Keys {
    fn new(crawl_id: &str) -> Self {
        Self {
            prefix: format!("web-scraper:{{{crawl_id}}}:"),
        }
    }

    fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn queue(&self, depth: u32) -> String {
        format!("{}queue:{depth}", self.prefix)
    }
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

    fn lost(&self, error: RedisError) -> FrontierError {
        FrontierError::Lost {
            url: self.config.url.clone(),
            error,
        }
    }

    /// The crawl's figures, or [`FrontierError::Unknown`].
    pub async fn status(&self) -> Result<CrawlStatus, FrontierError> {
        let mut connection = self.connection.clone();
        let keys = &self.keys;
        let (options, done, level, admitted, seen, stats, crawlers): StatusReply = redis::pipe()
            .get(keys.key("options"))
            .exists(keys.key("done"))
            .get(keys.key("level"))
            .get(keys.key("admitted"))
            .scard(keys.key("seen"))
            .hgetall(keys.key("stats"))
            .hgetall(keys.key("crawlers"))
            .query_async(&mut connection)
            .await
            .map_err(|error| self.lost(error))?;
        let Some(options) = options else {
            return Err(FrontierError::Unknown(self.config.crawl_id.clone()));
        };
        let level = level.unwrap_or(0);
        let (mut queued, mut leased) = (0, 0);
        for depth in 0..=level + 1 {
            let (pending, lag): (u64, u64) = QUEUE_DEPTH
                .key(keys.queue(depth))
                .arg(GROUP)
                .invoke_async(&mut connection)
                .await
                .map_err(|error| self.lost(error))?;
            leased += pending;
            queued += lag;
        }
        let now = unix_ms();
        let mut crawlers: Vec<(String, f64)> = crawlers
            .into_iter()
            .map(|(name, at)| (name, now.saturating_sub(at) as f64 / 1000.0))
            .collect();
        crawlers.sort_by(|a, b| a.0.cmp(&b.0));
        let stat = |name: &str| stats.get(name).copied().unwrap_or(0);
        Ok(CrawlStatus {
            crawl_id: self.config.crawl_id.clone(),
            options,
            finished: done,
            level,
            admitted: admitted.unwrap_or(0),
            seen,
            queued,
            leased,
            ok: stat("ok"),
            failed: stat("failed"),
            retried: stat("retried"),
            robots_skipped: stat("robots_skipped"),
            deduped: stat("deduped"),
            out_of_scope: stat("out_of_scope"),
            crawlers,
        })
    }

    /// Crawls from `start` together with every other crawler of this crawl
    /// id, breadth first, level by level, writing this crawler's records to
    /// `report` before it acknowledges them. `stop` resolving (Ctrl-C) hands
    /// this crawler's leases back and returns.
    ///
    /// The first crawler to join stores `start` and `options`; the others
    /// must bring the same. A crawl id that has finished returns at once
    /// with [`SharedSummary::already_finished`] set; one that was cut short
    /// (every crawler killed, or Redis lost) resumes where it was.
    pub async fn crawl(
        &self,
        scraper: &Scraper,
        start: Url,
        options: &CrawlOptions,
        stop: impl Future<Output = ()>,
        mut report: impl FnMut(&PageResult),
    ) -> Result<SharedSummary, FrontierError> {
        let started = Instant::now();
        let mut shared = SharedSummary::default();
        let mut start = start;
        start.set_fragment(None);
        let scope = crawl::scope_of(&start, options);
        let origin = start.origin();
        tokio::pin!(stop);
        let robots = if options.ignore_robots {
            Robots::AllowAll
        } else {
            tokio::select! {
                robots = scraper.robots_for(&start) => robots,
                () = stop.as_mut() => {
                    shared.summary.interrupted = true;
                    shared.summary.finish(started);
                    return Ok(shared);
                }
            }
        };
        let ours = options_text(&start, &scope, options);
        let max_pages = options.max_pages.map_or(-1, |max| max as i64);
        let mut connection = self.connection.clone();
        let keys = &self.keys;
        let (state, theirs): (String, String) = JOIN
            .key(keys.key("options"))
            .key(keys.key("seen"))
            .key(keys.key("admitted"))
            .key(keys.queue(0))
            .key(keys.key("done"))
            .key(keys.key("crawlers"))
            .arg(&ours)
            .arg(start.as_str())
            .arg(!robots.allows(&crawl::path_and_query(&start)))
            .arg(max_pages)
            .arg(&self.consumer)
            .arg(unix_ms())
            .invoke_async(&mut connection)
            .await
            .map_err(|error| self.lost(error))?;
        match state.as_str() {
            "mismatch" => {
                return Err(FrontierError::Mismatch {
                    id: self.config.crawl_id.clone(),
                    theirs,
                    ours,
                });
            }
            "finished" => {
                shared.already_finished = true;
                shared.summary.finish(started);
                return Ok(shared);
            }
            _ => {}
        }

        let robots_url = start.join("/robots.txt").ok();
        let robots = robots::Cached::new(
            robots,
            robots_url.filter(|_| !options.ignore_robots),
            options.robots_max_age,
        );
        let mut crawler = Crawler {
            frontier: self,
            scraper,
            connection,
            origin,
            scope,
            robots,
            max_depth: options.max_depth,
            max_pages,
            depth: 0,
            met: HashSet::new(),
            held: HashSet::new(),
            next_claim: Instant::now(),
            fetches: JoinSet::new(),
            finishes: JoinSet::new(),
        };
        let outcome = crawler.run(&mut stop, &mut shared, &mut report).await;
        crawler.fetches.abort_all();
        outcome?;
        shared.summary.finish(started);
        Ok(shared)
    }
}

/// One crawler's state while it runs.
struct Crawler<'a> {
    frontier: &'a RedisFrontier,
    scraper: &'a Scraper,
    connection: MultiplexedConnection,
    origin: url::Origin,
    scope: String,
    robots: robots::Cached,
    max_depth: Option<u32>,
    max_pages: i64,
    /// The level this crawler takes URLs from.
    depth: u32,
    /// Links this crawler has already passed to Redis: they are in `seen`,
    /// so a repeat costs no round trip.
    met: HashSet<Url>,
    /// When next to look for leases that have run out.
    next_claim: Instant,
    /// The stream ids of the URLs leased to this crawler.
    held: HashSet<String>,
    /// Pages being fetched and parsed: the entry's id, the result, the links.
    fetches: JoinSet<(String, PageResult, Vec<Url>)>,
    /// Pages whose record is written, being acknowledged: what Redis said.
    finishes: JoinSet<(String, FinishReply)>,
}

/// A URL taken from the queue.
struct Entry {
    id: String,
    url: Url,
    /// robots.txt disallows it: it gets a record, not a fetch.
    robots: bool,
}

/// What the level looks like once this crawler has found nothing to take.
enum Level {
    /// Others still hold URLs of this level.
    Wait,
    /// The level is done; the next has URLs.
    Next,
    /// The level is done and the next is empty: the crawl is over.
    Finished,
}

impl Crawler<'_> {
    async fn run(
        &mut self,
        stop: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
        shared: &mut SharedSummary,
        report: &mut impl FnMut(&PageResult),
    ) -> Result<(), FrontierError> {
        let window = self.scraper.window();
        let lease = self.frontier.config.lease;
        // Taking work costs a round trip that holds this loop up, so it is
        // taken a few URLs at a time rather than one per finished page.
        let batch = (window / 4).max(1);
        let mut renew = tokio::time::interval(lease / 3);
        renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            self.robots.refresh_if_old(self.scraper.shared_fetcher());
            let refreshing = self.robots.refreshing();
            let busy = self.fetches.len() + self.finishes.len();
            let room = window.saturating_sub(busy);
            let looked = busy == 0 || room >= batch;
            let mut found = 0;
            if looked {
                let entries = self.take(room).await?;
                found = entries.len();
                for entry in entries {
                    self.start(entry, shared, report);
                }
                if found == 0 && busy == 0 {
                    match self.level().await? {
                        Level::Next => {
                            self.depth += 1;
                            continue;
                        }
                        Level::Finished => return Ok(()),
                        Level::Wait => {}
                    }
                }
            }
            // Found nothing: look again after a pause, unless a page of
            // this crawler's finishes first.
            let idle = looked && found == 0;
            tokio::select! {
                Some(joined) = self.fetches.join_next() => {
                    let (id, result, links) = joined.expect("fetch tasks do not panic");
                    self.finish(id, result, links, shared, report);
                }
                Some(joined) = self.finishes.join_next() => {
                    let (id, reply) = joined.expect("finish tasks do not panic");
                    self.held.remove(&id);
                    match reply {
                        Ok((-1, _)) => shared.lease_lost += 1,
                        Ok((_, deduped)) => shared.summary.deduped += deduped as usize,
                        Err(error) => return Err(self.frontier.lost(error)),
                    }
                }
                _ = renew.tick() => self.hold(Duration::ZERO).await.map(drop)?,
                () = tokio::time::sleep(POLL), if idle => {}
                () = self.robots.refreshed(), if refreshing => {}
                () = stop.as_mut() => {
                    self.fetches.abort_all();
                    // Records already written are acknowledged; the rest go back.
                    while let Some(joined) = self.finishes.join_next().await {
                        let (id, reply) = joined.expect("finish tasks do not panic");
                        self.held.remove(&id);
                        reply.map_err(|error| self.frontier.lost(error))?;
                    }
                    shared.returned = self.hold(lease + Duration::from_secs(1)).await?;
                    shared.summary.interrupted = true;
                    return Ok(());
                }
            }
        }
    }

    /// Up to `count` URLs of this level: new ones first, then those whose
    /// lease has run out.
    async fn take(&mut self, count: usize) -> Result<Vec<Entry>, FrontierError> {
        let queue = self.frontier.keys.queue(self.depth);
        let read: Option<StreamReadReply> = redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg(GROUP)
            .arg(&self.frontier.consumer)
            .arg("COUNT")
            .arg(count)
            .arg("STREAMS")
            .arg(&queue)
            .arg(">")
            .query_async(&mut self.connection)
            .await
            .map_err(|error| self.frontier.lost(error))?;
        let mut ids: Vec<StreamId> = read
            .into_iter()
            .flat_map(|reply| reply.keys)
            .flat_map(|key| key.ids)
            .collect();
        if ids.is_empty() && Instant::now() >= self.next_claim {
            // Leases run out only when a crawler dies or stalls: looking a
            // few times a second is enough.
            self.next_claim = Instant::now() + CLAIM_EVERY;
            let claimed: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
                .arg(&queue)
                .arg(GROUP)
                .arg(&self.frontier.consumer)
                .arg(self.frontier.config.lease.as_millis() as u64)
                .arg("0-0")
                .arg("COUNT")
                .arg(count)
                .query_async(&mut self.connection)
                .await
                .map_err(|error| self.frontier.lost(error))?;
            ids = claimed.claimed;
        }
        let mut entries = Vec::with_capacity(ids.len());
        for entry in ids {
            let url = entry
                .get::<String>("url")
                .and_then(|url| Url::parse(&url).ok());
            self.held.insert(entry.id.clone());
            match url {
                Some(url) => entries.push(Entry {
                    robots: entry.contains_key("robots"),
                    id: entry.id,
                    url,
                }),
                // Not written by a crawler: acknowledge it, so it cannot
                // hold the level up for ever.
                None => self.acknowledge(entry.id, "failed", false, 0, 0, Vec::new()),
            }
        }
        Ok(entries)
    }

    /// Starts work on one URL.
    fn start(
        &mut self,
        entry: Entry,
        shared: &mut SharedSummary,
        report: &mut impl FnMut(&PageResult),
    ) {
        let depth = self.depth;
        if entry.robots {
            let result = PageResult::failed(&entry.url, depth, FetchError::RobotsDisallowed);
            self.finish(entry.id, result, Vec::new(), shared, report);
            return;
        }
        let scraper = self.scraper.clone();
        self.fetches.spawn(async move {
            let (result, links) = scraper.visit(entry.url, depth, RedirectMode::Queue).await;
            (entry.id, result, links)
        });
    }

    /// Writes a page's record, then has Redis acknowledge it and admit its
    /// links, in the background.
    fn finish(
        &mut self,
        id: String,
        result: PageResult,
        mut links: Vec<Url>,
        shared: &mut SharedSummary,
        report: &mut impl FnMut(&PageResult),
    ) {
        let summary = &mut shared.summary;
        summary.add(&result);
        report(&result);
        if self.max_depth.is_some_and(|max| self.depth >= max) {
            links.clear();
        }
        let (deduped, out_of_scope) = crawl::thin(&mut links, &self.met, &self.origin, &self.scope);
        summary.deduped += deduped;
        summary.out_of_scope += out_of_scope;
        let outcome = match &result.error {
            None => "ok",
            Some(FetchError::RobotsDisallowed) => "robots_skipped",
            Some(_) => "failed",
        };
        let mut marked = Vec::with_capacity(links.len());
        for link in links {
            let disallowed = !self.robots.allows(&crawl::path_and_query(&link));
            self.met.insert(link.clone());
            marked.push((link, disallowed));
        }
        self.acknowledge(
            id,
            outcome,
            result.attempts > 1,
            deduped,
            out_of_scope,
            marked,
        );
    }

    /// Acknowledges one entry in the background, with what its page found.
    fn acknowledge(
        &mut self,
        id: String,
        outcome: &'static str,
        retried: bool,
        deduped: usize,
        out_of_scope: usize,
        links: Vec<(Url, bool)>,
    ) {
        let keys = &self.frontier.keys;
        let mut invocation = FINISH.prepare_invoke();
        invocation
            .key(keys.queue(self.depth))
            .key(keys.queue(self.depth + 1))
            .key(keys.key("seen"))
            .key(keys.key("admitted"))
            .key(keys.key("stats"))
            .arg(&id)
            .arg(self.max_pages)
            .arg(outcome)
            .arg(retried)
            .arg(deduped)
            .arg(out_of_scope);
        for (link, disallowed) in &links {
            invocation.arg(link.as_str()).arg(*disallowed);
        }
        let mut connection = self.connection.clone();
        self.finishes.spawn(async move {
            let reply = invocation.invoke_async(&mut connection).await;
            (id, reply)
        });
    }

    /// Resets the idle time of every lease this crawler holds to `idle`:
    /// zero renews them, a lease's length or more hands them back. Returns
    /// how many were still this crawler's.
    async fn hold(&mut self, idle: Duration) -> Result<usize, FrontierError> {
        let keys = &self.frontier.keys;
        let mut invocation = HOLD.key(keys.queue(self.depth));
        invocation
            .key(keys.key("crawlers"))
            .arg(&self.frontier.consumer)
            .arg(idle.as_millis() as u64)
            .arg(unix_ms());
        for id in &self.held {
            invocation.arg(id);
        }
        invocation
            .invoke_async(&mut self.connection)
            .await
            .map_err(|error| self.frontier.lost(error))
    }

    /// Whether this level is done, once this crawler found nothing in it.
    async fn level(&mut self) -> Result<Level, FrontierError> {
        let keys = &self.frontier.keys;
        let state: i64 = ADVANCE
            .key(keys.queue(self.depth))
            .key(keys.queue(self.depth + 1))
            .key(keys.key("done"))
            .key(keys.key("level"))
            .arg(self.depth + 1)
            .invoke_async(&mut self.connection)
            .await
            .map_err(|error| self.frontier.lost(error))?;
        Ok(match state {
            0 => Level::Wait,
            1 => Level::Next,
            _ => Level::Finished,
        })
    }
}

/// The options every crawler of one crawl must share, as text.
fn options_text(start: &Url, scope: &str, options: &CrawlOptions) -> String {
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

fn unix_ms() -> u64 {
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

/// Joins a crawl, creating it if it is new.
/// KEYS: options, seen, admitted, queue:0, done, crawlers.
/// ARGV: options, start URL, start disallowed (0/1), max pages (-1: none),
/// consumer, now (ms).
/// Returns {state, stored options}: created, joined, finished or mismatch.
static JOIN: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local existing = redis.call('GET', KEYS[1])
if existing then
  if existing ~= ARGV[1] then return {'mismatch', existing} end
  if redis.call('EXISTS', KEYS[5]) == 1 then return {'finished', existing} end
  redis.call('HSET', KEYS[6], ARGV[5], ARGV[6])
  return {'joined', existing}
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[6], ARGV[5], ARGV[6])
redis.call('XGROUP', 'CREATE', KEYS[4], 'crawlers', '0', 'MKSTREAM')
redis.call('SADD', KEYS[2], ARGV[2])
if ARGV[3] == '1' then
  redis.call('XADD', KEYS[4], '*', 'url', ARGV[2], 'robots', '1')
elseif tonumber(ARGV[4]) ~= 0 then
  redis.call('INCR', KEYS[3])
  redis.call('XADD', KEYS[4], '*', 'url', ARGV[2])
end
return {'created', ARGV[1]}
"#,
    )
});

/// Finishes one page: acknowledges it, then, only if the ack took (the
/// lease was not finished by another crawler first), counts it and admits
/// its links to the next level.
/// KEYS: queue:D, queue:D+1, seen, admitted, stats.
/// ARGV: entry id, max pages (-1: none), outcome field, retried (0/1),
/// links deduped here, links out of scope here, then (link, disallowed) pairs.
/// Returns {admitted, deduped by Redis}, or {-1, 0} when the ack did not take.
static FINISH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('XACK', KEYS[1], 'crawlers', ARGV[1]) == 0 then return {-1, 0} end
redis.call('HINCRBY', KEYS[5], ARGV[3], 1)
if ARGV[4] == '1' then redis.call('HINCRBY', KEYS[5], 'retried', 1) end
local max = tonumber(ARGV[2])
local admitted, deduped = 0, 0
local next_exists = redis.call('EXISTS', KEYS[2]) == 1
for i = 7, #ARGV, 2 do
  local url = ARGV[i]
  if redis.call('SADD', KEYS[3], url) == 0 then
    deduped = deduped + 1
  else
    local robots = ARGV[i + 1] == '1'
    local take = robots
    if not robots and (max < 0 or tonumber(redis.call('GET', KEYS[4]) or '0') < max) then
      redis.call('INCR', KEYS[4])
      take = true
    end
    if take then
      if not next_exists then
        redis.call('XGROUP', 'CREATE', KEYS[2], 'crawlers', '0', 'MKSTREAM')
        next_exists = true
      end
      if robots then
        redis.call('XADD', KEYS[2], '*', 'url', url, 'robots', '1')
      else
        redis.call('XADD', KEYS[2], '*', 'url', url)
        admitted = admitted + 1
      end
    end
  end
end
redis.call('HINCRBY', KEYS[5], 'deduped', deduped + tonumber(ARGV[5]))
redis.call('HINCRBY', KEYS[5], 'out_of_scope', tonumber(ARGV[6]))
return {admitted, deduped}
"#,
    )
});

/// Sets the idle time of this consumer's leases among the ids given, and
/// notes that the consumer is alive.
/// KEYS: queue:D, crawlers. ARGV: consumer, idle (ms), now (ms), ids...
/// Returns how many of the ids were still leased to the consumer.
static HOLD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
local held = 0
for i = 4, #ARGV do
  local lease = redis.call('XPENDING', KEYS[1], 'crawlers', ARGV[i], ARGV[i], 1)
  if lease[1] and lease[1][2] == ARGV[1] then
    redis.call('XCLAIM', KEYS[1], 'crawlers', ARGV[1], 0, ARGV[i], 'IDLE', ARGV[2], 'JUSTID')
    held = held + 1
  end
end
return held
"#,
    )
});

/// Whether level D is done, for a crawler that found nothing to take in it.
/// Nothing is added to level D once D - 1 is done, so "nothing new to
/// read" and "nothing leased" together mean the level is over.
/// KEYS: queue:D, queue:D+1, done, level. ARGV: D + 1.
/// Returns 0: wait, 1: go on to D + 1, 2: the crawl is over.
static ADVANCE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('XPENDING', KEYS[1], 'crawlers')[1] > 0 then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 and redis.call('XLEN', KEYS[2]) > 0 then
  if tonumber(redis.call('GET', KEYS[4]) or '0') < tonumber(ARGV[1]) then
    redis.call('SET', KEYS[4], ARGV[1])
  end
  return 1
end
redis.call('SET', KEYS[3], '1')
return 2
"#,
    )
});

/// A level's leased and queued counts, for `crawl-status`.
/// KEYS: queue:D. ARGV: group. Returns {leased, queued}.
static QUEUE_DEPTH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0} end
local leased = redis.call('XPENDING', KEYS[1], ARGV[1])[1]
local queued = 0
for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  for i = 1, #group, 2 do
    if group[i] == 'lag' and group[i + 1] then queued = group[i + 1] end
  end
end
return {leased, queued}
"#,
    )
});
