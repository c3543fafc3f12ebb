//! What every part of the server shares: its state, and the small
//! responses.

use super::options::ServeOptions;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Mutex;

pub(super) struct ServerState {
    pub(super) options: ServeOptions,
    /// How many times each flaky key has been asked for.
    pub(super) flaky: Mutex<HashMap<String, u32>>,
    /// Requests per path and query, for tests.
    pub(super) hits: Mutex<HashMap<String, u32>>,
    /// Responses per status code, for `/_hits`.
    pub(super) statuses: Mutex<HashMap<u16, u64>>,
}

/// Locks a mutex; the maps behind these stay usable after a panic.
pub(super) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(super) fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

pub(super) fn redirect(status: StatusCode, location: &str) -> Response {
    let mut response = status.into_response();
    if let Ok(location) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

pub(super) fn html(status: StatusCode, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}
