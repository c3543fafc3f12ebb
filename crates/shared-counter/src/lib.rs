//! A counter in shared memory, incremented by real OS processes: Python's
//! `multiprocessing.Value('i', 0)` with `get_lock()`, done three ways, and a
//! lock that survives a holder killed with SIGKILL.
//!
//! The library underneath is generic: put any [`SharedBlock`](shm::SharedBlock)
//! of your own (atomics, [`FileLocked`](shm::FileLocked) values on every
//! Unix, [`RobustMutex`](shm::RobustMutex)es on Linux) in a
//! [`SharedMemory`](shm::SharedMemory), start this program again with
//! [`SharedMemory::command`](shm::SharedMemory::command), and map the same
//! block in the child with
//! [`SharedMemory::inherited`](shm::SharedMemory::inherited):
//!
//! ```
//! use shared_counter::shm::{FileLocked, SharedBlock, SharedMemory};
//! use std::sync::atomic::{AtomicU64, Ordering};
//!
//! #[repr(C)]
//! struct Progress {
//!     files_done: AtomicU64,
//!     /// The largest file so far and its size: two values that change
//!     /// together, so they share a lock, which the kernel releases if its
//!     /// holder dies.
//!     largest: FileLocked<[u64; 2]>,
//! }
//!
//! // SAFETY: an atomic and a record-locked pair of integers, all valid as
//! // zero bytes, no pointers.
//! unsafe impl SharedBlock for Progress {}
//!
//! # fn main() -> std::io::Result<()> {
//! let progress = SharedMemory::<Progress>::create()?;
//! // A worker process would do this, after `SharedMemory::inherited()`:
//! progress.files_done.fetch_add(1, Ordering::Relaxed);
//! let mut largest = progress.largest.lock(&progress)?;
//! if 4096 > largest[1] {
//!     *largest = [7, 4096];
//! }
//! drop(largest);
//!
//! // The parent reads what every worker wrote.
//! assert_eq!(progress.files_done.load(Ordering::Relaxed), 1);
//! assert_eq!(*progress.largest.lock(&progress)?, [7, 4096]);
//! # Ok(())
//! # }
//! ```
//!
//! `examples/progress.rs` runs that with real worker processes.
//!
//! The modules, each using only those above it:
//!
//! - [`shm`]: the shared mapping (a memfd on Linux, an unlinked `shm_open`
//!   object elsewhere), the two locks that survive a dead holder, and every
//!   `unsafe` block of the crate (elsewhere only `unsafe impl SharedBlock`).
//! - [`counter`]: the journaled counter, `Value` with `get_lock()`, that
//!   undoes the half-done increment of a holder that died, on either lock.
//!
//! The demos (`src/demos/`) build on those two: the shared block they use,
//! the worker processes, and the seed's `v.value += 1` three ways, in
//! `src/demos/counting.rs`.

#![warn(missing_docs)]

// Everything below needs Unix; elsewhere the crate is one clear error.
#[cfg(not(unix))]
compile_error!(
    "shared-counter teaches memory shared between Unix processes (memfd or shm_open, a robust pthread mutex, an fcntl record lock) and builds on Linux and macOS only. On Windows, run it under WSL, or share memory with a named file mapping (CreateFileMapping)."
);

#[cfg(unix)]
pub mod counter;
#[cfg(unix)]
pub mod shm;
