//! The crawl's protocol with Redis, in one place: the names of its keys,
//! its consumer group and counters, the Lua scripts that change it, and
//! their replies, each parsed once into a type.
//!
//! The scripts are the files under `scripts/`. Redis runs a script whole
//! or not at all, which is what makes each of these steps safe when a
//! crawler dies mid-way. The names they share with this file (the group
//! and the counters) are written in them as `$GROUP`, `$RETRIED` and so on,
//! and filled in from the constants here when a script is first used, so
//! that Rust and Lua cannot drift apart.

use redis::{FromRedisValue, ParsingError, Script, Value};
use std::sync::LazyLock;

/// The consumer group every crawler of a crawl reads through.
pub(super) const GROUP: &str = "crawlers";

/// The crawl's key names, all under `web-scraper:{ID}:` (see the table on
/// [`RedisFrontier`](super::RedisFrontier)).
#[derive(Debug, Clone)]
pub(super) struct Keys {
    prefix: String,
}

impl Keys {
    pub(super) fn new(crawl_id: &str) -> Self {
        Self {
            prefix: format!("web-scraper:{{{crawl_id}}}:"),
        }
    }

    fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// The options the crawl was started with.
    pub(super) fn options(&self) -> String {
        self.key("options")
    }

    /// Every URL met in scope.
    pub(super) fn seen(&self) -> String {
        self.key("seen")
    }

    /// How many URLs were let in for fetching.
    pub(super) fn admitted(&self) -> String {
        self.key("admitted")
    }

    /// The most URLs the crawl lets in; absent when it has no limit.
    pub(super) fn max_pages(&self) -> String {
        self.key("max_pages")
    }

    /// The counters, one field per [`Stat`].
    pub(super) fn stats(&self) -> String {
        self.key("stats")
    }

    /// The deepest level reached.
    pub(super) fn level(&self) -> String {
        self.key("level")
    }

    /// Each crawler's name, and when it last renewed its leases.
    pub(super) fn crawlers(&self) -> String {
        self.key("crawlers")
    }

    /// Set once the crawl has finished.
    pub(super) fn finished(&self) -> String {
        self.key("finished")
    }

    /// The URLs at depth `depth`, read through [`GROUP`].
    pub(super) fn queue(&self, depth: u32) -> String {
        self.key(&format!("queue:{depth}"))
    }
}

/// A counter of the whole crawl: a field of the `stats` hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stat {
    Ok,
    Failed,
    RobotsSkipped,
    Retried,
    Deduped,
    OutOfScope,
}

impl Stat {
    /// Its field in the `stats` hash.
    pub(super) const fn field(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Failed => "failed",
            Self::RobotsSkipped => "robots_skipped",
            Self::Retried => "retried",
            Self::Deduped => "deduped",
            Self::OutOfScope => "out_of_scope",
        }
    }
}

/// How a page ended, as the crawl counts it: each is one [`Stat`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Ok,
    Failed,
    RobotsSkipped,
}

impl Outcome {
    pub(super) const fn stat(self) -> Stat {
        match self {
            Self::Ok => Stat::Ok,
            Self::Failed => Stat::Failed,
            Self::RobotsSkipped => Stat::RobotsSkipped,
        }
    }
}

/// The names the scripts share with this file, as they are written there.
const NAMES: [(&str, &str); 4] = [
    ("$GROUP", GROUP),
    ("$RETRIED", Stat::Retried.field()),
    ("$DEDUPED", Stat::Deduped.field()),
    ("$OUT_OF_SCOPE", Stat::OutOfScope.field()),
];

/// A script's source with the shared names filled in, each as a Lua
/// string. Panics on a name it does not know: a test runs every script
/// through this.
fn fill(source: &str) -> String {
    let mut text = source.to_string();
    for (name, value) in NAMES {
        text = text.replace(name, &format!("'{value}'"));
    }
    assert!(
        !text.contains('$'),
        "a script names something protocol.rs does not define:\n{text}"
    );
    text
}

fn script(source: &str) -> Script {
    Script::new(&fill(source))
}

