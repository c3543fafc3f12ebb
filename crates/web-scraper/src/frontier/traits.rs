//! The trait every frontier implements, and what it hands the loop.

use crate::client::Fetcher;
use crate::scrape::{PageResult, RedirectMode, Summary};
use std::sync::Arc;
use url::Url;

/// A URL a frontier hands out to be fetched.
pub(crate) struct Job<T> {
    pub(crate) url: Url,
    pub(crate) depth: u32,
    /// What the frontier needs back when the page is done.
    pub(crate) ticket: T,
    /// robots.txt disallows it: it gets a record, not a fetch.
    pub(crate) disallowed: bool,
}

/// What a frontier has for the loop now.
pub(crate) enum Next<T> {
    /// URLs to fetch; none means wait for a page or the frontier's own
    /// work to finish.
    Jobs(Vec<Job<T>>),
    /// Nothing now: look again shortly, even if nothing finishes (other
    /// crawlers may add work).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))] // the Redis frontier's
    Poll,
    /// The crawl is over.
    Done,
}

/// Where the crawl loop takes its URLs from and gives their links to.
///
/// The loop calls [`take`](Frontier::take) while it has room, fetches
/// each job, reports its result, then calls [`done`](Frontier::done);
/// meanwhile it waits on [`progress`](Frontier::progress) for the
/// frontier's own background work, and hands each event to
/// [`on`](Frontier::on). On Ctrl-C it calls [`stop`](Frontier::stop).
pub(crate) trait Frontier {
    /// What a job carries back to [`done`](Frontier::done).
    type Ticket: Send + 'static;
    /// What [`progress`](Frontier::progress) hands the loop.
    type Event;
    /// What can end the crawl early.
    type Error;

    /// How the loop fetches a redirect: followed, or queued as a link.
    fn redirects(&self) -> RedirectMode;

    /// Starts any background work that has fallen due, such as fetching
    /// robots.txt again.
    fn upkeep(&mut self, fetcher: &Arc<Fetcher>);

    /// Up to `room` URLs to fetch, with `in_flight` pages being fetched.
    async fn take(
        &mut self,
        room: usize,
        in_flight: usize,
    ) -> Result<Next<Self::Ticket>, Self::Error>;

    /// A page is done, and its record already reported: the loop never
    /// calls this before `report` has the page's record, so a frontier
    /// may take this call as the record's receipt (the Redis frontier
    /// acknowledges the page then). Its links go to the frontier, which
    /// counts the ones it turns away in `summary`, and reports the URLs
    /// robots.txt keeps the crawl from.
    fn done(
        &mut self,
        ticket: Self::Ticket,
        result: &PageResult,
        links: Vec<Url>,
        summary: &mut Summary,
        report: &mut dyn FnMut(&PageResult),
    );

    /// Resolves when background work has something for [`on`](Frontier::on);
    /// pending for ever when there is none. Must be cancel safe: the loop
    /// drops it whenever a page finishes first.
    async fn progress(&mut self) -> Self::Event;

    /// Acts on what [`progress`](Frontier::progress) resolved with.
    async fn on(&mut self, event: Self::Event, summary: &mut Summary) -> Result<(), Self::Error>;

    /// The crawl is stopped (Ctrl-C), its fetches aborted: hands back or
    /// reports what is unfinished.
    async fn stop(
        &mut self,
        summary: &mut Summary,
        report: &mut dyn FnMut(&PageResult),
    ) -> Result<(), Self::Error>;
}
