//! Every `unsafe` block of this crate: a block of shared memory of any
//! [`SharedBlock`] type, a robust process-shared mutex to put in it, and
//! handing the block to a child process. Each block argues its soundness in
//! a `// SAFETY:` comment. The only `unsafe` elsewhere is `unsafe impl
//! SharedBlock` on a type meant for the block: a promise, argued beside it,
//! that the type is fit to share. This module imports nothing from the
//! crate.
//!
//! Written by hand on libc because no maintained crate offers a robust,
//! process-shared mutex: `shared_memory` is unmaintained and `raw_sync` is
//! abandoned.

use std::cell::UnsafeCell;
#[cfg(target_os = "linux")]
use std::ffi::CStr;
use std::ffi::OsStr;
use std::io;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::ptr::NonNull;
use std::sync::atomic::{
    AtomicBool, AtomicI32, AtomicI64, AtomicU32, AtomicU64, AtomicUsize, Ordering,
};

/// Set in a child's environment by [`SharedMemory::command`]: the number of
/// the memfd it inherits. [`SharedMemory::inherited`] reads it.
pub const FD_ENV: &str = "SHARED_COUNTER_FD";

/// The memfd's name, shown only in `/proc/PID/fd`; it never appears in
/// `/dev/shm` or anywhere else in the file system.
#[cfg(target_os = "linux")]
const MEMFD_NAME: &CStr = c"shared-counter";
/// How `/proc/self/fd/N` names our memfd.
#[cfg(target_os = "linux")]
const MEMFD_LINK: &str = "/memfd:shared-counter (deleted)";
/// How long a robust mutex's waiter sleeps before it looks at the lock
/// again (see [`RobustMutex::lock`]).
#[cfg(target_os = "linux")]
const LOCK_SLICE: std::time::Duration = std::time::Duration::from_millis(50);
/// The seals every block carries on Linux: its size is fixed for good, so
/// no process can truncate it under the others' mappings (they would die of
/// SIGBUS).
#[cfg(target_os = "linux")]
const SEALS: libc::c_int = libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_SEAL;

/// Turns a `-1` return into the `errno` error.
fn check(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

/// A type that may live in memory shared between processes.
///
/// Implement it for your own block, a `#[repr(C)]` struct of atomics,
/// [`RobustMutex`]es, [`CacheLine`]s and integers, and put any mutex in it
/// through [`init`](SharedBlock::init).
///
/// # Safety
///
/// - All-zero bytes must be a valid value: that is what a new block holds.
/// - It holds no pointer, reference, `Box` or fd: each process has its own
///   address space and fd table.
/// - Every field that more than one process writes is an atomic or sits in
///   a [`RobustMutex`]. `std::sync::Mutex` does not qualify: its futex is
///   private to one process.
/// - Both sides run the same binary (a worker re-executes it), so they
///   agree on the layout.
pub unsafe trait SharedBlock: Sync + Sized {
    /// Prepares a new, zeroed block before any other process can map it:
    /// the place to call [`RobustMutex::init`]. Does nothing by default.
    fn init(&self, fresh: &Fresh<'_>) -> io::Result<()> {
        let _ = fresh;
        Ok(())
    }
}

macro_rules! plain_shared_blocks {
    ($($type:ty),*) => {$(
        // SAFETY: zero is a valid value, and it holds no pointer. An integer
        // is shared read-only, and an atomic is safe to write from anywhere.
        unsafe impl SharedBlock for $type {}
    )*};
}
plain_shared_blocks!(
    u8,
    u16,
    u32,
    u64,
    i32,
    i64,
    AtomicBool,
    AtomicU32,
    AtomicU64,
    AtomicI32,
    AtomicI64,
    AtomicUsize
);
// SAFETY: an array of valid shared blocks is one, and zero bytes are all
// zero elements.
unsafe impl<T: SharedBlock, const N: usize> SharedBlock for [T; N] {
    fn init(&self, fresh: &Fresh<'_>) -> io::Result<()> {
        self.iter().try_for_each(|element| element.init(fresh))
    }
}

/// Proof that a block was just created and no other process has mapped it
/// yet. Only [`SharedMemory::create`] makes one, for the length of its call
/// to [`SharedBlock::init`].
pub struct Fresh<'a> {
    start: usize,
    end: usize,
    _block: PhantomData<&'a ()>,
}

