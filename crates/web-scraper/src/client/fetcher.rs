//! The [`Fetcher`]: one shared client, limits on how many requests run at
//! once (overall and per host), an optional delay between requests to one
//! host, retries with backoff, and one attempt in three named steps: wait
//! for a turn, follow redirects, read a capped body.

use super::charset::decode;
use super::config::{FetchConfig, ROBOTS_MIN_REDIRECTS, ROBOTS_PARSE_LIMIT, USER_AGENT};
use super::error::{FetchError, classify};
use reqwest::header::{CONTENT_TYPE, HeaderMap, LOCATION, RETRY_AFTER};
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::{Semaphore, SemaphorePermit};
use url::Url;

/// A page's body, decoded.
#[derive(Debug, Clone)]
pub struct Body {
    /// Body bytes, after content decoding: what the body cap counts.
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
    /// not follow redirects itself; [`Fetcher::follow_redirects`] does, so that a
    /// crawl can choose not to.
    client: reqwest::Client,
    config: FetchConfig,
    permits: Semaphore,
    hosts: Mutex<HashMap<String, Arc<Host>>>,
}

impl Fetcher {
    /// A fetcher with one shared client, built from `config`.
    pub fn new(config: FetchConfig) -> Result<Self, reqwest::Error> {
        #[cfg_attr(not(feature = "tls"), allow(unused_mut))]
        let mut builder = reqwest::Client::builder();
        #[cfg(feature = "tls")]
        {
            // reqwest is built without a default TLS crypto provider (it
            // would pull in aws-lc); use ring's. Installing twice is harmless.
            let _ = rustls::crypto::ring::default_provider().install_default();
            for root in &config.extra_roots {
                builder = builder.add_root_certificate(root.clone());
            }
        }
        let client = builder
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
        self.fetch_as(url, Expect::Html, OnRedirect::Follow).await
    }

    /// As [`Fetcher::fetch`], but a redirect is not followed: it ends in
    /// [`FetchError::Redirected`] with its target, for a crawler to queue
    /// like a link, so that the target is fetched once however many
    /// addresses lead to it.
    pub async fn fetch_no_redirects(&self, url: &Url) -> Fetch {
        self.fetch_as(url, Expect::Html, OnRedirect::Return).await
    }

    /// Fetches a robots.txt by RFC 9309's rules: any content type, at least
    /// [`MIN_REDIRECTS`](crate::ROBOTS_MIN_REDIRECTS) redirects followed,
    /// and a body past [`PARSE_LIMIT`](crate::ROBOTS_PARSE_LIMIT) cut at
    /// its last line end before the limit rather than failed.
    pub(crate) async fn fetch_robots(&self, url: &Url) -> Fetch {
        self.fetch_as(url, Expect::Robots, OnRedirect::Follow).await
    }

