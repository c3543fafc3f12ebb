//! Fetching a list of URLs, and crawling a site breadth first, with at most
//! `concurrency` requests in flight.
//!
//! Python's version starts one thread per URL. Here each URL is a tokio
//! task, which costs a few hundred bytes rather than a thread's stack, and a
//! semaphore in the [`Fetcher`](crate::client::Fetcher) bounds how many
//! requests run at once. Parsing is CPU work, so it runs on tokio's
//! blocking pool, at most one parse per core at a time. The loop itself is
//! one function for every crawl, in-memory or shared through Redis: see
//! [`crate::frontier`].
//!
//! # The order of a crawl
//!
//! A crawl is breadth first: a URL's depth is its shortest distance in
//! links from the start, and `--max-depth` and `--max-pages` count in that
//! order. The simple way to get it is to go level by level, fetching every
//! page at depth d before any at depth d + 1; but then each level ends
//! waiting for its slowest page, with the cores idle.
//!
//! So fetching and admitting are kept apart:
//! - **Fetching runs ahead.** A window of admitted URLs is fetched and
//!   parsed at once, whatever their depth; when one finishes, the next
//!   queued URL starts at once.
//! - **Admitting waits.** A finished page's links are held, already
//!   thinned of repeats and out-of-scope URLs, until the page may give them
//!   up:
//!   - by default, once no page less deep is unfinished. A link's depth is
//!     then its parent's plus one and can be no less, since every page
//!     that could have reached it sooner has given up its links already.
//!     Pages at one depth give up theirs in whatever order they finish, so
//!     the order of the records changes from run to run, but the set of
//!     pages, their depths and every count in the [`Summary`] do not.
//!   - with `--max-pages`, once every URL admitted before it has given up
//!     its links. URLs are then admitted in exactly the order a
//!     level-by-level crawl admits them, and the limit takes the first N
//!     in breadth-first order, on every run.
//!
//! A page that takes long (a slow server, a large page) holds back only
//! the links of pages deeper than it (with `--max-pages`, admitted after
//! it): the crawl goes on fetching whatever is queued. At most
//! [`LOOKAHEAD`] finished pages hold their links at once; past that, only
//! the URLs that can end the wait are started.
//!
//! # Memory
//!
//! Pages are parsed and dropped as they arrive, and their records written
//! as they finish, so what grows with a crawl is what it keeps per URL:
//! - **Each URL met**, in scope or not, in a hash set that drops repeats:
//!   a 128-bit fingerprint of its text (16 bytes, two SipHashes under keys
//!   drawn for each crawl) and a control byte, in a table between 7/16 and
//!   7/8 full (it doubles when full): 19 to 39 bytes, whatever the URL's
//!   length, kept to the end of the crawl. Two URLs share a fingerprint
//!   with a chance of about 2^-128 per pair, and a page cannot choose URLs
//!   that collide, since the keys are secret.
//! - **Each URL queued**, admitted and not yet started: 24 bytes in the
//!   queue (the text's `Box<str>` and its depth), in a ring buffer between
//!   half full and full, so 24 to 48 bytes, and the text on the heap: its
//!   length plus the allocator's 8-byte header, rounded up to 16 (48 bytes
//!   for `http://127.0.0.1:8000/p/123456.html`). So 72 to 96 bytes for such
//!   a URL, until it is taken, when it is parsed back into a `Url` for its
//!   fetch.
//! - Besides, at most [`LOOKAHEAD`] finished pages' links (each already
//!   thinned to URLs never met before) and the pages in flight.
//!
//! Neither keeps a `Url`, which is 88 bytes beside its text: the set keeps
//! no text at all, and so never reads one back (at half a million pages,
//! reading each met URL's text again was a cache miss per link and a tenth
//! of the crawl's time), and the queue keeps the text and parses it again
//! when it needs the parts. The bench's scale rows crawl a generated site
//! of 500,000 pages to check that memory stays flat
//! (see BENCHMARKS.md).

pub use crate::frontier::memory::LOOKAHEAD;
pub use crate::scrape::{CrawlOptions, PageResult, RedirectMode, Scraper, Summary};

use crate::client::FetchError;
use crate::frontier::engine;
use crate::frontier::memory::{Admission, MemoryFrontier};
use std::collections::HashSet;
use std::future::Future;
use std::time::Instant;
use url::Url;

impl Scraper {
    /// Fetches every URL once, at most `concurrency` at a time. `report`
    /// sees each result as it completes; `stop` resolving (Ctrl-C) stops
    /// the run, and the URLs not finished get an `interrupted` result.
    pub async fn fetch_all(
        &self,
        urls: Vec<Url>,
        stop: impl Future<Output = ()>,
        mut report: impl FnMut(&PageResult),
    ) -> Summary {
        let started = Instant::now();
        let mut summary = Summary::default();
        let mut seen = HashSet::new();
        let mut urls: Vec<Url> = urls;
        for url in &mut urls {
            url.set_fragment(None);
        }
        urls.retain(|url| {
            let new = seen.insert(url.clone());
            summary.deduped += usize::from(!new);
            new
        });
        let mut frontier = MemoryFrontier::list(urls);
        tokio::pin!(stop);
        let Ok(()) = engine::run(self, &mut frontier, &mut stop, &mut summary, &mut report).await;
        summary.stop_clock(started);
        summary
    }

    /// Crawls from `start`, breadth first; see [`Scraper::fetch_all`] for
    /// `stop` and `report`, and the module docs for the order.
    pub async fn crawl(
        &self,
        start: Url,
        options: &CrawlOptions,
        stop: impl Future<Output = ()>,
        mut report: impl FnMut(&PageResult),
    ) -> Summary {
        let started = Instant::now();
        let mut summary = Summary::default();
        tokio::pin!(stop);
        let Some(begun) = engine::begin(self, start.clone(), options, &mut stop).await else {
            let mut start = start;
            start.set_fragment(None);
            let result = PageResult::failed(&start, 0, FetchError::Interrupted);
            summary.add(&result);
            summary.interrupted = true;
            report(&result);
            summary.stop_clock(started);
            return summary;
        };
        let admission = Admission {
            origin: begun.start.origin(),
            scope: begun.scope,
            robots: begun.robots,
            max_depth: options.max_depth,
            max_pages: options.max_pages,
            seen: Default::default(),
            admitted: 0,
        };
        let mut frontier = MemoryFrontier::crawl(begun.start, admission, &mut summary, &mut report);
        let Ok(()) = engine::run(self, &mut frontier, &mut stop, &mut summary, &mut report).await;
        summary.stop_clock(started);
        summary
    }
}