impl Fresh<'_> {
    fn covers<T>(&self, item: &T) -> bool {
        let at = std::ptr::from_ref(item) as usize;
        self.start <= at && at + size_of::<T>() <= self.end
    }
}

/// Pads and aligns its content to a 64-byte cache line, so that one
/// process's writes do not slow down another's reads of a neighbour (false
/// sharing).
#[derive(Default)]
#[repr(C, align(64))]
pub struct CacheLine<T>(pub T);

// SAFETY: the padding adds nothing but zero-valid bytes around a `T` that is
// itself a valid shared block.
unsafe impl<T: SharedBlock> SharedBlock for CacheLine<T> {
    fn init(&self, fresh: &Fresh<'_>) -> io::Result<()> {
        self.0.init(fresh)
    }
}

impl<T> Deref for CacheLine<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// One `T` in memory mapped `MAP_SHARED` from a nameless memfd. When the
/// last process holding the fd or the mapping exits, the kernel frees the
/// memory: nothing can leak, even after SIGKILL.
///
/// The parent [`create`](Self::create)s it and starts children with
/// [`command`](Self::command); each child, which is this same program,
/// maps it with [`inherited`](Self::inherited). It dereferences to `&T`.
pub struct SharedMemory<T: SharedBlock> {
    block: NonNull<T>,
    fd: OwnedFd,
    /// Serialises this process's threads over [`FileLocked`] values: a
    /// record lock belongs to a process, so it does not keep them apart.
    local: std::sync::Mutex<()>,
}

// SAFETY: `T: SharedBlock` is `Sync` and is written only through atomics and
// robust mutexes, so sharing the mapping between threads is as sound as
// sharing it between processes, which is its purpose.
unsafe impl<T: SharedBlock> Send for SharedMemory<T> {}
// SAFETY: as above; `&SharedMemory<T>` hands out only `&T`.
unsafe impl<T: SharedBlock> Sync for SharedMemory<T> {}

/// Whether this process has already taken its inherited block.
static INHERITED: AtomicBool = AtomicBool::new(false);

