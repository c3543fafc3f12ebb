//! The seed's web-server story: the parent hands each request to a child
//! process, and each child sends its response back over ipc-channel.
//!
//! A child that dies before it connects is reported with its exit status,
//! not waited for forever (see `child_processes::ipc`).

use super::{CONNECT_LIMIT, header};
use anyhow::{Result, ensure};
use child_processes::ipc::{Bootstrap, connect_and_send};
use child_processes::task::{ChildTask, arg};
use serde::{Deserialize, Serialize};

/// The requests the parent receives.
const REQUESTS: [&str; 4] = [
    "/index.html",
    "/about.html",
    "/missing.html",
    "/contact.html",
];

/// What a child sends back.
#[derive(Debug, Serialize, Deserialize)]
pub struct Response {
    pub request: u32,
    pub status: u16,
    pub body: String,
    pub handled_by: u32,
}

#[derive(clap::Args, Default)]
pub struct Args {
    /// For the tests: this request's child exits before connecting
    #[arg(long, hide = true)]
    pub fail_request: Option<u32>,
}

pub fn run(args: &Args) -> Result<()> {
    header(
        "server",
        "each request is handled in a child process that answers over ipc-channel",
        "a parent delegating requests",
    );
    // Start every child first, so they handle their requests in parallel.
    let mut pending = Vec::new();
    for (index, path) in REQUESTS.iter().enumerate() {
        let request = index as u32 + 1;
        let bootstrap = Bootstrap::<Response>::new()?;
        let child = Handle {
            request,
            path: path.to_string(),
            server: bootstrap.name().to_string(),
            fail: args.fail_request == Some(request),
        }
        .builder()
        .start()?;
        pending.push((request, *path, bootstrap, child));
    }
    let mut answered = 0;
    for (request, path, bootstrap, mut child) in pending {
        match bootstrap.accept(&mut child, CONNECT_LIMIT) {
            Ok((_, response)) => {
                ensure!(
                    response.request == request,
                    "request {request} got the answer to {}",
                    response.request
                );
                ensure!(
                    response.handled_by == child.pid(),
                    "the answer came from another process"
                );
                println!(
                    "request {request}: GET {path} -> {} ({} bytes), handled by pid {}",
                    response.status,
                    response.body.len(),
                    response.handled_by
                );
                answered += 1;
            }
            Err(error) => println!("request {request}: GET {path} -> no response: {error}"),
        }
        ensure!(
            child.join()?.success() || args.fail_request == Some(request),
            "a handler failed"
        );
    }
    ensure!(
        answered == REQUESTS.len(),
        "{} of {} requests got no response",
        REQUESTS.len() - answered,
        REQUESTS.len()
    );
    println!("all {answered} responses collected, one per request");
    Ok(())
}

/// A child that builds the response to one request and sends it through
/// the bootstrap server `server`; with `fail`, it exits without answering.
pub struct Handle {
    pub request: u32,
    pub path: String,
    pub server: String,
    pub fail: bool,
}

impl ChildTask for Handle {
    const ROLE: &'static str = "request";

    fn to_args(&self) -> Vec<String> {
        let (request, fail) = (self.request.to_string(), self.fail.to_string());
        vec![request, self.path.clone(), self.server.clone(), fail]
    }

    fn from_args(args: &[String]) -> Result<Self> {
        Ok(Handle {
            request: arg(args, 0)?,
            path: arg(args, 1)?,
            server: arg(args, 2)?,
            fail: arg(args, 3)?,
        })
    }

    fn run(self) -> Result<()> {
        if self.fail {
            std::process::exit(3);
        }
        let path = &self.path;
        let (status, body) = match path.as_str() {
            "/missing.html" => (404, "<h1>Not found</h1>".to_string()),
            _ => (
                200,
                format!(
                    "<html><body><h1>{path}</h1><p>served by a child process</p></body></html>"
                ),
            ),
        };
        let response = Response {
            request: self.request,
            status,
            body,
            handled_by: std::process::id(),
        };
        connect_and_send(&self.server, response)?;
        Ok(())
    }
}
