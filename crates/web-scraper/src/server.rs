//! The embedded web server: serves the bundled site or any folder on
//! 127.0.0.1, adds an optional delay to every request, and has fault routes
//! under `/_fault/` that misbehave on purpose, for the tests and the demos.
//!
//! | route | what it does |
//! |---|---|
//! | `/_fault/status/{code}` | answers with that status |
//! | `/_fault/flaky/{key}?fail=N&status=S&retry-after=R` | fails N times per key with status S (500), then succeeds |
//! | `/_fault/slow-head/{ms}` | waits before sending the headers |
//! | `/_fault/slow-body/{ms}` | sends the headers, then one chunk every `ms` |
//! | `/_fault/huge/{mib}` | streams that many MiB of HTML, with no length up front |
//! | `/_fault/redirect/{n}` | a chain of n redirects that ends at `/index.html` |
//! | `/_fault/loop` | redirects back and forth forever |
//! | `/_fault/robots-hop/{n}` | n more redirects, then `/robots.txt` ([`ServeOptions::robots_redirects`]) |
//! | `/_fault/reset` | promises a long body, then drops the connection |
//! | `/_fault/malformed` | HTML with unclosed and stray tags |
//! | `/_fault/bad-utf8` | declares UTF-8 but is not |
//! | `/_fault/encoded/{coding}` | the bundled index page, compressed with `gzip`, `deflate`, `br` or `zstd` |
//! | `/_fault/adversarial/{class}` | a 1–5 MB page built to make an HTML parser slow; [`ADVERSARIAL`] lists the classes |
//! | `/_fault/bomb/{mib}` | about 1 KiB of gzip per MiB, that inflates to that many MiB of zeros |
//!
//! `/_hits` is not part of the site: it answers with the server's own count
//! of the requests it has answered so far, as `key=value` lines
//! (`requests=`, then `status_200=` and so on), and is not counted itself.
//! A benchmark reads it before and after another crawler's run, to count
//! that crawler's pages without trusting what the crawler says.

use crate::site;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::net::TcpListener;
#[cfg(feature = "tls")]
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
#[cfg(feature = "tls")]
use tokio::task::JoinSet;
#[cfg(feature = "tls")]
use tokio_rustls::TlsAcceptor;
#[cfg(feature = "tls")]
use tokio_rustls::server::TlsStream;
use url::Url;

/// What the server serves.
#[derive(Debug, Clone)]
pub enum Root {
    /// The site under `site/`, embedded in the binary.
    Bundled,
    /// Any folder on disk.
    Dir(PathBuf),
}

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// What to serve.
    pub root: Root,
    /// Added before every response, to stand in for a distant server.
    pub latency: Duration,
    /// Answer `/robots.txt` with this status instead of the file (tests).
    pub robots_status: Option<StatusCode>,
    /// Reach `/robots.txt` through this many redirects (tests).
    pub robots_redirects: u32,
    /// Serve https with this certificate and key, rather than http.
    #[cfg(feature = "tls")]
    pub tls: Option<TlsIdentity>,
}

/// A certificate chain and its private key, both PEM, for serving https.
#[cfg(feature = "tls")]
#[derive(Clone)]
pub struct TlsIdentity {
    /// The server's certificate first, then any intermediates.
    pub cert_chain_pem: String,
    /// The private key of the first certificate.
    pub key_pem: String,
}

#[cfg(feature = "tls")]
impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        formatter.write_str("TlsIdentity { .. }")
    }
}

#[cfg(feature = "tls")]
impl TlsIdentity {
    /// A rustls server configuration, with ring as its crypto provider.
    fn server_config(&self) -> std::io::Result<rustls::ServerConfig> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let invalid = |what: &str, error: &dyn std::fmt::Display| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{what}: {error}"))
        };
        let chain = CertificateDer::pem_slice_iter(self.cert_chain_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| invalid("the certificate chain", &error))?;
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes())
            .map_err(|error| invalid("the private key", &error))?;
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|error| invalid("TLS versions", &error))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|error| invalid("the certificate", &error))
    }
}

