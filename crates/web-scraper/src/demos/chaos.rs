//! `chaos`: a shared crawl under sustained faults. Crawler processes
//! share a Redis frontier over a generated site; every `--kill-every-ms`
//! or so a random one is SIGKILLed and a new one started, and once, a
//! third of the way in, Redis itself is SIGKILLed and restarted from its
//! append-only file. Crawlers that lose Redis exit 1 and are started
//! again. It passes only if the union of every crawler's records holds
//! every page, and the pages fetched twice stay within what the dead
//! crawlers could have held.
//!
//! It owns everything it starts: Redis (on a free port, its files in a
//! scratch folder), the site (in this process), and the crawlers (this
//! binary's `crawl`, each writing its records to a file of its own, as a
//! real deployment would), and leaves none of them behind.

use anyhow::{Context, Result, bail, ensure};
use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use web_scraper::server::{Generated, LocalRedis, Root, ServeOptions, SiteServer};

#[derive(clap::Args, Clone)]
pub struct ChaosArgs {
    /// Pages of the generated site
    #[arg(long, default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(10..=10_000_000))]
    pub pages: u64,
    /// Crawler processes at any time
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=32))]
    pub crawlers: u64,
    /// SIGKILL a random crawler about this often, in ms (each gap is drawn
    /// between half and one and a half times this), and start a new one
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    pub kill_every_ms: u64,
    /// Seconds a dead crawler's URLs stay leased before the others take
    /// them over
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub lease: u64,
    /// Requests in flight per crawler
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub concurrency: u64,
    /// Milliseconds the site waits before each response
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    pub latency_ms: u64,
    /// The same crawl with no kills at all, for its speed
    #[arg(long)]
    pub calm: bool,
    /// The redis-server to start (default: $REDIS_SERVER, or redis-server
    /// on the PATH)
    #[arg(long, value_name = "PATH")]
    pub redis_server: Option<PathBuf>,
    /// Seed of the kill schedule (default: from the clock; printed)
    #[arg(long)]
    pub seed: Option<u64>,
}

/// What a chaos run did, and what it found.
#[derive(Debug)]
pub struct ChaosRun {
    pub pages: u64,
    /// Pages of the site with a record in some crawler's output.
    pub recorded: u64,
    /// Requests for pages the site answered, repeats included.
    pub fetches: u64,
    /// Of those, the repeats.
    pub repeated: u64,
    /// Crawlers SIGKILLed.
    pub kills: u64,
    /// Crawlers that exited 1, having lost Redis.
    pub lost_redis: u64,
    /// Times Redis was SIGKILLed and restarted.
    pub redis_kills: u64,
    /// The most pages one crawler can hold leased.
    pub hold: u64,
    pub elapsed_s: f64,
    pub seed: u64,
}

impl ChaosRun {
    /// Every crawler death (a kill, or losing Redis) can repeat at most
    /// what that crawler held.
    pub fn bound(&self) -> u64 {
        (self.kills + self.lost_redis) * self.hold
    }

    pub fn recall_pct(&self) -> f64 {
        100.0 * self.recorded as f64 / self.pages as f64
    }

    pub fn pages_per_s(&self) -> f64 {
        self.pages as f64 / self.elapsed_s
    }

    /// Whether nothing was lost and the repeats stayed in bound.
    pub fn held(&self) -> bool {
        self.recorded == self.pages && self.repeated <= self.bound()
    }

    pub fn line(&self) -> String {
        let deaths = self.kills + self.lost_redis;
        format!(
            "pages {}, recorded {} (recall {:.2}%), crawlers killed {}, lost Redis {}, \
             Redis killed {}, fetches {}, repeated {} ({:.1} per crawler death, at most {} each), \
             {:.1} pages/s, seed {}",
            self.pages,
            self.recorded,
            self.recall_pct(),
            self.kills,
            self.lost_redis,
            self.redis_kills,
            self.fetches,
            self.repeated,
            self.repeated as f64 / deaths.max(1) as f64,
            self.hold,
            self.pages_per_s(),
            self.seed,
        )
    }
}