impl<T: SharedBlock> SharedMemory<T> {
    /// Creates the block, zeroed, and runs [`SharedBlock::init`] on it. On
    /// Linux it is a memfd whose size is sealed: nobody can shrink or grow
    /// it afterwards. Elsewhere it is a POSIX shared memory object, unlinked
    /// the moment it exists, so no name is left behind either. The fd is
    /// close-on-exec; [`command`](Self::command) lets one chosen child
    /// inherit it.
    pub fn create() -> io::Result<Self> {
        let mut raw = new_anonymous_file()?;
        if raw <= 2 {
            // Stdio was closed, so the memfd took its number; a child's
            // stdio would be put over it. Move it above.
            // SAFETY: fcntl duplicates the fd we own into a new one; the old
            // number is closed right after, and only ever owned here.
            let moved = check(unsafe { libc::fcntl(raw, libc::F_DUPFD_CLOEXEC, 3) });
            // SAFETY: `raw` is ours and is not used again.
            unsafe { libc::close(raw) };
            raw = moved?;
        }
        // SAFETY: `raw` is a fresh fd that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let size = libc::off_t::try_from(size_of::<T>()).map_err(io::Error::other)?;
        // SAFETY: `fd` is a valid memfd; ftruncate only sets its size, and a
        // memfd grows filled with zero bytes.
        check(unsafe { libc::ftruncate(fd.as_raw_fd(), size) })?;
        #[cfg(target_os = "linux")]
        // SAFETY: adds seals to a memfd we own, made with MFD_ALLOW_SEALING.
        check(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_ADD_SEALS, SEALS) })?;
        let memory = Self::map(fd)?;
        let start = memory.block.as_ptr() as usize;
        let fresh = Fresh {
            start,
            end: start + size_of::<T>(),
            _block: PhantomData,
        };
        memory.init(&fresh)?;
        Ok(memory)
    }

    /// In a child started with [`command`](Self::command): maps the block
    /// its parent created, named by [`FD_ENV`]. A process takes at most one
    /// inherited block; the fd is made close-on-exec again, so the child's
    /// own children do not inherit it.
    ///
    /// Fails with [`io::ErrorKind::NotFound`] when [`FD_ENV`] is not set,
    /// and with a clear error when it names anything but a block of this
    /// type made by this crate.
    pub fn inherited() -> io::Result<Self> {
        let text = std::env::var(FD_ENV).map_err(|_| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "{FD_ENV} is not set: this process was not started by SharedMemory::command"
                ),
            )
        })?;
        let raw: RawFd = text.parse().ok().filter(|&raw| raw > 2).ok_or_else(|| {
            io::Error::other(format!("{FD_ENV}={text} is not an fd number above 2"))
        })?;
        #[cfg(target_os = "linux")]
        {
            let link = std::fs::read_link(format!("/proc/self/fd/{raw}"))
                .map_err(|error| io::Error::other(format!("{FD_ENV}: fd {raw}: {error}")))?;
            if link.as_os_str() != MEMFD_LINK {
                return Err(io::Error::other(format!(
                    "{FD_ENV}: fd {raw} is {}, not a shared block",
                    link.display()
                )));
            }
        }
        // Elsewhere no path names the fd: a closed number fails fstat below.
        if INHERITED.swap(true, Ordering::SeqCst) {
            return Err(io::Error::other(
                "this process already took its inherited block",
            ));
        }
        // SAFETY: fd `raw` is open and is the memfd our parent made
        // inheritable for us (checked above). The parent named it for this
        // call only, and `INHERITED` lets this conversion happen once per
        // process, so no second owner of the fd can be made here.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: sets a flag on an fd we own.
        check(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) })?;
        #[cfg(target_os = "linux")]
        {
            // SAFETY: reads the seals of an fd we own.
            let seals = check(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GET_SEALS) })?;
            if seals & SEALS != SEALS {
                return Err(io::Error::other(format!(
                    "fd {raw} is not sealed as a shared block is"
                )));
            }
        }
        let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: `stat` is valid writable memory of the right type.
        check(unsafe { libc::fstat(fd.as_raw_fd(), stat.as_mut_ptr()) })?;
        // SAFETY: fstat succeeded, so it filled in `stat`.
        let size = unsafe { stat.assume_init() }.st_size;
        if usize::try_from(size).ok() != Some(size_of::<T>()) {
            return Err(io::Error::other(format!(
                "fd {raw} is {size} bytes, not the {} of this block type",
                size_of::<T>()
            )));
        }
        Self::map(fd)
    }

    fn map(fd: OwnedFd) -> io::Result<Self> {
        // SAFETY: sysconf takes a constant and cannot fail for this one.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        if usize::try_from(page).is_ok_and(|page| align_of::<T>() > page) {
            return Err(io::Error::other("the block's alignment exceeds a page"));
        }
        // SAFETY: we ask for a fresh shared mapping of the whole memfd; the
        // kernel picks the address. MAP_FAILED is checked below.
        let address = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size_of::<T>(),
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                0,
            )
        };
        if address == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        // mmap returns page-aligned memory, which satisfies `T`'s alignment
        // (checked above).
        let block = NonNull::new(address.cast::<T>())
            .ok_or_else(|| io::Error::other("mmap returned null"))?;
        Ok(SharedMemory {
            block,
            fd,
            local: std::sync::Mutex::new(()),
        })
    }

    /// A command for `program` (normally this very binary) whose process
    /// inherits the block, and, on Linux, dies with SIGKILL if the thread
    /// that spawns it dies (`PR_SET_PDEATHSIG`). Spawn it from a thread that lives until the children are
    /// reaped, such as `main`'s. Add arguments and spawn as usual.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let fd = self.fd.as_raw_fd();
        let mut command = Command::new(program);
        command.env(FD_ENV, fd.to_string());
        // SAFETY: getpid takes no arguments and cannot fail.
        let parent = unsafe { libc::getpid() };
        let hook = move || -> io::Result<()> {
            // SAFETY: this runs in the forked child before exec, where only
            // async-signal-safe calls are allowed: fcntl, prctl and getppid
            // are. Clearing FD_CLOEXEC on an fd the child inherited touches
            // nothing else; PR_SET_PDEATHSIG takes a signal number.
            unsafe {
                check(libc::fcntl(fd, libc::F_SETFD, 0))?;
                #[cfg(target_os = "linux")]
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
        command
    }
}

