//! The tool: `fetch`, `crawl`, `crawl-status` and `serve`, on the
//! library. `main.rs` adds the tour's commands (`seed`, `compare`, `bench`,
//! and the tour itself with no command); a copy made with `cargo xtask new
//! --lib-only` keeps this module as its command line.
//!
//! Exit codes: 0, or 1 when `--fail-on-error` is given and a URL failed,
//! 2 for bad arguments, 130 after Ctrl-C.

pub mod commands;
pub mod output;

use clap::{Args, Subcommand};
use output::Format;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::LazyLock;
use std::time::Duration;
use url::Url;
use web_scraper::client::FetchConfig;
use web_scraper::crawl::CrawlOptions;
use web_scraper::server::{Generated, Root};

/// The tool's commands.
#[derive(Subcommand)]
pub enum Command {
    /// The seed's list mode through the guarded Fetcher: limits, timeouts, retries, typed errors
    Fetch(FetchArgs),
    /// Crawl one site breadth first, following same-origin links
    Crawl(CrawlArgs),
    /// Print the figures of a crawl shared through Redis (see `crawl --frontier`)
    CrawlStatus(StatusArgs),
    /// Serve a folder (or, with no folder, the bundled site) on 127.0.0.1
    Serve(ServeArgs),
}

#[derive(Args)]
pub struct FetchArgs {
    /// The URLs to fetch
    #[arg(required = true, value_parser = parse_url)]
    urls: Vec<Url>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Args)]
pub struct CrawlArgs {
    /// Where to start
    #[arg(value_parser = parse_url)]
    url: Url,
    /// Follow links at most this many steps from the start
    #[arg(long)]
    max_depth: Option<u32>,
    /// Fetch at most this many URLs
    #[arg(long)]
    max_pages: Option<usize>,
    /// Only follow links under this prefix (a URL, or a path on the start's origin)
    #[arg(long)]
    scope: Option<String>,
    /// Fetch what robots.txt disallows
    #[arg(long)]
    ignore_robots: bool,
    #[command(flatten)]
    shared: FrontierArgs,
    #[command(flatten)]
    run: RunArgs,
}

/// Where a shared crawl's frontier is. The flags exist in every build, so
/// that a build without the `redis` feature can say why it cannot use them.
#[derive(Args)]
pub struct FrontierArgs {
    /// Share the crawl through this Redis server (redis://HOST:PORT/DB): every crawler given the same --frontier and --crawl-id works on one crawl
    #[arg(long, value_name = "URL", requires = "crawl_id")]
    frontier: Option<String>,
    /// The shared crawl's name; rerunning with it resumes the crawl
    #[arg(long, value_name = "NAME", requires = "frontier")]
    crawl_id: Option<String>,
    /// Seconds a URL stays leased to a crawler that has stopped renewing it (a dead one), before the others take it over
    #[arg(long, default_value_t = 30.0)]
    lease: f64,
    /// Seconds to wait for Redis to connect, and for any one reply
    #[arg(long, default_value_t = 5.0)]
    redis_timeout: f64,
}

#[derive(Args)]
pub struct StatusArgs {
    #[command(flatten)]
    shared: FrontierArgs,
    /// How to print the figures
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Args)]
pub struct ServeArgs {
    /// The folder to serve; without one, the bundled site
    dir: Option<PathBuf>,
    /// Serve a generated site of this many pages instead, from /p/0.html:
    /// each with a title, about 3 KB of text and ten links
    #[arg(long, conflicts_with = "dir", value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    generated: Option<u64>,
    /// The seed the generated site is made from
    #[arg(long, default_value_t = 1, requires = "generated")]
    seed: u64,
    /// The port on 127.0.0.1; 0 picks a free one
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Delay every response by this many milliseconds
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
}

/// The library's defaults, which the flags below show and start from.
static DEFAULTS: LazyLock<FetchConfig> = LazyLock::new(FetchConfig::default);

