//! One crawler of a shared crawl: joining it, then its loop of taking
//! leased URLs, fetching them, finishing them in Redis and renewing its
//! leases.

use super::connection::{
    CLAIM_EVERY, FrontierError, GROUP, POLL, RedisFrontier, SharedSummary, options_text, unix_ms,
};
use super::scripts::{ADVANCE, FINISH, HOLD, JOIN};
use crate::client::FetchError;
use crate::crawl::{self, CrawlOptions, PageResult, RedirectMode, Scraper};
use crate::robots::{self, Robots};
use redis::RedisError;
use redis::aio::MultiplexedConnection;
use redis::streams::{StreamAutoClaimReply, StreamId, StreamReadReply};
use std::collections::HashSet;
use std::future::Future;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;
use url::Url;

/// What [`FINISH`] answers: admitted, and deduped by Redis; or -1 and 0.
type FinishReply = Result<(i64, i64), RedisError>;

impl RedisFrontier {
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
