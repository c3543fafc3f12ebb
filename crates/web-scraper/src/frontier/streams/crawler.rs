//! One crawler of a shared crawl: joining it, then its loop of taking
//! leased URLs, fetching them, finishing them in Redis and renewing its
//! leases.

use super::connection::{
    CLAIM_EVERY, FrontierError, GROUP, RedisFrontier, SharedSummary, options_text, unix_ms,
};
use super::leases::{Leases, hold, lock, renew};
use super::scripts::{ADVANCE, FINISH, JOIN};
use crate::client::{FetchError, Fetcher};
use crate::frontier::engine;
use crate::frontier::scope::{Seen, path_and_query, thin};
use crate::frontier::traits::{Frontier, Job, Next};
use crate::robots;
use crate::scrape::{CrawlOptions, PageResult, RedirectMode, Scraper, Summary};
use redis::RedisError;
use redis::aio::MultiplexedConnection;
use redis::streams::{StreamAutoClaimReply, StreamId, StreamReadReply};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::{JoinHandle, JoinSet};
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
        tokio::pin!(stop);
        let Some(begun) = engine::begin(scraper, start, options, &mut stop).await else {
            shared.summary.interrupted = true;
            shared.summary.finish(started);
            return Ok(shared);
        };
        let start = begun.start.clone();
        let scope = begun.scope.clone();
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
            .arg(!begun.start_allowed())
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

        let leases = Arc::new(Mutex::new(Leases::default()));
        let renewer = tokio::spawn(renew(
            self.connection.clone(),
            self.keys.clone(),
            self.consumer.clone(),
            self.config.clone(),
            Arc::clone(&leases),
        ));
        let mut crawler = Crawler {
            frontier: self,
            connection,
            origin: start.origin(),
            scope,
            robots: begun.robots,
            max_depth: options.max_depth,
            max_pages,
            // Taking work costs a round trip that holds the loop up, so it
            // is taken a few URLs at a time rather than one per finished
            // page.
            batch: (scraper.window() / 4).max(1),
            renewer,
            depth: 0,
            met: Seen::default(),
            leases,
            next_claim: Instant::now(),
            finishes: JoinSet::new(),
            returned: 0,
            lease_lost: 0,
        };
        let summary = &mut shared.summary;
        engine::run(scraper, &mut crawler, &mut stop, summary, &mut report).await?;
        shared.returned = crawler.returned;
        shared.lease_lost = crawler.lease_lost;
        shared.summary.finish(started);
        Ok(shared)
    }
}

/// One crawler's state while it runs.
struct Crawler<'a> {
    frontier: &'a RedisFrontier,
    connection: MultiplexedConnection,
    origin: url::Origin,
    scope: String,
    robots: robots::Cached,
    max_depth: Option<u32>,
    max_pages: i64,
    /// The fewest URLs worth a round trip while pages are in flight.
    batch: usize,
    /// Renews the leases every third of a lease, in a task of its own, so
    /// that a loop held up (by a slow reader of the records, say) never
    /// lets them run out. It ends only if Redis fails.
    renewer: JoinHandle<FrontierError>,
    /// The level this crawler takes URLs from.
    depth: u32,
    /// Links this crawler has already passed to Redis: they are in `seen`,
    /// so a repeat costs no round trip.
    met: Seen,
    /// When next to look for leases that have run out.
    next_claim: Instant,
    /// The URLs leased to this crawler, shared with the renewer.
    leases: Arc<Mutex<Leases>>,
    /// Pages whose record is written, being acknowledged: what Redis said.
    finishes: JoinSet<(String, FinishReply)>,
    /// URLs handed back when stopped.
    returned: usize,
    /// Pages another crawler finished first, after this one's lease ran out.
    lease_lost: usize,
}

/// What a crawler's background work has for the loop.
enum Event {
    /// Redis acknowledged a page, or failed to.
    Finished(String, FinishReply),
    /// The renewer stopped: Redis failed it.
    RenewFailed(FrontierError),
    /// robots.txt was fetched again.
    Robots,
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

impl Frontier for Crawler<'_> {
    type Ticket = String;
    type Event = Event;
    type Error = FrontierError;

    fn redirects(&self) -> RedirectMode {
        RedirectMode::Queue
    }

    fn upkeep(&mut self, fetcher: &Arc<Fetcher>) {
        self.robots.refresh_if_old(fetcher);
    }

