//! Every `unsafe` line of this crate: the shared mapping, the robust
//! process-shared mutex, and preparing a child process to inherit the
//! mapping. Each block argues its soundness in a `// SAFETY:` comment.
//!
//! Written by hand on libc because no maintained crate offers a robust,
//! process-shared mutex: `shared_memory` is unmaintained and `raw_sync` is
//! abandoned.

use crate::layout::{CacheLine, Journal, MAX_WORKERS, Shared};
use std::cell::UnsafeCell;
use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};

/// Set in a worker's environment: the number of the memfd it inherited.
pub const FD_ENV: &str = "SHARED_COUNTER_FD";

/// The memfd's name, shown only in `/proc/PID/fd`; it never appears in
/// `/dev/shm` or anywhere else in the file system.
const MEMFD_NAME: &CStr = c"shared-counter";

/// Turns a `-1` return into the `errno` error.
fn check(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

/// A [`Shared`] block in memory mapped `MAP_SHARED` from a nameless memfd.
/// When the last process holding the fd or the mapping exits, the kernel
/// frees the memory: nothing can leak, even after SIGKILL.
pub struct SharedMemory {
    shared: NonNull<Shared>,
    fd: OwnedFd,
}

// SAFETY: `Shared` holds only atomics and data guarded by the robust mutex,
// so sharing the mapping between threads is as sound as sharing it between
// processes, which is its purpose.
unsafe impl Send for SharedMemory {}
// SAFETY: as above; `&SharedMemory` hands out only `&Shared`.
unsafe impl Sync for SharedMemory {}

impl SharedMemory {
    /// Creates the block, zeroed, with its mutex initialised. The fd is
    /// close-on-exec; [`prepare_worker`] lets one chosen child inherit it.
    pub fn create() -> io::Result<Self> {
        // SAFETY: MEMFD_NAME is a valid NUL-terminated string; memfd_create
        // returns a new fd or -1, which `check` turns into an error.
        let raw = check(unsafe { libc::memfd_create(MEMFD_NAME.as_ptr(), libc::MFD_CLOEXEC) })?;
        // SAFETY: `raw` is a fresh fd that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let size = libc::off_t::try_from(size_of::<Shared>()).map_err(io::Error::other)?;
        // SAFETY: `fd` is a valid memfd; ftruncate only sets its size, and a
        // memfd grows filled with zero bytes.
        check(unsafe { libc::ftruncate(fd.as_raw_fd(), size) })?;
        let memory = Self::map(fd)?;
        memory.shared().locked.init()?;
        Ok(memory)
    }

    /// In a worker: maps the block its parent created and passed down, as
    /// named by [`FD_ENV`]. The variable is removed, so the fd can be taken
    /// over only once.
    pub fn attach_inherited() -> io::Result<Self> {
        let raw: RawFd = take_env(FD_ENV)
            .and_then(|text| text.parse().ok())
            .ok_or_else(|| io::Error::other(format!("{FD_ENV} is not set to an fd number")))?;
        // SAFETY: the parent set FD_ENV to the memfd it made inheritable for
        // this child alone (`prepare_worker`); nothing else in this process
        // knows the number, and `take_env` removed it, so no second owner
        // can be made through this function.
        unsafe { Self::attach(raw) }
    }

    /// Maps the block a parent created and passed down as fd `raw`.
    ///
    /// # Safety
    /// `raw` must be an open memfd made by [`SharedMemory::create`] that this
    /// process owns and nothing else will close.
    unsafe fn attach(raw: RawFd) -> io::Result<Self> {
        // SAFETY: the caller promises `raw` is ours alone to own.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: `stat` is valid writable memory of the right type.
        check(unsafe { libc::fstat(fd.as_raw_fd(), stat.as_mut_ptr()) })?;
        // SAFETY: fstat succeeded, so it filled in `stat`.
        let size = unsafe { stat.assume_init() }.st_size;
        if usize::try_from(size).ok() != Some(size_of::<Shared>()) {
            return Err(io::Error::other(format!(
                "fd {raw} is {size} bytes, not a shared-counter block"
            )));
        }
        Self::map(fd)
    }

    fn map(fd: OwnedFd) -> io::Result<Self> {
        // SAFETY: we ask for a fresh shared mapping of the whole memfd; the
        // kernel picks the address. MAP_FAILED is checked below.
        let address = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size_of::<Shared>(),
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                0,
            )
        };
        if address == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        // mmap returns page-aligned memory, which satisfies `Shared`'s
        // 64-byte alignment.
        let shared = NonNull::new(address.cast::<Shared>())
            .ok_or_else(|| io::Error::other("mmap returned null"))?;
        Ok(SharedMemory { shared, fd })
    }

    /// The shared block. Only `&` references exist to it: every field is an
    /// atomic, or plain data reached through the robust mutex.
    pub fn shared(&self) -> &Shared {
        // SAFETY: the mapping is live for as long as `self`, page-aligned,
        // and exactly `size_of::<Shared>()` bytes. All-zero bytes are a valid
        // `Shared` (atomics, integers, and a pthread mutex that `create`
        // initialised before any other process could map it). We never make
        // a `&mut` to it, so other processes writing through their own
        // mappings break no aliasing rule: atomics and `UnsafeCell` allow it.
        unsafe { self.shared.as_ref() }
    }

    /// The memfd, to hand to a worker with [`prepare_worker`].
    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl Drop for SharedMemory {
    fn drop(&mut self) {
        // SAFETY: the pointer and length are those mmap returned; after
        // `drop` no reference into the mapping can outlive `self`.
        unsafe {
            libc::munmap(self.shared.as_ptr().cast(), size_of::<Shared>());
        }
    }
}