/// A new, empty, nameless file in memory, close-on-exec: a memfd on Linux.
#[cfg(target_os = "linux")]
fn new_anonymous_file() -> io::Result<RawFd> {
    // SAFETY: MEMFD_NAME is a valid NUL-terminated string; memfd_create
    // returns a new fd or -1, which `check` turns into an error.
    check(unsafe {
        libc::memfd_create(
            MEMFD_NAME.as_ptr(),
            libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING,
        )
    })
}

/// A new, empty, nameless file in memory, close-on-exec: elsewhere, a POSIX
/// shared memory object under a name no one else uses, unlinked at once.
/// Only the fd is left, so nothing can leak, even after SIGKILL.
#[cfg(not(target_os = "linux"))]
fn new_anonymous_file() -> io::Result<RawFd> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "/shared-counter-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let name = std::ffi::CString::new(name).map_err(io::Error::other)?;
    // SAFETY: `name` is a valid NUL-terminated string; O_EXCL makes this a
    // new object, and shm_open returns an fd or -1.
    let raw = check(unsafe {
        libc::shm_open(
            name.as_ptr(),
            libc::O_RDWR | libc::O_CREAT | libc::O_EXCL,
            0o600 as libc::c_uint,
        )
    })?;
    // SAFETY: removes the name we just made; the fd stays valid.
    unsafe { libc::shm_unlink(name.as_ptr()) };
    // SAFETY: sets a flag on the fd we own.
    check(unsafe { libc::fcntl(raw, libc::F_SETFD, libc::FD_CLOEXEC) })?;
    Ok(raw)
}

impl<T: SharedBlock> AsFd for SharedMemory<T> {
    /// The memfd behind the block, sealed against resizing.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl<T: SharedBlock> Deref for SharedMemory<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the mapping is live for as long as `self`, aligned for `T`,
        // and exactly `size_of::<T>()` bytes. It holds a valid `T`: zero
        // bytes are one (`SharedBlock`'s contract), and afterwards it is
        // written only through atomics and robust mutexes. We never make a
        // `&mut` to it, so other processes writing through their own
        // mappings break no aliasing rule: atomics and `UnsafeCell` allow it.
        unsafe { self.block.as_ref() }
    }
}

impl<T: SharedBlock> Drop for SharedMemory<T> {
    fn drop(&mut self) {
        // SAFETY: the pointer and length are those mmap returned; after
        // `drop` no reference into the mapping can outlive `self`.
        unsafe {
            libc::munmap(self.block.as_ptr().cast(), size_of::<T>());
        }
    }
}

