//! A channel from a child back to its parent, over ipc-channel.
//!
//! The parent makes a one-shot server and passes its name to the child; the
//! child connects and sends its first message. ipc-channel's `accept` has
//! no timeout and waits forever if the child dies before connecting
//! (servo/ipc-channel #201, #261). So [`Bootstrap::accept`] accepts on a
//! thread and meanwhile watches the child and a deadline. If the child is
//! gone or too slow, it wakes the accepting thread itself and reports why.
//!
//! Messages travel as `Option<T>`: `Some` from the child, `None` only as the
//! parent's own wake-up call.

use crate::process::{ExitReport, Process, ProcessError};
use ipc_channel::ipc::{IpcOneShotServer, IpcReceiver, IpcSender};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

/// How often `accept` checks on the child while it waits.
const POLL: Duration = Duration::from_millis(5);

/// Why no channel came from the child.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    /// The child ended without connecting: `accept` does not hang on it.
    #[error("child {name} (pid {pid}) exited before connecting: {report}")]
    ChildExited {
        /// The child's name.
        name: String,
        /// The child's pid.
        pid: u32,
        /// How it ended.
        report: ExitReport,
    },
    /// The child still runs but did not connect in time.
    #[error("child {name} (pid {pid}) did not connect within {limit:?}")]
    TimedOut {
        /// The child's name.
        name: String,
        /// The child's pid.
        pid: u32,
        /// How long it had.
        limit: Duration,
    },
    /// ipc-channel failed to receive.
    #[error("ipc: {0}")]
    Ipc(#[from] ipc_channel::IpcError),
    /// ipc-channel failed to set up the server.
    #[error("ipc: {0}")]
    Io(#[from] std::io::Error),
    /// Looking after the child failed.
    #[error(transparent)]
    Process(#[from] ProcessError),
}

type Accepted<T> = Result<(IpcReceiver<Option<T>>, Option<T>), ipc_channel::IpcError>;

/// The parent's end, before the child has connected.
pub struct Bootstrap<T> {
    server: IpcOneShotServer<Option<T>>,
    name: String,
}

impl<T: Serialize + DeserializeOwned + Send + 'static> Bootstrap<T> {
    /// A one-shot server for one child to connect to.
    pub fn new() -> Result<Self, BootstrapError> {
        let (server, name) = IpcOneShotServer::new()?;
        Ok(Bootstrap { server, name })
    }

    /// The server's name, to pass to the child (an argument will do).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Waits for `child` to connect and send its first message, for at most
    /// `limit`; fails at once if the child exits first.
    pub fn accept(
        self,
        child: &mut Process,
        limit: Duration,
    ) -> Result<(IpcReceiver<Option<T>>, T), BootstrapError> {
        let Bootstrap { server, name } = self;
        let (accepted_tx, accepted_rx) = mpsc::channel::<Accepted<T>>();
        let accepter = thread::spawn(move || {
            // Nobody may be waiting any more; then the result is not needed.
            let _ = accepted_tx.send(server.accept());
        });
        let deadline = Instant::now() + limit;
        let failure = loop {
            match accepted_rx.recv_timeout(POLL) {
                Ok(accepted) => {
                    let _ = accepter.join();
                    let (receiver, first) = accepted?;
                    // Only `wake` below sends `None`, and it has not run.
                    let first = first
                        .ok_or_else(|| std::io::Error::other("the first message was empty"))?;
                    return Ok((receiver, first));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    break std::io::Error::other("the accepting thread died").into();
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            if !child.is_alive()?
                && let Some(report) = child.exit_report()
            {
                break BootstrapError::ChildExited {
                    name: child.name().to_string(),
                    pid: child.pid(),
                    report,
                };
            }
            if Instant::now() >= deadline {
                break BootstrapError::TimedOut {
                    name: child.name().to_string(),
                    pid: child.pid(),
                    limit,
                };
            }
        };
        wake::<T>(name);
        let _ = accepter.join();
        // A child that connects, sends and exits between two polls looks
        // like one that died first; its message is here all the same.
        if let Ok(Ok((receiver, Some(first)))) = accepted_rx.try_recv() {
            return Ok((receiver, first));
        }
        Err(failure)
    }
}

/// Connects to the accepting thread ourselves and sends `None`, so that its
/// `accept` returns and the thread can be joined instead of leaking.
fn wake<T: Serialize + DeserializeOwned>(name: String) {
    if let Ok(sender) = IpcSender::<Option<T>>::connect(name) {
        let _ = sender.send(None);
    }
}

/// In the child: connects to the parent's bootstrap server and sends the
/// first message. Returns the sender, for any further messages.
pub fn connect_and_send<T: Serialize + DeserializeOwned>(
    server_name: &str,
    first: T,
) -> Result<IpcSender<Option<T>>, BootstrapError> {
    let sender = IpcSender::connect(server_name.to_string())?;
    sender.send(Some(first))?;
    Ok(sender)
}
