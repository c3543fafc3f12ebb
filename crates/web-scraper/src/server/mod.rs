//! The embedded web server: serves the bundled site, any folder, or a
//! generated site of any size ([`Generated`]) on 127.0.0.1, adds an optional delay to every request, and has fault routes
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
//!
//! [`LocalRedis`] starts a real `redis-server` the same way, on 127.0.0.1
//! and a free port, for a shared frontier.

mod faults;
mod files;
mod generated;
mod local_redis;
mod options;
mod state;

pub use faults::{ADVERSARIAL, adversarial_page};
pub use files::content_type;
pub use generated::Generated;
pub use local_redis::LocalRedis;
#[cfg(feature = "tls")]
pub use options::TlsIdentity;
pub use options::{Root, ServeOptions};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt;
use faults::fault_route;
use files::file;
use state::{ServerState, lock, redirect};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
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
