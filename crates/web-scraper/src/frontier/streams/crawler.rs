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
use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::{JoinHandle, JoinSet};
use url::Url;

/// What [`FINISH`] answers for each page of a batch: admitted, and deduped
/// by Redis; or -1 and 0.
type FinishReply = Result<Vec<(i64, i64)>, RedisError>;

/// What a read of the level's queue brought: the entries, and whether it
/// also looked for leases that had run out.
type ReadReply = Result<(Vec<StreamId>, bool), RedisError>;

/// How long a read that found nothing keeps the crawler from reading the
/// level again, unless the level changes: new URLs reach a level only
/// before it starts, so what is left to find is leases that run out.
const EMPTY_READ_PAUSE: Duration = Duration::from_millis(20);

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
            // Every exchange with Redis is a round trip and a wake-up on
            // both sides, on cores the crawl needs: half a window at a time
            // keeps them few, and little enough that a crawler never holds
            // much of a level's tail while another waits for work.
            batch: (scraper.window() / 2).max(1),
            ahead: VecDeque::new(),
            reads: JoinSet::new(),
            read_again: Instant::now(),
            renewer,
            depth: 0,
            met: Seen::default(),
            leases,
            next_claim: Instant::now(),
            done: Vec::new(),
            finishes: JoinSet::new(),
            acking: 0,
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
    /// How work moves to and from Redis: the fewest URLs held before
    /// reading more (each read brings this many more than the loop has
    /// room for), and how many finished pages are acknowledged in one
    /// script.
    batch: usize,
    /// URLs of this level read from Redis, leased to this crawler, not yet
    /// handed to the loop.
    ahead: VecDeque<Entry>,
    /// The read of the queue in flight, if any: at most one. It runs in the
    /// background, so that the loop never waits on a round trip while it
    /// has pages to finish.
    reads: JoinSet<ReadReply>,
    /// When the level may be read again after a read that found nothing.
    read_again: Instant,
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
    /// Pages whose record is written, not yet sent to be acknowledged:
    /// they go a batch at a time.
    done: Vec<Done>,
    /// Batches of pages being acknowledged: their ids, and what Redis said.
    finishes: JoinSet<(Vec<String>, FinishReply)>,
    /// How many pages those batches hold.
    acking: usize,
    /// URLs handed back when stopped.
    returned: usize,
    /// Pages another crawler finished first, after this one's lease ran out.
    lease_lost: usize,
}

/// What a crawler's background work has for the loop.
enum Event {
    /// Redis acknowledged a batch of pages, or failed to.
    Finished(Vec<String>, FinishReply),
    /// A read of the queue came back.
    Read(ReadReply),
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

/// A page whose record is written, with what it found, to be acknowledged.
struct Done {
    id: String,
    outcome: &'static str,
    retried: bool,
    /// Links turned away here: met before, or out of scope.
    deduped: usize,
    out_of_scope: usize,
    /// Links new to this crawler, and whether robots.txt disallows each.
    links: Vec<(Url, bool)>,
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
            if let Some(read) = self.reads.try_join_next() {
                self.arrived(read.expect("reads do not panic"))?;
            }
            if self.ahead.is_empty() {
                // Nothing to hand out: no reason to hold pages back.
                self.flush();
            }
            let busy = in_flight + self.done.len() + self.acking;
            let room = room.saturating_sub(self.acking);
            if !self.ahead.is_empty() {
                let count = room.min(self.ahead.len());
                let depth = self.depth;
                let jobs: Vec<_> = self
                    .ahead
                    .drain(..count)
                    .map(|entry| Job {
                        url: entry.url,
                        depth,
                        ticket: entry.id,
                        disallowed: entry.robots,
                    })
                    .collect();
                if self.ahead.len() < self.batch {
                    self.read(room - count + 2 * self.batch);
                }
                return Ok(Next::Jobs(jobs));
            }
            self.read(room + self.batch);
            if !self.reads.is_empty() {
                if busy > 0 {
                    // The read wakes the loop through `progress`.
                    return Ok(Next::Jobs(Vec::new()));
                }
                if let Some(read) = self.reads.join_next().await {
                    self.arrived(read.expect("reads do not panic"))?;
                }
                continue;
            }
            // The last read found nothing, a moment ago.
            if busy > 0 {
                // Look again after a pause, unless a page of this
                // crawler's finishes first.
                return Ok(Next::Poll);
            }
            match self.level().await? {
                Level::Next => {
                    self.depth += 1;
                    self.read_again = Instant::now();
                    lock(&self.leases).depth = self.depth;
                }
                Level::Finished => return Ok(Next::Done),
                Level::Wait => return Ok(Next::Poll),
            }
        }
    }

    /// Has Redis acknowledge the page and admit its links, in the
    /// background, with a batch of others, once its record is written.
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
        self.acknowledge(Done {
            id,
            outcome,
            retried: result.attempts > 1,
            deduped,
            out_of_scope,
            links: marked,
        });
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
            Some(read) = self.reads.join_next() => {
                Event::Read(read.expect("reads do not panic"))
            }
            () = self.robots.refreshed(), if refreshing => Event::Robots,
        }
    }

    async fn on(&mut self, event: Event, summary: &mut Summary) -> Result<(), FrontierError> {
        match event {
            Event::Finished(ids, reply) => {
                for (admitted, deduped) in self.acknowledged(&ids, reply)? {
                    match admitted {
                        -1 => self.lease_lost += 1,
                        _ => summary.deduped += deduped as usize,
                    }
                }
            }
            Event::Read(read) => self.arrived(read)?,
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
        self.flush();
        while let Some(joined) = self.finishes.join_next().await {
            let (ids, reply) = joined.expect("finish tasks do not panic");
            self.acknowledged(&ids, reply)?;
        }
        // A read in flight leases URLs too: they go back with the rest.
        if let Some(read) = self.reads.join_next().await {
            self.arrived(read.expect("reads do not panic"))?;
        }
        self.renewer.abort();
        let lease = self.frontier.config.lease;
        self.returned = self.hold(lease + Duration::from_secs(1)).await?;
        Ok(())
    }
}