/// Options shared by `fetch` and `crawl`.
#[derive(Args)]
pub struct RunArgs {
    /// Requests in flight at once, over all hosts
    #[arg(long, default_value_t = DEFAULTS.concurrency as u32, value_parser = clap::value_parser!(u32).range(1..=4096))]
    concurrency: u32,
    /// Requests in flight at once to one host [default: the same as --concurrency]
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=4096))]
    per_host: Option<u32>,
    /// Wait at least this long between the starts of two requests to one host
    #[arg(long, default_value_t = DEFAULTS.per_host_delay.as_millis() as u64)]
    delay_ms: u64,
    /// How to print results
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Exit with code 1 if any URL failed
    #[arg(long)]
    fail_on_error: bool,
    /// Seconds one request may take, body included (each redirect hop is one request)
    #[arg(long, default_value_t = DEFAULTS.total_timeout.as_secs_f64())]
    timeout: f64,
    /// Seconds to wait for a connection
    #[arg(long, default_value_t = DEFAULTS.connect_timeout.as_secs_f64())]
    connect_timeout: f64,
    /// Seconds to wait for any one read of a response
    #[arg(long, default_value_t = DEFAULTS.read_timeout.as_secs_f64())]
    read_timeout: f64,
    /// Attempts after the first, for timeouts, connect errors, 408, 429 and 5xx
    #[arg(long, default_value_t = DEFAULTS.retries)]
    retries: u32,
    /// Largest body to read, in bytes; larger ones fail as "too large"
    #[arg(long, default_value_t = DEFAULTS.max_body)]
    max_body: u64,
    /// Redirects to follow before failing as "too many redirects"
    #[arg(long, default_value_t = DEFAULTS.max_redirects)]
    max_redirects: usize,
    /// Also trust the CA certificates in this PEM file (repeatable); the system's roots stay trusted
    #[cfg(feature = "tls")]
    #[arg(long = "ca-cert", value_name = "FILE")]
    ca_certs: Vec<PathBuf>,
}

impl RunArgs {
    pub fn config(&self) -> Result<FetchConfig, String> {
        let seconds = |name: &str, value: f64| {
            Duration::try_from_secs_f64(value)
                .ok()
                .filter(|duration| !duration.is_zero())
                .ok_or_else(|| format!("--{name} must be a positive number of seconds"))
        };
        Ok(FetchConfig {
            concurrency: self.concurrency as usize,
            per_host: self.per_host.unwrap_or(self.concurrency) as usize,
            per_host_delay: Duration::from_millis(self.delay_ms),
            connect_timeout: seconds("connect-timeout", self.connect_timeout)?,
            read_timeout: seconds("read-timeout", self.read_timeout)?,
            total_timeout: seconds("timeout", self.timeout)?,
            retries: self.retries,
            max_body: self.max_body,
            max_redirects: self.max_redirects,
            #[cfg(feature = "tls")]
            extra_roots: self
                .ca_certs
                .iter()
                .map(|path| read_certificates(path))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .flatten()
                .collect(),
            ..FetchConfig::default()
        })
    }
}

/// Every certificate in a PEM file, or why there is none.
#[cfg(feature = "tls")]
fn read_certificates(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, String> {
    let bytes =
        std::fs::read(path).map_err(|error| format!("--ca-cert {}: {error}", path.display()))?;
    let certificates = reqwest::Certificate::from_pem_bundle(&bytes)
        .map_err(|error| format!("--ca-cert {}: {error}", path.display()))?;
    if certificates.is_empty() {
        return Err(format!(
            "--ca-cert {}: no PEM certificate in it",
            path.display()
        ));
    }
    Ok(certificates)
}

pub fn parse_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|error| format!("{error}"))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(format!(
            "only http and https URLs can be fetched, not {other}:"
        )),
    }
}

