//! The body-size cap holds for a huge streamed body and for a decompression
//! bomb, whose decoded bytes are what the cap counts, and memory stays
//! bounded while it does. Alone in its own test binary, so that the peak
//! memory measured is this test's.

mod support;

use support::memory::peak_rss_mib;
use web_scraper::client::{FetchConfig, FetchError, Fetcher};
use web_scraper::server::{ServeOptions, SiteServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_bodies_stop_at_the_cap_with_memory_bounded() {
    let server = SiteServer::start(ServeOptions::bundled(), 0).await.unwrap();
    let fetcher = Fetcher::new(FetchConfig::default()).unwrap();
    for path in [
        // 1 GiB with no Content-Length: only counting the chunks can stop it.
        "/_fault/huge/1024",
        // About 4 MiB of gzip on the wire, 4 GiB once inflated.
        "/_fault/bomb/4096",
    ] {
        let fetch = fetcher.fetch(&server.url().join(path).unwrap()).await;
        assert_eq!(
            fetch.result.unwrap_err(),
            FetchError::TooLarge {
                limit: 5 * 1024 * 1024
            },
            "{path}"
        );
    }
    let peak = peak_rss_mib();
    assert!(peak < 200, "peak memory {peak} MiB: a body was not capped");
}
