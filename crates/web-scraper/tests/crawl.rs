//! Crawls of the bundled site: the exact set of pages, robots.txt, depth
//! and page limits, and dedupe.

use std::collections::BTreeMap;
use std::time::Duration;
use web_scraper::client::{FetchConfig, FetchError, Fetcher};
use web_scraper::crawl::{CrawlOptions, PageResult, RedirectMode, Scraper, Summary};
use web_scraper::server::{ServeOptions, SiteServer};

async fn server_with(options: ServeOptions) -> SiteServer {
    SiteServer::start(options, 0)
        .await
        .expect("the site starts")
}

/// Crawls from `/index.html`; returns each result by path, and the summary.
async fn crawl(
    server: &SiteServer,
    options: CrawlOptions,
) -> (BTreeMap<String, PageResult>, Summary) {
    let scraper = Scraper::new(Fetcher::new(FetchConfig::default()).unwrap());
    let start = server.url().join("index.html").unwrap();
    let mut results = BTreeMap::new();
    let run = scraper.crawl(start, &options, std::future::pending(), |result| {
        let path = url::Url::parse(&result.url).unwrap().path().to_string();
        let previous = results.insert(path.clone(), result.clone());
        assert!(previous.is_none(), "{path} was reported twice");
    });
    let summary = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the crawl finishes");
    (results, summary)
}

/// Each result as `path -> "ok"` or its error kind.
fn outcomes(results: &BTreeMap<String, PageResult>) -> Vec<(String, &'static str)> {
    results
        .iter()
        .map(|(path, result)| {
            (
                path.clone(),
                result.error.as_ref().map_or("ok", FetchError::kind),
            )
        })
        .collect()
}

const PUBLIC_PAGES: &[&str] = &[
    "/about.html",
    "/glossary/backpressure.html",
    "/glossary/deadlock.html",
    "/glossary/idempotency.html",
    "/glossary/index.html",
    "/glossary/race.html",
    "/glossary/starvation.html",
    "/guide/async.html",
    "/guide/atomics.html",
    "/guide/channels.html",
    "/guide/condvars.html",
    "/guide/index.html",
    "/guide/locks.html",
    "/guide/pools.html",
    "/guide/processes.html",
    "/guide/threads.html",
    "/index.html",
    "/latin1/cafe.html",
    "/old/start.html",
    "/python/asyncio.html",
    "/python/concurrent-futures.html",
    "/python/gil.html",
    "/python/index.html",
    "/python/multiprocessing.html",
    "/python/requests.html",
    "/python/threading.html",
    "/rust/index.html",
    "/rust/ipc-channel.html",
    "/rust/rayon.html",
    "/rust/reqwest.html",
    "/rust/scraper.html",
    "/rust/send-sync.html",
    "/rust/std-thread.html",
    "/rust/tokio.html",
];

#[tokio::test]
async fn the_crawl_finds_exactly_the_bundled_site() {
    let server = server_with(ServeOptions::bundled()).await;
    let (results, summary) = crawl(&server, CrawlOptions::default()).await;
    let mut expected: Vec<(String, &str)> = PUBLIC_PAGES
        .iter()
        .map(|path| (path.to_string(), "ok"))
        .collect();
    expected.extend([
        ("/files/glossary.csv".to_string(), "not-html"),
        ("/glossary/livelock.html".to_string(), "status"),
        ("/guide/missing.html".to_string(), "status"),
        ("/private/index.html".to_string(), "robots-disallowed"),
        ("/robots.txt".to_string(), "not-html"),
        ("/rust/crossbeam.html".to_string(), "status"),
    ]);
    expected.sort();
    assert_eq!(outcomes(&results), expected);
    assert_eq!(
        (summary.ok, summary.failed, summary.robots_skipped),
        (34, 5, 1)
    );
    // The link to rust-lang.org is the one link off the site.
    assert_eq!(summary.out_of_scope, 1);
    assert!(summary.deduped > 100);

    // The redirect reports where it ended, and the Latin-1 page its title.
    let redirect = &results["/old/start.html"];
    assert!(
        redirect
            .final_url
            .as_deref()
            .unwrap()
            .ends_with("/guide/index.html")
    );
    assert_eq!(
        results["/latin1/cafe.html"].title.as_deref(),
        Some("Notes from the caf\u{e9} - Concurrency field notes")
    );
    assert_eq!(results["/guide/missing.html"].status, Some(404));
    assert_eq!(results["/index.html"].depth, 0);
    assert_eq!(results["/private/index.html"].depth, 2);
}

