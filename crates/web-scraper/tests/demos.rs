//! The tour's `bench` command, run as `cargo xtask bench` runs it.

// The binary, and so this tour test, needs the test site; the manifest
// does not name the tour's tests, which `cargo xtask new --lib-only` drops.
#![cfg(feature = "site")]

mod support;

use support::binary::{Site, figure, run, stdout};
use web_scraper::server::ServeOptions;

#[test]
fn bench_fetches_each_page_again_for_its_parse_only_floor() {
    let site = Site::start(ServeOptions::bundled());
    let output = run(&["bench", "--url", &site.url("index.html")]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = stdout(&output);
    let figure = |key: &str| figure(&text, key);
    let pages = figure("parse_floor_pages");
    assert!(pages > 0.0 && pages <= figure("crawl_ok"), "{text}");
    assert!(figure("parse_floor_pages_per_s") > 0.0, "{text}");
    // The crawl fetched every URL once; the floor fetched each parsed page
    // a second time, and nothing else (robots.txt, read for its rules and
    // again as a linked URL, is no page).
    let hits = site.server.hits();
    let twice = hits
        .iter()
        .filter(|&(path, &count)| count == 2 && !path.ends_with("robots.txt"))
        .count();
    assert_eq!(twice as f64, pages, "{hits:?}");
    assert!(
        hits.iter()
            .all(|(path, &count)| count <= 2 || path.ends_with("robots.txt")),
        "{hits:?}"
    );
}

/// `bench --spider`, with a stand-in for spider's CLI: a script that crawls
/// the URL spider is given with this binary's own `crawl`. The server
/// counts both runs, so their pages and requests must be equal. A stand-in
/// that fetches nothing is dropped as stopped early, four times, and the
/// bench fails saying so.
#[cfg(unix)]
#[test]
fn bench_spider_counts_both_crawlers_on_the_server() {
    use std::os::unix::fs::PermissionsExt;
    let site = Site::start(ServeOptions::bundled());
    let dir = std::env::temp_dir().join(format!("web-scraper-spider-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("spider");
    // Called as: --respect-robots-txt --url URL crawl --output-links
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nexec '{}' crawl \"$3\" --format jsonl\n",
            support::binary::BINARY
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let start = site.url("index.html");
    let bench = |spider: &str| {
        run(&[
            "bench",
            "--url",
            &start,
            "--spider",
            spider,
            "--spider-url",
            &start,
        ])
    };
    let output = bench(script.to_str().unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = stdout(&output);
    let figure = |key: &str| figure(&text, key);
    // The bundled site's pages, robots.txt among them, as the server saw.
    assert!(figure("versus_pages") > 30.0, "{text}");
    assert_eq!(figure("versus_pages"), figure("spider_pages"), "{text}");
    assert_eq!(
        figure("versus_requests"),
        figure("spider_requests"),
        "{text}"
    );
    assert_eq!(figure("spider_dropped"), 0.0, "{text}");
    for key in ["versus_cpu_s", "versus_peak_rss_mb", "spider_peak_rss_mb"] {
        assert!(figure(key) > 0.0, "{key}: {text}");
    }
    let output = bench("true");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.matches("spider stopped early (0 of").count(),
        4,
        "{stderr}"
    );
    assert!(
        stderr.contains("stopped early 4 times in a row"),
        "{stderr}"
    );
}