/// Joins a crawl, creating it if it is new.
/// KEYS: options, seen, admitted, queue:0, finished, crawlers, max_pages.
/// ARGV: options, start URL, start disallowed (0/1), consumer, now (ms),
/// and the most pages to admit only if the crawl has a limit.
/// Replies with a [`Joined`].
pub(super) static JOIN: LazyLock<Script> =
    LazyLock::new(|| script(include_str!("scripts/join.lua")));

/// Acknowledges a batch of pages of one level, whose records are written:
/// for each, the ack, then, only if the ack took (another crawler had not
/// acknowledged it first, its lease having run out), its counters and its
/// new links, admitted to the next level. One script for the batch, so a
/// crawler pays one round trip for several pages.
/// KEYS: queue:D, queue:D+1, seen, admitted, stats, max_pages.
/// ARGV: for each page: entry id, its outcome's counter, retried (0/1),
/// links deduped here, links out of scope here, the number of links, and
/// that many (link, disallowed) pairs.
/// Replies with an [`Ack`] for each page, in order.
pub(super) static ACKNOWLEDGE: LazyLock<Script> =
    LazyLock::new(|| script(include_str!("scripts/acknowledge.lua")));

/// Sets the idle time of this consumer's leases among the ids given, and
/// notes that the consumer is alive.
/// KEYS: queue:D, crawlers. ARGV: consumer, idle (ms), now (ms), ids...
/// Replies with how many of the ids were still leased to the consumer.
pub(super) static HOLD: LazyLock<Script> =
    LazyLock::new(|| script(include_str!("scripts/hold.lua")));

/// Whether level D is over, for a crawler that found nothing to take in
/// it. Nothing is added to level D once D - 1 is over, so "nothing new to
/// read" and "nothing leased" together mean the level is over.
/// KEYS: queue:D, queue:D+1, finished, level. ARGV: D + 1.
/// Replies with a [`Level`].
pub(super) static ADVANCE: LazyLock<Script> =
    LazyLock::new(|| script(include_str!("scripts/advance.lua")));

/// A level's leased and queued counts, for `crawl-status`.
/// KEYS: queue:D. Replies with a [`QueueDepth`].
pub(super) static QUEUE_DEPTH: LazyLock<Script> =
    LazyLock::new(|| script(include_str!("scripts/queue_depth.lua")));

/// What [`JOIN`] found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Joined {
    /// The crawl is new: this crawler started it.
    Created,
    /// The crawl was under way, with the same options.
    UnderWay,
    /// The crawl had finished.
    Finished,
    /// The crawl id is in use with other options: these.
    Mismatch { theirs: String },
}

/// What [`ACKNOWLEDGE`] did with one page.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Ack {
    /// Acknowledged and counted; its links went to the next level.
    Taken {
        /// Links let in for fetching.
        admitted: u64,
        /// Links Redis had already met.
        deduped: u64,
    },
    /// Another crawler acknowledged it first, after this crawler's lease
    /// ran out: nothing was changed, and its record is written twice.
    LeaseLost,
}

/// What [`ADVANCE`] found of a level this crawler has nothing to take in.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Level {
    /// Others still hold URLs of this level.
    Wait,
    /// The level is over; the next has URLs.
    Next,
    /// The level is over and the next is empty: the crawl has finished.
    Finished,
}

/// A level's counts, from [`QUEUE_DEPTH`].
#[derive(Debug, PartialEq, Eq)]
pub(super) struct QueueDepth {
    /// URLs leased to a crawler.
    pub(super) leased: u64,
    /// URLs no crawler has read yet.
    pub(super) queued: u64,
}

/// A reply's items: a tag, then what goes with it.
fn tagged(value: Value) -> Result<(String, Vec<Value>), ParsingError> {
    let mut items = Vec::<Value>::from_redis_value(value)?.into_iter();
    let tag = match items.next() {
        Some(tag) => String::from_redis_value(tag)?,
        None => return Err("an empty reply".into()),
    };
    Ok((tag, items.collect()))
}

fn unknown(tag: &str, what: &str) -> ParsingError {
    format!("{what} replied {tag:?}").into()
}

