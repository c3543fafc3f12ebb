//! The frontier of a crawl in this process: a queue, the pages in flight,
//! and the finished pages' links held until they may be admitted (see the
//! module docs of [`crate::crawl`] for why they wait).

use super::scope::{Seen, in_scope, path_and_query, thin};
use super::traits::{Frontier, Job, Next};
use crate::client::{FetchError, Fetcher};
use crate::robots;
use crate::scrape::{PageResult, RedirectMode, Summary};
use std::collections::{BTreeMap, VecDeque};
use std::convert::Infallible;
use std::sync::Arc;
use url::Url;

/// A URL admitted for fetching, waiting in the queue: its text, parsed
/// again when it is taken (a `Url` is 88 bytes beside its text, this 24
/// with the depth; the crawl module's docs count the bytes).
struct Entry {
    url: Box<str>,
    depth: u32,
}

impl Entry {
    fn new(url: &Url, depth: u32) -> Self {
        Self {
            url: url.as_str().into(),
            depth,
        }
    }

    fn url(&self) -> Url {
        // A URL's own serialization always parses back to the same URL.
        Url::parse(&self.url).expect("a URL's serialization parses")
    }
}

/// When a finished page may give up its links to the frontier.
#[derive(Clone, Copy)]
enum Release {
    /// Once no page less deep is unfinished: the set of pages and their
    /// depths are those of a level-by-level crawl, in any order.
    ByDepth,
    /// Once every URL admitted before it has been released: the order of
    /// admission too, so `--max-pages` takes the first pages in
    /// breadth-first order.
    InOrder,
}

/// How many finished pages may hold their links at once, waiting for a
/// page less deep (or, with `--max-pages`, admitted earlier) that takes
/// long; past this, only the pages that can end the wait are started.
pub const LOOKAHEAD: usize = 1024;

/// A crawl's frontier in memory; with no [`Admission`], a plain list of
/// URLs whose pages' links are dropped (`fetch_all`).
pub(crate) struct MemoryFrontier {
    queue: VecDeque<Entry>,
    pages: Pages,
    release: Release,
    redirects: RedirectMode,
    admission: Option<Admission>,
}

/// Which URLs a crawl has met, and which it may fetch.
pub(crate) struct Admission {
    pub(crate) origin: url::Origin,
    pub(crate) scope: String,
    pub(crate) robots: robots::Cached,
    pub(crate) max_depth: Option<u32>,
    pub(crate) max_pages: Option<usize>,
    pub(crate) seen: Seen,
    /// URLs admitted for fetching so far.
    pub(crate) admitted: usize,
}

impl MemoryFrontier {
    /// A frontier that fetches `urls` in order, following redirects, and
    /// admits nothing more.
    pub(crate) fn list(urls: impl IntoIterator<Item = Url>) -> Self {
        let mut frontier = Self::new(None, RedirectMode::Follow);
        for url in urls {
            frontier.queue.push_back(Entry::new(&url, 0));
        }
        frontier.pages.admitted(0, frontier.queue.len());
        frontier
    }

    /// A crawl from `start`, admitting by `admission`'s rules; redirects
    /// are queued like links.
    pub(crate) fn crawl(
        start: Url,
        admission: Admission,
        summary: &mut Summary,
        report: &mut dyn FnMut(&PageResult),
    ) -> Self {
        let mut frontier = Self::new(Some(admission), RedirectMode::Queue);
        frontier.admit(vec![start], 0, summary, report);
        frontier
    }

    fn new(admission: Option<Admission>, redirects: RedirectMode) -> Self {
        let release = match &admission {
            Some(admission) if admission.max_pages.is_some() => Release::InOrder,
            _ => Release::ByDepth,
        };
        Self {
            queue: VecDeque::new(),
            pages: Pages::default(),
            release,
            redirects,
            admission,
        }
    }

