//! Compressed pages: every content coding reqwest is built with reads back
//! to the same page, and a decompression bomb stops at the body cap, which
//! counts decoded bytes, with memory bounded. Alone in its own test binary,
//! so that the peak memory measured is this file's.

mod support;

use support::memory::peak_rss_mib;
use web_scraper::client::{FetchConfig, FetchError, Fetcher};
use web_scraper::server::{ServeOptions, SiteServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_content_coding_reads_back_to_the_same_page() {
    let server = SiteServer::start(ServeOptions::bundled(), 0).await.unwrap();
    let fetcher = Fetcher::new(FetchConfig::default()).unwrap();
    let plain = fetcher
        .fetch(&server.url().join("/index.html").unwrap())
        .await
        .result
        .expect("the plain page");
    let codings = ["gzip", "deflate", "br", "zstd"];
    for coding in codings {
        if coding == "zstd" && cfg!(not(feature = "zstd")) {
            continue;
        }
        let url = server
            .url()
            .join(&format!("/_fault/encoded/{coding}"))
            .unwrap();
        let body = fetcher
            .fetch(&url)
            .await
            .result
            .unwrap_or_else(|error| panic!("{coding}: {error}"));
        assert_eq!(body.text, plain.text, "{coding}");
        assert_eq!(body.bytes, plain.bytes, "{coding}: bytes count decoded");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decompression_bomb_stops_at_the_cap_with_memory_bounded() {
    let server = SiteServer::start(ServeOptions::bundled(), 0).await.unwrap();
    let fetcher = Fetcher::new(FetchConfig::default()).unwrap();
    // About 4 MiB of gzip on the wire, 4 GiB once inflated.
    let url = server.url().join("/_fault/bomb/4096").unwrap();
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
        "peak memory {peak} MiB: the bomb was not capped"
    );
}

/// The bomb is a valid gzip stream: decoded in full with no cap, it is
/// exactly its size in zeros. Checked on 64 MiB, counted, never held.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bomb_is_well_formed_gzip() {
    let server = SiteServer::start(ServeOptions::bundled(), 0).await.unwrap();
    // reqwest here is built without a default TLS provider; name ring's.
    #[cfg(feature = "tls")]
    let _ = rustls::crypto::ring::default_provider().install_default();
    let url = server.url().join("/_fault/bomb/64").unwrap();
    let mut response = reqwest::get(url).await.unwrap();
    let (mut total, mut nonzero) = (0u64, 0u64);
    while let Some(chunk) = response.chunk().await.expect("a valid stream") {
        total += chunk.len() as u64;
        nonzero += chunk.iter().filter(|&&byte| byte != 0).count() as u64;
    }
    assert_eq!((total, nonzero), (64 << 20, 0));
}