/// A `T` behind a robust, process-shared pthread mutex: the lock Python's
/// `Value` has, built to survive a holder that dies.
///
/// When a holder dies, even by SIGKILL, the kernel releases the lock and the
/// next [`lock`](Self::lock) reports it through
/// [`RobustGuard::previous_owner_died`]. The data may then be half-updated:
/// repair it through that guard before relying on it.
///
/// It lives only inside a [`SharedBlock`], and must be set up there with
/// [`init`](Self::init) before use.
#[repr(C)]
pub struct RobustMutex<T> {
    ready: AtomicU32,
    mutex: UnsafeCell<libc::pthread_mutex_t>,
    value: UnsafeCell<T>,
}

// SAFETY: the mutex is a process-shared pthread mutex, which works between
// threads as between processes, and `value` is reached only through a guard
// that holds it.
unsafe impl<T: Send> Sync for RobustMutex<T> {}
// SAFETY: zero bytes are an uninitialised mutex (`ready` is 0, so `lock`
// refuses it) around a zero `T`, which `T: SharedBlock` makes valid; `init`
// sets it up before any other process maps the block.
unsafe impl<T: SharedBlock + Send> SharedBlock for RobustMutex<T> {
    fn init(&self, fresh: &Fresh<'_>) -> io::Result<()> {
        RobustMutex::init(self, fresh)
    }
}

impl<T> RobustMutex<T> {
    /// Sets the mutex up as process-shared and robust. Call it from your
    /// block's [`SharedBlock::init`]; a second call does nothing, and a
    /// mutex outside the fresh block is refused.
    pub fn init(&self, fresh: &Fresh<'_>) -> io::Result<()> {
        if !fresh.covers(self) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "this mutex is not inside the block being created",
            ));
        }
        if self.ready.load(Ordering::SeqCst) == 1 {
            return Ok(());
        }
        if !cfg!(target_os = "linux") {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "robust pthread mutexes exist on Linux only; use FileLocked elsewhere",
            ));
        }
        let mut attributes = std::mem::MaybeUninit::<libc::pthread_mutexattr_t>::uninit();
        // SAFETY: each call gets a valid pointer to the attribute object,
        // initialised by the first call before the others use it. `fresh`
        // proves the mutex lives in a block no other process has mapped yet,
        // and only this thread holds it, so initialising it cannot race with
        // a locker.
        unsafe {
            let errno = libc::pthread_mutexattr_init(attributes.as_mut_ptr());
            if errno != 0 {
                return Err(io::Error::from_raw_os_error(errno));
            }
            let attributes = attributes.as_mut_ptr();
            let mut errno =
                libc::pthread_mutexattr_setpshared(attributes, libc::PTHREAD_PROCESS_SHARED);
            #[cfg(target_os = "linux")]
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
        self.ready.store(1, Ordering::SeqCst);
        Ok(())
    }

    /// `pthread_mutex_lock`, in slices of [`LOCK_SLICE`]: a waiter woken
    /// by an unlock and killed before it takes the lock takes the wake-up
    /// with it, and then nothing wakes the waiters left asleep until someone
    /// else contends, which at the end of a run may be never. The chaos
    /// demo's test saw it once: after the run's end, a worker never came
    /// back from `lock`. A wait that runs out looks again, so a lost
    /// wake-up costs a slice, not the process.
    #[cfg(target_os = "linux")]
    fn lock_raw(&self) -> libc::c_int {
        // SAFETY: the mutex was initialised by `init` (checked by the
        // caller) and is only ever used through `lock` and the guard's drop.
        // A free lock is taken without reading the clock.
        let errno = unsafe { libc::pthread_mutex_trylock(self.mutex.get()) };
        if errno != libc::EBUSY {
            return errno;
        }
        loop {
            let mut now = std::mem::MaybeUninit::<libc::timespec>::uninit();
            // SAFETY: a valid clock id and a pointer to a writable timespec.
            unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, now.as_mut_ptr()) };
            // SAFETY: clock_gettime with CLOCK_REALTIME cannot fail.
            let mut deadline = unsafe { now.assume_init() };
            deadline.tv_nsec += LOCK_SLICE.as_nanos() as libc::c_long;
            if deadline.tv_nsec >= 1_000_000_000 {
                deadline.tv_sec += 1;
                deadline.tv_nsec -= 1_000_000_000;
            }
            // SAFETY: the mutex was initialised by `init` (checked by the
            // caller) and is only ever used through `lock` and the guard's
            // drop; `deadline` is a valid timespec.
            let errno = unsafe { libc::pthread_mutex_timedlock(self.mutex.get(), &deadline) };
            if errno != libc::ETIMEDOUT {
                return errno;
            }
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn lock_raw(&self) -> libc::c_int {
        // SAFETY: as on Linux; `lock` returned already, since only Linux
        // initialises the mutex.
        unsafe { libc::pthread_mutex_lock(self.mutex.get()) }
    }

    /// Takes the lock, waiting as long as it takes. If the previous holder
    /// died holding it, the mutex is marked consistent again and the guard
    /// says so.
    pub fn lock(&self) -> io::Result<RobustGuard<'_, T>> {
        if self.ready.load(Ordering::SeqCst) != 1 {
            if !cfg!(target_os = "linux") {
                return Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    "robust pthread mutexes exist on Linux only; use FileLocked elsewhere",
                ));
            }
            return Err(io::Error::other(
                "this RobustMutex was never initialised: call its init from SharedBlock::init",
            ));
        }
        let errno = self.lock_raw();
        let owner_died = match errno {
            0 => false,
            #[cfg(target_os = "linux")]
            libc::EOWNERDEAD => {
                // SAFETY: we hold the lock in the owner-died state; marking
                // it consistent is exactly what pthread expects next.
                let errno = unsafe { libc::pthread_mutex_consistent(self.mutex.get()) };
                if errno != 0 {
                    // SAFETY: we hold the lock; give it back.
                    unsafe { libc::pthread_mutex_unlock(self.mutex.get()) };
                    return Err(io::Error::from_raw_os_error(errno));
                }
                true
            }
            errno => return Err(io::Error::from_raw_os_error(errno)),
        };
        Ok(RobustGuard {
            mutex: self,
            owner_died,
            _not_send: PhantomData,
        })
    }
}