impl FromRedisValue for Joined {
    fn from_redis_value(value: Value) -> Result<Self, ParsingError> {
        let (tag, rest) = tagged(value)?;
        Ok(match (tag.as_str(), <[Value; 1]>::try_from(rest)) {
            ("created", _) => Self::Created,
            ("under_way", _) => Self::UnderWay,
            ("finished", _) => Self::Finished,
            ("mismatch", Ok([theirs])) => Self::Mismatch {
                theirs: String::from_redis_value(theirs)?,
            },
            _ => return Err(unknown(&tag, "join")),
        })
    }
}

impl FromRedisValue for Ack {
    fn from_redis_value(value: Value) -> Result<Self, ParsingError> {
        let (tag, rest) = tagged(value)?;
        Ok(match (tag.as_str(), <[Value; 2]>::try_from(rest)) {
            ("taken", Ok([admitted, deduped])) => Self::Taken {
                admitted: u64::from_redis_value(admitted)?,
                deduped: u64::from_redis_value(deduped)?,
            },
            ("lease_lost", _) => Self::LeaseLost,
            _ => return Err(unknown(&tag, "acknowledge")),
        })
    }
}

impl FromRedisValue for Level {
    fn from_redis_value(value: Value) -> Result<Self, ParsingError> {
        let tag = String::from_redis_value(value)?;
        Ok(match tag.as_str() {
            "wait" => Self::Wait,
            "next" => Self::Next,
            "finished" => Self::Finished,
            _ => return Err(unknown(&tag, "advance")),
        })
    }
}

impl FromRedisValue for QueueDepth {
    fn from_redis_value(value: Value) -> Result<Self, ParsingError> {
        let (leased, queued) = <(u64, u64)>::from_redis_value(value)?;
        Ok(Self { leased, queued })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_names_only_what_this_file_defines() {
        for source in [
            include_str!("scripts/join.lua"),
            include_str!("scripts/acknowledge.lua"),
            include_str!("scripts/hold.lua"),
            include_str!("scripts/advance.lua"),
            include_str!("scripts/queue_depth.lua"),
        ] {
            // Each shared name is written as its placeholder, never as
            // the text it stands for.
            for (name, value) in NAMES {
                assert!(
                    !source.contains(&format!("'{value}'")),
                    "{value} not as {name}"
                );
            }
            fill(source);
        }
        assert!(fill("x($GROUP)").contains(&format!("'{GROUP}'")));
    }

    #[test]
    #[should_panic(expected = "does not define")]
    fn a_name_not_defined_here_is_refused() {
        fill("redis.call('HINCRBY', KEYS[1], $NOT_A_NAME, 1)");
    }

    fn bulk(text: &str) -> Value {
        Value::BulkString(text.as_bytes().to_vec())
    }

    #[test]
    fn replies_parse_into_their_types_and_nothing_else() {
        let joined = |items: Vec<Value>| Joined::from_redis_value(Value::Array(items));
        assert_eq!(joined(vec![bulk("created")]).unwrap(), Joined::Created);
        assert_eq!(
            joined(vec![bulk("mismatch"), bulk("start x")]).unwrap(),
            Joined::Mismatch {
                theirs: "start x".into()
            }
        );
        assert!(joined(vec![bulk("mismatch")]).is_err());
        assert!(joined(vec![bulk("other")]).is_err());
        let ack = |items: Vec<Value>| Ack::from_redis_value(Value::Array(items));
        assert_eq!(
            ack(vec![bulk("taken"), Value::Int(3), Value::Int(1)]).unwrap(),
            Ack::Taken {
                admitted: 3,
                deduped: 1
            }
        );
        assert_eq!(ack(vec![bulk("lease_lost")]).unwrap(), Ack::LeaseLost);
        assert!(ack(vec![bulk("taken"), Value::Int(3)]).is_err());
        // A bare pair of numbers, as the script once answered, is refused.
        assert!(ack(vec![Value::Int(0), Value::Int(0)]).is_err());
        assert_eq!(Level::from_redis_value(bulk("next")).unwrap(), Level::Next);
        assert!(Level::from_redis_value(Value::Int(2)).is_err());
    }
}
