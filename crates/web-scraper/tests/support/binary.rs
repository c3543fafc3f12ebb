//! The binary and the bundled site, for the tests that run the binary as a
//! user does.

use std::process::{Command, Output};
use web_scraper::server::{ServeOptions, SiteServer};

pub const BINARY: &str = env!("CARGO_BIN_EXE_web-scraper");

/// The bundled site on a runtime of its own, so the test thread can block
/// on the child process while the server runs.
pub struct Site {
    pub server: SiteServer,
    _runtime: tokio::runtime::Runtime,
}

impl Site {
    pub fn start(options: ServeOptions) -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let server = runtime.block_on(SiteServer::start(options, 0)).unwrap();
        Self {
            server,
            _runtime: runtime,
        }
    }

    pub fn url(&self, path: &str) -> String {
        self.server.url().join(path).unwrap().to_string()
    }
}

/// A child that is killed and reaped if the test fails before it ends.
pub struct Reaped(pub std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

pub fn run(args: &[&str]) -> Output {
    Command::new(BINARY)
        .args(args)
        .output()
        .expect("running the binary")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// The value of a `key=value` line of `bench`'s output.
pub fn figure(text: &str, key: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key}= in:\n{text}"))
        .parse()
        .unwrap()
}
