//! One crawler of a shared crawl: joining it, then its loop of taking
//! leased URLs, fetching them, acknowledging them in Redis once their
//! records are written, and renewing its leases. Its state is in
//! `state.rs`; how URLs come from and go back to Redis is in `queue.rs`.

use super::connection::{FrontierError, RedisFrontier, SharedSummary, options_text, unix_ms};
use super::leases::{Leases, lock, renew};
use super::protocol::{Ack, JOIN, Joined, Level, Outcome};
use super::state::{AckReply, Crawler, ReadReply, Written};
use crate::client::{FetchError, Fetcher};
use crate::frontier::engine;
use crate::frontier::scope::{Seen, path_and_query, thin};
use crate::frontier::traits::{Frontier, Job, Next};
use crate::scrape::{CrawlOptions, PageResult, RedirectMode, Scraper, Summary};
use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;
use url::Url;

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
            shared.summary.stop_clock(started);
            return Ok(shared);
        };
        let start = begun.start.clone();
        let scope = begun.scope.clone();
        let ours = options_text(&start, &scope, options);
        let mut connection = self.connection.clone();
        let keys = &self.keys;
        let mut join = JOIN.key(keys.options());
        join.key(keys.seen())
            .key(keys.admitted())
            .key(keys.queue(0))
            .key(keys.finished())
            .key(keys.crawlers())
            .key(keys.max_pages())
            .arg(&ours)
            .arg(start.as_str())
            .arg(!begun.start_allowed())
            .arg(&self.consumer)
            .arg(unix_ms());
        if let Some(max) = options.max_pages {
            join.arg(max);
        }
        let joined: Joined = join
            .invoke_async(&mut connection)
            .await
            .map_err(|error| self.lost(error))?;
        match joined {
            Joined::Mismatch { theirs } => {
                return Err(FrontierError::Mismatch {
                    id: self.config.crawl_id.clone(),
                    theirs,
                    ours,
                });
            }
            Joined::Finished => {
                shared.already_finished = true;
                shared.summary.stop_clock(started);
                return Ok(shared);
            }
            Joined::Created | Joined::UnderWay => {}
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
            written: Vec::new(),
            acks: JoinSet::new(),
            acking: 0,
            returned: 0,
            lease_lost: 0,
        };
        let summary = &mut shared.summary;
        engine::run(scraper, &mut crawler, &mut stop, summary, &mut report).await?;
        shared.returned = crawler.returned;
        shared.lease_lost = crawler.lease_lost;
        shared.summary.stop_clock(started);
        Ok(shared)
    }
}

/// What a crawler's background work has for the loop.
pub(super) enum Event {
    /// Redis acknowledged a batch of pages, or failed to.
    Acknowledged(Vec<String>, AckReply),
    /// A read of the queue came back.
    Read(ReadReply),
    /// The renewer stopped: Redis failed it.
    RenewFailed(FrontierError),
    /// robots.txt was fetched again.
    Robots,
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
            let busy = in_flight + self.written.len() + self.acking;
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
                // crawler's is done first.
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
    /// background, with a batch of others: its record is written.
    fn done(
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
            None => Outcome::Ok,
            Some(FetchError::RobotsDisallowed) => Outcome::RobotsSkipped,
            Some(_) => Outcome::Failed,
        };
        let mut marked = Vec::with_capacity(links.len());
        for link in links {
            let disallowed = !self.robots.allows(&path_and_query(&link));
            self.met.insert(link.as_str());
            marked.push((link, disallowed));
        }
        self.acknowledge(Written {
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
            Some(joined) = self.acks.join_next() => {
                let (ids, reply) = joined.expect("ack tasks do not panic");
                Event::Acknowledged(ids, reply)
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
            Event::Acknowledged(ids, reply) => {
                for ack in self.acknowledged(&ids, reply)? {
                    match ack {
                        Ack::LeaseLost => self.lease_lost += 1,
                        Ack::Taken { deduped, .. } => summary.deduped += deduped as usize,
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
        while let Some(joined) = self.acks.join_next().await {
            let (ids, reply) = joined.expect("ack tasks do not panic");
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
