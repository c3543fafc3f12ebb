//! Fetching one URL well: one shared `reqwest::Client`, limits on how many
//! requests run at once (overall and per host), an optional delay between
//! requests to one host, timeouts, retries with backoff, a body-size cap, a
//! content-type check and charset decoding. Every failure is a typed
//! [`FetchError`]; nothing here panics or hangs on a bad server.

use encoding_rs::Encoding;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, LOCATION, RETRY_AFTER};
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::Semaphore;
use url::Url;

/// The user agent: this crate's name and version.
pub const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// The product token robots.txt groups are matched against.
pub const ROBOTS_AGENT: &str = env!("CARGO_PKG_NAME");

/// Everything that shapes how requests are made.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Requests in flight at once, over all hosts.
    pub concurrency: usize,
    /// Requests in flight at once to one host.
    pub per_host: usize,
    /// The least time between the starts of two requests to one host.
    pub per_host_delay: Duration,
    /// How long to wait for a TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// The longest wait for any one read of the response.
    pub read_timeout: Duration,
    /// The longest one request may take, body included; each hop of a
    /// redirect chain is one request.
    pub total_timeout: Duration,
    /// Attempts after the first, for errors worth retrying.
    pub retries: u32,
    /// The first backoff; each retry doubles it, with jitter.
    pub backoff: Duration,
    /// The longest wait a server's `Retry-After` can ask for.
    pub retry_after_cap: Duration,
    /// Bodies larger than this fail with [`FetchError::TooLarge`].
    pub max_body: u64,
    /// How many redirects `fetch` follows before failing.
    pub max_redirects: usize,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            concurrency: 16,
            per_host: 16,
            per_host_delay: Duration::ZERO,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(15),
            total_timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(250),
            retry_after_cap: Duration::from_secs(30),
            max_body: 5 * 1024 * 1024,
            max_redirects: 10,
        }
    }
}

/// Why a URL could not be read. The `Display` text starts with the kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("timeout: {0}")]
    /// Connecting, reading or the whole request took too long.
    Timeout(String),
    #[error("connect: {0}")]
    /// No connection could be made.
    Connect(String),
    #[error("status {code}{reason}", code = .0, reason = reason(*.0))]
    /// The server answered with this 4xx or 5xx status.
    Status(u16),
    #[error("too large: the body is over the {limit}-byte cap")]
    /// The body was larger than the cap.
    TooLarge {
        /// The cap, in bytes.
        limit: u64,
    },
    #[error("too many redirects: more than {0}")]
    /// More redirects than the limit, which is given.
    TooManyRedirects(usize),
    #[error("robots-disallowed: robots.txt asks crawlers not to fetch this")]
    /// robots.txt forbids this URL to this crawler.
    RobotsDisallowed,
    #[error("not HTML: content type {0}")]
    /// The response is not HTML; its content type is given.
    NotHtml(String),
    #[error("decode: the body is not valid {0}")]
    /// The body is not valid in the charset it declares.
    Decode(String),
    #[error("connection: {0}")]
    /// The connection broke while the body was being read.
    Connection(String),
    /// The HTML parser failed (it panicked): a bug in it, reported for this
    /// page alone.
    #[error("parse: {0}")]
    Parse(String),
    #[error("interrupted: the run was stopped first")]
    /// The run was stopped (Ctrl-C) before this URL finished.
    Interrupted,
    /// Only from [`Fetcher::fetch_no_redirects`]: not a failure, but no page.
    #[error("redirected to {0}")]
    Redirected(Url),
}

/// " Not Found" for 404: the space and the standard reason, if any.
fn reason(code: u16) -> String {
    StatusCode::from_u16(code)
        .ok()
        .and_then(|status| status.canonical_reason())
        .map_or_else(String::new, |reason| format!(" {reason}"))
}

impl FetchError {
    /// A short, stable name for the kind of error, for JSON output.
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::Timeout(_) => "timeout",
            FetchError::Connect(_) => "connect",
            FetchError::Status(_) => "status",
            FetchError::TooLarge { .. } => "too-large",
            FetchError::TooManyRedirects(_) => "too-many-redirects",
            FetchError::RobotsDisallowed => "robots-disallowed",
            FetchError::NotHtml(_) => "not-html",
            FetchError::Decode(_) => "decode",
            FetchError::Connection(_) => "connection",
            FetchError::Parse(_) => "parse",
            FetchError::Interrupted => "interrupted",
            FetchError::Redirected(_) => "redirected",
        }
    }

    /// Worth another attempt: the server or the network may do better.
    pub fn retryable(&self) -> bool {
        match self {
            FetchError::Timeout(_) | FetchError::Connect(_) => true,
            FetchError::Status(code) => matches!(code, 408 | 429 | 500 | 502 | 503 | 504),
            _ => false,
        }
    }
}

