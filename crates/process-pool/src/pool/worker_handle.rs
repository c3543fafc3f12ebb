//! One worker process as the pool sees it: starting it without hanging if
//! it dies first, initialising it, and letting it go (retire or kill).

use super::entry::Outgoing;
use super::shared::{CONNECT_LIMIT, EXIT_GRACE, Shared, lock};
use crate::error::PoolError;
use crate::job::Job;
use crate::progress::Progress;
use crate::protocol::{Answer, Answers, FromWorker, ToWorker, WORKER_ARG, Work, Write};
use crate::sys;
use ipc_channel::ipc::{self, IpcOneShotServer, IpcReceiver, IpcSender};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// A worker's answers, as its supervisor reads them.
type AnswersRx<J> = IpcReceiver<Incoming<J>>;
/// What a worker sends, as the parent reads it.
type Incoming<J> = FromWorker<Outgoing<J>>;

/// One worker process and its two channels.
pub(crate) struct Worker<J: Job> {
    pub(crate) child: Child,
    pub(crate) pid: u32,
    /// Feeds the writer thread; `None` once retired. Dropping it ends the
    /// writer, whose ipc sender then closes, which tells the worker to exit.
    pub(crate) tasks_tx: Option<mpsc::Sender<Write<Outgoing<J>>>>,
    /// Sends tasks to the worker. A thread of its own, so that sending a
    /// large message never blocks reading the worker's results: if both
    /// sides waited on full socket buffers, neither would ever move.
    pub(crate) writer: Option<JoinHandle<()>>,
    pub(crate) results_rx: AnswersRx<J>,
    /// Messages answered, for `max_tasks_per_worker`.
    pub(crate) tasks_run: u64,
    /// Messages sent, which `max_tasks_per_worker` bounds too, so that a
    /// worker is never sent more than it may answer.
    pub(crate) sent: u64,
    /// Which task it is on, readable after it dies.
    pub(crate) progress: Progress,
    /// The last lines it wrote to stderr.
    pub(crate) stderr: Arc<StderrTail>,
    /// Over `max_worker_memory`: sent nothing more, and retired once its
    /// window is answered.
    pub(crate) draining: bool,
}

type Accepted<J> = Result<(AnswersRx<J>, Incoming<J>), ipc_channel::IpcError>;

