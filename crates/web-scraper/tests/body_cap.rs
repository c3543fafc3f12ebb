//! The body-size cap holds for a huge streamed body, and memory stays
//! bounded while it does. Alone in its own test binary, so that the peak
//! memory measured is this test's.

mod support;

use support::memory::peak_rss_mib;
use web_scraper::client::{FetchConfig, FetchError, Fetcher};
use web_scraper::server::{ServeOptions, SiteServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_1_gib_stream_stops_at_the_cap_with_memory_bounded() {
    let server = SiteServer::start(ServeOptions::bundled(), 0).await.unwrap();
    let fetcher = Fetcher::new(FetchConfig::default()).unwrap();
    // 1 GiB with no Content-Length: only counting the chunks can stop it.
    let url = server.url().join("/_fault/huge/1024").unwrap();
    let fetch = fetcher.fetch(&url).await;
    assert_eq!(
        fetch.result.unwrap_err(),
        FetchError::TooLarge {
            limit: 5 * 1024 * 1024
        }
    );
    let peak = peak_rss_mib();
    assert!(
        peak < 200,
        "peak memory {peak} MiB: the body was not capped"
    );
}