/// A page's body, decoded.
#[derive(Debug, Clone)]
pub struct Body {
    /// Bytes read from the wire.
    pub bytes: usize,
    /// The body, decoded to text.
    pub text: String,
}

/// The outcome of fetching one URL, retries included.
#[derive(Debug, Clone)]
pub struct Fetch {
    /// The URL asked for.
    pub url: Url,
    /// Where the last attempt ended up, after redirects.
    pub final_url: Option<Url>,
    /// The last HTTP status, if a response came.
    pub status: Option<u16>,
    /// How many requests were made, retries included.
    pub attempts: u32,
    /// The time from the first request to the end of the body.
    pub elapsed: Duration,
    /// The page, or why there is none.
    pub result: Result<Body, FetchError>,
}

/// One failed attempt, with what the next one needs to know.
struct Failed {
    error: FetchError,
    status: Option<u16>,
    final_url: Option<Url>,
    retry_after: Option<Duration>,
}

impl Failed {
    fn new(error: FetchError) -> Self {
        Self {
            error,
            status: None,
            final_url: None,
            retry_after: None,
        }
    }
}

/// Per-host limits.
struct Host {
    permits: Semaphore,
    /// When the next request to this host may start.
    next_start: tokio::sync::Mutex<Instant>,
}

/// Fetches URLs; share one behind an `Arc`.
pub struct Fetcher {
    /// The one client: its connection pool is what sharing saves. It does
    /// not follow redirects itself; [`Fetcher::attempt`] does, so that a
    /// crawl can choose not to.
    client: reqwest::Client,
    config: FetchConfig,
    permits: Semaphore,
    hosts: Mutex<HashMap<String, Arc<Host>>>,
}