/// Holds a [`RobustMutex`]; unlocks when dropped. It dereferences to the
/// guarded value.
pub struct RobustGuard<'a, T> {
    mutex: &'a RobustMutex<T>,
    owner_died: bool,
    /// A pthread mutex must be unlocked by the thread that locked it.
    _not_send: PhantomData<*const ()>,
}

impl<T> RobustGuard<'_, T> {
    /// Whether the previous holder died holding the lock, so that the value
    /// may be half-updated.
    pub fn previous_owner_died(&self) -> bool {
        self.owner_died
    }
}

impl<T> Deref for RobustGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard proves we hold the lock, so no other thread or
        // process writes the value meanwhile.
        unsafe { &*self.mutex.value.get() }
    }
}

impl<T> DerefMut for RobustGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as above, and `&mut self` makes this the only reference
        // made through this guard.
        unsafe { &mut *self.mutex.value.get() }
    }
}

impl<T> Drop for RobustGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: the guard exists only while we hold the lock, lives on the
        // thread that took it, and is dropped once, so this unlocks exactly
        // the lock we took.
        unsafe {
            libc::pthread_mutex_unlock(self.mutex.mutex.get());
        }
    }
}

/// A `T` behind a POSIX record lock (`fcntl(F_SETLKW)`) on one byte of the
/// block's file: the portable robust lock. The kernel releases it when its
/// holder dies, however it dies, on Linux, macOS and every other Unix.
///
/// Unlike [`RobustMutex`], nobody is told that the holder died: keep an
/// undo record in `T`, as [`FileLockedCounter`](crate::counter::FileLockedCounter)
/// does, to repair a half-done update. Two POSIX rules shape it:
/// - A record lock belongs to a process, not to a thread (nor to an open
///   file description, as `flock`'s do, which workers that inherit one fd
///   would all share). So [`SharedMemory`] also keeps a mutex of its own
///   that orders this process's threads, and a thread may hold one
///   `FileLocked` of a block at a time.
/// - Closing any fd of the block in a process drops that process's record
///   locks on it. Do not close a duplicate of the block's fd while a guard
///   lives.
#[repr(C)]
pub struct FileLocked<T> {
    value: UnsafeCell<T>,
}

