//! Every fault route of the crate's own server, and a page over https with
//! an untrusted certificate, fetched at once in one run:
//! each URL ends in exactly one result, the run ends within the per-URL
//! worst case, and memory stays bounded. Alone in its own test binary, so
//! that the peak memory measured is this run's.

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use support::memory::peak_rss_mib;
use web_scraper::client::{FetchConfig, Fetcher};
use web_scraper::crawl::Scraper;
use web_scraper::server::{ADVERSARIAL, ServeOptions, SiteServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_route_at_once_ends_in_one_result_each() {
    let server = SiteServer::start(ServeOptions::bundled(), 0).await.unwrap();
    let config = FetchConfig {
        read_timeout: Duration::from_millis(500),
        total_timeout: Duration::from_secs(2),
        retries: 1,
        backoff: Duration::from_millis(10),
        retry_after_cap: Duration::from_millis(100),
        ..FetchConfig::default()
    };
    // The README's worst case for one URL: every attempt runs to the total
    // timeout, with the longest backoff (or capped Retry-After) between.
    let attempts = config.retries + 1;
    let waits = config.retries * config.backoff.max(config.retry_after_cap);
    let worst = config.total_timeout * attempts + waits;
    // Parsing is bounded too, but by the page's size, not by a timeout:
    // generous for a debug build (tests/adversarial.rs prints the times).
    let parse_bound = Duration::from_secs(60);

    let mut paths: Vec<String> = [
        "/index.html",
        "/_fault/status/404",
        "/_fault/status/503",
        "/_fault/flaky/all?fail=1",
        "/_fault/flaky/wait?fail=1&status=429&retry-after=3600",
        "/_fault/slow-head/60000",
        "/_fault/slow-body/1000",
        "/_fault/huge/64",
        "/_fault/redirect/3",
        "/_fault/loop",
        "/_fault/reset",
        "/_fault/malformed",
        "/_fault/bad-utf8",
        "/_fault/encoded/gzip",
        "/_fault/encoded/deflate",
        "/_fault/encoded/br",
        "/_fault/encoded/zstd",
        "/_fault/bomb/4096",
    ]
    .iter()
    .map(|path| path.to_string())
    .collect();
    paths.extend(
        ADVERSARIAL
            .iter()
            .map(|class| format!("/_fault/adversarial/{class}")),
    );
    #[cfg_attr(not(feature = "tls"), allow(unused_mut))]
    let mut urls: Vec<url::Url> = paths
        .iter()
        .map(|path| server.url().join(path).unwrap())
        .collect();
    // And https, with a certificate nobody trusts: a `tls` error.
    #[cfg(feature = "tls")]
    let tls_server = {
        let key = rcgen::KeyPair::generate().unwrap();
        let certificate = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let identity = web_scraper::server::TlsIdentity {
            cert_chain_pem: certificate.pem(),
            key_pem: key.serialize_pem(),
        };
        let server = SiteServer::start(ServeOptions::bundled().with_tls(identity), 0)
            .await
            .unwrap();
        urls.push(server.url().join("/index.html").unwrap());
        server
    };

    let scraper = Scraper::new(Fetcher::new(config).unwrap());
    let started = Instant::now();
    let mut results: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut errors = Vec::new();
    let mut slowest_fetch = Duration::ZERO;
    let mut slowest_parse = Duration::ZERO;
    // Big pages parse one at a time, so the run may take their parse times
    // added up; the bound still stops a hang.
    let summary = tokio::time::timeout(
        worst * 3 + parse_bound * 2,
        scraper.fetch_all(urls, std::future::pending(), |result| {
            let outcome = result
                .error
                .as_ref()
                .map_or("ok".to_string(), |error| error.kind().to_string());
            let path = url::Url::parse(&result.url).unwrap();
            let key = match path.query() {
                _ if path.scheme() == "https" => "https".to_string(),
                Some(query) => format!("{}?{query}", path.path()),
                None => path.path().to_string(),
            };
            if key == "https" {
                errors.push(format!("{:?}", result.error));
            }
            results.entry(key).or_default().push(outcome);
            slowest_fetch = slowest_fetch.max(Duration::from_millis(result.elapsed_ms));
            slowest_parse = slowest_parse.max(Duration::from_millis(result.parse_ms));
        }),
    )
    .await
    .expect("the run ends");
    let took = started.elapsed();

    for path in &paths {
        let outcomes = results.get(path).map(Vec::as_slice).unwrap_or_default();
        assert_eq!(outcomes.len(), 1, "{path}: {outcomes:?}");
    }
    let https = usize::from(cfg!(feature = "tls"));
    #[cfg(feature = "tls")]
    assert_eq!(
        results["https"],
        ["tls"],
        "{}: {errors:?}",
        tls_server.url()
    );
    assert_eq!(results.len(), paths.len() + https, "{results:?}");
    assert_eq!(summary.ok + summary.failed, paths.len() + https);
    let kind = |path: &str| results[path][0].as_str();
    assert_eq!(kind("/_fault/status/404"), "status");
    assert_eq!(kind("/_fault/slow-head/60000"), "timeout");
    assert_eq!(kind("/_fault/huge/64"), "too-large");
    assert_eq!(kind("/_fault/bomb/4096"), "too-large");
    assert_eq!(kind("/_fault/loop"), "too-many-redirects");
    assert_eq!(kind("/_fault/bad-utf8"), "decode");
    assert_eq!(
        kind("/_fault/flaky/wait?fail=1&status=429&retry-after=3600"),
        "wait-too-long"
    );
    for coding in ["gzip", "deflate", "br", "zstd"] {
        let expected = if coding == "zstd" && cfg!(not(feature = "zstd")) {
            "status"
        } else {
            "ok"
        };
        assert_eq!(kind(&format!("/_fault/encoded/{coding}")), expected);
    }
    // The fetcher reads pages with `parse::scan`, which has no tree to
    // nest, so 200,000 open `<div>`s cost it one linear pass; the tree
    // parse refuses them (tests/adversarial.rs).
    assert_eq!(kind("/_fault/adversarial/deep-divs"), "ok");
    assert_eq!(kind("/_fault/adversarial/many-links"), "ok");
    println!(
        "{} URLs in {took:?}; slowest fetch {slowest_fetch:?} (worst case {worst:?}), slowest parse {slowest_parse:?}",
        paths.len() + https
    );
    // A fetch's clock starts at its first request, after its turn; a little
    // slack covers the scheduling between the timeouts.
    assert!(
        slowest_fetch <= worst + Duration::from_secs(1),
        "a fetch took {slowest_fetch:?}, past the worst case {worst:?}"
    );
    assert!(
        slowest_parse <= parse_bound,
        "a parse took {slowest_parse:?}"
    );

    let peak = peak_rss_mib();
    println!("peak memory {peak} MiB");
    assert!(peak < 300, "peak memory {peak} MiB");
}