    async fn fetch_as(&self, url: &Url, expect: Expect, on_redirect: OnRedirect) -> Fetch {
        let started = Instant::now();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let outcome = self.attempt(url, expect, on_redirect).await;
            let mut failed = match outcome {
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
            let cap = self.config.retry_after_cap;
            if let Some(asked) = failed.retry_after.filter(|&asked| asked > cap)
                && failed.error.retryable()
            {
                failed.error = FetchError::WaitTooLong {
                    status: failed.status.unwrap_or(0),
                    asked,
                    cap,
                };
            }
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
            let wait = failed
                .retry_after
                .unwrap_or_else(|| backoff(self.config.backoff, attempts));
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

    /// One request: wait for a turn, follow redirects, then check the
    /// response and read its capped body.
    async fn attempt(
        &self,
        url: &Url,
        expect: Expect,
        on_redirect: OnRedirect,
    ) -> Result<(Url, u16, Body), Failed> {
        let host = self.host(url);
        let _turn = self.wait_for_turn(&host).await;
        let max_redirects = match expect {
            Expect::Html => self.config.max_redirects,
            Expect::Robots => self.config.max_redirects.max(ROBOTS_MIN_REDIRECTS),
        };
        let (final_url, response) = self
            .follow_redirects(url, on_redirect, max_redirects)
            .await?;
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
        let bytes = match expect {
            Expect::Html => self.read_capped_body(response).await,
            Expect::Robots => read_robots_body(response).await,
        }
        .map_err(fail)?;
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

    /// Takes a permit of `host`'s and a global one, then waits out the
    /// host's delay. The request runs while the returned turn is held.
    async fn wait_for_turn<'a>(&'a self, host: &'a Host) -> Turn<'a> {
        // The host's permit first: a slow host must not hold global
        // permits while its own requests queue.
        let host_permit = host.permits.acquire().await.expect("never closed");
        let permit = self.permits.acquire().await.expect("never closed");
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
        Turn {
            _host: host_permit,
            _global: permit,
        }
    }

    /// Sends the request, and one more for each redirect, as `on_redirect`
    /// says. Each hop is one request, with its own timeout. Returns the
    /// last URL and its response, which is not a redirect.
    async fn follow_redirects(
        &self,
        url: &Url,
        on_redirect: OnRedirect,
        max_redirects: usize,
    ) -> Result<(Url, reqwest::Response), Failed> {
        let mut current = url.clone();
        let mut hops = 0;
        loop {
            let response = self
                .client
                .get(current.clone())
                .send()
                .await
                .map_err(|error| Failed::new(classify(&error)))?;
            let target = response
                .status()
                .is_redirection()
                .then(|| response.headers().get(LOCATION))
                .flatten()
                .and_then(|location| location.to_str().ok())
                .and_then(|location| current.join(location).ok());
            let Some(target) = target else {
                return Ok((current, response));
            };
            let stop = match on_redirect {
                OnRedirect::Return => Some(FetchError::Redirected(target.clone())),
                OnRedirect::Follow if hops == max_redirects => {
                    Some(FetchError::TooManyRedirects(max_redirects))
                }
                OnRedirect::Follow => None,
            };
            if let Some(error) = stop {
                return Err(Failed {
                    error,
                    status: Some(response.status().as_u16()),
                    final_url: Some(current),
                    retry_after: None,
                });
            }
            hops += 1;
            current = target;
        }
    }

    /// Reads the body, failing as soon as it passes the cap: reqwest has no
    /// body cap, so the bytes are counted chunk by chunk.
    async fn read_capped_body(
        &self,
        mut response: reqwest::Response,
    ) -> Result<Vec<u8>, FetchError> {
        let limit = self.config.max_body;
        let declared = response.content_length();
        if declared.is_some_and(|length| length > limit) {
            return Err(FetchError::TooLarge { limit });
        }
        let mut bytes = Vec::with_capacity(declared.unwrap_or(0) as usize);
        while let Some(chunk) = response.chunk().await.map_err(|error| classify(&error))? {
            if (bytes.len() + chunk.len()) as u64 > limit {
                return Err(FetchError::TooLarge { limit });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}

/// A request's right to run: a permit of its host's and a global one.
struct Turn<'a> {
    _host: SemaphorePermit<'a>,
    _global: SemaphorePermit<'a>,
}

/// What [`Fetcher::follow_redirects`] does with a redirect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnRedirect {
    /// Follow it, up to the limit.
    Follow,
    /// Stop, and return its target as [`FetchError::Redirected`].
    Return,
}

/// What a fetch is for, which sets its limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A page: HTML only, the configured redirect and body limits.
    Html,
    /// A robots.txt: any text, RFC 9309's limits (see `fetch_robots`).
    Robots,
}

/// Reads a robots.txt body, up to [`ROBOTS_PARSE_LIMIT`] bytes; a longer
/// one is cut at its last line end within the limit, so that no rule is
/// read half and no character is cut in two.
async fn read_robots_body(mut response: reqwest::Response) -> Result<Vec<u8>, FetchError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|error| classify(&error))? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > ROBOTS_PARSE_LIMIT {
            bytes.truncate(ROBOTS_PARSE_LIMIT);
            let end = bytes
                .iter()
                .rposition(|&byte| byte == b'\n' || byte == b'\r')
                .map_or(0, |at| at + 1);
            bytes.truncate(end);
            break;
        }
    }
    Ok(bytes)
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

#[cfg(test)]
mod tests {
    use super::*;

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