impl Crawler<'_> {
    /// Starts reading up to `count` URLs of this level in the background:
    /// new ones first, then those whose lease has run out. Not while a read
    /// is in flight, nor for a moment after one found nothing.
    fn read(&mut self, count: usize) {
        let now = Instant::now();
        if !self.reads.is_empty() || now < self.read_again {
            return;
        }
        // Leases run out only when a crawler dies or stalls: looking a few
        // times a second is enough.
        let claim = now >= self.next_claim;
        let frontier = self.frontier;
        let queue = frontier.keys.queue(self.depth);
        let consumer = frontier.consumer.clone();
        let lease = frontier.config.lease.as_millis() as u64;
        let mut connection = self.connection.clone();
        self.reads.spawn(async move {
            let read: Option<StreamReadReply> = redis::cmd("XREADGROUP")
                .arg("GROUP")
                .arg(GROUP)
                .arg(&consumer)
                .arg("COUNT")
                .arg(count)
                .arg("STREAMS")
                .arg(&queue)
                .arg(">")
                .query_async(&mut connection)
                .await?;
            let ids: Vec<StreamId> = read
                .into_iter()
                .flat_map(|reply| reply.keys)
                .flat_map(|key| key.ids)
                .collect();
            if !ids.is_empty() || !claim {
                return Ok((ids, false));
            }
            let claimed: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
                .arg(&queue)
                .arg(GROUP)
                .arg(&consumer)
                .arg(lease)
                .arg("0-0")
                .arg("COUNT")
                .arg(count)
                .query_async(&mut connection)
                .await?;
            Ok((claimed.claimed, true))
        });
    }

    /// Takes in what a read brought: the URLs are leased to this crawler
    /// from here on, and wait in `ahead` for the loop.
    fn arrived(&mut self, read: ReadReply) -> Result<(), FrontierError> {
        let (ids, claimed) = read.map_err(|error| self.frontier.lost(error))?;
        let now = Instant::now();
        if claimed {
            self.next_claim = now + CLAIM_EVERY;
        }
        if ids.is_empty() {
            self.read_again = now + EMPTY_READ_PAUSE;
        }
        for entry in ids {
            let url = entry
                .get::<String>("url")
                .and_then(|url| Url::parse(&url).ok());
            lock(&self.leases).ids.insert(entry.id.clone());
            match url {
                Some(url) => self.ahead.push_back(Entry {
                    robots: entry.contains_key("robots"),
                    id: entry.id,
                    url,
                }),
                // Not written by a crawler: acknowledge it, so it cannot
                // hold the level up for ever.
                None => self.acknowledge(Done {
                    id: entry.id,
                    outcome: "failed",
                    retried: false,
                    deduped: 0,
                    out_of_scope: 0,
                    links: Vec::new(),
                }),
            }
        }
        Ok(())
    }

    /// Queues one entry to be acknowledged, with what its page found; a
    /// full batch goes at once.
    fn acknowledge(&mut self, done: Done) {
        self.done.push(done);
        if self.done.len() >= self.batch {
            self.flush();
        }
    }

    /// Acknowledges the queued entries in the background, in one script.
    fn flush(&mut self) {
        if self.done.is_empty() {
            return;
        }
        let keys = &self.frontier.keys;
        let mut invocation = FINISH.prepare_invoke();
        invocation
            .key(keys.queue(self.depth))
            .key(keys.queue(self.depth + 1))
            .key(keys.key("seen"))
            .key(keys.key("admitted"))
            .key(keys.key("stats"))
            .arg(self.max_pages);
        let mut ids = Vec::with_capacity(self.done.len());
        for done in self.done.drain(..) {
            invocation
                .arg(&done.id)
                .arg(done.outcome)
                .arg(done.retried)
                .arg(done.deduped)
                .arg(done.out_of_scope)
                .arg(done.links.len());
            for (link, disallowed) in &done.links {
                invocation.arg(link.as_str()).arg(*disallowed);
            }
            ids.push(done.id);
        }
        self.acking += ids.len();
        let mut connection = self.connection.clone();
        self.finishes.spawn(async move {
            let reply = invocation.invoke_async(&mut connection).await;
            (ids, reply)
        });
    }

    /// A batch's acknowledgement came back: its leases are no longer this
    /// crawler's to renew, whatever Redis said. Returns Redis's answer for
    /// each page.
    fn acknowledged(
        &mut self,
        ids: &[String],
        reply: FinishReply,
    ) -> Result<Vec<(i64, i64)>, FrontierError> {
        self.acking -= ids.len();
        let mut leases = lock(&self.leases);
        for id in ids {
            leases.ids.remove(id);
        }
        drop(leases);
        reply.map_err(|error| self.frontier.lost(error))
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
