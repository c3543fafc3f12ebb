//! One slot's supervisor thread: it takes entries, keeps a window of them
//! in flight to its worker, reads the answers, and replaces the worker when
//! it dies, times out, runs a cancelled task, has run its share of
//! messages, or has grown past its memory limit.

use super::entry::Entry;
use super::shared::{POLL, Shared, WINDOW, lock};
use super::worker_handle::Worker;
use crate::error::TaskError;
use crate::job::Job;
use crate::protocol::FromWorker;
use crossbeam_channel as queue;
use ipc_channel::TryRecvError;
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

/// Takes the next entry: a requeued one first, then the shared queue,
/// waiting up to `wait`. `None` when there is none (or the queue is closed).
fn take_entry<J: Job>(shared: &Shared<J>, wait: Option<Duration>) -> Option<Entry<J>> {
    if let Some(entry) = lock(&shared.requeued).pop_front() {
        return Some(entry);
    }
    let entry = match wait {
        None => shared.jobs_rx.try_recv().ok(),
        Some(wait) => shared.jobs_rx.recv_timeout(wait).ok(),
    }?;
    shared.taken.fetch_add(entry.len() as u64, Ordering::SeqCst);
    Some(entry)
}

/// Whether the shared queue has been closed and emptied. An entry found on
/// the way is kept, not lost: it goes to the front of the requeued ones.
fn queue_finished<J: Job>(shared: &Shared<J>) -> bool {
    if !lock(&shared.requeued).is_empty() {
        return false;
    }
    match shared.jobs_rx.try_recv() {
        Ok(entry) => {
            shared.taken.fetch_add(entry.len() as u64, Ordering::SeqCst);
            lock(&shared.requeued).push_front(entry);
            false
        }
        Err(queue::TryRecvError::Disconnected) => true,
        Err(queue::TryRecvError::Empty) => false,
    }
}

