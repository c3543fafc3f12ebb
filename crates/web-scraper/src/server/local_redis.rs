//! A `redis-server` of one's own, for the tests and the demos that share a
//! frontier: on 127.0.0.1 and a free port, with its files in a folder the
//! caller gives, and killed and reaped when dropped.
//!
//! It keeps an append-only file: Redis appends each change to it in order,
//! so a SIGKILL loses at most the last second's writes, and a restart on
//! the same folder loads the rest (the README's "Which Redis settings keep
//! it" says why the crawl survives that).

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a starting server has to load its files and answer.
const START_WITHIN: Duration = Duration::from_secs(30);

/// A running `redis-server` that this process started.
///
/// ```no_run
/// # fn main() -> std::io::Result<()> {
/// use web_scraper::server::LocalRedis;
///
/// let dir = std::env::temp_dir().join("frontier-redis");
/// std::fs::create_dir_all(&dir)?;
/// let mut redis = LocalRedis::start("redis-server", &dir)?;
/// println!("crawl with --frontier {}", redis.url());
/// redis.kill(); // SIGKILL, as a crash would
/// redis.restart()?; // the same port, its data loaded again
/// # Ok(())
/// # }
/// ```
/// (`no_run`: it needs a `redis-server` installed; `tests/frontier.rs` and
/// the `chaos` demo start real ones.)
#[derive(Debug)]
pub struct LocalRedis {
    program: PathBuf,
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl LocalRedis {
    /// Starts `program` (`redis-server`, or a path to one) on a free port,
    /// its files in `dir`, and waits until it answers.
    pub fn start(program: impl Into<PathBuf>, dir: &Path) -> io::Result<Self> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut redis = LocalRedis {
            program: program.into(),
            dir: dir.to_path_buf(),
            port,
            child: None,
        };
        redis.restart()?;
        Ok(redis)
    }

    /// Starts it again after [`kill`](Self::kill), on the same port and
    /// files, and waits until it has loaded them and answers. An error if
    /// it is running, if it cannot start, or if it exits or stays silent
    /// for 30 s instead (the error then holds its log).
    pub fn restart(&mut self) -> io::Result<()> {
        if self.child.is_some() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "the redis-server is running already",
            ));
        }
        let child = Command::new(&self.program)
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .arg("--dir")
            .arg(&self.dir)
            .args(["--appendonly", "yes", "--appendfsync", "everysec"])
            .args(["--save", "", "--logfile", "redis.log"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .map_err(|error| {
                io::Error::new(
                    error.kind(),
                    format!(
                        "starting {}: {error} (Debian: apt-get install redis-server)",
                        self.program.display()
                    ),
                )
            })?;
        self.child = Some(child);
        let deadline = Instant::now() + START_WITHIN;
        while !answers(self.port) {
            if let Some(status) = self
                .child
                .as_mut()
                .map(Child::try_wait)
                .transpose()?
                .flatten()
            {
                self.child = None;
                return Err(io::Error::other(format!(
                    "redis-server exited with {status}:\n{}",
                    self.log()
                )));
            }
            if Instant::now() >= deadline {
                self.kill();
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("redis-server did not answer in 30 s:\n{}", self.log()),
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Its address for a Redis client, database 0.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// The port it listens on, the same across restarts.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its pid while it runs, to signal it (SIGSTOP to make it stall).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// What it has written to its log, for an error.
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("redis.log")).unwrap_or_default()
    }

    /// SIGKILL, and reap. Nothing happens if it is not running.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for LocalRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Whether a server on `port` answers PING, its data loaded (it answers
/// `-LOADING` until then). By hand, in a few lines of the protocol, so that
/// this file needs no Redis client and works without the `redis` feature.
fn answers(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut reply = [0; 16];
    stream.write_all(b"PING\r\n").is_ok()
        && stream
            .read(&mut reply)
            .is_ok_and(|n| reply[..n].starts_with(b"+PONG"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_that_cannot_start_or_exits_at_once_is_an_error_not_a_hang() {
        let dir = std::env::temp_dir();
        let missing = LocalRedis::start("/nonexistent/redis-server", &dir).unwrap_err();
        assert!(
            missing
                .to_string()
                .starts_with("starting /nonexistent/redis-server:"),
            "{missing}"
        );
        #[cfg(unix)]
        {
            let exited = LocalRedis::start("false", &dir).unwrap_err();
            assert!(exited.to_string().contains("exited with"), "{exited}");
        }
    }
}