    /// Admits the new, allowed ones of `links` at `depth`.
    fn admit(
        &mut self,
        links: Vec<Url>,
        depth: u32,
        summary: &mut Summary,
        report: &mut dyn FnMut(&PageResult),
    ) {
        let Some(admission) = &mut self.admission else {
            return;
        };
        let before = self.queue.len();
        for url in links {
            if admission.admits(&url, depth, summary, report) {
                self.queue.push_back(Entry::new(&url, depth));
            }
        }
        self.pages.admitted(depth, self.queue.len() - before);
    }
}

impl Frontier for MemoryFrontier {
    type Ticket = usize;
    type Event = ();
    type Error = Infallible;

    fn redirects(&self) -> RedirectMode {
        self.redirects
    }

    fn upkeep(&mut self, fetcher: &Arc<Fetcher>) {
        if let Some(admission) = &mut self.admission {
            admission.robots.refresh_if_old(fetcher);
        }
    }

    async fn take(&mut self, room: usize, in_flight: usize) -> Result<Next<usize>, Infallible> {
        if self.queue.is_empty() && in_flight == 0 {
            // Nothing in flight: every held page was released, and
            // admitted nothing more.
            return Ok(Next::Done);
        }
        let mut jobs = Vec::new();
        while jobs.len() < room
            && let Some(front) = self.queue.front()
            // Past the lookahead, only what can release the held links.
            && (self.pages.held() < LOOKAHEAD || Some(front.depth) == self.pages.shallowest())
        {
            let entry = self.queue.pop_front().expect("just seen");
            let (url, depth) = (entry.url(), entry.depth);
            let ticket = self.pages.start(url.clone(), depth);
            jobs.push(Job {
                url,
                depth,
                ticket,
                disallowed: false,
            });
        }
        Ok(Next::Jobs(jobs))
    }

    fn done(
        &mut self,
        ticket: usize,
        result: &PageResult,
        mut links: Vec<Url>,
        summary: &mut Summary,
        report: &mut dyn FnMut(&PageResult),
    ) {
        match &self.admission {
            // Thinned now, so that a page's repeats and out-of-scope links
            // never wait in memory.
            Some(admission) if admission.follows(result.depth) => {
                admission.thin(&mut links, summary);
            }
            _ => links.clear(),
        }
        self.pages.done(ticket, links);
        while let Some((depth, links)) = self.pages.next_release(self.release) {
            self.admit(links, depth + 1, summary, report);
        }
    }

    async fn progress(&mut self) {
        match &mut self.admission {
            Some(admission) => admission.robots.refreshed().await,
            None => std::future::pending().await,
        }
    }

    async fn on(&mut self, (): (), _: &mut Summary) -> Result<(), Infallible> {
        Ok(())
    }

    async fn stop(
        &mut self,
        summary: &mut Summary,
        report: &mut dyn FnMut(&PageResult),
    ) -> Result<(), Infallible> {
        let queued: Vec<(Url, u32)> = self
            .queue
            .iter()
            .map(|entry| (entry.url(), entry.depth))
            .collect();
        let unfinished = self
            .pages
            .in_flight()
            .chain(queued.iter().map(|(url, depth)| (url, *depth)));
        for (url, depth) in unfinished {
            let result = PageResult::failed(url, depth, FetchError::Interrupted);
            summary.add(&result);
            report(&result);
        }
        Ok(())
    }
}

impl Admission {
    /// Whether the links of a page at `depth` are followed.
    fn follows(&self, depth: u32) -> bool {
        self.max_depth.is_none_or(|max| depth < max)
    }

    /// Drops, and counts, the links of one page that [`Admission::admits`]
    /// would turn away whenever they came to it: repeats within the page,
    /// URLs seen so far, and URLs out of scope. The order of the rest is
    /// kept, so the crawl stays the same on every run.
    fn thin(&self, links: &mut Vec<Url>, summary: &mut Summary) {
        let (deduped, out_of_scope) = thin(links, &self.seen, &self.origin, &self.scope);
        summary.deduped += deduped;
        summary.out_of_scope += out_of_scope;
    }

