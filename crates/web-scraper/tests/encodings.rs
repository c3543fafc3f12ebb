//! Compressed pages: every content coding reqwest is built with reads back
//! to the same page, and the decompression bomb is well-formed gzip. That
//! the bomb stops at the body cap is in `body_cap.rs`.

use web_scraper::client::{FetchConfig, Fetcher};
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
