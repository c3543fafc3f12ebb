//! `map` and `map_unordered`: many jobs, sent in chunks, one message each,
//! so that a million tiny jobs are not a million round trips. The worker
//! runs a chunk's parts in order and answers with one result per part.
//! A chunk is the caller's batching, as in Python; the pool's own, several
//! messages to a write, carries chunks as it carries single tasks (see
//! `protocol` for why the two stay apart).

use super::Pool;
use super::entry::{Outcome, Reply, WakeOnResult};
use super::handles::AsCompleted;
use crate::error::TaskError;
use crate::job::Job;
use crate::protocol::Work;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::mpsc;

/// `map` keeps this many chunks per worker in flight: one running, one
/// waiting, so a worker never idles between chunks.
const CHUNKS_PER_WORKER: usize = 2;

impl<J: Job> Pool<J> {
    /// Runs every job and returns the results in input order: Python's
    /// `pool.map(f, items, chunksize)`.
    ///
    /// The input is read lazily and sent in chunks, one message each, with
    /// at most two chunks per worker in flight. `chunk_size` defaults to
    /// Python's choice: the length over 4 x workers, rounded up, when the
    /// iterator knows its length, and 1 otherwise. A panic fails its own
    /// item alone; a chunk is the unit of a crash or a timeout, so if its
    /// worker dies, every item of that chunk fails with `WorkerCrashed`.
    /// Use `Some(1)` where each item must stand alone.
    pub fn map(
        &self,
        jobs: impl IntoIterator<Item = J>,
        chunk_size: Option<usize>,
    ) -> Vec<Result<J::Output, TaskError>> {
        let mut jobs = jobs.into_iter();
        let chunk = self.chunk_size(chunk_size, jobs.size_hint());
        let mut in_flight = VecDeque::new();
        let mut results = Vec::with_capacity(jobs.size_hint().0);
        loop {
            while in_flight.len() < CHUNKS_PER_WORKER * self.workers() {
                let parts: Vec<J> = jobs.by_ref().take(chunk).collect();
                if parts.is_empty() {
                    break;
                }
                let (chunk_tx, chunk_rx) = mpsc::sync_channel(1);
                let len = parts.len();
                let first = self.reserve(len).start;
                self.enqueue(first, Work::Batch(parts), Reply::Chunk(chunk_tx));
                in_flight.push_back((first, len, chunk_rx));
            }
            let Some((first, len, chunk_rx)) = in_flight.pop_front() else {
                break;
            };
            let outcome = chunk_rx
                .recv()
                .unwrap_or(Outcome::Failed(TaskError::PoolClosed { task: first }));
            outcome.extend_results(first, len, &mut results);
        }
        results
    }

    /// Runs every job in chunks, yielding `(task id, result)` as each chunk
    /// finishes: Python's `pool.imap_unordered(f, items, chunksize)`.
    /// [`AsCompleted::task_ids`] maps the ids back to the input. Chunks are
    /// as in [`map`](Pool::map).
    pub fn map_unordered(
        &self,
        jobs: impl IntoIterator<Item = J>,
        chunk_size: Option<usize>,
    ) -> AsCompleted<J::Output> {
        let jobs: Vec<J> = jobs.into_iter().collect();
        let chunk = self.chunk_size(chunk_size, (jobs.len(), Some(jobs.len())));
        let (done_tx, done_rx) = mpsc::channel();
        let waker = Arc::new(WakeOnResult::default());
        let task_ids = self.reserve(jobs.len());
        let mut jobs = jobs.into_iter();
        let mut next = task_ids.start;
        loop {
            let parts: Vec<J> = jobs.by_ref().take(chunk).collect();
            if parts.is_empty() {
                break;
            }
            let len = parts.len() as u64;
            let reply = Reply::EachTask(done_tx.clone(), Arc::clone(&waker));
            self.enqueue(next, Work::Batch(parts), reply);
            next += len;
        }
        AsCompleted::new(done_rx, waker, task_ids, &self.shared.cancelled)
    }

    /// Python's default `chunksize` for `Pool.map`.
    fn chunk_size(&self, asked: Option<usize>, size_hint: (usize, Option<usize>)) -> usize {
        let chunk = asked.unwrap_or(match size_hint {
            (low, Some(high)) if low == high => high.div_ceil(4 * self.workers()).min(16384),
            _ => 1,
        });
        chunk.max(1)
    }
}