// SAFETY: `value` is reached only through a guard that holds the record
// lock on this value's byte, which excludes other processes, and the
// SharedMemory's own mutex, which excludes this process's other threads.
unsafe impl<T: Send> Sync for FileLocked<T> {}
// SAFETY: just a `T`, which `T: SharedBlock` makes valid as zero bytes; the
// lock lives in the kernel, not in the block.
unsafe impl<T: SharedBlock + Send> SharedBlock for FileLocked<T> {}

impl<T> FileLocked<T> {
    /// Takes the lock, waiting as long as it takes. `memory` is the block
    /// this value lives in. The byte locked is the value's own offset in
    /// the block, so every process locks the same one.
    pub fn lock<'a, B: SharedBlock>(
        &'a self,
        memory: &'a SharedMemory<B>,
    ) -> io::Result<FileGuard<'a, T>> {
        let base = memory.block.as_ptr() as usize;
        let at = std::ptr::from_ref(self) as usize;
        if at < base || at + size_of::<Self>() > base + size_of::<B>() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "this FileLocked is not inside that block",
            ));
        }
        let offset = libc::off_t::try_from(at - base).map_err(io::Error::other)?;
        let local = memory
            .local
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        record_lock(
            memory.fd.as_raw_fd(),
            offset,
            libc::F_WRLCK as libc::c_short,
            true,
        )?;
        Ok(FileGuard {
            locked: self,
            fd: memory.fd.as_fd(),
            offset,
            _local: local,
        })
    }
}

/// Sets (`F_WRLCK`) or clears (`F_UNLCK`) the record lock on one byte,
/// waiting for it when `wait`.
fn record_lock(fd: RawFd, offset: libc::off_t, kind: libc::c_short, wait: bool) -> io::Result<()> {
    // SAFETY: all-zero bytes are a valid `flock` record (plain integers);
    // the fields that matter are set below.
    let mut record: libc::flock = unsafe { std::mem::zeroed() };
    record.l_type = kind;
    record.l_whence = libc::SEEK_SET as libc::c_short;
    record.l_start = offset;
    record.l_len = 1;
    let command = if wait { libc::F_SETLKW } else { libc::F_SETLK };
    loop {
        // SAFETY: `record` is a valid flock struct that outlives the call;
        // fcntl reads it (and may write it) and touches nothing else.
        if unsafe { libc::fcntl(fd, command, &mut record) } != -1 {
            return Ok(());
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

/// Holds a [`FileLocked`]; unlocks when dropped. It dereferences to the
/// guarded value.
pub struct FileGuard<'a, T> {
    locked: &'a FileLocked<T>,
    fd: BorrowedFd<'a>,
    offset: libc::off_t,
    /// This process's turn; also makes the guard stay on its thread.
    _local: std::sync::MutexGuard<'a, ()>,
}

impl<T> Deref for FileGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the record lock (other processes) and the
        // block's local mutex (other threads), so nobody else touches the
        // value meanwhile.
        unsafe { &*self.locked.value.get() }
    }
}

impl<T> DerefMut for FileGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as above, and `&mut self` makes this the only reference
        // made through this guard.
        unsafe { &mut *self.locked.value.get() }
    }
}

impl<T> Drop for FileGuard<'_, T> {
    fn drop(&mut self) {
        // Unlocking a byte we hold cannot wait; should it fail, the lock
        // still goes when this process exits.
        let _ = record_lock(
            self.fd.as_raw_fd(),
            self.offset,
            libc::F_UNLCK as libc::c_short,
            false,
        );
    }
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