impl ServeOptions {
    /// The bundled site with no delay.
    pub fn bundled() -> Self {
        Self {
            root: Root::Bundled,
            latency: Duration::ZERO,
            robots_status: None,
            robots_redirects: 0,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }

    /// Serves https with `identity`, rather than http.
    #[cfg(feature = "tls")]
    pub fn with_tls(mut self, identity: TlsIdentity) -> Self {
        self.tls = Some(identity);
        self
    }

    /// Waits this long before each response, as a slow server would.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }
}

/// A running server. Dropping it stops it.
pub struct SiteServer {
    addr: SocketAddr,
    state: Arc<ServerState>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl SiteServer {
    /// Binds 127.0.0.1:`port` (0 picks a free port) and starts serving on
    /// the current tokio runtime.
    pub async fn start(options: ServeOptions, port: u16) -> std::io::Result<Self> {
        if let Root::Dir(dir) = &options.root
            && !dir.is_dir()
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{} is not a folder", dir.display()),
            ));
        }
        #[cfg(feature = "tls")]
        let tls = match &options.tls {
            Some(identity) => Some(TlsAcceptor::from(Arc::new(identity.server_config()?))),
            None => None,
        };
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(ServerState {
            options,
            flaky: Mutex::new(HashMap::new()),
            hits: Mutex::new(HashMap::new()),
            statuses: Mutex::new(HashMap::new()),
        });
        let app = Router::new().fallback(handle).with_state(state.clone());
        let (shutdown, stopped) = oneshot::channel::<()>();
        let stopped = async {
            let _ = stopped.await;
        };
        let task = tokio::spawn(async move {
            // Responses go out at once, not held back by Nagle's algorithm.
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            #[cfg(feature = "tls")]
            if let Some(acceptor) = tls {
                let listener = TlsListener {
                    tcp: listener,
                    acceptor,
                    handshakes: JoinSet::new(),
                };
                return axum::serve(listener, app)
                    .with_graceful_shutdown(stopped)
                    .await;
            }
            axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await
        });
        Ok(Self {
            addr,
            state,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    /// How many requests each path (with its query) has had so far.
    pub fn hits(&self) -> HashMap<String, u32> {
        lock(&self.state.hits).clone()
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The site's root, `http://127.0.0.1:PORT/` (or `https://`).
    pub fn url(&self) -> Url {
        #[cfg(feature = "tls")]
        let tls = self.state.options.tls.is_some();
        #[cfg(not(feature = "tls"))]
        let tls = false;
        let scheme = if tls { "https" } else { "http" };
        Url::parse(&format!("{scheme}://{}/", self.addr))
            .expect("a socket address makes a valid URL")
    }

    /// Stops accepting, lets requests in flight finish (up to a second),
    /// and waits for the server task.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(mut task) = self.task.take() {
            // Graceful shutdown waits for open connections; a client that
            // keeps one idle must not hold us up.
            if tokio::time::timeout(Duration::from_secs(1), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }

    /// Serves until `stop` resolves (e.g. on Ctrl-C), then stops.
    pub async fn run_until(self, stop: impl std::future::Future<Output = ()>) {
        stop.await;
        self.stop().await;
    }
}

impl Drop for SiteServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// How long a client may take over its TLS handshake.
#[cfg(feature = "tls")]
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(10);

/// Accepts TCP connections and hands axum those whose TLS handshake
/// succeeded. Handshakes run side by side, each with a time limit, so a
/// client that connects and stays silent holds up nobody else.
#[cfg(feature = "tls")]
struct TlsListener<L> {
    tcp: L,
    acceptor: TlsAcceptor,
    handshakes: JoinSet<Option<(TlsStream<TcpStream>, SocketAddr)>>,
}

#[cfg(feature = "tls")]
impl<L> axum::serve::Listener for TlsListener<L>
where
    L: axum::serve::Listener<Io = TcpStream, Addr = SocketAddr>,
{
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            tokio::select! {
                (tcp, addr) = self.tcp.accept() => {
                    let acceptor = self.acceptor.clone();
                    self.handshakes.spawn(async move {
                        let handshake = acceptor.accept(tcp);
                        match tokio::time::timeout(HANDSHAKE_LIMIT, handshake).await {
                            Ok(Ok(stream)) => Some((stream, addr)),
                            // A failed or stalled handshake ends that
                            // connection only.
                            _ => None,
                        }
                    });
                }
                Some(done) = self.handshakes.join_next() => {
                    if let Ok(Some(accepted)) = done {
                        return accepted;
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

struct ServerState {
    options: ServeOptions,
    /// How many times each flaky key has been asked for.
    flaky: Mutex<HashMap<String, u32>>,
    /// Requests per path and query, for tests.
    hits: Mutex<HashMap<String, u32>>,
    /// Responses per status code, for `/_hits`.
    statuses: Mutex<HashMap<u16, u64>>,
}

/// Locks a mutex; the maps behind these stay usable after a panic.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn handle(State(state): State<Arc<ServerState>>, request: Request) -> Response {
    if request.uri().path() == "/_hits" {
        return hits_report(&state);
    }
    let response = route(&state, request).await;
    *lock(&state.statuses)
        .entry(response.status().as_u16())
        .or_insert(0) += 1;
    response
}

/// The `/_hits` answer: every response so far, in all and by status.
fn hits_report(state: &ServerState) -> Response {
    let statuses = lock(&state.statuses);
    let mut codes: Vec<_> = statuses.iter().collect();
    codes.sort();
    let mut report = format!("requests={}\n", statuses.values().sum::<u64>());
    for (code, count) in codes {
        report.push_str(&format!("status_{code}={count}\n"));
    }
    report.into_response()
}

async fn route(state: &Arc<ServerState>, request: Request) -> Response {
    let target = request
        .uri()
        .path_and_query()
        .map_or_else(|| request.uri().path().to_string(), ToString::to_string);
    *lock(&state.hits).entry(target).or_insert(0) += 1;
    if !state.options.latency.is_zero() {
        sleep_precisely(state.options.latency).await;
    }
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or("").to_string();
    if let Some(fault) = path.strip_prefix("/_fault/") {
        return fault_route(state, fault, &query).await;
    }
    if path == "/robots.txt"
        && let Some(status) = state.options.robots_status
    {
        return (status, "robots.txt is unavailable\n").into_response();
    }
    if path == "/robots.txt" && state.options.robots_redirects > 0 {
        let hops = state.options.robots_redirects - 1;
        return redirect(StatusCode::FOUND, &format!("/_fault/robots-hop/{hops}"));
    }
    file(state, &path).await
}

/// A file of the site being served, or a 404.
async fn file(state: &ServerState, path: &str) -> Response {
    match &state.options.root {
        Root::Bundled => bundled_file(path),
        Root::Dir(dir) => disk_file(dir, path).await,
    }
}

/// Sleeps for `duration`, give or take a tenth of a millisecond. tokio's
/// timer works in whole milliseconds and wakes up to 2 ms late, which would
/// make "50 ms of latency" 52; the last few milliseconds are slept by a
/// blocking-pool thread instead, to the microsecond.
async fn sleep_precisely(duration: Duration) {
    const COARSE_MARGIN: Duration = Duration::from_millis(3);
    let deadline = std::time::Instant::now() + duration;
    if duration > COARSE_MARGIN {
        tokio::time::sleep(duration - COARSE_MARGIN).await;
    }
    let rest = deadline.saturating_duration_since(std::time::Instant::now());
    if !rest.is_zero() {
        let _ = tokio::task::spawn_blocking(move || std::thread::sleep(rest)).await;
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

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

fn redirect(status: StatusCode, location: &str) -> Response {
    let mut response = status.into_response();
    if let Ok(location) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

fn html(status: StatusCode, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// One `key=value` from a query string, or the default.
fn query_number(query: &str, key: &str, default: u64) -> u64 {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| *name == key)
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(default)
}

async fn fault_route(state: &ServerState, fault: &str, query: &str) -> Response {
    let (name, argument) = fault.split_once('/').unwrap_or((fault, ""));
    let number = argument.parse::<u64>().ok();
    match (name, number) {
        ("status", Some(code)) => match u16::try_from(code)
            .ok()
            .and_then(|code| StatusCode::from_u16(code).ok())
        {
            Some(status) => html(status, format!("<p>status {code}</p>")),
            None => not_found(),
        },
        ("flaky", _) if !argument.is_empty() => flaky(state, argument, query),
        ("slow-head", Some(ms)) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            html(StatusCode::OK, "<title>Slow head</title><p>finally</p>")
        }
        ("slow-body", Some(ms)) => {
            let chunks = futures_util::stream::unfold(0u32, move |sent| async move {
                if sent == 10 {
                    return None;
                }
                if sent > 0 {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                }
                Some((
                    Ok::<_, std::io::Error>(Bytes::from_static(b"<p>a slow chunk</p>\n")),
                    sent + 1,
                ))
            });
            html(StatusCode::OK, Body::from_stream(chunks))
        }
        ("huge", Some(mib)) => {
            const CHUNK: usize = 64 * 1024;
            let chunk = Bytes::from("<p>huge</p>".repeat(CHUNK / 11 + 1)).slice(..CHUNK);
            let total = mib.saturating_mul(16);
            let chunks = futures_util::stream::unfold(0u64, move |sent| {
                let chunk = chunk.clone();
                async move { (sent < total).then(|| (Ok::<_, std::io::Error>(chunk), sent + 1)) }
            });
            html(StatusCode::OK, Body::from_stream(chunks))
        }
        ("robots-hop", Some(0)) => file(state, "/robots.txt").await,
        ("robots-hop", Some(n)) => {
            redirect(StatusCode::FOUND, &format!("/_fault/robots-hop/{}", n - 1))
        }
        ("redirect", Some(0)) => redirect(StatusCode::FOUND, "/index.html"),
        ("redirect", Some(n)) => {
            redirect(StatusCode::FOUND, &format!("/_fault/redirect/{}", n - 1))
        }
        ("loop", _) if query.is_empty() => redirect(StatusCode::FOUND, "/_fault/loop?again"),
        ("loop", _) => redirect(StatusCode::FOUND, "/_fault/loop"),
        ("reset", _) => {
            // A body that promises 100 kB, sends a little, then fails:
            // hyper drops the connection mid-response.
            let chunks = futures_util::stream::iter([
                Ok(Bytes::from_static(b"<p>the start of a page")),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "dropping the connection on purpose",
                )),
            ]);
            let mut response = html(StatusCode::OK, Body::from_stream(chunks));
            response
                .headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from_static("100000"));
            response
        }
        ("malformed", _) => html(
            StatusCode::OK,
            "<html><head><title>Malformed</title><body><p>An unclosed paragraph\
             <div><a href=\"/guide/index.html\">a link</b></i> inside stray tags\
             <table><tr><td>cell<a href='/rust/index.html'>another",
        ),
        ("encoded", _) => match encode(argument, index_page()) {
            Some(body) => {
                let mut response = html(StatusCode::OK, body);
                if let Ok(coding) = HeaderValue::from_str(argument) {
                    response
                        .headers_mut()
                        .insert(header::CONTENT_ENCODING, coding);
                }
                response
            }
            None => not_found(),
        },
        ("adversarial", _) => match adversarial_page(argument) {
            Some(page) => html(StatusCode::OK, page),
            None => not_found(),
        },
        ("bomb", Some(mib)) => {
            let mut response = html(StatusCode::OK, gzip_bomb(mib));
            response
                .headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            response
        }
        ("bad-utf8", _) => html(
            StatusCode::OK,
            &b"<title>Bad bytes</title><p>caf\xe9 is not UTF-8</p>"[..],
        ),
        _ => not_found(),
    }
}

/// The classes of [`adversarial_page`], each a way to make an HTML parser
/// slow: deep nesting, formatting elements left open, unclosed links,
/// nested tables, many and duplicate attributes, a huge `<select>`, a huge
/// text node, very many links, and a mix of them all.
pub const ADVERSARIAL: [&str; 11] = [
    "deep-divs",
    "open-formatting",
    "unclosed-links",
    "nested-tables",
    "many-attributes",
    "duplicate-attributes",
    "huge-select",
    "huge-text",
    "many-links",
    "deep-lists",
    "mix",
];

/// A page of the adversarial class `class` (see [`ADVERSARIAL`]), 1–5 MB,
/// built on the spot so that none is stored.
pub fn adversarial_page(class: &str) -> Option<String> {
    let head = "<!DOCTYPE html><html><head><title>Adversarial</title></head><body>";
    let body = match class {
        "deep-divs" => "<div>".repeat(200_000),
        "open-formatting" => "<b><i><u>x".repeat(100_000),
        "unclosed-links" => "<a href=/x>".repeat(200_000),
        "nested-tables" => "<table><tr><td>".repeat(100_000),
        "many-attributes" => {
            let attributes: String = (0..200_000).map(|i| format!(" a{i}")).collect();
            format!("<div{attributes}>")
        }
        "duplicate-attributes" => format!("<div{}>", " a=1".repeat(500_000)),
        "huge-select" => format!("<select>{}</select>", "<option>x".repeat(300_000)),
        "huge-text" => format!("<p>{}</p>", "x".repeat(5_000_000)),
        "many-links" => (0..150_000)
            .map(|i| format!("<a href=/p{i}>l</a>"))
            .collect(),
        "deep-lists" => "<ul><li>".repeat(150_000),
        "mix" => ADVERSARIAL
            .iter()
            .filter(|&&other| other != "mix")
            .map(|other| {
                let page = adversarial_page(other).unwrap_or_default();
                let body = &page[head.len()..];
                // A tenth of each, cut at a tag.
                let cut = body[..body.len() / 10].rfind('<').unwrap_or(0);
                body[..cut].to_string()
            })
            .collect(),
        _ => return None,
    };
    Some(format!("{head}{body}</body></html>"))
}

/// The bundled site's `/index.html`.
fn index_page() -> &'static [u8] {
    site::FILES
        .iter()
        .find(|(name, _)| *name == "/index.html")
        .map_or(&b""[..], |(_, bytes)| *bytes)
}

/// `bytes` compressed with the HTTP content coding `coding`.
fn encode(coding: &str, bytes: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let level = flate2::Compression::default();
    match coding {
        "gzip" => {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), level);
            encoder.write_all(bytes).ok()?;
            encoder.finish().ok()
        }
        // HTTP's `deflate` is the zlib format, not raw deflate.
        "deflate" => {
            let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), level);
            encoder.write_all(bytes).ok()?;
            encoder.finish().ok()
        }
        "br" => {
            let mut out = Vec::new();
            let mut encoder = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
            encoder.write_all(bytes).ok()?;
            drop(encoder);
            Some(out)
        }
        #[cfg(feature = "zstd")]
        "zstd" => zstd::encode_all(bytes, 3).ok(),
        _ => None,
    }
}

