//! Fetching and reading one page ([`Scraper::visit`]), and the record and
//! totals of a run: the layer every crawl, and every frontier, builds on.

use crate::client::{FetchError, Fetcher, ROBOTS_AGENT};
use crate::parse;
use crate::robots::Robots;
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
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

    pub(crate) fn stop_clock(&mut self, started: Instant) {
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
    /// by default [`MAX_AGE`](crate::robots::MAX_AGE), 24 hours (RFC 9309 §2.4).
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

    /// The robots.txt rules for `url`'s origin.
    pub(crate) async fn robots_for(&self, url: &Url) -> Robots {
        let Ok(robots_url) = url.join("/robots.txt") else {
            return Robots::AllowAll;
        };
        let fetch = self.fetcher.fetch_robots(&robots_url).await;
        Robots::from_fetch(&fetch, ROBOTS_AGENT)
    }
}
