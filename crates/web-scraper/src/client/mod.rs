//! Fetching one URL well: one shared `reqwest::Client`, limits on how many
//! requests run at once (overall and per host), an optional delay between
//! requests to one host, timeouts, retries with backoff, a body-size cap, a
//! content-type check and charset decoding. Every failure is a typed
//! [`FetchError`]; nothing here panics or hangs on a bad server.
//!
//! - [`config`]: the settings and their defaults;
//! - [`error`]: the error type;
//! - [`fetcher`]: the fetcher, its retries, and one attempt's steps;
//! - [`charset`]: decoding a body to text.

pub mod charset;
pub mod config;
pub mod error;
pub mod fetcher;

pub use charset::decode;
pub use config::{FetchConfig, ROBOTS_AGENT, ROBOTS_MIN_REDIRECTS, ROBOTS_PARSE_LIMIT, USER_AGENT};
pub use error::FetchError;
pub use fetcher::{Body, Fetch, Fetcher};