/// A gzip stream of `mib` MiB of zeros, about 1 KiB of it per MiB: a
/// decompression bomb. It is one compressed MiB sent over and over. That
/// works because the MiB ends in a sync flush, which leaves the deflate
/// stream on a byte boundary with no final block, so copies of it simply
/// continue the stream. The trailer's CRC and length are the real ones.
fn gzip_bomb(mib: u64) -> Body {
    const MIB: usize = 1 << 20;
    static PARTS: OnceLock<(Bytes, flate2::Crc)> = OnceLock::new();
    let (chunk, chunk_crc) = PARTS.get_or_init(|| {
        let zeros = vec![0u8; MIB];
        let mut compress = flate2::Compress::new(flate2::Compression::best(), false);
        let mut out = Vec::with_capacity(64 * 1024);
        let status = compress.compress_vec(&zeros, &mut out, flate2::FlushCompress::Sync);
        assert!(
            status.is_ok() && compress.total_in() == MIB as u64,
            "one MiB of zeros compresses into 64 KiB"
        );
        let mut crc = flate2::Crc::new();
        crc.update(&zeros);
        (Bytes::from(out), crc)
    });
    // Past 1 TiB the CRC is no longer worth computing: nobody reads that far.
    let copies = mib.min(1 << 20);
    let mut crc = flate2::Crc::new();
    for _ in 0..copies {
        crc.combine(chunk_crc);
    }
    // A fixed-Huffman final block with no data, then CRC-32 and ISIZE.
    let mut trailer = vec![0x03, 0x00];
    trailer.extend_from_slice(&crc.sum().to_le_bytes());
    trailer.extend_from_slice(&(crc.amount()).to_le_bytes());
    let header = Bytes::from_static(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    let chunk = chunk.clone();
    let body = futures_util::stream::iter(std::iter::once(header))
        .chain(futures_util::stream::iter(
            (0..copies).map(move |_| chunk.clone()),
        ))
        .chain(futures_util::stream::iter(std::iter::once(Bytes::from(
            trailer,
        ))))
        .map(Ok::<_, std::io::Error>);
    Body::from_stream(body)
}

/// Fails `fail` times per key, then answers 200.
fn flaky(state: &ServerState, key: &str, query: &str) -> Response {
    let fail = query_number(query, "fail", 1);
    let status = StatusCode::from_u16(query_number(query, "status", 500) as u16)
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let seen = {
        let mut flaky = lock(&state.flaky);
        let count = flaky.entry(key.to_string()).or_insert(0);
        *count += 1;
        *count
    };
    if u64::from(seen) <= fail {
        let mut response = html(status, format!("<p>failure {seen} of {fail}</p>"));
        if query.contains("retry-after=") {
            let seconds = query_number(query, "retry-after", 0).to_string();
            if let Ok(value) = HeaderValue::from_str(&seconds) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        return response;
    }
    html(
        StatusCode::OK,
        format!("<title>Flaky</title><p>succeeded after {fail} failures</p>"),
    )
}