impl<J: Job> Worker<J> {
    /// Starts a worker and waits for it to connect, without hanging if it
    /// dies first: ipc-channel's `accept` has no timeout (servo/ipc-channel
    /// #201, #261), so it runs on a thread while we watch the child.
    pub(crate) fn start(shared: &Shared<J>) -> Result<Worker<J>, PoolError> {
        let (server, name) = IpcOneShotServer::<Incoming<J>>::new()
            .map_err(|error| PoolError::Ipc(error.to_string()))?;
        let mut command = Command::new(&shared.config.exe);
        command
            .args([WORKER_ARG, std::any::type_name::<J>(), &name])
            .stdin(Stdio::null())
            .stderr(Stdio::piped());
        sys::die_with_spawning_thread(&mut command);
        let mut child = command.spawn().map_err(PoolError::Spawn)?;
        let pid = child.id();
        let stderr = StderrTail::follow(child.stderr.take());
        let (accepted_tx, accepted_rx) = mpsc::channel::<Accepted<J>>();
        let accepter = thread::spawn(move || drop(accepted_tx.send(server.accept())));
        let deadline = Instant::now() + CONNECT_LIMIT;
        let failure = loop {
            match accepted_rx.recv_timeout(Duration::from_millis(5)) {
                Ok(Ok((
                    results_rx,
                    FromWorker::Hello {
                        tasks_tx: ipc_tasks_tx,
                        progress,
                        ..
                    },
                ))) => {
                    let _ = accepter.join();
                    let Some(progress) = Progress::from_shared(progress) else {
                        let _ = child.kill();
                        let _ = child.wait();
                        return Err(PoolError::Ipc(
                            "the worker's progress page is too small".to_string(),
                        ));
                    };
                    let (tasks_tx, tasks_rx) = mpsc::channel::<Write<Outgoing<J>>>();
                    let writer = thread::spawn(move || write_all(&tasks_rx, &ipc_tasks_tx));
                    let mut worker = Worker {
                        child,
                        pid,
                        tasks_tx: Some(tasks_tx),
                        writer: Some(writer),
                        results_rx,
                        tasks_run: 0,
                        sent: 0,
                        progress,
                        stderr,
                        draining: false,
                    };
                    if let Some(job) = shared.initializer.clone() {
                        // On failure, dropping `worker` kills and reaps it.
                        worker.initialize(job)?;
                    }
                    return Ok(worker);
                }
                Ok(Ok(_)) => {
                    break PoolError::Ipc(
                        "the worker's first message was not a greeting".to_string(),
                    );
                }
                Ok(Err(error)) => break PoolError::Ipc(error.to_string()),
                Err(RecvTimeoutError::Disconnected) => {
                    break PoolError::Ipc("the accepting thread died".to_string());
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            if let Ok(Some(status)) = child.try_wait() {
                break PoolError::ExitedBeforeConnecting {
                    pid,
                    how: describe(status),
                    stderr: stderr.last_lines(),
                };
            }
            if Instant::now() >= deadline {
                break PoolError::ConnectTimeout {
                    pid,
                    limit: CONNECT_LIMIT,
                };
            }
        };
        // Wake the accepting thread ourselves, so it can be joined, then make
        // sure the child is gone and reaped.
        if let (Ok(sender), Ok((tasks_tx, _))) = (
            IpcSender::<Incoming<J>>::connect(name),
            ipc::channel::<Write<Outgoing<J>>>(),
        ) {
            let progress = Progress::new().shared();
            let _ = sender.send(FromWorker::Hello {
                pid: 0,
                tasks_tx,
                progress,
            });
        }
        let _ = accepter.join();
        let _ = child.kill();
        let _ = child.wait();
        Err(failure)
    }

    /// Runs the pool's initializer job, before any other.
    fn initialize(&mut self, job: J) -> Result<(), PoolError> {
        let ipc_error = |error: &dyn std::fmt::Display| PoolError::Ipc(error.to_string());
        let tasks_tx = self
            .tasks_tx
            .as_ref()
            .ok_or_else(|| PoolError::Ipc("the worker is retired".to_string()))?;
        tasks_tx
            .send(vec![ToWorker {
                task: u64::MAX,
                work: Arc::new(Work::One(job)),
            }])
            .map_err(|error| ipc_error(&error))?;
        let answers = match self.results_rx.recv() {
            Ok(FromWorker::Done { answers, .. }) => answers,
            Ok(FromWorker::Hello { .. }) => Answers::default(),
            Err(error) => return Err(ipc_error(&error)),
        };
        match answers.read::<J::Output>().next() {
            Some((_, Ok(Answer::One(Ok(_))))) => Ok(()),
            Some((_, Ok(Answer::One(Err(message))))) => Err(PoolError::InitializerFailed {
                pid: self.pid,
                message,
            }),
            _ => Err(PoolError::Ipc(
                "unexpected message from the initializer".to_string(),
            )),
        }
    }

    /// Reaps the dead worker and says how it died.
    pub(crate) fn reap(&mut self) -> String {
        match self.child.wait() {
            Ok(status) => describe(status),
            Err(error) => format!("unknown ({error})"),
        }
    }

    /// Lets the worker go: closing its task channel makes it exit; SIGTERM
    /// and then SIGKILL if it takes too long.
    pub(crate) fn retire(mut self) {
        self.tasks_tx = None;
        let escalate = [
            (EXIT_GRACE, Some(libc::SIGTERM)),
            (EXIT_GRACE, Some(libc::SIGKILL)),
            (EXIT_GRACE, None),
        ];
        'waiting: for (grace, then_signal) in escalate {
            let until = Instant::now() + grace;
            while Instant::now() < until {
                if let Ok(Some(_)) = self.child.try_wait() {
                    break 'waiting;
                }
                thread::sleep(Duration::from_millis(2));
            }
            match then_signal {
                Some(signal) => drop(sys::send_signal(self.pid, signal)),
                None => drop(self.child.wait()),
            }
        }
        self.join_writer();
    }

    pub(crate) fn kill(mut self) {
        self.kill_and_reap();
    }

    /// Kills the worker and waits for it, keeping the handle to read its
    /// progress page.
    pub(crate) fn kill_and_reap(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.join_writer();
    }

    /// Joins the writer thread once the worker is gone: its last send then
    /// fails at once, so the join cannot block.
    fn join_writer(&mut self) {
        self.tasks_tx = None;
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

/// How many of a worker's last stderr lines are kept, and how long each.
const TAIL_LINES: usize = 8;
const TAIL_LINE_CHARS: usize = 300;
/// The most of one stderr line the pool holds before passing it on.
const PUMP_LINE_BYTES: usize = 64 * 1024;
/// How long a dead worker's stderr may take to reach its end.
const TAIL_GRACE: Duration = Duration::from_millis(200);

/// A worker's stderr, passed through to the pool's own line by line, with
/// its last lines kept to say why the worker died.
#[derive(Default)]
pub(crate) struct StderrTail {
    /// The last lines, and whether the end of the stream was reached.
    seen: Mutex<(VecDeque<String>, bool)>,
    ended: Condvar,
}

impl StderrTail {
    /// Follows `stderr` on a thread of its own until it ends, which is when
    /// the worker and whatever it started have all closed it.
    fn follow(stderr: Option<ChildStderr>) -> Arc<StderrTail> {
        let tail = Arc::new(StderrTail::default());
        let Some(stderr) = stderr else {
            tail.end();
            return tail;
        };
        let following = Arc::clone(&tail);
        thread::spawn(move || {
            pump(BufReader::new(stderr), std::io::stderr(), &following);
            following.end();
        });
        tail
    }

    fn keep(&self, line: &str) {
        let line: String = line.trim_end().chars().take(TAIL_LINE_CHARS).collect();
        let mut seen = lock(&self.seen);
        if seen.0.len() == TAIL_LINES {
            seen.0.pop_front();
        }
        seen.0.push_back(line);
    }

    fn end(&self) {
        lock(&self.seen).1 = true;
        self.ended.notify_all();
    }

    /// The last lines, once the stream has ended or after a short grace:
    /// call it once the worker is dead.
    pub(crate) fn last_lines(&self) -> String {
        let seen = lock(&self.seen);
        let (seen, _) = self
            .ended
            .wait_timeout_while(seen, TAIL_GRACE, |(_, ended)| !*ended)
            .unwrap_or_else(PoisonError::into_inner);
        seen.0.iter().cloned().collect::<Vec<_>>().join("\n")
    }
}

/// Passes a worker's stderr on to `out` a line at a time, so that lines of
/// two workers do not interleave, and keeps its last lines in `tail`. A
/// line longer than [`PUMP_LINE_BYTES`] is passed on in pieces of that
/// size, and only its first piece is kept: a worker that writes megabytes
/// without a newline costs the pool no more memory than that. Stops at
/// the end of the stream or at a read error. `out` closed is no reason to
/// stop keeping the tail.
fn pump(mut stderr: impl BufRead, mut out: impl std::io::Write, tail: &StderrTail) {
    let mut line = Vec::new();
    let mut line_start = true;
    loop {
        let chunk = match stderr.fill_buf() {
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Ok([]) | Err(_) => break,
            Ok(chunk) => chunk,
        };
        let room = PUMP_LINE_BYTES - line.len();
        let (take, ends_line) = match chunk[..chunk.len().min(room)]
            .iter()
            .position(|&b| b == b'\n')
        {
            Some(newline) => (newline + 1, true),
            None => (chunk.len().min(room), false),
        };
        line.extend_from_slice(&chunk[..take]);
        stderr.consume(take);
        if ends_line || line.len() == PUMP_LINE_BYTES {
            let _ = out.write_all(&line);
            if line_start {
                tail.keep(&String::from_utf8_lossy(&line));
            }
            line_start = ends_line;
            line.clear();
        }
    }
    if !line.is_empty() {
        let _ = out.write_all(&line);
        if line_start {
            tail.keep(&String::from_utf8_lossy(&line));
        }
    }
}

/// The writer thread: sends each write, joined with any that queued up
/// behind it meanwhile, so that a burst of small writes costs one
/// system call.
fn write_all<M: serde::Serialize>(writes: &mpsc::Receiver<Write<M>>, worker: &IpcSender<Write<M>>) {
    while let Ok(mut write) = writes.recv() {
        while let Ok(more) = writes.try_recv() {
            write.extend(more);
        }
        if worker.send(write).is_err() {
            break; // the worker is gone; the reader will see it
        }
    }
}

impl<J: Job> Drop for Worker<J> {
    fn drop(&mut self) {
        // Only reached if a worker is dropped without `retire` or `kill`
        // (a panic); make sure no process or zombie survives it.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// "exit code N" or "signal N (SIGKILL)".
pub fn describe(status: std::process::ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}{}", signal_name(signal)),
        _ => status.to_string(),
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGKILL => " (SIGKILL)",
        libc::SIGTERM => " (SIGTERM)",
        libc::SIGABRT => " (SIGABRT)",
        libc::SIGSEGV => " (SIGSEGV)",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records each write `pump` makes.
    #[derive(Default)]
    struct Writes(Vec<Vec<u8>>);

    impl std::io::Write for &mut Writes {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.push(bytes.to_vec());
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_line_without_end_is_passed_on_in_pieces_and_kept_once() {
        let mut stderr = b"first\n".to_vec();
        stderr.extend(std::iter::repeat_n(b'x', 3 * PUMP_LINE_BYTES + 5));
        stderr.extend(b"\nlast words, no newline");
        let (mut writes, tail) = (Writes::default(), StderrTail::default());
        // A small buffer, so that lines also straddle reads.
        pump(
            BufReader::with_capacity(1000, &stderr[..]),
            &mut writes,
            &tail,
        );
        tail.end();

        assert_eq!(writes.0.concat(), stderr, "every byte passed on, in order");
        let longest = writes.0.iter().map(Vec::len).max();
        assert_eq!(longest, Some(PUMP_LINE_BYTES), "a piece over the bound");
        let kept = tail.last_lines();
        let kept: Vec<&str> = kept.lines().collect();
        assert_eq!(kept.len(), 3, "{kept:?}");
        assert_eq!(kept[0], "first");
        assert_eq!(kept[1], "x".repeat(TAIL_LINE_CHARS));
        assert_eq!(kept[2], "last words, no newline");
    }
}
