//! How a crawler's URLs come from Redis and go back: reads of the level's
//! queue, ahead of need and in the background; acknowledgements, a batch
//! at a time, once the records are written; and the question whether a
//! level is over.

use super::connection::{CLAIM_EVERY, FrontierError};
use super::leases::{hold, lock};
use super::protocol::{ACKNOWLEDGE, ADVANCE, Ack, GROUP, Level, Outcome};
use super::state::{AckReply, Crawler, Entry, ReadReply, Written};
use redis::streams::{StreamAutoClaimReply, StreamId, StreamReadReply};
use std::time::{Duration, Instant};
use url::Url;

/// How long a read that found nothing keeps the crawler from reading the
/// level again, unless the level changes: new URLs reach a level only
/// before it starts, so what is left to find is leases that run out.
const EMPTY_READ_PAUSE: Duration = Duration::from_millis(20);

impl Crawler<'_> {
    /// Starts reading up to `count` URLs of this level in the background:
    /// new ones first, then those whose lease has run out. Not while a read
    /// is in flight, nor for a moment after one found nothing.
    pub(super) fn read(&mut self, count: usize) {
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
    pub(super) fn arrived(&mut self, read: ReadReply) -> Result<(), FrontierError> {
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
                None => self.acknowledge(Written {
                    id: entry.id,
                    outcome: Outcome::Failed,
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
    pub(super) fn acknowledge(&mut self, written: Written) {
        self.written.push(written);
        if self.written.len() >= self.batch {
            self.flush();
        }
    }

    /// Acknowledges the queued entries in the background, in one script.
    pub(super) fn flush(&mut self) {
        if self.written.is_empty() {
            return;
        }
        let keys = &self.frontier.keys;
        let mut invocation = ACKNOWLEDGE.key(keys.queue(self.depth));
        invocation
            .key(keys.queue(self.depth + 1))
            .key(keys.seen())
            .key(keys.admitted())
            .key(keys.stats())
            .key(keys.max_pages());
        let mut ids = Vec::with_capacity(self.written.len());
        for page in self.written.drain(..) {
            invocation
                .arg(&page.id)
                .arg(page.outcome.stat().field())
                .arg(page.retried)
                .arg(page.deduped)
                .arg(page.out_of_scope)
                .arg(page.links.len());
            for (link, disallowed) in &page.links {
                invocation.arg(link.as_str()).arg(*disallowed);
            }
            ids.push(page.id);
        }
        self.acking += ids.len();
        let mut connection = self.connection.clone();
        self.acks.spawn(async move {
            let reply = invocation.invoke_async(&mut connection).await;
            (ids, reply)
        });
    }

    /// A batch's acknowledgement came back: its leases are no longer this
    /// crawler's to renew, whatever Redis said. Returns Redis's answer for
    /// each page.
    pub(super) fn acknowledged(
        &mut self,
        ids: &[String],
        reply: AckReply,
    ) -> Result<Vec<Ack>, FrontierError> {
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
    pub(super) async fn hold(&mut self, idle: Duration) -> Result<usize, FrontierError> {
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

    /// Whether this level is over, once this crawler found nothing in it.
    pub(super) async fn level(&mut self) -> Result<Level, FrontierError> {
        let keys = &self.frontier.keys;
        ADVANCE
            .key(keys.queue(self.depth))
            .key(keys.queue(self.depth + 1))
            .key(keys.finished())
            .key(keys.level())
            .arg(self.depth + 1)
            .invoke_async(&mut self.connection)
            .await
            .map_err(|error| self.frontier.lost(error))
    }
}
