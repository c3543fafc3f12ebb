//! Sites served for a bench: a crate's own `serve` subcommand, started
//! before its runs and stopped after them, so that the Rust side and the
//! Python side fetch from the same server.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What a bench server serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    /// The HTML docs of the toolchain's rust-docs component.
    RustDocs,
    /// The crate's own bundled site (`serve` with no folder).
    Bundled,
}

/// One server to start before a crate's runs: `BINARY serve [DIR]
/// --port 0 --latency-ms L`. Its URL replaces `{N}` in the arguments of
/// both sides, N being its place in the list.
#[derive(Debug, Clone, Copy)]
pub struct Serve {
    pub site: Site,
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

impl Server {
    /// Starts `binary serve` and reads the URL it prints on its first line.
    pub fn start(binary: &Path, serve: Serve) -> Result<Self> {
        let mut command = Command::new(binary);
        command.arg("serve");
        if serve.site == Site::RustDocs {
            command.arg(rust_docs()?);
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
pub fn substitute(args: &[&str], servers: &[Server]) -> Vec<String> {
    args.iter()
        .map(|arg| {
            servers
                .iter()
                .enumerate()
                .fold(arg.to_string(), |arg, (index, server)| {
                    arg.replace(&format!("{{{index}}}"), &server.url)
                })
        })
        .collect()
}