#[tokio::test]
async fn no_url_is_fetched_twice() {
    let server = server_with(ServeOptions::bundled()).await;
    crawl(&server, CrawlOptions::default()).await;
    for (path, hits) in server.hits() {
        // robots.txt is read once for its rules, and once more because
        // about.html links to it. /guide/index.html is both linked and the
        // target of /old/start.html's redirect, and is still fetched once.
        let expected = if path == "/robots.txt" { 2 } else { 1 };
        assert_eq!(hits, expected, "{path} was requested {hits} times");
    }
}

#[tokio::test]
async fn robots_txt_can_be_ignored() {
    let server = server_with(ServeOptions::bundled()).await;
    let options = CrawlOptions {
        ignore_robots: true,
        ..CrawlOptions::default()
    };
    let (results, summary) = crawl(&server, options).await;
    for path in [
        "/private/index.html",
        "/private/drafts.html",
        "/private/notes.html",
    ] {
        assert_eq!(results[path].error, None, "{path}");
    }
    assert_eq!(summary.robots_skipped, 0);
    // Fetched once, as the page about.html links to, never for its rules.
    assert_eq!(server.hits().get("/robots.txt"), Some(&1));
}

#[tokio::test]
async fn a_crawl_through_a_redirect_loop_fetches_each_address_once() {
    let server = server_with(ServeOptions::bundled()).await;
    let scraper = Scraper::new(Fetcher::new(FetchConfig::default()).unwrap());
    let mut results = Vec::new();
    scraper
        .crawl(
            server.url().join("/_fault/loop").unwrap(),
            &CrawlOptions::default(),
            std::future::pending(),
            |result| results.push((result.url.clone(), result.final_url.clone())),
        )
        .await;
    // /_fault/loop -> /_fault/loop?again -> /_fault/loop (already seen).
    assert_eq!(results.len(), 2, "{results:?}");
    assert_eq!(server.hits().get("/_fault/loop"), Some(&1));
    assert_eq!(server.hits().get("/_fault/loop?again"), Some(&1));
}

#[tokio::test]
async fn a_missing_robots_txt_allows_everything() {
    let options = ServeOptions {
        robots_status: Some(axum::http::StatusCode::NOT_FOUND),
        ..ServeOptions::bundled()
    };
    let server = server_with(options).await;
    let (results, summary) = crawl(&server, CrawlOptions::default()).await;
    assert_eq!(results["/private/drafts.html"].error, None);
    assert_eq!(summary.robots_skipped, 0);
}

#[tokio::test]
async fn a_failing_robots_txt_disallows_everything() {
    let options = ServeOptions {
        robots_status: Some(axum::http::StatusCode::SERVICE_UNAVAILABLE),
        ..ServeOptions::bundled()
    };
    let server = server_with(options).await;
    let (results, summary) = crawl(&server, CrawlOptions::default()).await;
    assert_eq!(
        outcomes(&results),
        [("/index.html".to_string(), "robots-disallowed")]
    );
    assert_eq!(summary.robots_skipped, 1);
    assert!(!server.hits().contains_key("/index.html"));
}

