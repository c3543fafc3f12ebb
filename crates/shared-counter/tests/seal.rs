//! A worker process that inherits a block and tries to shrink or grow it is
//! refused with EPERM, so it cannot kill the others with SIGBUS: the block's
//! size is sealed. This binary is both sides: run plainly, it is the test;
//! with `--resizing-worker`, it is the worker the test starts.

use shared_counter::shm::{SharedBlock, SharedMemory};
use std::fs::File;
use std::os::fd::AsFd;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};

#[repr(C)]
struct Block {
    tries: AtomicU64,
    refused: AtomicU64,
}

// SAFETY: two atomics, valid as zero bytes, no pointers.
unsafe impl SharedBlock for Block {}

const WORKER_FLAG: &str = "--resizing-worker";

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some(WORKER_FLAG) {
        return worker();
    }
    if !cfg!(target_os = "linux") {
        println!("test a_worker_cannot_resize_the_block ... ignored (seals exist on Linux only)");
        return ExitCode::SUCCESS;
    }
    let memory = SharedMemory::<Block>::create().expect("a block");
    let size = File::from(memory.as_fd().try_clone_to_owned().unwrap())
        .metadata()
        .unwrap()
        .len();
    let status = memory
        .command(std::env::current_exe().unwrap())
        .arg(WORKER_FLAG)
        .status()
        .expect("running the worker");
    assert!(status.success(), "the worker failed: {status}");
    assert_eq!(memory.tries.load(Ordering::SeqCst), 3);
    assert_eq!(
        memory.refused.load(Ordering::SeqCst),
        3,
        "every resize must be refused"
    );
    let after = File::from(memory.as_fd().try_clone_to_owned().unwrap())
        .metadata()
        .unwrap()
        .len();
    assert_eq!(after, size, "the block's size changed");
    println!("test a_worker_cannot_resize_the_block ... ok");
    ExitCode::SUCCESS
}

/// Tries to truncate, halve and double the inherited block, counting the
/// attempts and the refusals in the block itself.
fn worker() -> ExitCode {
    let memory = SharedMemory::<Block>::inherited().expect("the inherited block");
    let file = File::from(memory.as_fd().try_clone_to_owned().unwrap());
    let size = file.metadata().unwrap().len();
    for new_size in [0, size / 2, size * 2] {
        memory.tries.fetch_add(1, Ordering::SeqCst);
        match file.set_len(new_size) {
            Err(error) if error.raw_os_error() == Some(libc::EPERM) => {
                memory.refused.fetch_add(1, Ordering::SeqCst);
            }
            Err(error) => {
                eprintln!("resizing to {new_size}: unexpected {error}");
                return ExitCode::FAILURE;
            }
            Ok(()) => eprintln!("resizing to {new_size} succeeded"),
        }
    }
    ExitCode::SUCCESS
}
