//! Fetching a list of URLs, and crawling a site breadth first, with at most
//! `concurrency` requests in flight.
//!
//! Python's version starts one thread per URL. Here each URL is a tokio
//! task, which costs a few hundred bytes rather than a thread's stack, and a
//! semaphore in the [`Fetcher`] bounds how many requests run at once.
//! Parsing is CPU work, so it runs on tokio's blocking pool, at most one
//! parse per core at a time.
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

use crate::client::{FetchError, Fetcher, ROBOTS_AGENT};
use crate::parse;
use crate::robots::{self, Robots};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use url::Url;

/// What became of one URL: the record printed for it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PageResult {
    /// The URL asked for.
    pub url: String,
    /// Where the redirects ended, if anywhere else.
    pub final_url: Option<String>,
    /// The last HTTP status, if a response came.
    pub status: Option<u16>,
    /// Body bytes read.
    pub bytes: usize,
    /// Characters of text, as `len(soup.text)` counts them.
    pub chars: usize,
    /// The `<title>`, for a page read in full.
    pub title: Option<String>,
    /// How many links the page has.
    pub links: usize,
    /// How many links from the start URL.
    pub depth: u32,
    /// From the first request to the end of the body: the fetch alone.
    pub elapsed_ms: u64,
    /// Parsing the page, on its own (not counting the wait for a turn to
    /// parse). Zero for a page not parsed.
    pub parse_ms: u64,
    /// How many requests were made, retries included.
    pub attempts: u32,
    /// The error, or `None` for a page read in full. Records carry it as
    /// two fields: `error`, its message, and `error_kind`, its
    /// [`kind`](FetchError::kind), such as `status` or `timeout`.
    #[serde(flatten, serialize_with = "error_fields")]
    pub error: Option<FetchError>,
}

/// A result's error as the two fields of its record.
fn error_fields<S: serde::Serializer>(
    error: &Option<FetchError>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut fields = serializer.serialize_map(Some(2))?;
    fields.serialize_entry("error", &error.as_ref().map(ToString::to_string))?;
    fields.serialize_entry("error_kind", &error.as_ref().map(FetchError::kind))?;
    fields.end()
}

impl PageResult {
    /// Whether the page was read in full.
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }

    /// Whether robots.txt kept the crawler from this URL: not fetched, and
    /// not counted as a failure.
    pub fn robots_skipped(&self) -> bool {
        self.error == Some(FetchError::RobotsDisallowed)
    }

    /// A result with nothing filled in yet.
    fn empty(url: &Url, depth: u32) -> Self {
        Self {
            url: url.to_string(),
            final_url: None,
            status: None,
            bytes: 0,
            chars: 0,
            title: None,
            links: 0,
            depth,
            elapsed_ms: 0,
            parse_ms: 0,
            attempts: 0,
            error: None,
        }
    }

    /// The result for a URL that was never fetched.
    pub(crate) fn failed(url: &Url, depth: u32, error: FetchError) -> Self {
        let mut result = Self::empty(url, depth);
        result.error = Some(error);
        result
    }
}

/// The totals printed at the end of a run.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Summary {
    /// URLs read in full (a redirect counts as read).
    pub ok: usize,
    /// URLs that ended in an error, robots.txt refusals not counted.
    pub failed: usize,
    /// URLs that needed more than one attempt.
    pub retried: usize,
    /// URLs that robots.txt kept the crawler from.
    pub robots_skipped: usize,
    /// Links to a URL already seen, so not fetched again.
    pub deduped: usize,
    /// Links not followed because they leave the origin or `--scope`,
    /// counted once per page that has them.
    pub out_of_scope: usize,
    /// Whether Ctrl-C stopped the run.
    pub interrupted: bool,
    /// The wall time of the run, in seconds.
    pub elapsed_s: f64,
    /// URLs fetched (ok or failed) per second of wall time.
    pub pages_per_s: f64,
}

