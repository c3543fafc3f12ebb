//! Every fault route of the embedded server ends in the right typed error,
//! or in success after retries, and none hangs: each fetch runs under a
//! guard deadline far above its own timeouts.

use std::time::{Duration, Instant};
use url::Url;
use web_scraper::client::{Fetch, FetchConfig, FetchError, Fetcher};
use web_scraper::server::{ServeOptions, SiteServer};

/// Short timeouts and near-instant backoff, so that faults resolve fast.
fn config() -> FetchConfig {
    FetchConfig {
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_millis(300),
        total_timeout: Duration::from_secs(2),
        retries: 2,
        backoff: Duration::from_millis(1),
        retry_after_cap: Duration::from_millis(100),
        ..FetchConfig::default()
    }
}

/// Fetches `path` from `server`, failing the test if it takes longer than
/// a deadline well past every timeout in `config` (retries included).
async fn get_with(server: &SiteServer, path: &str, config: FetchConfig) -> Fetch {
    let fetcher = Fetcher::new(config).expect("a client");
    let url = server.url().join(path).expect("a valid path");
    tokio::time::timeout(Duration::from_secs(20), fetcher.fetch(&url))
        .await
        .unwrap_or_else(|_| panic!("fetching {path} hung"))
}

async fn get(server: &SiteServer, path: &str) -> Fetch {
    get_with(server, path, config()).await
}

async fn server() -> SiteServer {
    SiteServer::start(ServeOptions::bundled(), 0)
        .await
        .expect("the bundled site starts")
}

fn error(fetch: &Fetch) -> FetchError {
    fetch.result.clone().expect_err("this fetch should fail")
}

#[tokio::test]
async fn a_4xx_fails_at_once_without_retrying() {
    let server = server().await;
    for code in [400, 403, 404, 410] {
        let fetch = get(&server, &format!("/_fault/status/{code}")).await;
        assert_eq!(error(&fetch), FetchError::Status(code));
        assert_eq!(fetch.attempts, 1, "status {code} must not be retried");
        assert_eq!(fetch.status, Some(code));
    }
    assert_eq!(
        error(&get(&server, "/guide/missing.html").await),
        FetchError::Status(404)
    );
    assert_eq!(server.hits().get("/_fault/status/404"), Some(&1));
}

#[tokio::test]
async fn transient_statuses_are_retried_then_reported() {
    let server = server().await;
    for code in [408, 429, 500, 502, 503, 504] {
        let fetch = get(&server, &format!("/_fault/status/{code}")).await;
        assert_eq!(error(&fetch), FetchError::Status(code));
        assert_eq!(fetch.attempts, 3, "status {code}: one try and two retries");
    }
    assert_eq!(server.hits().get("/_fault/status/503"), Some(&3));
}

#[tokio::test]
async fn a_500_then_success_succeeds_on_the_retry() {
    let server = server().await;
    let fetch = get(&server, "/_fault/flaky/once?fail=1").await;
    let body = fetch.result.expect("the retry succeeds");
    assert!(body.text.contains("succeeded after 1 failures"));
    assert_eq!(fetch.attempts, 2);
    assert_eq!(fetch.status, Some(200));
}

#[tokio::test]
async fn retry_after_is_honoured_within_the_cap() {
    let server = server().await;
    let started = Instant::now();
    let fetch = get_with(
        &server,
        "/_fault/flaky/soon?fail=1&status=503&retry-after=1",
        FetchConfig {
            retry_after_cap: Duration::from_secs(5),
            ..config()
        },
    )
    .await;
    assert!(fetch.result.is_ok(), "{:?}", fetch.result);
    assert_eq!(fetch.attempts, 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the retry must wait for the Retry-After"
    );
}

#[tokio::test]
async fn retry_after_over_the_cap_fails_at_once_naming_the_wait() {
    let server = server().await;
    // The server asks for an hour; the cap in `config` is 100 ms.
    let fetch = get(
        &server,
        "/_fault/flaky/later?fail=1&status=429&retry-after=3600",
    )
    .await;
    let error = error(&fetch);
    assert_eq!(
        error,
        FetchError::WaitTooLong {
            status: 429,
            asked: Duration::from_secs(3600),
            cap: Duration::from_millis(100),
        }
    );
    assert_eq!(error.kind(), "wait-too-long");
    assert!(error.to_string().contains("3600s"), "{error}");
    assert_eq!(fetch.attempts, 1, "no wait, no retry");
    assert_eq!(
        server
            .hits()
            .get("/_fault/flaky/later?fail=1&status=429&retry-after=3600"),
        Some(&1)
    );
}

#[tokio::test]
async fn too_many_failures_give_up_after_the_retries() {
    let server = server().await;
    let fetch = get(&server, "/_fault/flaky/stubborn?fail=10").await;
    assert_eq!(error(&fetch), FetchError::Status(500));
    assert_eq!(fetch.attempts, 3);
}