/// Makes `command`'s child inherit the memfd `fd` (under the same number)
/// and die with SIGKILL if the thread that spawned it dies. Call it from a
/// thread that lives until the children are reaped, such as `main`'s.
pub fn prepare_worker(command: &mut Command, fd: RawFd) {
    // SAFETY: getpid takes no arguments and cannot fail.
    let parent = unsafe { libc::getpid() };
    let hook = move || -> io::Result<()> {
        // SAFETY: this runs in the forked child before exec, where only
        // async-signal-safe calls are allowed: fcntl, prctl and getppid are.
        // Clearing FD_CLOEXEC on an fd the child inherited touches nothing
        // else; PR_SET_PDEATHSIG takes a signal number.
        unsafe {
            check(libc::fcntl(fd, libc::F_SETFD, 0))?;
            check(libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0,
                0,
                0,
            ))?;
            // The parent may have died before prctl took effect; then no
            // signal will ever come, so give up now.
            if libc::getppid() != parent {
                // An OS error code: building it does not allocate, which
                // matters between fork and exec.
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
        }
        Ok(())
    };
    // SAFETY: the hook above uses only async-signal-safe calls and never
    // allocates: its errors are plain OS error codes.
    unsafe {
        command.pre_exec(hook);
    }
}

/// Reads and removes an environment variable, as a worker does with the
/// variables that carry its role, so they are not passed on.
pub fn take_env(name: &str) -> Option<String> {
    let value = std::env::var(name).ok()?;
    // SAFETY: only called by a worker at the very start of `main`, before it
    // starts any thread, so no other thread can be reading the environment.
    unsafe { std::env::remove_var(name) };
    Some(value)
}

/// Nanoseconds on `CLOCK_MONOTONIC`, which is the same clock in every
/// process of the machine, so timestamps from workers can be compared.
pub fn monotonic_nanos() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is valid writable memory; CLOCK_MONOTONIC always exists.
    unsafe {
        libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now);
    }
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

/// A plain counter behind a robust, process-shared pthread mutex: Python's
/// `Value('i', 0)` with its `get_lock()`, built to survive a holder that dies.
///
/// Each increment first writes an undo record (the [`Journal`]), then the
/// new values, then clears the record. If the holder dies on the way, the
/// next locker is told `EOWNERDEAD`, finds the record, restores the old
/// values, and marks the mutex consistent again.
#[repr(C)]
pub struct LockedCounter {
    mutex: UnsafeCell<libc::pthread_mutex_t>,
    count: UnsafeCell<u64>,
    journal: UnsafeCell<Journal>,
    /// How many times a dead holder's lock was recovered.
    pub recoveries: AtomicU64,
    /// Each worker's tally of the increments it completed, kept under the
    /// lock with the counter, so the two always agree.
    pub done: [CacheLine<AtomicU64>; MAX_WORKERS],
}

// SAFETY: the mutex is a process-shared pthread mutex, which works between
// threads as between processes, and `count` and `journal` are read and
// written only while holding it (through `CounterGuard` and `roll_back`).
unsafe impl Sync for LockedCounter {}

/// Whether taking the lock found a dead holder's mess and repaired it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locked {
    Clean,
    /// The previous holder died; its half-done increment, if any, was undone.
    Recovered {
        rolled_back: bool,
    },
}

/// Holds the lock; unlocks when dropped.
pub struct CounterGuard<'a> {
    counter: &'a LockedCounter,
    pub state: Locked,
}