    /// Whether `url` may be queued: new, in scope, allowed and within the
    /// page limit; otherwise counts or reports why not.
    fn admits(
        &mut self,
        url: &Url,
        depth: u32,
        summary: &mut Summary,
        report: &mut dyn FnMut(&PageResult),
    ) -> bool {
        if !self.seen.insert(url.as_str()) {
            summary.deduped += 1;
            return false;
        }
        if !in_scope(&self.origin, &self.scope, url) {
            summary.out_of_scope += 1;
            return false;
        }
        if !self.robots.allows(&path_and_query(url)) {
            let result = PageResult::failed(url, depth, FetchError::RobotsDisallowed);
            summary.add(&result);
            report(&result);
            return false;
        }
        if self.max_pages.is_some_and(|max| self.admitted >= max) {
            return false;
        }
        self.admitted += 1;
        true
    }
}

/// The pages of a crawl that are unfinished, or finished with links not
/// yet released.
#[derive(Default)]
struct Pages {
    /// Pages in flight, by their place in the order of starting (which is
    /// the order of admission).
    in_flight: BTreeMap<usize, (Url, u32)>,
    /// Finished pages' links, by depth and place.
    held: BTreeMap<(u32, usize), Vec<Url>>,
    next: usize,
    /// How many pages, queued or in flight, are unfinished at each depth.
    unfinished: BTreeMap<u32, usize>,
}

impl Pages {
    /// Counts `count` URLs newly queued at `depth`.
    fn admitted(&mut self, depth: u32, count: usize) {
        if count > 0 {
            *self.unfinished.entry(depth).or_default() += count;
        }
    }

    /// The least depth with a page unfinished.
    fn shallowest(&self) -> Option<u32> {
        self.unfinished.keys().next().copied()
    }

    /// How many finished pages hold their links.
    fn held(&self) -> usize {
        self.held.len()
    }

    /// Records a page as started; returns its place.
    fn start(&mut self, url: Url, depth: u32) -> usize {
        let seq = self.next;
        self.next += 1;
        self.in_flight.insert(seq, (url, depth));
        seq
    }

    /// Holds a finished page's links.
    fn done(&mut self, seq: usize, links: Vec<Url>) {
        let (_, depth) = self.in_flight.remove(&seq).expect("a page in flight");
        self.held.insert((depth, seq), links);
        if let Some(count) = self.unfinished.get_mut(&depth) {
            *count -= 1;
            if *count == 0 {
                self.unfinished.remove(&depth);
            }
        }
    }

    /// The next held page that may give up its links, with its depth.
    fn next_release(&mut self, release: Release) -> Option<(u32, Vec<Url>)> {
        let (&(depth, seq), _) = self.held.first_key_value()?;
        let may = match release {
            // The queue is in order of depth, so the first held page by
            // depth is also the first by place.
            Release::InOrder => self
                .in_flight
                .first_key_value()
                .is_none_or(|(&first, _)| seq < first),
            Release::ByDepth => self
                .shallowest()
                .is_none_or(|shallowest| depth <= shallowest),
        };
        if !may {
            return None;
        }
        let links = self.held.remove(&(depth, seq)).expect("just seen");
        Some((depth, links))
    }

    /// The pages started and not finished.
    fn in_flight(&self) -> impl Iterator<Item = (&Url, u32)> {
        self.in_flight.values().map(|(url, depth)| (url, *depth))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::size_of;

    /// The sizes the crawl module's docs count with.
    #[test]
    fn a_seen_url_and_a_queued_url_cost_what_the_docs_say() {
        assert_eq!(size_of::<Box<str>>(), 16);
        assert_eq!(size_of::<Entry>(), 24);
        // What each would cost as a `Url` instead.
        assert_eq!(size_of::<Url>(), 88);
        let mut frontier =
            MemoryFrontier::list([Url::parse("http://127.0.0.1:8000/p/1.html").unwrap()]);
        let entry = frontier.queue.pop_front().unwrap();
        assert_eq!(
            entry.url(),
            Url::parse("http://127.0.0.1:8000/p/1.html").unwrap()
        );
    }
}
