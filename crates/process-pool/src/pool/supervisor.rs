//! One slot's supervisor thread: it takes entries, keeps a window of them
//! in flight to its worker, reads the answers, and replaces the worker when
//! it dies, times out, runs a cancelled task, has run its share of
//! messages, or has grown past its memory limit.

use super::entry::Entry;
use super::shared::{MAX_WINDOW, MIN_WINDOW, POLL, Shared, lock};
use super::worker_handle::Worker;
use crate::error::{TaskError, TaskId, stderr_tail};
use crate::job::Job;
use crate::progress::Place;
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
/// it when it dies, times out, runs a cancelled task, has run its share of
/// messages, or has grown past its memory limit.
pub(crate) fn supervise<J: Job>(slot: usize, first: Worker<J>, shared: &Shared<J>) {
    let mut worker = Some(first);
    let mut in_flight: VecDeque<Entry<J>> = VecDeque::new();
    let mut oldest_since = Instant::now();
    let mut window = Window::new();
    loop {
        if shared.aborting.load(Ordering::SeqCst) {
            for entry in in_flight
                .drain(..)
                .chain(std::iter::from_fn(|| take_entry(shared, None)))
            {
                let task = entry.id;
                entry.fail(shared.stopped(task));
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
                    shared.crashed_fresh(|| format!("could not start: {error}"));
                    thread::sleep(POLL);
                }
            }
            continue;
        };

        // Fill the window, unless the worker is on its way out. What is
        // waiting goes in one write: one message when the queue is
        // shallow, as many as the window has room for when it is deep.
        let mut room = window.size().saturating_sub(in_flight.len());
        if let Some(most) = shared.config.max_tasks_per_worker {
            room = room.min(most.saturating_sub(current.sent) as usize);
        }
        let mut write = Vec::new();
        while !current.draining && write.len() < room {
            let wait = (in_flight.is_empty()).then_some(POLL);
            let Some(entry) = take_entry(shared, wait) else {
                break;
            };
            if lock(&shared.cancelled).remove(&entry.id) {
                let task = entry.id;
                entry.fail(TaskError::Cancelled { task });
                continue;
            }
            if in_flight.is_empty() {
                oldest_since = Instant::now();
            }
            // The entry keeps the same work, to go to another worker if
            // this one dies before answering it.
            write.push(entry.message());
            in_flight.push_back(entry);
        }
        if !write.is_empty() {
            current.sent += write.len() as u64;
            // If the writer is gone, so is the worker: reading says how.
            if let Some(tasks_tx) = &current.tasks_tx {
                let _ = tasks_tx.send(write);
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
        // killed and replaced. The task fails with `Cancelled`, and the
        // others it held go back to the queue.
        if let Some(cancelled) = running_and_cancelled(shared, current, &in_flight) {
            let Some(mut lost) = worker.take() else {
                continue;
            };
            lost.kill_and_reap();
            let place = lost.progress.place();
            settle(shared, &mut in_flight, place, Some(cancelled), |task| {
                TaskError::Cancelled { task }
            });
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
            Ok(FromWorker::Done { answers, busy_ns }) => {
                oldest_since = Instant::now();
                shared.made_progress();
                window.learn(busy_ns, answers.tasks.len());
                for (task, answer) in answers.read::<J::Output>() {
                    let Some(position) = in_flight.iter().position(|entry| entry.id == task) else {
                        continue;
                    };
                    let entry = in_flight
                        .remove(position)
                        .expect("the position was just found");
                    current.tasks_run += 1;
                    shared
                        .completed
                        .fetch_add(entry.len() as u64, Ordering::SeqCst);
                    match answer {
                        Ok(answer) => entry.answer(answer, pid),
                        Err(reason) => {
                            let task = entry.id;
                            entry.fail(TaskError::BadResult { task, pid, reason });
                        }
                    }
                }
                // Over its memory limit: it takes nothing more, and is
                // retired once the rest of its window is answered.
                if shared.config.max_worker_memory.is_some_and(|limit| {
                    crate::sys::resident_bytes(pid).is_some_and(|rss| rss > limit)
                }) {
                    current.draining = true;
                }
                // Never sent more than its share, so it holds nothing more.
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
                if timed_out && let Some(mut lost) = worker.take() {
                    lost.kill_and_reap();
                    let place = lost.progress.place();
                    let limit_ms = shared
                        .config
                        .task_timeout
                        .map_or(0, |limit| limit.as_millis() as u64);
                    settle(shared, &mut in_flight, place, None, |task| {
                        TaskError::TimedOut {
                            task,
                            pid,
                            limit_ms,
                        }
                    });
                }
            }
            Err(TryRecvError::IpcError(error)) => {
                // The worker's end is closed, or sent what is not a message
                // of ours: either way it is lost. Exactly the message it was
                // running fails; the others go to another worker.
                let Some(mut lost) = worker.take() else {
                    continue;
                };
                let how = match error {
                    ipc_channel::IpcError::Disconnected => lost.reap(),
                    other => {
                        lost.kill_and_reap();
                        format!("sent an unreadable message ({other})")
                    }
                };
                shared.crashed.fetch_add(1, Ordering::SeqCst);
                if lost.progress.finished_any() {
                    shared.made_progress();
                } else {
                    shared.crashed_fresh(|| {
                        format!(
                            "was pid {pid}, {how}; {}",
                            stderr_tail(&lost.stderr.last_lines())
                        )
                    });
                }
                let place = lost.progress.place();
                settle(shared, &mut in_flight, place, None, |task| {
                    TaskError::WorkerCrashed { task, pid, how }
                });
            }
        }
    }
}

/// The entry the worker is running now, if it has been cancelled; it is
/// taken out of the cancelled set.
fn running_and_cancelled<J: Job>(
    shared: &Shared<J>,
    current: &mut Worker<J>,
    in_flight: &VecDeque<Entry<J>>,
) -> Option<TaskId> {
    let mut cancelled = lock(&shared.cancelled);
    if cancelled.is_empty() {
        return None;
    }
    let Place::Running(task) = current.progress.place() else {
        return None;
    };
    let entry = in_flight.iter().find(|entry| entry.holds(task))?;
    cancelled.remove(&entry.id).then_some(entry.id)
}

/// After a worker is lost (dead and reaped), one message fails with
/// `failure` and every other one it held goes back to the queue, in order,
/// to run on another worker. Answers it had not sent yet are lost with it,
/// so a message it had finished runs again; its result still arrives once.
///
/// The message that fails is `blamed` if given (a cancelled one), or else
/// the one its progress page says it was running. If it died between
/// tasks, the next one it held fails: a worker's death is never silent.
fn settle<J: Job>(
    shared: &Shared<J>,
    in_flight: &mut VecDeque<Entry<J>>,
    place: Place,
    blamed: Option<TaskId>,
    failure: impl FnOnce(TaskId) -> TaskError,
) {
    let at = |task: TaskId| in_flight.iter().position(|entry| entry.holds(task));
    let index = match (blamed, place) {
        (Some(id), _) => at(id),
        (None, Place::Running(task)) => at(task).or(Some(0)),
        (None, Place::After(task)) => Some(at(task).map_or(0, |index| index + 1)),
        (None, Place::Fresh) => Some(0),
    };
    if let Some(entry) = index.and_then(|index| in_flight.remove(index)) {
        let task = entry.id;
        entry.fail(failure(task));
    }
    requeue(shared, in_flight);
}

/// How many messages a supervisor keeps in flight to its worker: enough to
/// keep it busy for about [`FEED_AHEAD`] at the pace it has been answering,
/// so that it never waits for a round trip, and no more, so that slow tasks
/// are not hoarded by one worker while another idles.
struct Window {
    /// The time one message has taken, smoothed; `None` before any answer.
    per_message_ns: Option<f64>,
}

/// The work a window holds ahead of its worker.
const FEED_AHEAD: Duration = Duration::from_millis(1);

impl Window {
    fn new() -> Self {
        Window {
            per_message_ns: None,
        }
    }

    fn size(&self) -> usize {
        match self.per_message_ns {
            None => MIN_WINDOW,
            Some(each) => ((FEED_AHEAD.as_nanos() as f64 / each.max(1.0)) as usize)
                .clamp(MIN_WINDOW, MAX_WINDOW),
        }
    }

    /// The worker spent `busy_ns` on `messages` messages.
    fn learn(&mut self, busy_ns: u64, messages: usize) {
        if messages == 0 {
            return;
        }
        let each = busy_ns as f64 / messages as f64;
        self.per_message_ns = Some(match self.per_message_ns {
            None => each,
            Some(before) => 0.75 * before + 0.25 * each,
        });
    }
}

/// Hands messages back to the shared queue, in order, to be taken first.
fn requeue<J: Job>(shared: &Shared<J>, in_flight: &mut VecDeque<Entry<J>>) {
    let mut requeued = lock(&shared.requeued);
    for entry in in_flight.drain(..).rev() {
        requeued.push_front(entry);
    }
}