/// Runs `work` on a multi-threaded tokio runtime and turns its outcome
/// into the exit code: 2 for bad input, 1 for a failure.
pub fn block_on(work: impl Future<Output = Result<ExitCode, Failure>>) -> ExitCode {
    tune_allocator();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("Error: cannot start the tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(work);
    // Fetch and parse tasks are all finished or aborted by now; do not wait
    // for idle blocking-pool threads to time out.
    runtime.shutdown_timeout(Duration::from_secs(1));
    match outcome {
        Ok(code) => code,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Run(error)) => {
            eprintln!("Error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// glibc's malloc raises its mmap threshold each time a large block is
/// freed, after which multi-megabyte bodies come from the per-thread heaps
/// and stay there, so a crawl's peak memory keeps the largest bodies it
/// has seen. A fixed threshold sends every block over it to mmap and back
/// to the system when freed. A low one (the old default, 128 KiB) costs a
/// page fault per page of every mid-sized body, which a crawl of many
/// pages between 128 KiB and 1 MiB feels; at 1 MiB only the few largest
/// pages go to mmap. BENCHMARKS.md's history has the measurements behind
/// this choice.
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes malloc's tuning; it is called before
    // any other thread exists, and a rejected value is merely ignored.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}

pub enum Failure {
    /// Bad arguments that clap could not catch: exit code 2.
    Usage(String),
    Run(anyhow::Error),
}

impl Failure {
    /// A shared crawl's failure: bad input exits 2, the rest 1.
    fn from_frontier(error: anyhow::Error) -> Self {
        #[cfg(feature = "redis")]
        if let Some(error) = error.downcast_ref::<web_scraper::frontier::FrontierError>()
            && error.is_usage()
        {
            return Failure::Usage(error.to_string());
        }
        Failure::Run(error)
    }
}

impl FrontierArgs {
    /// The frontier's settings, checked; without the `redis` feature, why
    /// there can be none.
    #[cfg(feature = "redis")]
    fn config(&self) -> Result<web_scraper::frontier::FrontierConfig, Failure> {
        use web_scraper::frontier::{self, FrontierConfig};
        let (Some(url), Some(crawl_id)) = (&self.frontier, &self.crawl_id) else {
            return Err(Failure::Usage(
                "give both --frontier redis://HOST:PORT/DB and --crawl-id NAME".into(),
            ));
        };
        let seconds = |name: &str, value: f64| {
            Duration::try_from_secs_f64(value)
                .ok()
                .filter(|duration| *duration >= Duration::from_millis(10))
                .ok_or_else(|| Failure::Usage(format!("--{name} must be at least 0.01 seconds")))
        };
        let usage = |error: frontier::FrontierError| Failure::Usage(error.to_string());
        frontier::check_url(url).map_err(usage)?;
        frontier::check_crawl_id(crawl_id).map_err(usage)?;
        Ok(FrontierConfig {
            lease: seconds("lease", self.lease)?,
            timeout: seconds("redis-timeout", self.redis_timeout)?,
            ..FrontierConfig::new(url, crawl_id)
        })
    }

    #[cfg(not(feature = "redis"))]
    fn config(&self) -> Result<std::convert::Infallible, Failure> {
        Err(Failure::Usage(
            "this web-scraper was built without the `redis` feature, so it cannot share a crawl \
             through --frontier; build it with `--features redis`"
                .into(),
        ))
    }
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Failure::Run(error)
    }
}

/// Runs one command.
pub async fn run(command: Command) -> Result<ExitCode, Failure> {
    match command {
        Command::Fetch(args) => {
            let config = args.run.config().map_err(Failure::Usage)?;
            let outcome = commands::fetch(args.urls, config, args.run.format).await?;
            Ok(commands::exit_code(&outcome, args.run.fail_on_error))
        }
        Command::Crawl(args) => {
            let config = args.run.config().map_err(Failure::Usage)?;
            let options = CrawlOptions {
                max_depth: args.max_depth,
                max_pages: args.max_pages,
                scope: args.scope,
                ignore_robots: args.ignore_robots,
                ..CrawlOptions::default()
            };
            let outcome = match args.shared.frontier.is_some() {
                false => commands::crawl(args.url, &options, config, args.run.format).await?,
                true => {
                    let frontier = args.shared.config()?;
                    commands::crawl_shared(args.url, &options, config, frontier, args.run.format)
                        .await
                        .map_err(Failure::from_frontier)?
                }
            };
            Ok(commands::exit_code(&outcome, args.run.fail_on_error))
        }
        Command::CrawlStatus(args) => {
            let frontier = args.shared.config()?;
            commands::crawl_status(frontier, args.format)
                .await
                .map_err(Failure::from_frontier)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => {
            let root = match (args.dir, args.generated) {
                (Some(dir), _) => Root::Dir(dir),
                (None, Some(pages)) => Root::Generated(Generated {
                    pages,
                    seed: args.seed,
                }),
                (None, None) => Root::Bundled,
            };
            commands::serve(root, args.port, Duration::from_millis(args.latency_ms)).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