/// One slot's supervisor: feeds its worker, reads its answers, and replaces
/// it when it dies, times out, or has run its share of messages.
pub(crate) fn supervise<J: Job>(slot: usize, first: Worker<J>, shared: &Shared<J>) {
    let mut worker = Some(first);
    let mut in_flight: VecDeque<Entry<J>> = VecDeque::new();
    let mut oldest_since = Instant::now();
    loop {
        if shared.aborting.load(Ordering::SeqCst) {
            for entry in in_flight
                .drain(..)
                .chain(std::iter::from_fn(|| take_entry(shared, None)))
            {
                let task = entry.id;
                entry.fail(TaskError::PoolClosed { task });
            }
            if let Some(worker) = worker.take() {
                worker.kill();
            }
            return;
        }
        let Some(current) = worker.as_mut() else {
            match Worker::start(shared) {
                Ok(fresh) => {
                    lock(&shared.worker_pids)[slot] = fresh.pid;
                    shared.restarted.fetch_add(1, Ordering::SeqCst);
                    worker = Some(fresh);
                }
                Err(error) => {
                    eprintln!(
                        "process-pool: slot {slot}: could not start a replacement worker: {error}"
                    );
                    thread::sleep(POLL);
                }
            }
            continue;
        };

        // Keep the window full, unless the worker is on its way out.
        while !current.draining && in_flight.len() < WINDOW {
            let wait = if in_flight.is_empty() {
                Some(POLL)
            } else {
                None
            };
            let Some(entry) = take_entry(shared, wait) else {
                break;
            };
            if lock(&shared.cancelled).remove(&entry.id) {
                let task = entry.id;
                entry.fail(TaskError::Cancelled { task });
                continue;
            }
            // The entry keeps the same work, to go to another worker if
            // this one dies before starting it.
            let message = entry.message();
            if in_flight.is_empty() {
                oldest_since = Instant::now();
            }
            let sent = current
                .tasks_tx
                .as_ref()
                .is_some_and(|tasks_tx| tasks_tx.send(message).is_ok());
            in_flight.push_back(entry);
            if !sent {
                break; // the worker is gone; reading its results says how
            }
        }
        if in_flight.is_empty() && current.draining {
            if let Some(worker) = worker.take() {
                worker.retire();
            }
            shared.recycled.fetch_add(1, Ordering::SeqCst);
            continue;
        }
        if in_flight.is_empty() {
            if shared.closing.load(Ordering::SeqCst) && queue_finished(shared) {
                if let Some(worker) = worker.take() {
                    worker.retire();
                }
                return;
            }
            continue;
        }

        // A running task that was cancelled: the worker running it is
        // killed and replaced. The task fails with `Cancelled`, and those
        // behind it, which never started, go back to the queue.
        if let Some(running) = in_flight.front()
            && lock(&shared.cancelled).remove(&running.id)
        {
            let entry = in_flight.pop_front().expect("the front was just seen");
            let task = entry.id;
            entry.fail(TaskError::Cancelled { task });
            requeue(shared, &mut in_flight);
            if let Some(worker) = worker.take() {
                worker.kill();
            }
            continue;
        }

        shared.busy.fetch_add(1, Ordering::SeqCst);
        let wait = match shared.config.task_timeout {
            Some(limit) => limit.saturating_sub(oldest_since.elapsed()).min(POLL),
            None => POLL,
        };
        let received = current.results_rx.try_recv_timeout(wait);
        shared.busy.fetch_sub(1, Ordering::SeqCst);
        let pid = current.pid;
        match received {
            Ok(FromWorker::Done { task, answer }) => {
                let Some(position) = in_flight.iter().position(|entry| entry.id == task) else {
                    continue;
                };
                let entry = in_flight
                    .remove(position)
                    .expect("the position was just found");
                oldest_since = Instant::now();
                current.tasks_run += 1;
                shared
                    .completed
                    .fetch_add(entry.len() as u64, Ordering::SeqCst);
                entry.answer(answer, pid);
                // Over its memory limit: it takes nothing more, and is
                // retired once the rest of its window is answered.
                if shared.config.max_worker_memory.is_some_and(|limit| {
                    crate::sys::resident_bytes(pid).is_some_and(|rss| rss > limit)
                }) {
                    current.draining = true;
                }
                let used_up = shared
                    .config
                    .max_tasks_per_worker
                    .is_some_and(|most| current.tasks_run >= most);
                if used_up
                    && in_flight.is_empty()
                    && let Some(worker) = worker.take()
                {
                    worker.retire();
                }
            }
            Ok(FromWorker::Hello { .. }) => {}
            Err(TryRecvError::Empty) => {
                let timed_out = shared
                    .config
                    .task_timeout
                    .is_some_and(|limit| oldest_since.elapsed() >= limit);
                if timed_out && let Some(entry) = in_flight.pop_front() {
                    let limit_ms = shared
                        .config
                        .task_timeout
                        .map_or(0, |limit| limit.as_millis() as u64);
                    let task = entry.id;
                    entry.fail(TaskError::TimedOut {
                        task,
                        pid,
                        limit_ms,
                    });
                    requeue(shared, &mut in_flight);
                    if let Some(worker) = worker.take() {
                        worker.kill();
                    }
                }
            }
            Err(TryRecvError::IpcError(ipc_channel::IpcError::SerializationError(error))) => {
                // Messages finish in order, so the unreadable answer is the
                // oldest one's.
                if let Some(entry) = in_flight.pop_front() {
                    let task = entry.id;
                    shared
                        .completed
                        .fetch_add(entry.len() as u64, Ordering::SeqCst);
                    entry.fail(TaskError::BadResult {
                        task,
                        pid,
                        reason: error.to_string(),
                    });
                    oldest_since = Instant::now();
                }
            }
            Err(TryRecvError::IpcError(_)) => {
                // The worker's end is closed: it died. Exactly the message
                // it was running fails; the ones behind it never started.
                let how = current.reap();
                shared.crashed.fetch_add(1, Ordering::SeqCst);
                if let Some(entry) = in_flight.pop_front() {
                    let task = entry.id;
                    entry.fail(TaskError::WorkerCrashed { task, pid, how });
                }
                requeue(shared, &mut in_flight);
                worker = None;
            }
        }
    }
}

/// Hands messages that never started back to the shared queue, in order.
fn requeue<J: Job>(shared: &Shared<J>, in_flight: &mut VecDeque<Entry<J>>) {
    let mut requeued = lock(&shared.requeued);
    for entry in in_flight.drain(..).rev() {
        requeued.push_front(entry);
    }
}