#[tokio::test]
async fn a_slow_response_times_out_and_is_retried() {
    let server = server().await;
    let config = FetchConfig {
        total_timeout: Duration::from_millis(200),
        ..config()
    };
    let fetch = get_with(&server, "/_fault/slow-head/5000", config).await;
    assert!(
        matches!(error(&fetch), FetchError::Timeout(_)),
        "{:?}",
        fetch.result
    );
    assert_eq!(fetch.attempts, 3, "timeouts are retried");
}

#[tokio::test]
async fn a_stalled_body_hits_the_read_timeout() {
    let server = server().await;
    // One chunk every 2 s against a 300 ms read timeout.
    let fetch = get(&server, "/_fault/slow-body/2000").await;
    assert!(
        matches!(error(&fetch), FetchError::Timeout(_)),
        "{:?}",
        fetch.result
    );
}

#[tokio::test]
async fn a_huge_body_is_an_error_not_a_truncation() {
    let server = server().await;
    let config = FetchConfig {
        max_body: 1024 * 1024,
        ..config()
    };
    let fetch = get_with(&server, "/_fault/huge/8", config).await;
    assert_eq!(error(&fetch), FetchError::TooLarge { limit: 1024 * 1024 });
    assert_eq!(fetch.attempts, 1);
    // Below the cap, the same route is read whole.
    let fetch = get(&server, "/_fault/huge/1").await;
    assert_eq!(
        fetch.result.expect("1 MiB is under 5 MiB").bytes,
        1024 * 1024
    );
}

#[tokio::test]
async fn redirects_are_followed_to_a_limit() {
    let server = server().await;
    let fetch = get(&server, "/_fault/redirect/3").await;
    assert!(fetch.result.is_ok());
    assert_eq!(
        fetch.final_url.map(|u| u.path().to_string()).as_deref(),
        Some("/index.html")
    );

    let config = FetchConfig {
        max_redirects: 2,
        ..config()
    };
    let fetch = get_with(&server, "/_fault/redirect/3", config).await;
    assert_eq!(error(&fetch), FetchError::TooManyRedirects(2));
}

#[tokio::test]
async fn a_redirect_loop_ends_in_an_error() {
    let server = server().await;
    let fetch = get(&server, "/_fault/loop").await;
    assert_eq!(error(&fetch), FetchError::TooManyRedirects(10));
    assert_eq!(fetch.attempts, 1);
}

#[tokio::test]
async fn a_dropped_connection_is_a_connection_error() {
    let server = server().await;
    let fetch = get(&server, "/_fault/reset").await;
    assert!(
        matches!(error(&fetch), FetchError::Connection(_)),
        "{:?}",
        fetch.result
    );
}

#[tokio::test]
async fn a_closed_port_is_a_connect_error_after_retries() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let fetcher = Fetcher::new(config()).unwrap();
    let url = Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let fetch = tokio::time::timeout(Duration::from_secs(20), fetcher.fetch(&url))
        .await
        .expect("no hang");
    assert!(
        matches!(error(&fetch), FetchError::Connect(_)),
        "{:?}",
        fetch.result
    );
    assert_eq!(fetch.attempts, 3);
}

#[tokio::test]
async fn a_non_html_file_is_reported_not_read() {
    let server = server().await;
    let fetch = get(&server, "/files/glossary.csv").await;
    assert_eq!(
        error(&fetch),
        FetchError::NotHtml("text/csv; charset=utf-8".to_string())
    );
}

#[tokio::test]
async fn charsets_are_decoded_and_bad_bytes_are_an_error() {
    let server = server().await;
    let fetch = get(&server, "/latin1/cafe.html").await;
    let text = fetch.result.expect("the Latin-1 page decodes").text;
    assert!(
        text.contains("caf\u{e9}, na\u{ef}ve and\nse\u{f1}or"),
        "{text}"
    );

    let fetch = get(&server, "/_fault/bad-utf8").await;
    assert_eq!(error(&fetch), FetchError::Decode("UTF-8".to_string()));
}

#[tokio::test]
async fn the_per_host_limit_and_delay_hold() {
    let server = server().await;
    let config = FetchConfig {
        per_host: 1,
        per_host_delay: Duration::from_millis(50),
        ..config()
    };
    let fetcher = std::sync::Arc::new(Fetcher::new(config).unwrap());
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for page in [
        "index.html",
        "about.html",
        "guide/index.html",
        "rust/index.html",
    ] {
        let fetcher = fetcher.clone();
        let url = server.url().join(page).unwrap();
        tasks.spawn(async move { fetcher.fetch(&url).await.result.is_ok() });
    }
    while let Some(ok) = tasks.join_next().await {
        assert!(ok.unwrap());
    }
    // Four starts, at least 50 ms apart: the last is 150 ms after the first.
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn hits_counts_every_answer_by_status_but_not_itself() {
    let server = server().await;
    for path in ["index.html", "about.html", "no-such-page.html"] {
        get(&server, path).await;
    }
    let hits = || async {
        let url = server.url().join("/_hits").unwrap();
        reqwest::get(url).await.unwrap().text().await.unwrap()
    };
    let first = hits().await;
    assert_eq!(first, "requests=3\nstatus_200=2\nstatus_404=1\n");
    assert_eq!(hits().await, first, "reading /_hits counted itself");
}
