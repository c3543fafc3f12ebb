//! What one crawler holds while it runs: the state that `crawler.rs` (its
//! loop) and `queue.rs` (its reads and acknowledgements) share.

use super::connection::{FrontierError, RedisFrontier};
use super::leases::Leases;
use super::protocol::{Ack, Outcome};
use crate::frontier::scope::Seen;
use crate::robots;
use redis::RedisError;
use redis::aio::MultiplexedConnection;
use redis::streams::StreamId;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::task::{JoinHandle, JoinSet};
use url::Url;

/// What [`ACKNOWLEDGE`](super::protocol::ACKNOWLEDGE) answers for a batch: an [`Ack`] for each page.
pub(super) type AckReply = Result<Vec<Ack>, RedisError>;

/// What a read of the level's queue brought: the entries, and whether it
/// also looked for leases that had run out.
pub(super) type ReadReply = Result<(Vec<StreamId>, bool), RedisError>;

/// A URL taken from the queue.
pub(super) struct Entry {
    pub(super) id: String,
    pub(super) url: Url,
    /// robots.txt disallows it: it gets a record, not a fetch.
    pub(super) robots: bool,
}

/// A page whose record is written, with what it found, to be acknowledged.
pub(super) struct Written {
    pub(super) id: String,
    pub(super) outcome: Outcome,
    pub(super) retried: bool,
    /// Links turned away here: met before, or out of scope.
    pub(super) deduped: usize,
    pub(super) out_of_scope: usize,
    /// Links new to this crawler, and whether robots.txt disallows each.
    pub(super) links: Vec<(Url, bool)>,
}

/// One crawler's state while it runs.
pub(super) struct Crawler<'a> {
    pub(super) frontier: &'a RedisFrontier,
    pub(super) connection: MultiplexedConnection,
    pub(super) origin: url::Origin,
    pub(super) scope: String,
    pub(super) robots: robots::Cached,
    pub(super) max_depth: Option<u32>,
    /// How work moves to and from Redis: the fewest URLs held before
    /// reading more (each read brings this many more than the loop has
    /// room for), and how many done pages are acknowledged in one
    /// script.
    pub(super) batch: usize,
    /// URLs of this level read from Redis, leased to this crawler, not yet
    /// handed to the loop.
    pub(super) ahead: VecDeque<Entry>,
    /// The read of the queue in flight, if any: at most one. It runs in the
    /// background, so that the loop never waits on a round trip while it
    /// has pages to fetch.
    pub(super) reads: JoinSet<ReadReply>,
    /// When the level may be read again after a read that found nothing.
    pub(super) read_again: Instant,
    /// Renews the leases every third of a lease, in a task of its own, so
    /// that a loop held up (by a slow reader of the records, say) never
    /// lets them run out. It ends only if Redis fails.
    pub(super) renewer: JoinHandle<FrontierError>,
    /// The level this crawler takes URLs from.
    pub(super) depth: u32,
    /// Links this crawler has already passed to Redis: they are in `seen`,
    /// so a repeat costs no round trip.
    pub(super) met: Seen,
    /// When next to look for leases that have run out.
    pub(super) next_claim: Instant,
    /// The URLs leased to this crawler, shared with the renewer.
    pub(super) leases: Arc<Mutex<Leases>>,
    /// Pages whose record is written, not yet sent to be acknowledged:
    /// they go a batch at a time.
    pub(super) written: Vec<Written>,
    /// Batches of pages being acknowledged: their ids, and what Redis said.
    pub(super) acks: JoinSet<(Vec<String>, AckReply)>,
    /// How many pages those batches hold.
    pub(super) acking: usize,
    /// URLs handed back when stopped.
    pub(super) returned: usize,
    /// Pages another crawler acknowledged first, after this one's lease
    /// ran out.
    pub(super) lease_lost: usize,
}

impl Drop for Crawler<'_> {
    fn drop(&mut self) {
        self.renewer.abort();
    }
}
