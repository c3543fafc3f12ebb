//! The one crawl loop, for every frontier, and the setup every crawl
//! shares.

use super::scope::{path_and_query, scope_of};
use super::traits::{Frontier, Job, Next};
use crate::robots::{self, Robots};
use crate::scrape::{CrawlOptions, PageResult, Scraper, Summary};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tokio::task::JoinSet;
use url::Url;

/// How long a loop whose frontier said [`Next::Poll`] waits before it
/// looks again, unless a page finishes first.
const POLL: Duration = Duration::from_millis(20);

/// What a crawl starts from, once set up.
pub(crate) struct Begun {
    /// The start URL, without its fragment.
    pub(crate) start: Url,
    /// The prefix the crawl stays under.
    pub(crate) scope: String,
    /// robots.txt's rules for the start's origin.
    pub(crate) robots: robots::Cached,
}

impl Begun {
    /// Whether robots.txt lets the crawl fetch its start.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))] // the Redis crawl's
    pub(crate) fn start_allowed(&self) -> bool {
        self.robots.allows(&path_and_query(&self.start))
    }
}

/// Sets a crawl up: the start without its fragment, the scope, and
/// robots.txt's rules, unless `options` say to ignore them. `None` if
/// `stop` fires first: a server slow to answer for robots.txt must not make
/// Ctrl-C wait for its timeouts and retries.
pub(crate) async fn begin(
    scraper: &Scraper,
    mut start: Url,
    options: &CrawlOptions,
    stop: &mut Pin<&mut impl Future<Output = ()>>,
) -> Option<Begun> {
    start.set_fragment(None);
    let scope = scope_of(&start, options);
    let robots = if options.ignore_robots {
        Robots::AllowAll
    } else {
        tokio::select! {
            robots = scraper.robots_for(&start) => robots,
            () = stop.as_mut() => return None,
        }
    };
    let robots_url = start.join("/robots.txt").ok();
    let robots = robots::Cached::new(
        robots,
        robots_url.filter(|_| !options.ignore_robots),
        options.robots_max_age,
    );
    Some(Begun {
        start,
        scope,
        robots,
    })
}

/// Crawls what `frontier` hands out until it says the crawl is over, or
/// `stop` fires; reports each result as it completes.
///
/// A window of pages is fetched at a time (the requests allowed in flight
/// plus one parse per core), so that fetched bodies never pile up waiting
/// for a parse. Each finished page is reported, then its links go to the
/// frontier, which decides when they may be fetched. If `stop` fires, the
/// fetches are aborted, the frontier hands back or reports what is
/// unfinished, and `summary.interrupted` is set.
pub(crate) async fn run<F: Frontier>(
    scraper: &Scraper,
    frontier: &mut F,
    stop: &mut Pin<&mut impl Future<Output = ()>>,
    summary: &mut Summary,
    report: &mut dyn FnMut(&PageResult),
) -> Result<(), F::Error> {
    let window = scraper.window();
    let redirects = frontier.redirects();
    let mut tasks = JoinSet::new();
    loop {
        frontier.upkeep(scraper.shared_fetcher());
        let room = window.saturating_sub(tasks.len());
        let next = match room {
            0 => Next::Jobs(Vec::new()),
            _ => frontier.take(room, tasks.len()).await?,
        };
        let poll = match next {
            Next::Done => return Ok(()),
            Next::Poll => true,
            Next::Jobs(jobs) => {
                for Job {
                    url,
                    depth,
                    ticket,
                    disallowed,
                } in jobs
                {
                    if disallowed {
                        let error = crate::client::FetchError::RobotsDisallowed;
                        let result = PageResult::failed(&url, depth, error);
                        summary.add(&result);
                        report(&result);
                        frontier.done(ticket, &result, Vec::new(), summary, report);
                        continue;
                    }
                    let scraper = scraper.clone();
                    tasks.spawn(async move {
                        let (result, links) = scraper.visit(url, depth, redirects).await;
                        (ticket, result, links)
                    });
                }
                false
            }
        };
        tokio::select! {
            Some(joined) = tasks.join_next() => {
                let (ticket, result, links) = joined.expect("fetch tasks do not panic");
                summary.add(&result);
                report(&result);
                frontier.done(ticket, &result, links, summary, report);
            }
            event = frontier.progress() => frontier.on(event, summary).await?,
            () = tokio::time::sleep(POLL), if poll => {}
            () = stop.as_mut() => {
                tasks.abort_all();
                summary.interrupted = true;
                return frontier.stop(summary, report).await;
            }
        }
    }
}