#[tokio::test]
async fn max_depth_stops_at_that_many_links_from_the_start() {
    let server = server_with(ServeOptions::bundled()).await;
    let options = CrawlOptions {
        max_depth: Some(1),
        ..CrawlOptions::default()
    };
    let (results, _) = crawl(&server, options).await;
    assert!(results.values().all(|result| result.depth <= 1));
    let paths: Vec<&str> = results.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        [
            "/about.html",
            "/files/glossary.csv",
            "/glossary/index.html",
            "/guide/index.html",
            "/guide/missing.html",
            "/index.html",
            "/latin1/cafe.html",
            "/old/start.html",
            "/python/index.html",
            "/rust/index.html",
        ]
    );
}

#[tokio::test]
async fn max_pages_takes_the_first_pages_in_breadth_first_order() {
    let server = server_with(ServeOptions::bundled()).await;
    let options = CrawlOptions {
        max_pages: Some(5),
        ..CrawlOptions::default()
    };
    let (results, summary) = crawl(&server, options).await;
    let paths: Vec<&str> = results.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        [
            "/glossary/index.html",
            "/guide/index.html",
            "/index.html",
            "/python/index.html",
            "/rust/index.html",
        ]
    );
    assert_eq!(summary.ok, 5);
}

#[tokio::test]
async fn scope_keeps_the_crawl_under_a_prefix() {
    let server = server_with(ServeOptions::bundled()).await;
    let scraper = Scraper::new(Fetcher::new(FetchConfig::default()).unwrap());
    let start = server.url().join("rust/index.html").unwrap();
    let options = CrawlOptions {
        scope: Some("/rust/".to_string()),
        ..CrawlOptions::default()
    };
    let mut paths = Vec::new();
    scraper
        .crawl(start, &options, std::future::pending(), |result| {
            paths.push(url::Url::parse(&result.url).unwrap().path().to_string());
        })
        .await;
    paths.sort();
    assert_eq!(paths.len(), 8);
    assert!(
        paths.iter().all(|path| path.starts_with("/rust/")),
        "{paths:?}"
    );
}

#[tokio::test]
async fn a_stop_ends_the_run_with_every_url_reported() {
    let server = server_with(ServeOptions::bundled().with_latency(Duration::from_secs(5))).await;
    let scraper = Scraper::new(Fetcher::new(FetchConfig::default()).unwrap());
    let urls: Vec<url::Url> = ["index.html", "about.html", "guide/index.html"]
        .iter()
        .map(|path| server.url().join(path).unwrap())
        .collect();
    let mut reported = Vec::new();
    let summary = scraper
        .fetch_all(
            urls,
            tokio::time::sleep(Duration::from_millis(100)),
            |result| {
                reported.push(result.error.clone());
            },
        )
        .await;
    assert!(summary.interrupted);
    assert_eq!(reported, vec![Some(FetchError::Interrupted); 3]);
}

#[tokio::test]
async fn malformed_html_is_read_the_way_browsers_read_it() {
    let server = server_with(ServeOptions::bundled()).await;
    let scraper = Scraper::new(Fetcher::new(FetchConfig::default()).unwrap());
    let (result, links) = scraper
        .visit(
            server.url().join("/_fault/malformed").unwrap(),
            0,
            RedirectMode::Follow,
        )
        .await;
    assert_eq!(result.error, None);
    assert_eq!(result.title.as_deref(), Some("Malformed"));
    let paths: Vec<&str> = links.iter().map(|link| link.path()).collect();
    assert_eq!(paths, ["/guide/index.html", "/rust/index.html"]);
}

#[tokio::test]
async fn a_stop_while_robots_txt_is_slow_ends_the_crawl_at_once() {
    let server = server_with(ServeOptions::bundled().with_latency(Duration::from_secs(5))).await;
    let scraper = Scraper::new(Fetcher::new(FetchConfig::default()).unwrap());
    let mut reported = Vec::new();
    let options = CrawlOptions::default();
    let crawl = scraper.crawl(
        server.url().join("index.html").unwrap(),
        &options,
        tokio::time::sleep(Duration::from_millis(100)),
        |result| reported.push(result.error.clone()),
    );
    // Far less than the 5 s the server takes to answer for robots.txt.
    let summary = tokio::time::timeout(Duration::from_secs(3), crawl)
        .await
        .expect("the stop is not held up by robots.txt");
    assert!(summary.interrupted);
    assert_eq!(reported, [Some(FetchError::Interrupted)]);
}