/// `chaos`: runs it, prints its line, and fails unless it held.
pub async fn chaos(args: &ChaosArgs) -> Result<()> {
    let run = run(args).await?;
    println!("{}", run.line());
    ensure!(
        run.recorded == run.pages,
        "{} of {} pages have no record",
        run.pages - run.recorded,
        run.pages
    );
    ensure!(
        run.held(),
        "{} pages were fetched again, over the bound of {}",
        run.repeated,
        run.bound()
    );
    Ok(())
}

/// A run of the chaos, or of the same crawl calm.
pub async fn run(args: &ChaosArgs) -> Result<ChaosRun> {
    let scratch = Scratch::new()?;
    let program = args.redis_server.clone().unwrap_or_else(|| {
        std::env::var_os("REDIS_SERVER").map_or_else(|| "redis-server".into(), PathBuf::from)
    });
    // Its own redis-server, with an append-only file, so that a SIGKILL of
    // Redis loses at most a tail of the crawl's history.
    let mut redis = LocalRedis::start(&program, scratch.path())
        .context("the chaos needs a redis-server of its own (or --redis-server PATH)")?;
    let options = ServeOptions {
        root: Root::Generated(Generated {
            pages: args.pages,
            seed: 1,
        }),
        ..ServeOptions::bundled()
    }
    .with_latency(Duration::from_millis(args.latency_ms));
    let site = SiteServer::start(options, 0).await?;
    let seed = args.seed.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |now| now.as_nanos() as u64)
    });
    let mut random = seed;
    let mut crawlers = Crawlers {
        binary: std::env::current_exe().context("finding this binary")?,
        args: vec![
            "crawl".into(),
            site.url().join("p/0.html")?.to_string(),
            "--frontier".into(),
            redis.url(),
            "--crawl-id".into(),
            "chaos".into(),
            "--lease".into(),
            args.lease.to_string(),
            "--concurrency".into(),
            args.concurrency.to_string(),
            "--per-host".into(),
            args.concurrency.to_string(),
            "--format".into(),
            "jsonl".into(),
        ],
        dir: scratch.path().to_path_buf(),
        started: 0,
        slots: Vec::new(),
    };
    let began = Instant::now();
    for _ in 0..args.crawlers {
        let child = crawlers.spawn()?;
        crawlers.slots.push(child);
    }
    let (mut kills, mut lost_redis, mut redis_kills) = (0, 0, 0);
    let gap = |random: &mut u64| {
        let spread = next(random) % (args.kill_every_ms + 1);
        Duration::from_millis(args.kill_every_ms / 2 + spread)
    };
    let mut next_kill = Instant::now() + gap(&mut random);
    // When to look at the site's count again, for the moment to kill
    // Redis: counting is a pass over every page served.
    let mut next_count = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(3600);
    loop {
        tokio::time::sleep(Duration::from_millis(10)).await;
        ensure!(
            Instant::now() < deadline,
            "the chaos crawl took over an hour"
        );
        let over = crawlers.poll(&mut lost_redis)?;
        if crawlers.slots.iter().all(|slot| matches!(slot, Slot::Over)) {
            break;
        }
        if args.calm || over {
            continue;
        }
        if redis_kills == 0 && Instant::now() >= next_count {
            next_count = Instant::now() + Duration::from_millis(200);
            if fetched(&site) >= args.pages / 3 {
                redis.kill();
                redis_kills += 1;
                tokio::time::sleep(Duration::from_millis(300)).await;
                redis.restart().context("restarting redis-server")?;
            }
        }
        if Instant::now() >= next_kill {
            let running: Vec<usize> = (0..crawlers.slots.len())
                .filter(|&n| matches!(crawlers.slots[n], Slot::Running(..)))
                .collect();
            if !running.is_empty() {
                let pick = running[(next(&mut random) % running.len() as u64) as usize];
                if let Slot::Running(child, _) = &mut crawlers.slots[pick] {
                    let _ = child.kill();
                    let _ = child.wait();
                    kills += 1;
                }
                crawlers.slots[pick] = crawlers.spawn()?;
            }
            next_kill = Instant::now() + gap(&mut random);
        }
    }
    let elapsed_s = began.elapsed().as_secs_f64();
    redis.kill();
    let recorded = recorded_pages(scratch.path(), crawlers.started)?;
    let hits = site.hits();
    let pages: Vec<u32> = hits
        .iter()
        .filter(|(path, _)| path.starts_with("/p/"))
        .map(|(_, hits)| *hits)
        .collect();
    let fetches: u64 = pages.iter().map(|&hits| u64::from(hits)).sum();
    site.stop().await;
    // What one crawler can hold leased (see `frontier/streams/`): in
    // flight, plus pages written and not yet acknowledged, together at
    // most the window and a batch; read ahead, at most the window and
    // three batches. The window is the requests allowed in flight plus
    // one parse per core; a batch, half the window.
    let cores = std::thread::available_parallelism().map_or(1, usize::from) as u64;
    let window = args.concurrency + cores;
    let batch = (window / 2).max(1);
    Ok(ChaosRun {
        pages: args.pages,
        recorded,
        fetches,
        repeated: fetches - pages.len() as u64,
        kills,
        lost_redis,
        redis_kills,
        hold: 2 * window + 4 * batch,
        elapsed_s,
        seed,
    })
}

