//! One crawl shared by several crawler processes through a real Redis
//! server: the union of their records is the one-process crawl's, each page
//! is fetched once, and no URL is lost when a crawler or Redis dies.
//!
//! Each test starts its own `redis-server` on 127.0.0.1 and a free port
//! (see `support/redis_server.rs`). Without one, each test is reported as
//! ignored, with the reason, in the test runner's own summary rather than
//! as a pass: this file has its own harness (`harness = false` in
//! Cargo.toml, libtest-mimic), since the built-in one cannot decide at run
//! time that a test is ignored.

#[cfg(all(unix, feature = "redis"))]
mod support;

/// A test that needs a Redis server: it is given a fresh one of its own.
#[cfg(all(unix, feature = "redis"))]
type RedisTest = fn(support::redis_server::RedisServer);

/// The tests, by name.
#[cfg(all(unix, feature = "redis"))]
const TESTS: &[(&str, RedisTest)] = &[
    (
        "three_crawlers_share_one_crawl_and_fetch_each_page_once",
        shared_crawl::three_crawlers_share_one_crawl_and_fetch_each_page_once,
    ),
    (
        "a_record_is_written_while_its_page_is_still_leased",
        shared_crawl::a_record_is_written_while_its_page_is_still_leased,
    ),
    (
        "a_crawler_killed_mid_crawl_loses_no_url",
        shared_crawl::a_crawler_killed_mid_crawl_loses_no_url,
    ),
    (
        "redis_killed_mid_crawl_stops_every_crawler_and_a_rerun_completes",
        shared_crawl::redis_killed_mid_crawl_stops_every_crawler_and_a_rerun_completes,
    ),
    (
        "redis_paused_mid_crawl_stops_every_crawler_and_a_rerun_completes",
        shared_crawl::redis_paused_mid_crawl_stops_every_crawler_and_a_rerun_completes,
    ),
    #[cfg(target_os = "linux")]
    (
        "a_crawler_with_a_slow_reader_keeps_its_leases",
        shared_crawl::a_crawler_with_a_slow_reader_keeps_its_leases,
    ),
    (
        "max_pages_holds_for_the_whole_crawl",
        shared_crawl::max_pages_holds_for_the_whole_crawl,
    ),
    (
        "ctrl_c_hands_the_crawlers_leases_back_at_once",
        shared_crawl::ctrl_c_hands_the_crawlers_leases_back_at_once,
    ),
    (
        "bad_frontier_arguments_exit_with_code_2",
        shared_crawl::bad_frontier_arguments_exit_with_code_2,
    ),
];

fn main() -> std::process::ExitCode {
    let args = libtest_mimic::Arguments::from_args();
    #[cfg(all(unix, feature = "redis"))]
    let trials = TESTS
        .iter()
        .map(|&(name, test)| {
            libtest_mimic::Trial::ignorable_test(name, move || {
                match support::redis_server::RedisServer::start(name) {
                    Ok(redis) => {
                        test(redis);
                        Ok(libtest_mimic::Completion::Completed)
                    }
                    Err(reason) => Ok(libtest_mimic::Completion::ignored_with(reason)),
                }
            })
        })
        .chain(std::iter::once(libtest_mimic::Trial::test(
            "an_unreachable_redis_fails_fast_with_exit_code_1",
            || {
                shared_crawl::an_unreachable_redis_fails_fast_with_exit_code_1();
                Ok(())
            },
        )))
        .collect();
    // Without Unix processes or the redis feature there is nothing to test.
    #[cfg(not(all(unix, feature = "redis")))]
    let trials = Vec::new();
    libtest_mimic::run(&args, trials).exit_code()
}

#[cfg(all(unix, feature = "redis"))]
mod shared_crawl {