/// A folder of pages for one test, removed when dropped.
struct PagesDir(std::path::PathBuf);

impl PagesDir {
    fn new(name: &str, pages: &[(&str, &str)]) -> Self {
        let dir = std::env::temp_dir().join(format!("web-scraper-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (file, body) in pages {
            std::fs::write(dir.join(file), body).unwrap();
        }
        PagesDir(dir)
    }
}

impl Drop for PagesDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Depth 1: a page that takes 1.5 s, and a.html. Depth 2: b.html, found on
/// a.html. Depth 3: c.html, found on b.html.
const SLOW_SITE: &[(&str, &str)] = &[
    (
        "index.html",
        "<title>i</title><a href='/_fault/slow-head/1500'>slow</a><a href='a.html'>a</a>",
    ),
    ("a.html", "<title>a</title><a href='b.html'>b</a>"),
    ("b.html", "<title>b</title><a href='c.html'>c</a>"),
    ("c.html", "<title>c</title>"),
];

/// Crawls [`SLOW_SITE`]; returns each record's path and depth, in the
/// order reported.
async fn crawl_slow_site(name: &str, options: CrawlOptions) -> Vec<(String, u32)> {
    let dir = PagesDir::new(name, SLOW_SITE);
    let server = server_with(ServeOptions {
        root: web_scraper::server::Root::Dir(dir.0.clone()),
        ..ServeOptions::bundled()
    })
    .await;
    let scraper = Scraper::new(Fetcher::new(FetchConfig::default()).unwrap());
    let start = server.url().join("index.html").unwrap();
    let mut order = Vec::new();
    let run = scraper.crawl(start, &options, std::future::pending(), |result| {
        assert!(result.ok(), "{result:?}");
        let path = url::Url::parse(&result.url).unwrap().path().to_string();
        order.push((path, result.depth));
    });
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the crawl finishes");
    order
}

fn place(order: &[(String, u32)], path: &str) -> usize {
    order
        .iter()
        .position(|(seen, _)| seen == path)
        .unwrap_or_else(|| panic!("{path} not in {order:?}"))
}

#[tokio::test]
async fn a_slow_page_holds_back_only_the_links_of_deeper_pages() {
    let order = crawl_slow_site("slow-page", CrawlOptions::default()).await;
    let slow = place(&order, "/_fault/slow-head/1500");
    // Fetching runs ahead: b.html, a level deeper, is done long before
    // the slow page...
    assert!(place(&order, "/b.html") < slow, "{order:?}");
    // ...but b.html's own links wait until no page less deep is
    // unfinished: c.html comes after the slow page.
    assert!(place(&order, "/c.html") > slow, "{order:?}");
    let depths: BTreeMap<&str, u32> = order
        .iter()
        .map(|(path, depth)| (path.as_str(), *depth))
        .collect();
    let expected = [
        ("/_fault/slow-head/1500", 1),
        ("/a.html", 1),
        ("/b.html", 2),
        ("/c.html", 3),
        ("/index.html", 0),
    ];
    assert_eq!(depths, BTreeMap::from(expected), "{order:?}");
}

#[tokio::test]
async fn with_max_pages_links_are_admitted_in_breadth_first_order() {
    let options = CrawlOptions {
        max_pages: Some(4),
        ..CrawlOptions::default()
    };
    let order = crawl_slow_site("slow-page-max", options).await;
    // The first four in breadth-first order, whatever finished first:
    // b.html was found on a page admitted after the slow one, so it is
    // admitted only once the slow page is done.
    let mut paths: Vec<&str> = order.iter().map(|(path, _)| path.as_str()).collect();
    assert!(place(&order, "/b.html") > place(&order, "/_fault/slow-head/1500"));
    paths.sort();
    assert_eq!(
        paths,
        [
            "/_fault/slow-head/1500",
            "/a.html",
            "/b.html",
            "/index.html"
        ]
    );
}

/// Crawls `server` from `/index.html` with `config`; returns each result's
/// outcome by path, and the summary.
async fn crawl_with(
    server: &SiteServer,
    config: FetchConfig,
    options: CrawlOptions,
) -> (BTreeMap<String, &'static str>, Summary) {
    let scraper = Scraper::new(Fetcher::new(config).unwrap());
    let start = server.url().join("index.html").unwrap();
    let mut outcomes = BTreeMap::new();
    let run = scraper.crawl(start, &options, std::future::pending(), |result| {
        let path = url::Url::parse(&result.url).unwrap().path().to_string();
        outcomes.insert(path, result.error.as_ref().map_or("ok", FetchError::kind));
    });
    let summary = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the crawl finishes");
    (outcomes, summary)
}

/// RFC 9309 §2.3.1.2: five redirects are followed for robots.txt even when
/// the crawl follows none for pages; past the fetcher's limit the file is
/// unavailable, which allows everything, like a 4xx.
#[tokio::test]
async fn robots_txt_is_followed_through_five_redirects_and_no_more() {
    let no_redirects = || FetchConfig {
        max_redirects: 0,
        ..FetchConfig::default()
    };
    for (hops, private) in [(5, "robots-disallowed"), (6, "ok")] {
        let server = server_with(ServeOptions {
            robots_redirects: hops,
            ..ServeOptions::bundled()
        })
        .await;
        let (outcomes, summary) =
            crawl_with(&server, no_redirects(), CrawlOptions::default()).await;
        assert_eq!(outcomes["/private/index.html"], private, "{hops} redirects");
        assert_eq!(summary.robots_skipped, usize::from(hops == 5), "{hops}");
    }
}

/// RFC 9309 §2.5: at least the first 500 KiB of a robots.txt are parsed. A
/// rule in them holds; one past the limit is not read.
#[tokio::test]
async fn the_first_500_kib_of_robots_txt_are_parsed() {
    let filler = "# a comment line that only makes the file longer\n".repeat(12_000);
    assert!(filler.len() > 500 * 1024);
    let robots = format!("User-agent: *\nDisallow: /early.html\n{filler}Disallow: /late.html\n");
    let dir = PagesDir::new(
        "robots-500k",
        &[
            ("robots.txt", &robots),
            (
                "index.html",
                "<title>i</title><a href='early.html'>e</a><a href='late.html'>l</a>",
            ),
            ("early.html", "<title>e</title>"),
            ("late.html", "<title>l</title>"),
        ],
    );
    let server = server_with(ServeOptions {
        root: web_scraper::server::Root::Dir(dir.0.clone()),
        ..ServeOptions::bundled()
    })
    .await;
    let (outcomes, _) = crawl_with(&server, FetchConfig::default(), CrawlOptions::default()).await;
    assert_eq!(outcomes["/early.html"], "robots-disallowed");
    assert_eq!(outcomes["/late.html"], "ok");
}

/// RFC 9309 §2.4: a copy of robots.txt is used for 24 hours at most. With
/// a maximum age of zero the crawl keeps fetching it again as it goes,
/// and crawls the same pages.
#[tokio::test]
async fn an_old_robots_txt_is_fetched_again() {
    let server = server_with(ServeOptions::bundled()).await;
    let (fresh, _) = crawl_with(&server, FetchConfig::default(), CrawlOptions::default()).await;
    // Once for the rules, once as a linked URL.
    assert_eq!(server.hits().get("/robots.txt"), Some(&2));
    let server = server_with(ServeOptions::bundled()).await;
    let options = CrawlOptions {
        robots_max_age: Some(Duration::ZERO),
        ..CrawlOptions::default()
    };
    let (refreshed, summary) = crawl_with(&server, FetchConfig::default(), options).await;
    assert!(server.hits()["/robots.txt"] > 2, "{:?}", server.hits());
    assert_eq!(refreshed, fresh);
    assert_eq!(summary.robots_skipped, 1);
}
