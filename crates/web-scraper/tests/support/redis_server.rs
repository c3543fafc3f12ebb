//! A real `redis-server` on 127.0.0.1 and a free port, with its data in a
//! folder of its own, stopped and removed when dropped.
//!
//! When no `redis-server` can be found, [`RedisServer::start`] returns why,
//! for the test runner to report the test as ignored with that reason, and
//! leaves a marker file, `redis-tests-skipped`, in the target's tmp folder:
//! CI fails when it finds one, so a skip never passes there.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use web_scraper::server::LocalRedis;

/// The program to start: `$REDIS_SERVER`, or `redis-server` on the PATH.
fn program() -> String {
    std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".into())
}

/// The marker a skipped test leaves for CI to find.
pub fn skip_marker() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("redis-tests-skipped")
}

/// The library's [`LocalRedis`] in a folder of this test's own under the
/// target's tmp folder, removed when dropped; with the skip above, and a
/// client to look inside.
pub struct RedisServer {
    server: LocalRedis,
    dir: PathBuf,
}

impl RedisServer {
    /// A new server, or why there is none: no `redis-server` to start.
    pub fn start(test: &str) -> Result<Self, String> {
        if let Err(error) = Command::new(program())
            .arg("--version")
            .stdout(Stdio::null())
            .status()
        {
            let why = format!(
                "cannot run {} ({error}); install Redis (Debian: apt-get install redis-server) or set REDIS_SERVER",
                program()
            );
            // Appended in one write, so that every skipped test is listed.
            let _ = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(skip_marker())
                .and_then(|mut marker| {
                    marker.write_all(format!("skipped {test}: {why}\n").as_bytes())
                });
            return Err(why);
        }
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "redis-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("creating the Redis data folder");
        let server = LocalRedis::start(program(), &dir).expect("starting redis-server");
        Ok(Self { server, dir })
    }

    /// Starts the server again (after [`RedisServer::kill`]), on the same
    /// port, with the data it had written.
    pub fn restart(&mut self) {
        self.server.restart().expect("restarting redis-server");
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// Kills the server with SIGKILL and reaps it.
    pub fn kill(&mut self) {
        self.server.kill();
    }

    /// Stops the server with SIGSTOP: alive, its connections open, and
    /// answering nothing until [`RedisServer::resume`].
    #[cfg(unix)]
    pub fn pause(&self) {
        self.signal(libc::SIGSTOP);
    }

    /// Lets a paused server go on (SIGCONT).
    #[cfg(unix)]
    pub fn resume(&self) {
        self.signal(libc::SIGCONT);
    }

    #[cfg(unix)]
    fn signal(&self, signal: i32) {
        let pid = self.server.pid().expect("the server is running");
        let pid = i32::try_from(pid).expect("a pid");
        // SAFETY: kill only sends a signal, to a child the server started
        // and has not reaped, so the pid is still ours.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    }

    /// A client connection, for looking inside.
    pub fn client(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .and_then(|client| client.get_connection())
            .expect("connecting to the test's Redis")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.server.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
