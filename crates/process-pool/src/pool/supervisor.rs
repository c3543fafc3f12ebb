//! One slot's supervisor thread: it takes jobs, keeps a window of them in
//! flight to its worker, reads the results, and replaces the worker when it
//! dies, times out, or has run its share of tasks.

use super::worker_handle::Worker;
use super::{Job, POLL, Shared, WINDOW, lock};
use crate::protocol::{FromWorker, TaskError, ToWorker};
use crossbeam_channel as queue;
use ipc_channel::TryRecvError;
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

/// Takes the next job: a requeued one first, then the shared queue, waiting
/// up to `wait`. `None` when there is none (or the queue is closed).
fn take_job(shared: &Shared, wait: Option<Duration>) -> Option<Job> {
    if let Some(job) = lock(&shared.requeued).pop_front() {
        return Some(job);
    }
    let job = match wait {
        None => shared.jobs_rx.try_recv().ok(),
        Some(wait) => shared.jobs_rx.recv_timeout(wait).ok(),
    }?;
    shared.taken.fetch_add(1, Ordering::SeqCst);
    Some(job)
}

/// Whether the shared queue has been closed and emptied. A job found on the
/// way is kept, not lost: it goes to the front of the requeued jobs.
fn queue_finished(shared: &Shared) -> bool {
    if !lock(&shared.requeued).is_empty() {
        return false;
    }
    match shared.jobs_rx.try_recv() {
        Ok(job) => {
            shared.taken.fetch_add(1, Ordering::SeqCst);
            lock(&shared.requeued).push_front(job);
            false
        }
        Err(queue::TryRecvError::Disconnected) => true,
        Err(queue::TryRecvError::Empty) => false,
    }
}

/// One slot's supervisor: feeds its worker, reads its results, and replaces
/// it when it dies, times out, or has run its share of tasks.
pub(crate) fn supervise(slot: usize, first: Worker, shared: &Shared) {
    let mut worker = Some(first);
    let mut in_flight: VecDeque<Job> = VecDeque::new();
    let mut oldest_since = Instant::now();
    loop {
        if shared.aborting.load(Ordering::SeqCst) {
            for job in in_flight.drain(..) {
                let task = job.id;
                job.finish(Err(TaskError::PoolClosed { task }));
            }
            while let Some(job) = take_job(shared, None) {
                let task = job.id;
                job.finish(Err(TaskError::PoolClosed { task }));
            }
            if let Some(worker) = worker.take() {
                worker.kill();
            }
            return;
        }
        let Some(current) = worker.as_mut() else {
            match Worker::start(&shared.config) {
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

        // Keep the window full.
        while in_flight.len() < WINDOW {
            let wait = if in_flight.is_empty() {
                Some(POLL)
            } else {
                None
            };
            let Some(job) = take_job(shared, wait) else {
                break;
            };
            if lock(&shared.cancelled).remove(&job.id) {
                let task = job.id;
                job.finish(Err(TaskError::Cancelled { task }));
                continue;
            }
            let message = ToWorker::Run {
                task: job.id,
                work: job.work.clone(),
            };
            if in_flight.is_empty() {
                oldest_since = Instant::now();
            }
            let sent = current
                .tasks_tx
                .as_ref()
                .is_some_and(|tasks_tx| tasks_tx.send(message).is_ok());
            in_flight.push_back(job);
            if !sent {
                break; // the worker is gone; reading its results says how
            }
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

        shared.busy.fetch_add(1, Ordering::SeqCst);
        let wait = match shared.config.task_timeout {
            Some(limit) => limit.saturating_sub(oldest_since.elapsed()).min(POLL),
            None => POLL,
        };
        let received = current.results_rx.try_recv_timeout(wait);
        shared.busy.fetch_sub(1, Ordering::SeqCst);
        let pid = current.pid;
        match received {
            Ok(FromWorker::Done { task, result }) => {
                let Some(position) = in_flight.iter().position(|job| job.id == task) else {
                    continue;
                };
                let job = in_flight
                    .remove(position)
                    .expect("the position was just found");
                oldest_since = Instant::now();
                current.tasks_run += 1;
                shared.completed.fetch_add(1, Ordering::SeqCst);
                job.finish(result.map_err(|message| TaskError::Panicked { task, pid, message }));
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
                if timed_out && let Some(job) = in_flight.pop_front() {
                    let limit_ms = shared
                        .config
                        .task_timeout
                        .map_or(0, |limit| limit.as_millis() as u64);
                    let task = job.id;
                    job.finish(Err(TaskError::TimedOut {
                        task,
                        pid,
                        limit_ms,
                    }));
                    requeue(shared, &mut in_flight);
                    if let Some(worker) = worker.take() {
                        worker.kill();
                    }
                }
            }
            Err(TryRecvError::IpcError(ipc_channel::IpcError::SerializationError(error))) => {
                // Tasks finish in order, so the unreadable result is the
                // oldest task's.
                if let Some(job) = in_flight.pop_front() {
                    let task = job.id;
                    shared.completed.fetch_add(1, Ordering::SeqCst);
                    job.finish(Err(TaskError::BadResult {
                        task,
                        pid,
                        reason: error.to_string(),
                    }));
                    oldest_since = Instant::now();
                }
            }
            Err(TryRecvError::IpcError(_)) => {
                // The worker's end is closed: it died. Exactly the task it
                // was running fails; the ones queued behind it never started.
                let how = current.reap();
                shared.crashed.fetch_add(1, Ordering::SeqCst);
                if let Some(job) = in_flight.pop_front() {
                    let task = job.id;
                    job.finish(Err(TaskError::WorkerCrashed { task, pid, how }));
                }
                requeue(shared, &mut in_flight);
                worker = None;
            }
        }
    }
}

/// Hands tasks that never started back to the shared queue, in order.
fn requeue(shared: &Shared, in_flight: &mut VecDeque<Job>) {
    let mut requeued = lock(&shared.requeued);
    for job in in_flight.drain(..).rev() {
        requeued.push_front(job);
    }
}