/// The order the Redis frontier's guarantee rests on: a page's record is
/// reported before the frontier hears that the page is done, for a fetched
/// page and for one robots.txt keeps the crawl from alike.
#[cfg(all(test, feature = "site"))]
mod tests {
    use super::*;
    use crate::client::{FetchConfig, Fetcher};
    use crate::scrape::RedirectMode;
    use crate::server::{ServeOptions, SiteServer};
    use std::sync::{Arc, Mutex};

    /// Hands out `jobs` once, and fails the test if a page is done before
    /// its record was reported.
    struct Recording {
        jobs: Option<Vec<Job<String>>>,
        reported: Arc<Mutex<Vec<String>>>,
        done: Vec<String>,
    }

    impl Frontier for Recording {
        type Ticket = String;
        type Event = ();
        type Error = ();

        fn redirects(&self) -> RedirectMode {
            RedirectMode::Queue
        }

        fn upkeep(&mut self, _: &Arc<Fetcher>) {}

        async fn take(&mut self, _: usize, in_flight: usize) -> Result<Next<String>, ()> {
            Ok(match self.jobs.take() {
                Some(jobs) => Next::Jobs(jobs),
                None if in_flight == 0 => Next::Done,
                None => Next::Jobs(Vec::new()),
            })
        }

        fn done(
            &mut self,
            ticket: String,
            result: &PageResult,
            _: Vec<Url>,
            _: &mut Summary,
            _: &mut dyn FnMut(&PageResult),
        ) {
            let reported = self.reported.lock().unwrap();
            assert!(
                reported.contains(&result.url),
                "{} is done before its record was reported",
                result.url
            );
            self.done.push(ticket);
        }

        async fn progress(&mut self) {
            std::future::pending().await
        }

        async fn on(&mut self, (): (), _: &mut Summary) -> Result<(), ()> {
            Ok(())
        }

        async fn stop(
            &mut self,
            _: &mut Summary,
            _: &mut dyn FnMut(&PageResult),
        ) -> Result<(), ()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_page_is_reported_before_the_frontier_hears_it_is_done() {
        let server = SiteServer::start(ServeOptions::bundled(), 0).await.unwrap();
        let scraper = Scraper::new(Fetcher::new(FetchConfig::default()).unwrap());
        let pages = [
            "index.html",
            "missing.html",
            "index.html#again",
            "robots.txt",
        ];
        let jobs = pages
            .iter()
            .enumerate()
            .map(|(n, page)| Job {
                url: server.url().join(page).unwrap(),
                depth: 0,
                ticket: page.to_string(),
                disallowed: n == 3,
            })
            .collect();
        let reported = Arc::new(Mutex::new(Vec::new()));
        let mut frontier = Recording {
            jobs: Some(jobs),
            reported: Arc::clone(&reported),
            done: Vec::new(),
        };
        let mut summary = Summary::default();
        let stop = std::future::pending::<()>();
        tokio::pin!(stop);
        let mut report = |page: &PageResult| reported.lock().unwrap().push(page.url.clone());
        run(
            &scraper,
            &mut frontier,
            &mut stop,
            &mut summary,
            &mut report,
        )
        .await
        .unwrap();
        frontier.done.sort();
        let mut expected: Vec<_> = pages.iter().map(|page| page.to_string()).collect();
        expected.sort();
        assert_eq!(frontier.done, expected, "every page is done once");
        assert_eq!(reported.lock().unwrap().len(), pages.len());
    }
}
