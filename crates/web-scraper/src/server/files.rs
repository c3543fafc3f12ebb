//! The site's files: the bundled ones, or a folder's, with their types.

use super::generated::Generated;
use super::options::Root;
use super::state::{ServerState, not_found, redirect};
use crate::site;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use std::path::{Component, Path};

/// A file of the site being served, or a 404.
pub(super) async fn file(state: &ServerState, path: &str) -> Response {
    match &state.options.root {
        Root::Bundled => bundled_file(path),
        Root::Dir(dir) => disk_file(dir, path).await,
        Root::Generated(site) => generated_file(site, path),
    }
}

/// A page of a generated site, or a 404: there is no `robots.txt` (a 404
/// allows everything), so a server's count of status 200 is its pages.
fn generated_file(site: &Generated, path: &str) -> Response {
    match site.page_at(path) {
        Some(page) => file_response("page.html", Body::from(page)),
        None => not_found(),
    }
}

fn bundled_file(path: &str) -> Response {
    // The site's one redirect: an old address for the guide.
    if path == "/old/start.html" {
        return redirect(StatusCode::MOVED_PERMANENTLY, "/guide/index.html");
    }
    let path = if path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_string()
    };
    match site::FILES.iter().find(|(name, _)| *name == path) {
        Some((name, contents)) => file_response(name, Body::from(*contents)),
        None => not_found(),
    }
}

async fn disk_file(dir: &Path, path: &str) -> Response {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let relative = Path::new(decoded.trim_start_matches('/'));
    // Only plain names: no `..`, no absolute paths, nothing outside `dir`.
    if !relative
        .components()
        .all(|component| matches!(component, Component::Normal(_)))
    {
        return not_found();
    }
    let mut full = dir.join(relative);
    if tokio::fs::metadata(&full)
        .await
        .is_ok_and(|metadata| metadata.is_dir())
    {
        if !path.ends_with('/') {
            return redirect(StatusCode::MOVED_PERMANENTLY, &format!("{path}/"));
        }
        full.push("index.html");
    }
    match tokio::fs::read(&full).await {
        Ok(contents) => file_response(&full.to_string_lossy(), Body::from(contents)),
        Err(_) => not_found(),
    }
}

fn file_response(name: &str, body: Body) -> Response {
    let mut response = Response::new(body);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(name)),
    );
    response
}

/// The content type for a file name, by its extension. HTML carries no
/// charset, so that the page's own `<meta charset>` decides.
pub fn content_type(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map_or("", |(_, extension)| extension);
    match extension.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "js" => "text/javascript",
        "json" => "application/json",
        "txt" | "md" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}
