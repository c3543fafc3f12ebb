//! `crawl-status`: a shared crawl's figures, read from Redis in two round
//! trips and a script per level.

use super::connection::{FrontierError, RedisFrontier, unix_ms};
use super::protocol::{QUEUE_DEPTH, QueueDepth, Stat};
use serde::Serialize;
use std::collections::HashMap;

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

/// `status`'s one round trip: options, finished, level, admitted, seen,
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

impl RedisFrontier {
    /// The crawl's figures, or [`FrontierError::Unknown`].
    pub async fn status(&self) -> Result<CrawlStatus, FrontierError> {
        let mut connection = self.connection.clone();
        let keys = &self.keys;
        let (options, finished, level, admitted, seen, stats, crawlers): StatusReply =
            redis::pipe()
                .get(keys.options())
                .exists(keys.finished())
                .get(keys.level())
                .get(keys.admitted())
                .scard(keys.seen())
                .hgetall(keys.stats())
                .hgetall(keys.crawlers())
                .query_async(&mut connection)
                .await
                .map_err(|error| self.lost(error))?;
        let Some(options) = options else {
            return Err(FrontierError::Unknown(self.config.crawl_id.clone()));
        };
        let level = level.unwrap_or(0);
        let (mut queued, mut leased) = (0, 0);
        for depth in 0..=level + 1 {
            let depth: QueueDepth = QUEUE_DEPTH
                .key(keys.queue(depth))
                .invoke_async(&mut connection)
                .await
                .map_err(|error| self.lost(error))?;
            leased += depth.leased;
            queued += depth.queued;
        }
        let now = unix_ms();
        let mut crawlers: Vec<(String, f64)> = crawlers
            .into_iter()
            .map(|(name, at)| (name, now.saturating_sub(at) as f64 / 1000.0))
            .collect();
        crawlers.sort_by(|a, b| a.0.cmp(&b.0));
        let stat = |stat: Stat| stats.get(stat.field()).copied().unwrap_or(0);
        Ok(CrawlStatus {
            crawl_id: self.config.crawl_id.clone(),
            options,
            finished,
            level,
            admitted: admitted.unwrap_or(0),
            seen,
            queued,
            leased,
            ok: stat(Stat::Ok),
            failed: stat(Stat::Failed),
            retried: stat(Stat::Retried),
            robots_skipped: stat(Stat::RobotsSkipped),
            deduped: stat(Stat::Deduped),
            out_of_scope: stat(Stat::OutOfScope),
            crawlers,
        })
    }
}
