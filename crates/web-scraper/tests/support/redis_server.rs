//! A real `redis-server` on 127.0.0.1 and a free port, with its data in a
//! folder of its own, stopped and removed when dropped.
//!
//! When no `redis-server` can be found, [`RedisServer::start`] returns why,
//! for the test runner to report the test as ignored with that reason, and
//! leaves a marker file, `redis-tests-skipped`, in the target's tmp folder:
//! CI fails when it finds one, so a skip never passes there.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The program to start: `$REDIS_SERVER`, or `redis-server` on the PATH.
fn program() -> String {
    std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".into())
}

/// The marker a skipped test leaves for CI to find.
pub fn skip_marker() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("redis-tests-skipped")
}

pub struct RedisServer {
    child: Option<Child>,
    port: u16,
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
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut server = Self {
            child: None,
            port,
            dir,
        };
        server.restart();
        Ok(server)
    }

    /// Starts the server again (after [`RedisServer::kill`]), on the same
    /// port, with the data it had written.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "the server is running");
        // Every write goes to the append-only file before Redis answers, so
        // a SIGKILL loses nothing that a crawler was told had happened.
        let child = Command::new(program())
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .arg("--dir")
            .arg(&self.dir)
            .args(["--appendonly", "yes", "--save", ""])
            .args(["--logfile", "redis.log"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("starting redis-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.answers() {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                let log = std::fs::read_to_string(self.dir.join("redis.log")).unwrap_or_default();
                panic!("redis-server exited with {status}:\n{log}");
            }
            assert!(Instant::now() < deadline, "redis-server did not answer");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the server answers PING (and has loaded its data). xtask's
    /// bench has the same check; this copy lets the tests travel with the
    /// crate.
    fn answers(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let mut reply = [0; 16];
        stream.write_all(b"PING\r\n").is_ok()
            && stream
                .read(&mut reply)
                .is_ok_and(|n| reply[..n].starts_with(b"+PONG"))
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server with SIGKILL and reaps it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
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
        let child = self.child.as_ref().expect("the server is running");
        let pid = i32::try_from(child.id()).expect("a pid");
        // SAFETY: kill only sends a signal, to a child this helper started
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
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
