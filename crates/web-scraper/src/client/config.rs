//! Everything that shapes how requests are made, with its defaults.

use std::time::Duration;

/// The user agent: this crate's name and version.
pub const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// The product token robots.txt groups are matched against.
pub const ROBOTS_AGENT: &str = env!("CARGO_PKG_NAME");

/// The most of a robots.txt that is read: RFC 9309 §2.5 asks for at least
/// 500 KiB. A longer file is cut at its last line end before this.
pub const ROBOTS_PARSE_LIMIT: usize = 500 * 1024;

/// Redirects followed for robots.txt, at the least, whatever
/// [`FetchConfig::max_redirects`] says (RFC 9309 §2.3.1.2).
pub const ROBOTS_MIN_REDIRECTS: usize = 5;

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
    /// Bodies larger than this fail with
    /// [`FetchError::TooLarge`](super::FetchError::TooLarge).
    pub max_body: u64,
    /// How many redirects `fetch` follows before failing.
    pub max_redirects: usize,
    /// Certificates to trust as roots besides the system's own
    /// (`--ca-cert`), such as a private or a test certificate authority.
    #[cfg(feature = "tls")]
    pub extra_roots: Vec<reqwest::Certificate>,
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
            #[cfg(feature = "tls")]
            extra_roots: Vec::new(),
        }
    }
}