/// One splitmix64 step: the kill schedule, reproducible from its seed.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Pages the site has served so far, each counted once.
fn fetched(site: &SiteServer) -> u64 {
    site.hits()
        .keys()
        .filter(|path| path.starts_with("/p/"))
        .count() as u64
}

/// The site's pages with a record in any crawler's output. A record cut
/// short by a kill is not one (its page was not acknowledged).
fn recorded_pages(dir: &Path, crawlers: usize) -> Result<u64> {
    let mut urls = HashSet::new();
    for n in 0..crawlers {
        let text = std::fs::read_to_string(dir.join(format!("crawler-{n}.jsonl")))?;
        for line in text.lines() {
            let Ok(record) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            if let Some(url) = record["url"].as_str()
                && record["status"] == 200
                && url.contains("/p/")
            {
                urls.insert(url.to_string());
            }
        }
    }
    Ok(urls.len() as u64)
}

/// The crawler processes, each in a slot that is refilled when its
/// crawler dies, until the crawl is over.
struct Crawlers {
    binary: PathBuf,
    args: Vec<String>,
    dir: PathBuf,
    /// Crawlers started so far: the next one's number.
    started: usize,
    slots: Vec<Slot>,
}

enum Slot {
    /// A crawler, and its number (its files' names).
    Running(Child, usize),
    /// Lost Redis: started again once Redis answers.
    Waiting(Instant),
    /// Exited 0: the crawl is over.
    Over,
}

impl Crawlers {
    /// A new crawler, in a slot of its own.
    fn spawn(&mut self) -> Result<Slot> {
        let n = self.started;
        self.started += 1;
        let stdout = File::create(self.dir.join(format!("crawler-{n}.jsonl")))?;
        let stderr = File::create(self.dir.join(format!("crawler-{n}.err")))?;
        let child = Command::new(&self.binary)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .context("starting a crawler")?;
        Ok(Slot::Running(child, n))
    }

    /// Reaps the crawlers that exited, and starts again those that lost
    /// Redis. Whether the crawl is over: a crawler exited 0.
    fn poll(&mut self, lost_redis: &mut u64) -> Result<bool> {
        let mut over = false;
        for n in 0..self.slots.len() {
            match &mut self.slots[n] {
                Slot::Running(child, number) => match child.try_wait()? {
                    None => {}
                    Some(status) if status.success() => {
                        self.slots[n] = Slot::Over;
                        over = true;
                    }
                    Some(status) if status.code() == Some(1) => {
                        *lost_redis += 1;
                        self.slots[n] = Slot::Waiting(Instant::now() + Duration::from_millis(100));
                    }
                    Some(status) => {
                        let log =
                            std::fs::read_to_string(self.dir.join(format!("crawler-{number}.err")))
                                .unwrap_or_default();
                        bail!("a crawler exited with {status}: {log}");
                    }
                },
                Slot::Waiting(at) if Instant::now() >= *at => {
                    self.slots[n] = self.spawn()?;
                }
                Slot::Waiting(_) | Slot::Over => over |= matches!(self.slots[n], Slot::Over),
            }
        }
        Ok(over)
    }
}

impl Drop for Crawlers {
    fn drop(&mut self) {
        for slot in &mut self.slots {
            if let Slot::Running(child, _) = slot {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// A folder of this run's own, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Self> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |now| now.subsec_nanos());
        let path =
            std::env::temp_dir().join(format!("web-scraper-chaos-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(Self(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