    use super::support::redis_server::RedisServer;
    use serde_json::Value;
    use std::collections::{BTreeSet, HashMap, HashSet};
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Child, Command, ExitStatus, Stdio};
    use std::sync::{Arc, Mutex};
    use std::thread::JoinHandle;
    use std::time::{Duration, Instant};
    use web_scraper::server::{ServeOptions, SiteServer};

    const BINARY: &str = env!("CARGO_BIN_EXE_web-scraper");

    /// The bundled site, slowed so that a crawl lasts long enough to share and
    /// to interrupt, on a runtime of its own.
    struct Site {
        server: SiteServer,
        _runtime: tokio::runtime::Runtime,
    }

    impl Site {
        fn start(latency_ms: u64) -> Self {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            let options = ServeOptions::bundled().with_latency(Duration::from_millis(latency_ms));
            let server = runtime.block_on(SiteServer::start(options, 0)).unwrap();
            Self {
                server,
                _runtime: runtime,
            }
        }

        fn start_url(&self) -> String {
            self.server.url().join("index.html").unwrap().to_string()
        }

        fn hits(&self) -> HashMap<String, u32> {
            self.server.hits()
        }
    }

    /// What a record says happened to a URL: the fields every run must agree
    /// on, whoever fetched it.
    type Outcome = (String, Option<u64>, Option<String>, u64, Option<String>);

    fn outcome(record: &Value) -> Outcome {
        (
            record["url"].as_str().unwrap().to_string(),
            record["status"].as_u64(),
            record["error_kind"].as_str().map(String::from),
            record["depth"].as_u64().unwrap(),
            record["title"].as_str().map(String::from),
        )
    }

    /// A crawler process, its stdout read line by line as it comes.
    struct Crawler {
        child: Child,
        lines: Arc<Mutex<Vec<String>>>,
        reader: Option<JoinHandle<()>>,
    }

    impl Crawler {
        fn spawn<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Self {
            Self::spawn_read_after(args, Duration::ZERO)
        }

        /// A crawler whose records nobody reads for `pause`. On Linux its
        /// stdout pipe is cut to one page, so that a few records fill it
        /// and the crawler's writes block.
        fn spawn_read_after<S: AsRef<std::ffi::OsStr>>(args: &[S], pause: Duration) -> Self {
            let mut child = Command::new(BINARY)
                .args(args)
                .args(["--format", "jsonl"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("starting a crawler");
            let lines = Arc::new(Mutex::new(Vec::new()));
            let stdout = child.stdout.take().unwrap();
            #[cfg(target_os = "linux")]
            if !pause.is_zero() {
                use std::os::fd::AsRawFd;
                // SAFETY: F_SETPIPE_SZ resizes the pipe behind a descriptor
                // this test owns; it touches no memory of ours.
                let size = unsafe { libc::fcntl(stdout.as_raw_fd(), libc::F_SETPIPE_SZ, 4096) };
                assert!(size >= 4096, "resizing the pipe");
            }
            let sink = lines.clone();
            let reader = std::thread::spawn(move || {
                std::thread::sleep(pause);
                for line in BufReader::with_capacity(256, stdout).lines() {
                    sink.lock().unwrap().push(line.unwrap());
                }
            });
            Self {
                child,
                lines,
                reader: Some(reader),
            }
        }

        /// A crawler of the shared crawl `id` on `redis`.
        fn shared(site: &Site, redis: &RedisServer, id: &str, extra: &[&str]) -> Self {
            let mut args = vec![
                "crawl".to_string(),
                site.start_url(),
                "--frontier".into(),
                redis.url(),
                "--crawl-id".into(),
                id.into(),
            ];
            args.extend(extra.iter().map(|arg| arg.to_string()));
            Self::spawn(&args)
        }

        /// Its first line on stderr, read as soon as it is written.
        fn first_stderr_line(&mut self) -> String {
            let mut line = String::new();
            BufReader::new(self.child.stderr.as_mut().unwrap())
                .read_line(&mut line)
                .unwrap();
            line
        }

        /// How many records it has written so far.
        fn records_so_far(&self) -> usize {
            self.lines.lock().unwrap().len()
        }

        fn pid(&self) -> i32 {
            self.child.id() as i32
        }

        fn signal(&self, signal: i32) {
            // SAFETY: kill only sends a signal, to a child this test started and
            // has not yet reaped, so the pid is still ours.
            assert_eq!(unsafe { libc::kill(self.pid(), signal) }, 0);
        }

        /// Waits for it to exit: its status, records (summary left out) and stderr.
        fn finish(mut self) -> (ExitStatus, Vec<Value>, String) {
            let deadline = Instant::now() + Duration::from_secs(120);
            let status = loop {
                if let Some(status) = self.child.try_wait().unwrap() {
                    break status;
                }
                assert!(Instant::now() < deadline, "a crawler never finished");
                std::thread::sleep(Duration::from_millis(20));
            };
            self.reader.take().unwrap().join().unwrap();
            let mut stderr = String::new();
            self.child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            let records = self
                .lines
                .lock()
                .unwrap()
                .iter()
                .map(|line| serde_json::from_str::<Value>(line).unwrap())
                .filter(|record| record.get("summary").is_none())
                .collect();
            (status, records, stderr)
        }
    }

    impl Drop for Crawler {
        fn drop(&mut self) {
            if let Ok(None) = self.child.try_wait() {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
    }

    /// Waits until `ready` holds, failing after a generous bound.
    fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !ready() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The one-process crawl of `site`: its outcomes.
    fn single_crawl(site: &Site, extra: &[&str]) -> BTreeSet<Outcome> {
        let start = site.start_url();
        let mut args = vec!["crawl", start.as_str()];
        args.extend_from_slice(extra);
        let (status, records, stderr) = Crawler::spawn(&args).finish();
        assert!(status.success(), "{stderr}");
        records.iter().map(outcome).collect()
    }

    fn union(runs: &[Vec<Value>]) -> BTreeSet<Outcome> {
        runs.iter().flatten().map(outcome).collect()
    }

    /// Requests per path since `before`, robots.txt left out: each crawler
    /// fetches it for its rules, and the crawl once more as a page it links to.
    fn fetched_since(site: &Site, before: &HashMap<String, u32>) -> HashMap<String, u32> {
        site.hits()
            .into_iter()
            .filter(|(path, _)| path != "/robots.txt")
            .map(|(path, hits)| {
                let earlier = before.get(&path).copied().unwrap_or(0);
                (path, hits - earlier)
            })
            .filter(|(_, hits)| *hits > 0)
            .collect()
    }

    /// Three crawlers of crawl `id`, once they have written five records
    /// between them: a crawl well under way.
    fn three_under_way(site: &Site, redis: &RedisServer, id: &str, flags: &[&str]) -> Vec<Crawler> {
        let crawlers: Vec<Crawler> = (0..3)
            .map(|_| Crawler::shared(site, redis, id, flags))
            .collect();
        wait_for("five records", || {
            crawlers.iter().map(Crawler::records_so_far).sum::<usize>() >= 5
        });
        crawlers
    }

    /// Waits for crawlers that lost Redis: each exits 1, saying so and how
    /// to resume. Their records.
    fn lost_redis(crawlers: Vec<Crawler>) -> Vec<Vec<Value>> {
        let mut runs = Vec::new();
        for crawler in crawlers {
            let (status, records, stderr) = crawler.finish();
            assert_eq!(status.code(), Some(1), "{stderr}");
            assert!(stderr.contains("lost Redis at"), "{stderr}");
            assert!(
                stderr.contains("rerun with the same --crawl-id"),
                "{stderr}"
            );
            runs.push(records);
        }
        runs
    }

    /// Two crawlers that resume crawl `id` and finish it. Their records.
    fn rerun(site: &Site, redis: &RedisServer, id: &str, flags: &[&str]) -> Vec<Vec<Value>> {
        let crawlers: Vec<Crawler> = (0..2)
            .map(|_| Crawler::shared(site, redis, id, flags))
            .collect();
        let mut runs = Vec::new();
        for crawler in crawlers {
            let (status, records, stderr) = crawler.finish();
            assert!(status.success(), "{stderr}");
            runs.push(records);
        }
        runs
    }

    /// The crawler's name from its first line on stderr.
    fn consumer_of(stderr_first_line: &str) -> String {
        stderr_first_line
            .strip_prefix("crawler ")
            .and_then(|rest| rest.split(' ').next())
            .expect("the crawler names itself")
            .to_string()
    }

    /// The URLs leased to `consumer`, over every level of crawl `id`.
    fn leased_to(redis: &RedisServer, id: &str, consumer: &str) -> HashSet<String> {
        leased(&mut redis.client(), id, Some(consumer))
    }

    /// The URLs leased to `consumer`, or to anyone, over every level of
    /// crawl `id`.
    fn leased(
        connection: &mut redis::Connection,
        id: &str,
        consumer: Option<&str>,
    ) -> HashSet<String> {
        let mut urls = HashSet::new();
        for depth in 0..10 {
            let key = format!("web-scraper:{{{id}}}:queue:{depth}");
            let exists: bool = redis::cmd("EXISTS").arg(&key).query(connection).unwrap();
            if !exists {
                continue;
            }
            let pending: Vec<(String, String, u64, u64)> = redis::cmd("XPENDING")
                .arg(&key)
                .arg("crawlers")
                .arg("-")
                .arg("+")
                .arg(1000)
                .arg(consumer)
                .query(connection)
                .unwrap();
            for (entry, ..) in pending {
                let found: Vec<(String, HashMap<String, String>)> = redis::cmd("XRANGE")
                    .arg(&key)
                    .arg(&entry)
                    .arg(&entry)
                    .query(connection)
                    .unwrap();
                urls.extend(found.into_iter().map(|(_, fields)| fields["url"].clone()));
            }
        }
        urls
    }

    fn path_of(url: &str) -> String {
        url::Url::parse(url).unwrap().path().to_string()
    }

    pub(super) fn three_crawlers_share_one_crawl_and_fetch_each_page_once(redis: RedisServer) {
        let site = Site::start(100);
        let expected = single_crawl(&site, &[]);
        let before = site.hits();
        let flags = ["--concurrency", "1"];
        let crawlers: Vec<Crawler> = (0..3)
            .map(|_| Crawler::shared(&site, &redis, "three", &flags))
            .collect();
        let mut runs = Vec::new();
        for crawler in crawlers {
            let (status, records, stderr) = crawler.finish();
            assert!(status.success(), "{stderr}");
            runs.push(records);
        }
        assert_eq!(union(&runs), expected);
        assert_eq!(
            runs.iter().map(Vec::len).sum::<usize>(),
            expected.len(),
            "a URL was reported twice"
        );
        assert!(
            runs.iter().filter(|records| !records.is_empty()).count() >= 2,
            "the work was not shared: {:?}",
            runs.iter().map(Vec::len).collect::<Vec<_>>()
        );
        let fetched = fetched_since(&site, &before);
        assert!(
            fetched.values().all(|&hits| hits == 1),
            "fetched more than once: {fetched:?}"
        );
        let pages: HashSet<String> = expected
            .iter()
            .filter(|outcome| outcome.2.as_deref() != Some("robots-disallowed"))
            .map(|outcome| path_of(&outcome.0))
            .filter(|path| path != "/robots.txt")
            .collect();
        assert_eq!(fetched.keys().cloned().collect::<HashSet<_>>(), pages);
        assert_eq!(site.hits()["/robots.txt"] - before["/robots.txt"], 3 + 1);

        // The crawl's figures, in Redis.
        let status = Command::new(BINARY)
            .args([
                "crawl-status",
                "--frontier",
                &redis.url(),
                "--crawl-id",
                "three",
            ])
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert!(status.status.success());
        let status: Value = serde_json::from_slice(&status.stdout).unwrap();
        assert_eq!(status["finished"], true);
        assert_eq!(status["ok"], 34);
        assert_eq!(status["failed"], 5);
        assert_eq!(status["robots_skipped"], 1);
        assert_eq!(status["queued"], 0);
        assert_eq!(status["leased"], 0);
        assert_eq!(status["crawlers"].as_array().unwrap().len(), 3);

        // A finished crawl id says so, and fetches nothing.
        let again = Crawler::shared(&site, &redis, "three", &[]);
        let before = site.hits();
        let (code, records, stderr) = again.finish();
        assert!(code.success(), "{stderr}");
        assert!(stderr.contains("had already finished"), "{stderr}");
        assert!(records.is_empty());
        assert!(fetched_since(&site, &before).is_empty());
    }

    /// The order every guarantee rests on: a page's record is written while
    /// the page is still leased, so a crawler killed at any instant leaves
    /// each page either written or leased (and so fetched again). Here the
    /// crawler is this test's own, through the library, and each record
    /// it is handed is checked against Redis as it comes.
    pub(super) fn a_record_is_written_while_its_page_is_still_leased(redis: RedisServer) {
        use web_scraper::client::{FetchConfig, Fetcher};
        use web_scraper::crawl::{CrawlOptions, Scraper};
        use web_scraper::frontier::{FrontierConfig, RedisFrontier};
        let site = Site::start(0);
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let mut connection = redis.client();
        let mut records = 0;
        let shared = runtime.block_on(async {
            let config = FrontierConfig::new(redis.url(), "order");
            let frontier = RedisFrontier::connect(config).await.unwrap();
            let scraper = Scraper::new(Fetcher::new(FetchConfig::default()).unwrap());
            let start = url::Url::parse(&site.start_url()).unwrap();
            let stop = std::future::pending();
            frontier
                .crawl(&scraper, start, &CrawlOptions::default(), stop, |page| {
                    records += 1;
                    let leased = leased(&mut connection, "order", None);
                    assert!(
                        leased.contains(&page.url),
                        "{} was written after it was acknowledged",
                        page.url
                    );
                })
                .await
                .unwrap()
        });
        assert!(!shared.summary.interrupted);
        assert_eq!(records, 40, "the bundled site has 40 records");
        assert!(leased(&mut redis.client(), "order", None).is_empty());
    }

    pub(super) fn a_crawler_killed_mid_crawl_loses_no_url(redis: RedisServer) {
        let site = Site::start(150);
        let expected = single_crawl(&site, &[]);
        let before = site.hits();
        let flags = ["--concurrency", "1", "--lease", "2"];
        let mut victim = Crawler::shared(&site, &redis, "killed", &flags);
        let others: Vec<Crawler> = (0..2)
            .map(|_| Crawler::shared(&site, &redis, "killed", &flags))
            .collect();
        wait_for("the victim's third record", || victim.records_so_far() >= 3);
        // Frozen first, so that what it holds can be read before its leases
        // run out; then killed as it stands.
        victim.signal(libc::SIGSTOP);
        let consumer = consumer_of(&victim.first_stderr_line());
        let held = leased_to(&redis, "killed", &consumer);
        victim.signal(libc::SIGKILL);
        let (_, victim_records, _) = victim.finish();
        let mut runs = vec![victim_records];
        for crawler in others {
            let (status, records, stderr) = crawler.finish();
            assert!(status.success(), "{stderr}");
            runs.push(records);
        }
        assert_eq!(union(&runs), expected);
        let held_paths: HashSet<String> = held.iter().map(|url| path_of(url)).collect();
        for (path, hits) in fetched_since(&site, &before) {
            assert!(
                hits == 1 || (hits == 2 && held_paths.contains(&path)),
                "{path} fetched {hits} times; the victim held {held_paths:?}"
            );
        }
    }

    pub(super) fn redis_killed_mid_crawl_stops_every_crawler_and_a_rerun_completes(
        mut redis: RedisServer,
    ) {
        let site = Site::start(150);
        let expected = single_crawl(&site, &[]);
        let before = site.hits();
        let flags = ["--concurrency", "1", "--lease", "1", "--redis-timeout", "2"];
        let crawlers = three_under_way(&site, &redis, "outage", &flags);
        redis.kill();
        let mut runs = lost_redis(crawlers);
        assert!(
            union(&runs).len() < expected.len(),
            "the crawl ended before Redis did"
        );

        redis.restart();
        runs.extend(rerun(&site, &redis, "outage", &flags));
        assert_eq!(union(&runs), expected);
        // Only what was in flight when Redis died is fetched again.
        let fetched = fetched_since(&site, &before);
        assert!(fetched.values().all(|&hits| hits <= 2), "{fetched:?}");
        // A crawler holds at most its window: the requests in flight (1 here)
        // plus one per core.
        let window = 1 + std::thread::available_parallelism().map_or(1, usize::from);
        assert!(
            fetched.values().filter(|&&hits| hits == 2).count() <= 3 * window,
            "more pages fetched twice than three crawlers can hold: {fetched:?}"
        );
    }

    /// Redis alive but answering nothing (SIGSTOP): every crawler gives up
    /// within its --redis-timeout, with the advice to rerun, and a rerun
    /// once Redis goes on (SIGCONT) completes the crawl.
    pub(super) fn redis_paused_mid_crawl_stops_every_crawler_and_a_rerun_completes(
        redis: RedisServer,
    ) {
        let site = Site::start(150);
        let expected = single_crawl(&site, &[]);
        let flags = ["--concurrency", "1", "--lease", "1", "--redis-timeout", "1"];
        let crawlers = three_under_way(&site, &redis, "paused", &flags);
        redis.pause();
        let paused = Instant::now();
        let mut runs = lost_redis(crawlers);
        // The timeout is 1 s; this bound only catches a crawler that hangs.
        let took = paused.elapsed();
        eprintln!("every crawler gave up {took:?} after Redis stopped");
        assert!(took < Duration::from_secs(10), "{took:?}");
        assert!(
            union(&runs).len() < expected.len(),
            "the crawl ended before Redis stopped"
        );

        redis.resume();
        runs.extend(rerun(&site, &redis, "paused", &flags));
        assert_eq!(union(&runs), expected);
    }

    /// A crawler whose records are read slowly, its stdout full for three
    /// leases, still holds its leases: the other crawler takes none of its
    /// URLs, every page is fetched once, and no lease is lost.
    #[cfg(target_os = "linux")]
    pub(super) fn a_crawler_with_a_slow_reader_keeps_its_leases(redis: RedisServer) {
        let site = Site::start(50);
        let expected = single_crawl(&site, &[]);
        let before = site.hits();
        let mut args = vec![
            "crawl".to_string(),
            site.start_url(),
            "--frontier".into(),
            redis.url(),
            "--crawl-id".into(),
            "slow-reader".into(),
        ];
        args.extend(["--concurrency", "1", "--lease", "1"].map(String::from));
        let slow = Crawler::spawn_read_after(&args, Duration::from_secs(3));
        let other = Crawler::spawn(&args);
        let mut runs = Vec::new();
        for crawler in [slow, other] {
            let (status, records, stderr) = crawler.finish();
            assert!(status.success(), "{stderr}");
            assert!(!stderr.contains("took longer than --lease"), "{stderr}");
            runs.push(records);
        }
        assert_eq!(union(&runs), expected);
        let fetched = fetched_since(&site, &before);
        assert!(fetched.values().all(|&hits| hits == 1), "{fetched:?}");
    }

    pub(super) fn max_pages_holds_for_the_whole_crawl(redis: RedisServer) {
        let site = Site::start(20);
        let flags = ["--max-pages", "10", "--concurrency", "2"];
        let crawlers: Vec<Crawler> = (0..3)
            .map(|_| Crawler::shared(&site, &redis, "ten", &flags))
            .collect();
        let mut fetched = Vec::new();
        for crawler in crawlers {
            let (status, records, stderr) = crawler.finish();
            assert!(status.success(), "{stderr}");
            fetched.extend(
                records
                    .into_iter()
                    .filter(|record| record["error_kind"] != "robots-disallowed"),
            );
        }
        let urls: HashSet<&str> = fetched
            .iter()
            .map(|record| record["url"].as_str().unwrap())
            .collect();
        assert_eq!(fetched.len(), 10, "{urls:?}");
        assert_eq!(urls.len(), 10);
    }

    pub(super) fn ctrl_c_hands_the_crawlers_leases_back_at_once(redis: RedisServer) {
        let site = Site::start(150);
        let expected = single_crawl(&site, &[]);
        // A lease far longer than the test may take: only a hand-back lets the
        // other crawler finish.
        let flags = ["--concurrency", "1", "--lease", "600"];
        let stopped = Crawler::shared(&site, &redis, "ctrl-c", &flags);
        wait_for("the first record", || stopped.records_so_far() >= 2);
        let other = Crawler::shared(&site, &redis, "ctrl-c", &flags);
        stopped.signal(libc::SIGINT);
        let (status, first, stderr) = stopped.finish();
        assert_eq!(status.code(), Some(130), "{stderr}");
        assert!(stderr.contains("are back in the queue"), "{stderr}");
        assert!(
            first
                .iter()
                .all(|record| record["error_kind"] != "interrupted"),
            "an interrupted URL is handed back, not reported"
        );
        let (status, second, stderr) = other.finish();
        assert!(status.success(), "{stderr}");
        assert_eq!(union(&[first, second]), expected);
    }

    pub(super) fn an_unreachable_redis_fails_fast_with_exit_code_1() {
        let site = Site::start(0);
        // Nothing listens on a port just freed; something listens but never
        // answers on the other.
        let free = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let silent_port = silent.local_addr().unwrap().port();
        for port in [free, silent_port] {
            let url = format!("redis://127.0.0.1:{port}/0");
            let started = Instant::now();
            let output = Command::new(BINARY)
                .args([
                    "crawl",
                    &site.start_url(),
                    "--frontier",
                    &url,
                    "--crawl-id",
                    "x",
                ])
                .args(["--redis-timeout", "1"])
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(1), "{stderr}");
            assert!(stderr.contains("cannot reach Redis at"), "{stderr}");
            assert!(output.stdout.is_empty());
            assert!(started.elapsed() < Duration::from_secs(20), "it hung");
        }
    }

    pub(super) fn bad_frontier_arguments_exit_with_code_2(redis: RedisServer) {
        let site = Site::start(0);
        let start = site.start_url();
        let url = redis.url();
        let usage = |args: &[&str], expect: &str| {
            let output = Command::new(BINARY).args(args).output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(stderr.contains(expect), "{args:?}: {stderr}");
        };
        usage(&["crawl", &start, "--frontier", &url], "--crawl-id");
        usage(
            &[
                "crawl",
                &start,
                "--frontier",
                "http://x/",
                "--crawl-id",
                "a",
            ],
            "not a Redis URL",
        );
        usage(
            &["crawl", &start, "--frontier", &url, "--crawl-id", "a b"],
            "--crawl-id",
        );
        usage(
            &[
                "crawl",
                &start,
                "--frontier",
                &url,
                "--crawl-id",
                "a",
                "--lease",
                "0",
            ],
            "--lease",
        );
        // One crawl id, two sets of options.
        let (status, _, stderr) = Crawler::shared(&site, &redis, "same", &[]).finish();
        assert!(status.success(), "{stderr}");
        usage(
            &[
                "crawl",
                &start,
                "--frontier",
                &url,
                "--crawl-id",
                "same",
                "--max-depth",
                "1",
            ],
            "was started with other options",
        );
    }
}