impl Fetcher {
    /// A fetcher with one shared client, built from `config`.
    pub fn new(config: FetchConfig) -> Result<Self, reqwest::Error> {
        // reqwest is built without a default TLS crypto provider (it would
        // pull in aws-lc); use ring's. Installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.read_timeout)
            .timeout(config.total_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            client,
            permits: Semaphore::new(config.concurrency.max(1)),
            hosts: Mutex::new(HashMap::new()),
            config,
        })
    }

    /// The settings it was built with.
    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// Fetches `url`, retrying what is worth retrying, and decodes the body
    /// of an HTML page. Never panics; every failure is in `result`.
    /// Redirects are followed, up to the limit.
    pub async fn fetch(&self, url: &Url) -> Fetch {
        self.fetch_as(url, Expect::Html, Redirects::Follow).await
    }

    /// As [`Fetcher::fetch`], but a redirect is not followed: it ends in
    /// [`FetchError::Redirected`] with its target, for a crawler to queue
    /// like a link, so that the target is fetched once however many
    /// addresses lead to it.
    pub async fn fetch_no_redirects(&self, url: &Url) -> Fetch {
        self.fetch_as(url, Expect::Html, Redirects::Return).await
    }

    /// Fetches a robots.txt: any content type, redirects followed.
    pub(crate) async fn fetch_text(&self, url: &Url) -> Fetch {
        self.fetch_as(url, Expect::AnyText, Redirects::Follow).await
    }

    async fn fetch_as(&self, url: &Url, expect: Expect, redirects: Redirects) -> Fetch {
        let started = Instant::now();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let outcome = self.attempt(url, expect, redirects).await;
            let failed = match outcome {
                Ok((final_url, status, body)) => {
                    return Fetch {
                        url: url.clone(),
                        final_url: Some(final_url),
                        status: Some(status),
                        attempts,
                        elapsed: started.elapsed(),
                        result: Ok(body),
                    };
                }
                Err(failed) => failed,
            };
            if attempts > self.config.retries || !failed.error.retryable() {
                return Fetch {
                    url: url.clone(),
                    final_url: failed.final_url,
                    status: failed.status,
                    attempts,
                    elapsed: started.elapsed(),
                    result: Err(failed.error),
                };
            }
            let wait = match failed.retry_after {
                Some(asked) => asked.min(self.config.retry_after_cap),
                None => backoff(self.config.backoff, attempts),
            };
            tokio::time::sleep(wait).await;
        }
    }

    fn host(&self, url: &Url) -> Arc<Host> {
        let key = format!(
            "{}:{}",
            url.host_str().unwrap_or(""),
            url.port_or_known_default().unwrap_or(0)
        );
        let mut hosts = self
            .hosts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        hosts
            .entry(key)
            .or_insert_with(|| {
                Arc::new(Host {
                    permits: Semaphore::new(self.config.per_host.max(1)),
                    next_start: tokio::sync::Mutex::new(Instant::now()),
                })
            })
            .clone()
    }

    /// One request, holding a per-host and a global permit while it runs.
    async fn attempt(
        &self,
        url: &Url,
        expect: Expect,
        redirects: Redirects,
    ) -> Result<(Url, u16, Body), Failed> {
        let host = self.host(url);
        // The host's permit first: a slow host must not hold global
        // permits while its own requests queue.
        let _host_permit = host.permits.acquire().await.expect("never closed");
        let _permit = self.permits.acquire().await.expect("never closed");
        // The delay is slept with both permits held: a request that has its
        // start time then starts at it, so the spacing is exact, at the cost
        // of a global permit idling while it waits.
        if !self.config.per_host_delay.is_zero() {
            let start_at = {
                let mut next_start = host.next_start.lock().await;
                let start_at = (*next_start).max(Instant::now());
                *next_start = start_at + self.config.per_host_delay;
                start_at
            };
            tokio::time::sleep_until(start_at.into()).await;
        }

        // Each hop of a redirect chain is one request, with its own timeout.
        let mut final_url = url.clone();
        let mut hops = 0;
        let mut response = loop {
            let response = self
                .client
                .get(final_url.clone())
                .send()
                .await
                .map_err(|error| Failed::new(classify(&error)))?;
            let target = response
                .status()
                .is_redirection()
                .then(|| response.headers().get(LOCATION))
                .flatten()
                .and_then(|location| location.to_str().ok())
                .and_then(|location| final_url.join(location).ok());
            let Some(target) = target else {
                break response;
            };
            let stop = match redirects {
                Redirects::Return => Some(FetchError::Redirected(target.clone())),
                Redirects::Follow if hops == self.config.max_redirects => {
                    Some(FetchError::TooManyRedirects(self.config.max_redirects))
                }
                Redirects::Follow => None,
            };
            if let Some(error) = stop {
                return Err(Failed {
                    error,
                    status: Some(response.status().as_u16()),
                    final_url: Some(final_url),
                    retry_after: None,
                });
            }
            hops += 1;
            final_url = target;
        };
        let status = response.status();
        let fail = |error| Failed {
            error,
            status: Some(status.as_u16()),
            final_url: Some(final_url.clone()),
            retry_after: None,
        };
        if !status.is_success() {
            let mut failed = fail(FetchError::Status(status.as_u16()));
            failed.retry_after = retry_after(response.headers());
            return Err(failed);
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        if expect == Expect::Html
            && let Some(content_type) = &content_type
            && !is_html(content_type)
        {
            return Err(fail(FetchError::NotHtml(content_type.clone())));
        }
        let limit = self.config.max_body;
        if response
            .content_length()
            .is_some_and(|length| length > limit)
        {
            return Err(fail(FetchError::TooLarge { limit }));
        }
        // reqwest has no body cap: count the bytes chunk by chunk and stop
        // reading as soon as the cap is passed.
        let mut bytes = Vec::with_capacity(response.content_length().unwrap_or(0) as usize);
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if (bytes.len() + chunk.len()) as u64 > limit {
                        return Err(fail(FetchError::TooLarge { limit }));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(error) => return Err(fail(classify(&error))),
            }
        }
        let length = bytes.len();
        let text = decode(bytes, content_type.as_deref()).map_err(fail)?;
        Ok((
            final_url.clone(),
            status.as_u16(),
            Body {
                bytes: length,
                text,
            },
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Redirects {
    Follow,
    Return,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Html,
    AnyText,
}

/// Turns a reqwest error into the kind the user needs to know.
fn classify(error: &reqwest::Error) -> FetchError {
    let detail = error_chain(error);
    if error.is_timeout() {
        FetchError::Timeout(detail)
    } else if error.is_connect() {
        FetchError::Connect(detail)
    } else {
        FetchError::Connection(detail)
    }
}

/// An error and its causes on one line: reqwest's own message is often
/// just "error sending request".
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn is_html(content_type: &str) -> bool {
    let mime = content_type.split(';').next().unwrap_or("").trim();
    mime.eq_ignore_ascii_case("text/html") || mime.eq_ignore_ascii_case("application/xhtml+xml")
}

/// The wait before retry number `attempt` (1-based): `base * 2^(attempt-1)`,
/// scaled by a random factor between 0.5 and 1 so that many clients that
/// failed together do not retry together.
fn backoff(base: Duration, attempt: u32) -> Duration {
    let exponential = base.saturating_mul(1 << (attempt - 1).min(16));
    // A fresh `RandomState` is randomly seeded: enough randomness for
    // jitter, without a dependency.
    let random = RandomState::new().hash_one(attempt);
    let factor = 0.5 + (random % 1000) as f64 / 2000.0;
    exponential.mul_f64(factor)
}

/// A `Retry-After` header: seconds, or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Decodes a body by the charset its content type names, else the one a
/// `<meta>` in its first 1024 bytes names, else UTF-8. Bytes that are not
/// valid in that charset are an error, not replacement characters.
pub fn decode(bytes: Vec<u8>, content_type: Option<&str>) -> Result<String, FetchError> {
    let (encoding, start) = match Encoding::for_bom(&bytes) {
        Some((encoding, bom_length)) => (encoding, bom_length),
        None => {
            let label = content_type
                .and_then(charset_of_content_type)
                .or_else(|| charset_of_meta(&bytes));
            let encoding = label
                .and_then(|label| Encoding::for_label(label.as_bytes()))
                .unwrap_or(encoding_rs::UTF_8);
            (encoding, 0)
        }
    };
    let invalid = || FetchError::Decode(encoding.name().to_string());
    if encoding == encoding_rs::UTF_8 && start == 0 {
        // The common case: the bytes become the string, without a copy.
        return String::from_utf8(bytes).map_err(|_| invalid());
    }
    encoding
        .decode_without_bom_handling_and_without_replacement(&bytes[start..])
        .map(|text| text.into_owned())
        .ok_or_else(invalid)
}

fn charset_of_content_type(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

/// The charset a `<meta charset=...>` or `<meta http-equiv content=
/// "...; charset=...">` names near the start of the page. A simplified
/// form of the HTML standard's prescan, enough for real pages.
fn charset_of_meta(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(1024)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut rest = head.as_str();
    while let Some(at) = rest.find("<meta") {
        rest = &rest[at + 5..];
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        if let Some(at) = tag.find("charset=") {
            let value = tag[at + 8..].trim_start_matches(['"', '\'', ' ']);
            let end = value
                .find(|c: char| c == '"' || c == '\'' || c == ';' || c == '/' || c.is_whitespace())
                .unwrap_or(value.len());
            if end > 0 {
                return Some(value[..end].to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_comes_from_the_header_then_the_meta_tag() {
        let latin1 = b"<meta charset=\"iso-8859-1\"><p>caf\xe9</p>";
        assert_eq!(
            decode(latin1.to_vec(), Some("text/html")).unwrap(),
            "<meta charset=\"iso-8859-1\"><p>café</p>"
        );
        assert_eq!(
            decode(b"caf\xe9".to_vec(), Some("text/html; charset=ISO-8859-1")).unwrap(),
            "café"
        );
        assert_eq!(
            decode(b"\xef\xbb\xbfcaf\xc3\xa9".to_vec(), None).unwrap(),
            "café"
        );
        assert_eq!(
            decode(b"caf\xe9".to_vec(), Some("text/html")),
            Err(FetchError::Decode("UTF-8".to_string()))
        );
        assert_eq!(
            charset_of_meta(
                b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\">"
            ),
            Some("windows-1251".to_string())
        );
    }

    #[test]
    fn only_transient_errors_are_retried() {
        for code in [408, 429, 500, 502, 503, 504] {
            assert!(FetchError::Status(code).retryable(), "{code}");
        }
        for code in [400, 401, 403, 404, 410, 501] {
            assert!(!FetchError::Status(code).retryable(), "{code}");
        }
        assert!(FetchError::Timeout(String::new()).retryable());
        assert!(!FetchError::TooLarge { limit: 1 }.retryable());
    }

    #[test]
    fn backoff_doubles_with_jitter() {
        let base = Duration::from_millis(100);
        for attempt in 1..=4 {
            let wait = backoff(base, attempt);
            let full = base * (1 << (attempt - 1));
            assert!(
                wait >= full / 2 && wait <= full,
                "attempt {attempt}: {wait:?}"
            );
        }
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
    }
}
