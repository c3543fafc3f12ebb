//! Sites served for a bench: a crate's own `serve` subcommand, started
//! before its runs and stopped after them, so that the Rust side and the
//! Python side fetch from the same server.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What a bench server serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Site {
    /// The HTML docs of the toolchain's rust-docs component.
    RustDocs,
    /// The crate's own bundled site (`serve` with no folder).
    Bundled,
    /// Only `std/` and `static.files/` of the toolchain's HTML docs: a
    /// site whose origin is the scope, for a crawler with no other scope.
    StdOnly,
    /// Not a site: a `redis-server` of the bench's own, for a crawl
    /// frontier; its URL is `redis://127.0.0.1:PORT/0`.
    Redis,
}

/// One server to start before a crate's runs: `BINARY serve [DIR]
/// --port 0 --latency-ms L`. Its URL replaces `{N}` in the arguments of
/// both sides, N being its place in the list.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Serve {
    pub site: Site,
    #[serde(default)]
    pub latency_ms: u64,
}

/// A running server; dropping it stops it and waits for it.
pub struct Server {
    child: Child,
    pub url: String,
}

/// The toolchain's HTML docs: `$(rustc --print sysroot)/share/doc/rust/html`.
pub fn rust_docs() -> Result<PathBuf> {
    let output = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .context("running rustc --print sysroot")?;
    let sysroot = String::from_utf8(output.stdout).context("a UTF-8 sysroot")?;
    let docs = Path::new(sysroot.trim()).join("share/doc/rust/html");
    if !docs.join("std/index.html").is_file() {
        bail!(
            "{} has no std/index.html: the rust-docs component is missing \
             (rustup component add rust-docs)",
            docs.display()
        );
    }
    Ok(docs)
}

/// A folder beside `binary`'s (`target/bench/std-only`) holding links to
/// the std docs' `std/` and `static.files/` and nothing else.
fn std_only(binary: &Path) -> Result<PathBuf> {
    let docs = rust_docs()?;
    let target = binary
        .parent()
        .and_then(Path::parent)
        .context("the binary's target folder")?;
    let dir = target.join("bench").join("std-only");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    for name in ["std", "static.files"] {
        let link = dir.join(name);
        let to = docs.join(name);
        if std::fs::read_link(&link).is_ok_and(|target| target == to) {
            continue;
        }
        // Gone, or left by another toolchain.
        let _ = std::fs::remove_file(&link);
        #[cfg(unix)]
        std::os::unix::fs::symlink(&to, &link)
            .with_context(|| format!("linking {}", link.display()))?;
        #[cfg(not(unix))]
        bail!("the std-only site needs symbolic links (Unix)");
    }
    Ok(dir)
}

impl Server {
    /// Starts `binary serve` and reads the URL it prints on its first line.
    pub fn start(binary: &Path, serve: Serve) -> Result<Self> {
        if serve.site == Site::Redis {
            return Self::redis();
        }
        let mut command = Command::new(binary);
        command.arg("serve");
        match serve.site {
            Site::RustDocs => {
                command.arg(rust_docs()?);
            }
            Site::StdOnly => {
                command.arg(std_only(binary)?);
            }
            Site::Bundled | Site::Redis => {}
        }
        command
            .args(["--port", "0", "--latency-ms", &serve.latency_ms.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {} serve", binary.display()))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        let mut server = Server {
            child,
            url: String::new(),
        };
        read.context("reading the server's first line")?;
        match line
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
        {
            Some(url) => server.url = url.to_string(),
            None => bail!("`{} serve` printed no URL: {line:?}", binary.display()),
        }
        Ok(server)
    }
}

impl Server {
    /// A `redis-server` on 127.0.0.1 and a free port, keeping nothing on
    /// disk, answering PING before this returns.
    fn redis() -> Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .context("finding a free port")?
            .port();
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .context(
                "starting redis-server for web-scraper's shared-frontier rows \
                 (Debian: apt-get install redis-server)",
            )?;
        let mut server = Server {
            child,
            url: format!("redis://127.0.0.1:{port}/0"),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                bail!("redis-server exited at once, with {status}");
            }
            if redis_answers(port) {
                return Ok(server);
            }
            if Instant::now() > deadline {
                bail!("redis-server on port {port} did not answer PING within 20 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Whether a Redis server on `port` answers PING.
fn redis_answers(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut reply = [0; 16];
    stream.write_all(b"PING\r\n").is_ok()
        && stream
            .read(&mut reply)
            .is_ok_and(|n| reply[..n].starts_with(b"+PONG"))
}

impl Drop for Server {
    fn drop(&mut self) {
        // Ctrl-C first, so that it shuts down as a user's would; then kill.
        crate::procs::interrupt(self.child.id());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `args` with each `{N}` replaced by the URL of server N.
pub fn substitute(args: &[String], servers: &[Server]) -> Vec<String> {
    args.iter()
        .map(|arg| {
            servers
                .iter()
                .enumerate()
                .fold(arg.clone(), |arg, (index, server)| {
                    arg.replace(&format!("{{{index}}}"), &server.url)
                })
        })
        .collect()
}
