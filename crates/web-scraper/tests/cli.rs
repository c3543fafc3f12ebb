//! The binary as a user runs it: exit codes, one result per URL in every
//! format, Ctrl-C, and `serve`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use web_scraper::server::ServeOptions;

mod support;

use support::binary::{BINARY, Reaped, Site, run, stdout};

#[test]
fn bad_arguments_exit_with_code_2() {
    for args in [
        &["fetch"][..],
        &["fetch", "not a url"],
        &["fetch", "ftp://127.0.0.1/file"],
        &["fetch", "--concurrency", "0", "http://127.0.0.1/"],
        &["fetch", "--timeout", "0", "http://127.0.0.1/"],
        &["crawl", "--max-depth", "-1", "http://127.0.0.1/"],
        &["crawl", "--format", "xml", "http://127.0.0.1/"],
        &["no-such-command"],
    ] {
        let output = run(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn every_url_gets_exactly_one_line() {
    let site = Site::start(ServeOptions::bundled());
    let urls = [
        site.url("index.html"),
        site.url("guide/missing.html"),
        site.url("files/glossary.csv"),
        site.url("_fault/status/503"),
        site.url("_fault/bad-utf8"),
        site.url("index.html#again"),
    ];
    let mut args = vec!["fetch", "--retries", "0"];
    args.extend(urls.iter().map(String::as_str));
    let output = run(&args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "errors alone do not fail the run"
    );
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        5 + 2,
        "five URLs (one a duplicate), then two closing lines:\n{text}"
    );
    for url in &urls[..5] {
        let count = lines
            .iter()
            .filter(|line| line.contains(&format!("{url}:")) || line.ends_with(url.as_str()))
            .count();
        assert_eq!(count, 1, "{url} in:\n{text}");
    }
    assert!(text.contains(&format!("Failed {}: status 404 Not Found", urls[1])));
    assert!(text.contains(&format!(
        "Failed {}: not HTML: content type text/csv",
        urls[2]
    )));
    assert!(text.contains(&format!(
        "Failed {}: status 503 Service Unavailable",
        urls[3]
    )));
    assert!(text.contains(&format!(
        "Failed {}: decode: the body is not valid UTF-8",
        urls[4]
    )));
    assert_eq!(lines[5], "All web pages fetched");
    assert!(
        lines[6].starts_with("Summary: 1 ok, 4 failed, 0 retried, 0 robots-skipped, 1 deduped"),
        "{}",
        lines[6]
    );
}

#[test]
fn fail_on_error_sets_the_exit_code() {
    let site = Site::start(ServeOptions::bundled());
    let missing = site.url("guide/missing.html");
    assert_eq!(
        run(&["fetch", "--fail-on-error", &site.url("index.html")])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(&["fetch", "--fail-on-error", &missing]).status.code(),
        Some(1)
    );
    assert_eq!(run(&["fetch", &missing]).status.code(), Some(0));
}

#[test]
fn jsonl_has_one_record_per_url_then_the_summary() {
    let site = Site::start(ServeOptions::bundled());
    let output = run(&["crawl", "--format", "jsonl", &site.url("index.html")]);
    assert!(output.status.success());
    let text = stdout(&output);
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    let (summary, pages) = records.split_last().unwrap();
    assert_eq!(pages.len(), 40, "34 pages, 5 failures, 1 robots refusal");
    for page in pages {
        for field in [
            "url",
            "final_url",
            "status",
            "bytes",
            "chars",
            "title",
            "links",
            "depth",
            "elapsed_ms",
            "parse_ms",
            "attempts",
            "error",
            "error_kind",
        ] {
            assert!(page.get(field).is_some(), "{field} missing from {page}");
        }
    }
    let summary = &summary["summary"];
    assert_eq!(summary["ok"], 34);
    assert_eq!(summary["failed"], 5);
    assert_eq!(summary["robots_skipped"], 1);
}

#[test]
fn json_is_one_document() {
    let site = Site::start(ServeOptions::bundled());
    let output = run(&[
        "fetch",
        "--format",
        "json",
        &site.url("index.html"),
        &site.url("nope.html"),
    ]);
    let document: serde_json::Value =
        serde_json::from_str(&stdout(&output)).expect("one JSON document");
    let results = document["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let missing = results
        .iter()
        .find(|r| r["status"] == 404)
        .expect("the 404");
    assert_eq!(missing["error"], "status 404 Not Found");
    assert_eq!(missing["error_kind"], "status");
    assert_eq!(document["summary"]["ok"], 1);
}

#[test]
fn ctrl_c_stops_cleanly_and_prints_the_summary() {
    let site = Site::start(ServeOptions::bundled().with_latency(Duration::from_secs(30)));
    let mut child = Reaped(
        Command::new(BINARY)
            .args(["fetch", &site.url("index.html"), &site.url("about.html")])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    // Wait until the requests have reached the server: the client is then
    // mid-run, with its Ctrl-C handler installed.
    let deadline = Instant::now() + Duration::from_secs(10);
    while site.server.hits().values().sum::<u32>() < 2 {
        assert!(Instant::now() < deadline, "the requests never arrived");
        std::thread::sleep(Duration::from_millis(10));
    }
    let sent = Command::new("kill")
        .args(["-INT", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let mut text = String::new();
    std::io::Read::read_to_string(&mut child.0.stdout.take().unwrap(), &mut text).unwrap();
    assert_eq!(child.0.wait().unwrap().code(), Some(130));
    assert_eq!(text.matches(": interrupted").count(), 2, "{text}");
    assert!(text.contains("(interrupted)"), "{text}");
}

#[test]
fn serve_serves_a_folder_until_ctrl_c() {
    let dir = std::env::temp_dir().join(format!("web-scraper-serve-test-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    std::fs::write(
        dir.join("docs/index.html"),
        "<title>Docs</title><a href=\"page.html\">p</a>",
    )
    .unwrap();
    std::fs::write(dir.join("docs/page.html"), "<title>Page</title>").unwrap();
    let mut child = Reaped(
        Command::new(BINARY)
            .args(["serve", dir.to_str().unwrap(), "--port", "0"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .expect("the server prints its URL")
        .to_string();

    let output = run(&["crawl", &format!("{url}docs/index.html")]);
    let text = stdout(&output);
    assert!(text.contains("docs/page.html"), "{text}");
    assert!(text.contains("Summary: 2 ok, 0 failed"), "{text}");
    // Nothing outside the folder is reachable.
    let output = run(&["fetch", &format!("{url}..%2F..%2Fetc%2Fpasswd")]);
    assert!(stdout(&output).contains("status 404"));

    Command::new("kill")
        .args(["-INT", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(child.0.wait().unwrap().success());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn delay_ms_spaces_out_the_requests_to_one_host() {
    let site = Site::start(ServeOptions::bundled());
    let urls = [
        site.url("index.html"),
        site.url("about.html"),
        site.url("guide/index.html"),
    ];
    let started = Instant::now();
    let output = run(&["fetch", "--delay-ms", "150", &urls[0], &urls[1], &urls[2]]);
    assert!(output.status.success());
    assert_eq!(stdout(&output).matches("Fetched ").count(), 3);
    // Three starts at least 150 ms apart: 300 ms from the first to the last.
    assert!(started.elapsed() >= Duration::from_millis(300));
}

/// A build without the `redis` feature (`--no-default-features`) says why
/// it cannot share a crawl, and exits 2; CI runs this test in such a build.
#[cfg(not(feature = "redis"))]
#[test]
fn without_the_redis_feature_frontier_exits_with_code_2() {
    for args in [
        &[
            "crawl",
            "http://127.0.0.1:1/",
            "--frontier",
            "redis://127.0.0.1:1/0",
            "--crawl-id",
            "x",
        ][..],
        &[
            "crawl-status",
            "--frontier",
            "redis://127.0.0.1:1/0",
            "--crawl-id",
            "x",
        ],
    ] {
        let output = run(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("built without the `redis` feature"),
            "{stderr}"
        );
    }
}