impl Summary {
    pub(crate) fn add(&mut self, result: &PageResult) {
        match result.error {
            None => self.ok += 1,
            Some(FetchError::RobotsDisallowed) => self.robots_skipped += 1,
            Some(_) => self.failed += 1,
        }
        if result.attempts > 1 {
            self.retried += 1;
        }
    }

    pub(crate) fn finish(&mut self, started: Instant) {
        self.elapsed_s = started.elapsed().as_secs_f64();
        let fetched = (self.ok + self.failed) as f64;
        self.pages_per_s = if self.elapsed_s > 0.0 {
            fetched / self.elapsed_s
        } else {
            0.0
        };
    }
}

/// What [`Scraper::visit`] does with a redirect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectMode {
    /// Follow it, and read the page at its end.
    Follow,
    /// Report it, with its target as the one link to follow.
    Queue,
}

/// A URL admitted for fetching, in [`Scraper::run`]'s queue.
struct Entry {
    url: Url,
    depth: u32,
}

impl Entry {
    fn new(url: Url, depth: u32) -> Self {
        Self { url, depth }
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

/// The pages of a [`Scraper::run`] that are unfinished, or finished with
/// links not yet released.
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
    fn finish(&mut self, seq: usize, links: Vec<Url>) {
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

/// How many finished pages may hold their links at once, waiting for a
/// page less deep (or, with `--max-pages`, admitted earlier) that takes
/// long; past this, only the pages that can end the wait are started.
pub const LOOKAHEAD: usize = 1024;

/// Where a crawl may go.
#[derive(Debug, Clone, Default)]
pub struct CrawlOptions {
    /// Pages more than this many links from the start are not fetched.
    pub max_depth: Option<u32>,
    /// Fetch at most this many URLs (robots.txt refusals not counted).
    pub max_pages: Option<usize>,
    /// Only follow links that start with this URL prefix; by default, the
    /// start URL's origin.
    pub scope: Option<String>,
    /// Fetch what robots.txt forbids too.
    pub ignore_robots: bool,
    /// How long one copy of robots.txt is used before it is fetched again;
    /// by default [`robots::MAX_AGE`], 24 hours (RFC 9309 §2.4).
    pub robots_max_age: Option<Duration>,
}

/// Fetches and parses; cheap to clone.
#[derive(Clone)]
pub struct Scraper {
    fetcher: Arc<Fetcher>,
    /// One permit per core: the pages being parsed at once.
    parsing: Arc<Semaphore>,
    cores: usize,
}

impl Scraper {
    /// A scraper over `fetcher`, with its limits.
    pub fn new(fetcher: Fetcher) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self {
            fetcher: Arc::new(fetcher),
            parsing: Arc::new(Semaphore::new(cores)),
            cores,
        }
    }

    /// The fetcher, with its limits.
    pub fn fetcher(&self) -> &Fetcher {
        &self.fetcher
    }

    /// The fetcher, shared with tasks of the crawl's own.
    pub(crate) fn shared_fetcher(&self) -> &Arc<Fetcher> {
        &self.fetcher
    }

    /// How many URLs a crawl works on at once: the requests allowed in
    /// flight, plus one parse per core.
    pub(crate) fn window(&self) -> usize {
        self.fetcher.config().concurrency + self.cores
    }

    /// Fetches `url` and reads the page: its result, and its links when it
    /// is HTML. A crawl passes `RedirectMode::Queue`: a redirect is then a
    /// result whose one link is its target, and the target is fetched at the
    /// next level, once, like any link.
    pub async fn visit(
        &self,
        url: Url,
        depth: u32,
        redirects: RedirectMode,
    ) -> (PageResult, Vec<Url>) {
        let fetch = match redirects {
            RedirectMode::Follow => self.fetcher.fetch(&url).await,
            RedirectMode::Queue => self.fetcher.fetch_no_redirects(&url).await,
        };
        let mut result = PageResult::empty(&url, depth);
        result.final_url = fetch.final_url.as_ref().map(Url::to_string);
        result.status = fetch.status;
        result.attempts = fetch.attempts;
        let mut links = Vec::new();
        match fetch.result {
            Ok(body) => {
                let base = fetch.final_url.unwrap_or(url);
                // One parse per core, whatever the page's size: a scan
                // holds little beyond the page itself, and the body cap
                // bounds that. (A tree is many times a page's size, so
                // while the crawl built one, the largest pages parsed
                // alone, and a core sat idle through each of them.)
                let _permit = self.parsing.acquire().await.expect("never closed");
                // One tokenizer pass, with no tree: the same title, text
                // count and links as `parse::parse`, with nothing built
                // only to be thrown away (see `parse::scan`).
                let parsed = tokio::task::spawn_blocking(move || {
                    let started = Instant::now();
                    let parsed = parse::scan(&body.text, &base);
                    (parsed, started.elapsed())
                })
                .await;
                result.bytes = body.bytes;
                if let Ok((_, took)) = &parsed {
                    result.parse_ms = took.as_millis() as u64;
                }
                match parsed.map(|(parsed, _)| parsed) {
                    Ok(Ok(parsed)) => {
                        result.chars = parsed.chars;
                        result.title = Some(parsed.title);
                        result.links = parsed.links.len();
                        links = parsed.links;
                    }
                    // A page past the parser's limits fails alone.
                    Ok(Err(error)) => result.error = Some(FetchError::Parse(error.to_string())),
                    // So does a panic in the parser.
                    Err(error) => result.error = Some(FetchError::Parse(error.to_string())),
                }
            }
            Err(FetchError::Redirected(target)) => {
                result.final_url = Some(target.to_string());
                result.links = 1;
                links.push(target);
            }
            Err(error) => result.error = Some(error),
        }
        result.elapsed_ms = fetch.elapsed.as_millis() as u64;
        (result, links)
    }

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
        let mut queue = VecDeque::new();
        for mut url in urls {
            url.set_fragment(None);
            if seen.insert(url.clone()) {
                queue.push_back(Entry::new(url, 0));
            } else {
                summary.deduped += 1;
            }
        }
        tokio::pin!(stop);
        self.run(
            queue,
            RedirectMode::Follow,
            None,
            &mut stop,
            &mut summary,
            &mut report,
        )
        .await;
        summary.finish(started);
        summary
    }

    /// Fetches the URLs of `queue`, and, with a `frontier`, the links it
    /// admits, reporting each result as it completes. If `stop` fires
    /// first, every URL admitted but not finished is reported as
    /// interrupted and `summary.interrupted` is set.
    ///
    /// A window of tasks runs at a time (the requests allowed in flight
    /// plus one per core), taken from the queue in order, so that fetched
    /// bodies never pile up waiting for a parse. A finished page's links
    /// are held until the page may give them up ([`Release`]); see the
    /// module docs for why.
    async fn run(
        &self,
        mut queue: VecDeque<Entry>,
        redirects: RedirectMode,
        mut frontier: Option<&mut Frontier>,
        stop: &mut Pin<&mut impl Future<Output = ()>>,
        summary: &mut Summary,
        report: &mut impl FnMut(&PageResult),
    ) {
        let window = self.window();
        let release = match &frontier {
            Some(frontier) if frontier.max_pages.is_some() => Release::InOrder,
            _ => Release::ByDepth,
        };
        let mut pages = Pages::default();
        for entry in &queue {
            pages.admitted(entry.depth, 1);
        }
        let mut tasks = JoinSet::new();
        loop {
            if let Some(frontier) = frontier.as_deref_mut() {
                frontier.robots.refresh_if_old(&self.fetcher);
            }
            let refreshing = frontier
                .as_deref()
                .is_some_and(|frontier| frontier.robots.refreshing());
            while tasks.len() < window
                && let Some(front) = queue.front()
                // Past the lookahead, only what can release the held links.
                && (pages.held() < LOOKAHEAD || Some(front.depth) == pages.shallowest())
            {
                let Entry { url, depth } = queue.pop_front().expect("just seen");
                let seq = pages.start(url.clone(), depth);
                let scraper = self.clone();
                tasks.spawn(async move { (seq, scraper.visit(url, depth, redirects).await) });
            }
            tokio::select! {
                joined = tasks.join_next() => match joined {
                    Some(Ok((seq, (result, mut links)))) => {
                        summary.add(&result);
                        report(&result);
                        let depth = result.depth;
                        match frontier.as_deref() {
                            // Thinned now, so that a page's repeats and
                            // out-of-scope links never wait in memory.
                            Some(frontier) if frontier.follows(depth) => {
                                frontier.thin(&mut links, summary);
                            }
                            _ => links.clear(),
                        }
                        pages.finish(seq, links);
                        while let Some((depth, links)) = pages.next_release(release) {
                            if let Some(frontier) = frontier.as_deref_mut() {
                                let before = queue.len();
                                for link in links {
                                    frontier.admit(link, depth + 1, &mut queue, summary, report);
                                }
                                pages.admitted(depth + 1, queue.len() - before);
                            }
                        }
                    }
                    Some(Err(error)) => panic!("a fetch task failed: {error}"),
                    // No task left: nothing is in flight, so every held
                    // page was released, and admitted nothing more.
                    None => break,
                },
                () = refreshed(&mut frontier), if refreshing => {}
                () = stop.as_mut() => {
                    tasks.abort_all();
                    summary.interrupted = true;
                    break;
                }
            }
        }
        let unfinished = pages
            .in_flight()
            .chain(queue.iter().map(|entry| (&entry.url, entry.depth)));
        for (url, depth) in unfinished {
            let result = PageResult::failed(url, depth, FetchError::Interrupted);
            summary.add(&result);
            report(&result);
        }
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
        let mut start = start;
        start.set_fragment(None);
        let scope = scope_of(&start, options);
        tokio::pin!(stop);
        let robots = if options.ignore_robots {
            Robots::AllowAll
        } else {
            // A server slow to answer for robots.txt must not make Ctrl-C
            // wait for its timeouts and retries.
            tokio::select! {
                robots = self.robots_for(&start) => robots,
                () = stop.as_mut() => {
                    let result = PageResult::failed(&start, 0, FetchError::Interrupted);
                    summary.add(&result);
                    summary.interrupted = true;
                    report(&result);
                    summary.finish(started);
                    return summary;
                }
            }
        };
        let robots_url = start.join("/robots.txt").ok();
        let robots = robots::Cached::new(
            robots,
            robots_url.filter(|_| !options.ignore_robots),
            options.robots_max_age,
        );
        let mut frontier = Frontier {
            origin: start.origin(),
            scope,
            robots,
            max_depth: options.max_depth,
            max_pages: options.max_pages,
            seen: HashSet::new(),
            admitted: 0,
        };
        let mut queue = VecDeque::new();
        frontier.admit(start, 0, &mut queue, &mut summary, &mut report);
        self.run(
            queue,
            RedirectMode::Queue,
            Some(&mut frontier),
            &mut stop,
            &mut summary,
            &mut report,
        )
        .await;
        summary.finish(started);
        summary
    }

    /// The robots.txt rules for `url`'s origin.
    pub(crate) async fn robots_for(&self, url: &Url) -> Robots {
        let Ok(robots_url) = url.join("/robots.txt") else {
            return Robots::AllowAll;
        };
        let fetch = self.fetcher.fetch_robots(&robots_url).await;
        Robots::from_fetch(&fetch, ROBOTS_AGENT)
    }
}

/// The prefix a crawl from `start` stays under: `--scope`, resolved
/// against the start, or the start's origin.
pub(crate) fn scope_of(start: &Url, options: &CrawlOptions) -> String {
    match &options.scope {
        Some(prefix) => start.join(prefix).map_or(prefix.clone(), String::from),
        None => start.origin().ascii_serialization() + "/",
    }
}

/// Drops the links of one page that are repeats within it, in `seen`, or
/// out of scope, keeping the order of the rest; returns how many went as
/// repeats and how many as out of scope. The in-memory crawl and the Redis
/// frontier both thin a page's links this way.
pub(crate) fn thin(
    links: &mut Vec<Url>,
    seen: &HashSet<Url>,
    origin: &url::Origin,
    scope: &str,
) -> (usize, usize) {
    let (mut deduped, mut out_of_scope) = (0, 0);
    let keep: Vec<bool> = {
        let mut on_page = HashSet::with_capacity(links.len());
        links
            .iter()
            .map(|link| {
                if !on_page.insert(link.as_str()) || seen.contains(link) {
                    deduped += 1;
                    false
                } else if !in_scope(origin, scope, link) {
                    out_of_scope += 1;
                    false
                } else {
                    true
                }
            })
            .collect()
    };
    let mut keep = keep.into_iter();
    links.retain(|_| keep.next().unwrap_or(false));
    (deduped, out_of_scope)
}

/// Whether `url` is on `origin` and under `scope`. Compared part by part:
/// `Url::origin` would copy the host for every link.
pub(crate) fn in_scope(origin: &url::Origin, scope: &str, url: &Url) -> bool {
    use url::{Host, Origin};
    let Origin::Tuple(scheme, host, port) = origin else {
        return false;
    };
    let same_host = match (host, url.host()) {
        (Host::Domain(ours), Some(Host::Domain(theirs))) => ours == theirs,
        (Host::Ipv4(ours), Some(Host::Ipv4(theirs))) => *ours == theirs,
        (Host::Ipv6(ours), Some(Host::Ipv6(theirs))) => *ours == theirs,
        _ => false,
    };
    same_host
        && url.scheme() == scheme
        && url.port_or_known_default() == Some(*port)
        && url.as_str().starts_with(scope)
}

pub(crate) fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    }
}