impl LockedCounter {
    fn init(&self) -> io::Result<()> {
        let mut attributes = std::mem::MaybeUninit::<libc::pthread_mutexattr_t>::uninit();
        // SAFETY: each call gets a valid pointer to the attribute object,
        // initialised by the first call before the others use it. The mutex
        // lives in the fresh mapping that no other process has mapped yet,
        // so initialising it cannot race with a locker.
        unsafe {
            let errno = libc::pthread_mutexattr_init(attributes.as_mut_ptr());
            if errno != 0 {
                return Err(io::Error::from_raw_os_error(errno));
            }
            let attributes = attributes.as_mut_ptr();
            let mut errno =
                libc::pthread_mutexattr_setpshared(attributes, libc::PTHREAD_PROCESS_SHARED);
            if errno == 0 {
                errno = libc::pthread_mutexattr_setrobust(attributes, libc::PTHREAD_MUTEX_ROBUST);
            }
            if errno == 0 {
                errno = libc::pthread_mutex_init(self.mutex.get(), attributes);
            }
            libc::pthread_mutexattr_destroy(attributes);
            if errno != 0 {
                return Err(io::Error::from_raw_os_error(errno));
            }
        }
        Ok(())
    }

    /// Takes the lock, repairing the state a dead holder left behind.
    pub fn lock(&self) -> io::Result<CounterGuard<'_>> {
        // SAFETY: the mutex was initialised by `init` in this shared block
        // and is only ever used through this method and the guard's drop.
        let errno = unsafe { libc::pthread_mutex_lock(self.mutex.get()) };
        let state = match errno {
            0 => Locked::Clean,
            libc::EOWNERDEAD => {
                // SAFETY: EOWNERDEAD means we now hold the lock, so we alone
                // may touch the journal and the counter until we unlock.
                let rolled_back = unsafe { self.roll_back() };
                // SAFETY: we hold the lock in the owner-died state; marking
                // it consistent is exactly what pthread expects next.
                let errno = unsafe { libc::pthread_mutex_consistent(self.mutex.get()) };
                if errno != 0 {
                    return Err(io::Error::from_raw_os_error(errno));
                }
                self.recoveries.fetch_add(1, Ordering::SeqCst);
                Locked::Recovered { rolled_back }
            }
            errno => return Err(io::Error::from_raw_os_error(errno)),
        };
        Ok(CounterGuard {
            counter: self,
            state,
        })
    }

    /// Undoes a half-done increment recorded in the journal.
    ///
    /// # Safety
    /// The caller must hold the lock.
    unsafe fn roll_back(&self) -> bool {
        // SAFETY: the caller holds the lock, so no other process reads or
        // writes the journal or the counter meanwhile.
        unsafe {
            let journal = self.journal.get().read();
            if journal.pending == 0 {
                return false;
            }
            self.count.get().write(journal.count_before);
            if let Some(done) = self.done.get(journal.worker as usize) {
                done.0.store(journal.done_before, Ordering::SeqCst);
            }
            self.journal.get().write(Journal::default());
        }
        true
    }
}

impl CounterGuard<'_> {
    /// The counter's value.
    pub fn get(&self) -> u64 {
        // SAFETY: the guard proves we hold the lock, so no other process
        // writes the counter while we read it.
        unsafe { self.counter.count.get().read() }
    }

    /// Adds one to the counter and to `worker`'s tally, as one undoable
    /// step. `before_commit` runs after both writes and before the undo
    /// record is cleared: the crash demo dies there.
    pub fn increment(&mut self, worker: usize, before_commit: impl FnOnce()) {
        let done = &self.counter.done[worker].0;
        let count_before = self.get();
        let done_before = done.load(Ordering::SeqCst);
        let record = Journal {
            pending: 1,
            worker: worker as u64,
            count_before,
            done_before,
        };
        // SAFETY: the guard proves we hold the lock, so we alone write the
        // journal and the counter; other processes touch them only under
        // the same lock. The journal is written before the data it undoes.
        unsafe {
            self.counter.journal.get().write(record);
            self.counter.count.get().write(count_before + 1);
        }
        done.store(done_before + 1, Ordering::SeqCst);
        before_commit();
        // SAFETY: as above; clearing the record commits the increment.
        unsafe { self.counter.journal.get().write(Journal::default()) };
    }
}

impl Drop for CounterGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: the guard exists only while we hold the lock, and is
        // dropped once, so this unlocks exactly the lock we took.
        unsafe {
            libc::pthread_mutex_unlock(self.counter.mutex.get());
        }
    }
}
