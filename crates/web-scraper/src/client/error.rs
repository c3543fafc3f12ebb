//! Why a URL could not be read: one typed error per kind of failure, each
//! with a stable short name for JSON output.

use reqwest::StatusCode;
use url::Url;

/// Why a URL could not be read. The `Display` text starts with the kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("timeout: {0}")]
    /// Connecting, reading or the whole request took too long.
    Timeout(String),
    #[error("tls: {0}")]
    /// The TLS handshake failed: a certificate that is not trusted, has
    /// expired or names another host. Never retried.
    Tls(String),
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
    #[error(
        "wait too long: status {status}{reason}, and Retry-After asks for {asked:?}, over the {cap:?} cap",
        reason = reason(*status)
    )]
    /// A retryable status whose `Retry-After` asks for a longer wait than
    /// [`retry_after_cap`](super::FetchConfig::retry_after_cap): failing at
    /// once beats waiting the cap and failing anyway.
    WaitTooLong {
        /// The status that asked for the wait.
        status: u16,
        /// The wait the server asked for.
        asked: std::time::Duration,
        /// The longest wait allowed.
        cap: std::time::Duration,
    },
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
    /// Only from
    /// [`Fetcher::fetch_no_redirects`](super::Fetcher::fetch_no_redirects):
    /// not a failure, but no page.
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
            FetchError::Tls(_) => "tls",
            FetchError::Connect(_) => "connect",
            FetchError::Status(_) => "status",
            FetchError::TooLarge { .. } => "too-large",
            FetchError::TooManyRedirects(_) => "too-many-redirects",
            FetchError::WaitTooLong { .. } => "wait-too-long",
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

/// Turns a reqwest error into the kind the user needs to know.
pub(super) fn classify(error: &reqwest::Error) -> FetchError {
    let detail = error_chain(error);
    if is_tls(error) {
        FetchError::Tls(detail)
    } else if error.is_timeout() {
        FetchError::Timeout(detail)
    } else if error.is_connect() {
        FetchError::Connect(detail)
    } else {
        FetchError::Connection(detail)
    }
}

/// Whether a rustls error is among `error`'s causes. An `io::Error`
/// hides the error it wraps from `source()` (and the TLS stack wraps it
/// twice), so each one is unwrapped too.
#[cfg(feature = "tls")]
fn is_tls(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        let mut layer = error;
        loop {
            if layer.is::<rustls::Error>() {
                return true;
            }
            match layer
                .downcast_ref::<std::io::Error>()
                .and_then(std::io::Error::get_ref)
            {
                Some(inner) => layer = inner,
                None => break,
            }
        }
        cause = error.source();
    }
    false
}

/// Without TLS support, no error is a TLS error.
#[cfg(not(feature = "tls"))]
fn is_tls(_: &(dyn std::error::Error + 'static)) -> bool {
    false
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
