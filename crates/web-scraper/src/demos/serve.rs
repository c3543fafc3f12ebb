//! `serve [DIR]`: the bundled site, or any folder, until Ctrl-C.

use anyhow::{Context, Result};
use std::path::PathBuf;
use std::time::Duration;
use web_scraper::crawl;
use web_scraper::output::print_line;
use web_scraper::server::{Root, ServeOptions, SiteServer};

/// `serve`: until Ctrl-C.
pub async fn serve(dir: Option<PathBuf>, port: u16, latency: Duration) -> Result<()> {
    let (root, what) = match dir {
        Some(dir) => (Root::Dir(dir.clone()), dir.display().to_string()),
        None => (Root::Bundled, "the bundled site".to_string()),
    };
    let options = ServeOptions {
        root,
        ..ServeOptions::bundled().with_latency(latency)
    };
    let server = SiteServer::start(options, port)
        .await
        .with_context(|| format!("serving {what} on 127.0.0.1:{port}"))?;
    // Listen for Ctrl-C before saying we are up: whoever reads the line
    // below may send it at once.
    let stop = crawl::ctrl_c();
    // Benchmarks read the URL from this line.
    print_line(&format!(
        "Serving {what} at {} with {} ms of latency; Ctrl-C stops",
        server.url(),
        latency.as_millis()
    ));
    server.run_until(stop).await;
    Ok(())
}
