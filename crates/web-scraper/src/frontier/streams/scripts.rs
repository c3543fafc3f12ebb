//! The Lua scripts, one file each under `scripts/`. Redis runs a script
//! whole or not at all, which is what makes each of these steps safe when
//! a crawler dies mid-way.

use redis::Script;
use std::sync::LazyLock;

/// Joins a crawl, creating it if it is new.
/// KEYS: options, seen, admitted, queue:0, done, crawlers.
/// ARGV: options, start URL, start disallowed (0/1), max pages (-1: none),
/// consumer, now (ms).
/// Returns {state, stored options}: created, joined, finished or mismatch.
pub(super) static JOIN: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("scripts/join.lua")));

/// Finishes a batch of pages of one level: acknowledges each, then, only
/// if its ack took (the lease was not finished by another crawler first),
/// counts it and admits its links to the next level. One script for the
/// batch, so a crawler pays one round trip for several pages.
/// KEYS: queue:D, queue:D+1, seen, admitted, stats.
/// ARGV: max pages (-1: none), then for each page: entry id, outcome field,
/// retried (0/1), links deduped here, links out of scope here, the number
/// of links, and that many (link, disallowed) pairs.
/// Returns, for each page in order, {admitted, deduped by Redis}, or
/// {-1, 0} when its ack did not take.
pub(super) static FINISH: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("scripts/finish.lua")));

/// Sets the idle time of this consumer's leases among the ids given, and
/// notes that the consumer is alive.
/// KEYS: queue:D, crawlers. ARGV: consumer, idle (ms), now (ms), ids...
/// Returns how many of the ids were still leased to the consumer.
pub(super) static HOLD: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("scripts/hold.lua")));

/// Whether level D is done, for a crawler that found nothing to take in it.
/// Nothing is added to level D once D - 1 is done, so "nothing new to
/// read" and "nothing leased" together mean the level is over.
/// KEYS: queue:D, queue:D+1, done, level. ARGV: D + 1.
/// Returns 0: wait, 1: go on to D + 1, 2: the crawl is over.
pub(super) static ADVANCE: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("scripts/advance.lua")));

/// A level's leased and queued counts, for `crawl-status`.
/// KEYS: queue:D. ARGV: group. Returns {leased, queued}.
pub(super) static QUEUE_DEPTH: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("scripts/queue_depth.lua")));
