//! The tour's `bench` command, run as `cargo xtask bench` runs it.

// The binary, and so this tour test, needs the test site; the manifest
// does not name the tour's tests, which `cargo xtask new --lib-only` drops.
#![cfg(feature = "site")]

mod support;

use support::binary::{Site, figure, run, stdout};
use web_scraper::server::ServeOptions;

#[test]
fn bench_fetches_the_crawls_urls_again_for_its_floors() {
    let site = Site::start(ServeOptions::bundled());
    let output = run(&["bench", "--url", &site.url("index.html")]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = stdout(&output);
    let figure = |key: &str| figure(&text, key);
    let pages = figure("parse_floor_pages");
    assert!(pages > 0.0 && pages <= figure("crawl_ok"), "{text}");
    for key in [
        "parse_floor_pages_per_s",
        "fetch_floor_pages_per_s",
        "parse_floor_crawl_pages_per_s",
        "slower_floor_pages_per_s",
        "crawl_floor_pages_per_s",
        "peak_rss_mb",
    ] {
        assert!(figure(key) > 0.0, "{key}: {text}");
    }
    assert_eq!(
        figure("slower_floor_pages_per_s"),
        figure("fetch_floor_pages_per_s").min(figure("parse_floor_crawl_pages_per_s")),
        "{text}"
    );
    // The floor is the slower pass alone, or the passes' CPU time over the
    // cores where that was long enough to count (not, as a rule, on a site
    // this small) and is longer.
    let mut floor = figure("slower_floor_pages_per_s");
    if text.contains("cpu_floor_pages_per_s=") {
        floor = floor.min(figure("cpu_floor_pages_per_s"));
    }
    assert_eq!(figure("crawl_floor_pages_per_s"), floor, "{text}");
    // The crawl, and the same crawl as a process of its own, fetched every
    // URL once each; the fetch-only pass fetched each three times more,
    // and the parse-only pass each parsed page once more: nothing else.
    // robots.txt is one of the crawl's URLs (it is linked) and no page,
    // and each crawl also read it for its rules.
    assert_eq!(figure("process_pages"), figure("crawl_pages"), "{text}");
    let hits = site.server.hits();
    let once_a_pass = hits
        .iter()
        .filter(|&(path, &count)| count == 5 && !path.ends_with("robots.txt"))
        .count();
    let parsed_too = hits
        .iter()
        .filter(|&(path, &count)| count == 6 && !path.ends_with("robots.txt"))
        .count();
    assert_eq!(parsed_too as f64, pages, "{hits:?}");
    assert_eq!(hits.get("/robots.txt"), Some(&(5 + 2)), "{hits:?}");
    assert_eq!(
        (once_a_pass + parsed_too + 1) as f64,
        figure("crawl_pages"),
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
