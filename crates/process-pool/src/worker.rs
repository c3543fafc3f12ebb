//! The worker process: this binary re-executed with `WORKER_ENV` set to the
//! pool's bootstrap server name. It connects, hands the pool a channel for
//! tasks, then runs tasks until that channel disconnects, which happens
//! when the pool shuts it down or when the parent dies, however it dies.

use crate::protocol::{Checked, FromWorker, Output, Task, ToWorker, checksum, is_prime};
use crate::sys;
use anyhow::{Context, Result};
use ipc_channel::ipc::{self, IpcSender};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

/// Set in a worker's environment: the pool's bootstrap server name.
pub const WORKER_ENV: &str = "PROCESS_POOL_WORKER";

/// The worker's whole life.
pub fn worker_main(server_name: String) -> Result<()> {
    // The pool gets each panic's message in the task's result; printing it
    // here as well would only repeat it on stderr.
    std::panic::set_hook(Box::new(|_| {}));
    let (tasks_tx, tasks_rx) = ipc::channel::<ToWorker>().context("making the task channel")?;
    let results_tx =
        IpcSender::<FromWorker>::connect(server_name).context("connecting to the pool")?;
    results_tx
        .send(FromWorker::Hello {
            pid: std::process::id(),
            tasks_tx,
        })
        .context("greeting the pool")?;
    // `recv` fails once the pool's end is gone: our signal to leave.
    while let Ok(ToWorker::Run { task, work }) = tasks_rx.recv() {
        let result = catch_unwind(AssertUnwindSafe(|| run(work)))
            .map_err(|payload| panic_message(payload.as_ref()));
        if results_tx.send(FromWorker::Done { task, result }).is_err() {
            break; // the pool is gone
        }
    }
    Ok(())
}

fn run(work: Task) -> Output {
    match work {
        Task::Square(value) => Output::Number(value * value),
        Task::SlowSquare { value, sleep_ms } => {
            std::thread::sleep(Duration::from_millis(sleep_ms));
            Output::Number(value * value)
        }
        Task::SquareChunk(values) => {
            Output::Numbers(values.into_iter().map(|value| value * value).collect())
        }
        Task::CountPrimes { start, end } => {
            Output::Number((start..end).filter(|&number| is_prime(number)).count() as u64)
        }
        Task::KillWorker => {
            // A crash from outside the task's control, as an OOM killer's.
            let _ = sys::send_signal(std::process::id(), libc::SIGKILL);
            std::thread::sleep(Duration::from_secs(60));
            Output::Text("still alive after SIGKILL".to_string())
        }
        Task::ExitWorker(code) => std::process::exit(code),
        Task::Panic(message) => panic!("{message}"),
        Task::UnreadableResult => Output::Checked(Checked(7)),
        Task::Sleep { ms } => {
            std::thread::sleep(Duration::from_millis(ms));
            Output::Text(format!("slept {ms} ms"))
        }
        Task::WhoAmI(item) => Output::Taken {
            item,
            pid: std::process::id(),
        },
        Task::Checksum(bytes) => Output::Number(checksum(&bytes)),
        Task::ChecksumShared(memory) => Output::Number(checksum(&memory)),
        Task::Batch(parts) => Output::Batch(
            parts
                .into_iter()
                .map(|part| {
                    catch_unwind(AssertUnwindSafe(|| run(part)))
                        .map_err(|payload| panic_message(payload.as_ref()))
                })
                .collect(),
        ),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a non-text payload".to_string()
    }
}

/// For `main`: the bootstrap server name if this process is a worker.
pub fn worker_server_name() -> Option<String> {
    sys::take_env(WORKER_ENV)
}