/// Resolves once the frontier's robots.txt has been fetched again.
async fn refreshed(frontier: &mut Option<&mut Frontier>) {
    match frontier.as_deref_mut() {
        Some(frontier) => frontier.robots.refreshed().await,
        None => std::future::pending().await,
    }
}

/// Which URLs a crawl has met, and which it may fetch.
struct Frontier {
    origin: url::Origin,
    scope: String,
    robots: robots::Cached,
    max_depth: Option<u32>,
    max_pages: Option<usize>,
    seen: HashSet<Url>,
    /// URLs admitted for fetching so far.
    admitted: usize,
}

impl Frontier {
    fn in_scope(&self, url: &Url) -> bool {
        in_scope(&self.origin, &self.scope, url)
    }

    /// Whether the links of a page at `depth` are followed.
    fn follows(&self, depth: u32) -> bool {
        self.max_depth.is_none_or(|max| depth < max)
    }

    /// Drops, and counts, the links of one page that [`Frontier::admit`]
    /// would turn away whenever they came to it: repeats within the page,
    /// URLs seen so far, and URLs out of scope. The order of the rest is
    /// kept, so the crawl stays the same on every run.
    fn thin(&self, links: &mut Vec<Url>, summary: &mut Summary) {
        let (deduped, out_of_scope) = thin(links, &self.seen, &self.origin, &self.scope);
        summary.deduped += deduped;
        summary.out_of_scope += out_of_scope;
    }

    /// Queues `url` if it is new, in scope, allowed and within the page
    /// limit; otherwise counts or reports why not.
    fn admit(
        &mut self,
        url: Url,
        depth: u32,
        queue: &mut VecDeque<Entry>,
        summary: &mut Summary,
        report: &mut impl FnMut(&PageResult),
    ) {
        if self.seen.contains(&url) {
            summary.deduped += 1;
            return;
        }
        self.seen.insert(url.clone());
        if !self.in_scope(&url) {
            summary.out_of_scope += 1;
            return;
        }
        if !self.robots.allows(&path_and_query(&url)) {
            let result = PageResult::failed(&url, depth, FetchError::RobotsDisallowed);
            summary.add(&result);
            report(&result);
            return;
        }
        if self.max_pages.is_some_and(|max| self.admitted >= max) {
            return;
        }
        self.admitted += 1;
        queue.push_back(Entry::new(url, depth));
    }
}