    async fn take(&mut self, room: usize, in_flight: usize) -> Result<Next<String>, FrontierError> {
        loop {
            let busy = in_flight + self.finishes.len();
            let room = room.saturating_sub(self.finishes.len());
            if busy > 0 && room < self.batch {
                return Ok(Next::Jobs(Vec::new()));
            }
            let entries = self.take_entries(room).await?;
            if !entries.is_empty() {
                let depth = self.depth;
                let jobs = entries.into_iter().map(|entry| Job {
                    url: entry.url,
                    depth,
                    ticket: entry.id,
                    disallowed: entry.robots,
                });
                return Ok(Next::Jobs(jobs.collect()));
            }
            if busy > 0 {
                // Found nothing: look again after a pause, unless a page
                // of this crawler's finishes first.
                return Ok(Next::Poll);
            }
            match self.level().await? {
                Level::Next => {
                    self.depth += 1;
                    lock(&self.leases).depth = self.depth;
                }
                Level::Finished => return Ok(Next::Done),
                Level::Wait => return Ok(Next::Poll),
            }
        }
    }

    /// Has Redis acknowledge the page and admit its links, in the
    /// background, once its record is written.
    fn finish(
        &mut self,
        id: String,
        result: &PageResult,
        mut links: Vec<Url>,
        summary: &mut Summary,
        _: &mut dyn FnMut(&PageResult),
    ) {
        if self.max_depth.is_some_and(|max| self.depth >= max) {
            links.clear();
        }
        let (deduped, out_of_scope) = thin(&mut links, &self.met, &self.origin, &self.scope);
        summary.deduped += deduped;
        summary.out_of_scope += out_of_scope;
        let outcome = match &result.error {
            None => "ok",
            Some(FetchError::RobotsDisallowed) => "robots_skipped",
            Some(_) => "failed",
        };
        let mut marked = Vec::with_capacity(links.len());
        for link in links {
            let disallowed = !self.robots.allows(&path_and_query(&link));
            self.met.insert(link.as_str());
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

    async fn progress(&mut self) -> Event {
        let refreshing = self.robots.refreshing();
        tokio::select! {
            Some(joined) = self.finishes.join_next() => {
                let (id, reply) = joined.expect("finish tasks do not panic");
                Event::Finished(id, reply)
            }
            ended = &mut self.renewer => Event::RenewFailed(match ended {
                Ok(error) => error,
                Err(_) => unreachable!("the renewer is aborted only after the loop"),
            }),
            () = self.robots.refreshed(), if refreshing => Event::Robots,
        }
    }

    async fn on(&mut self, event: Event, summary: &mut Summary) -> Result<(), FrontierError> {
        match event {
            Event::Finished(id, reply) => {
                lock(&self.leases).ids.remove(&id);
                match reply {
                    Ok((-1, _)) => self.lease_lost += 1,
                    Ok((_, deduped)) => summary.deduped += deduped as usize,
                    Err(error) => return Err(self.frontier.lost(error)),
                }
            }
            Event::RenewFailed(error) => return Err(error),
            Event::Robots => {}
        }
        Ok(())
    }

    /// Records already written are acknowledged; the rest go back.
    async fn stop(
        &mut self,
        _: &mut Summary,
        _: &mut dyn FnMut(&PageResult),
    ) -> Result<(), FrontierError> {
        while let Some(joined) = self.finishes.join_next().await {
            let (id, reply) = joined.expect("finish tasks do not panic");
            lock(&self.leases).ids.remove(&id);
            reply.map_err(|error| self.frontier.lost(error))?;
        }
        self.renewer.abort();
        let lease = self.frontier.config.lease;
        self.returned = self.hold(lease + Duration::from_secs(1)).await?;
        Ok(())
    }
}

impl Crawler<'_> {
    /// Up to `count` URLs of this level: new ones first, then those whose
    /// lease has run out.
    async fn take_entries(&mut self, count: usize) -> Result<Vec<Entry>, FrontierError> {
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
            lock(&self.leases).ids.insert(entry.id.clone());
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
        let frontier = self.frontier;
        hold(
            &mut self.connection,
            &frontier.keys,
            &frontier.consumer,
            &self.leases,
            idle,
        )
        .await
        .map_err(|error| frontier.lost(error))
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

impl Drop for Crawler<'_> {
    fn drop(&mut self) {
        self.renewer.abort();
    }
}
