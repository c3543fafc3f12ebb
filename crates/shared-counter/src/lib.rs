//! A counter in shared memory, incremented by real OS processes: Python's
//! `multiprocessing.Value('i', 0)` with `get_lock()`, done three ways, and a
//! lock that survives a holder killed with SIGKILL.
//!
//! - [`shm`]: the shared mapping (a nameless memfd), the robust
//!   process-shared mutex, and all of the crate's `unsafe`.
//! - [`layout`]: what the shared block holds, cache-line by cache-line.
//! - [`workers`]: worker processes, the binary re-executed with a role.
//! - [`runs`]: the parent's side of each demo.

pub mod layout;
pub mod runs;
pub mod shm;
pub mod workers;
