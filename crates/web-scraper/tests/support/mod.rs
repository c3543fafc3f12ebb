//! Test helpers. `binary.rs` runs the binary beside the bundled site.
//! `memory.rs` measures a test binary's peak memory.
//! `expected.rs` is a byte-for-byte copy of the workspace's
//! checker (`xtask/src/expected.rs`), kept here so the tests travel with the
//! crate; `cargo xtask tidy` fails if the two drift apart.

// The tour test uses only `check`; the copy must stay whole to stay identical.
#[allow(dead_code)]
pub mod expected;

// The tests that run the binary as a user does; each uses some of it.
#[allow(dead_code)]
pub mod binary;

// Only the tests that measure memory use it.
#[allow(dead_code)]
pub mod memory;

// Only the shared-frontier tests start a Redis server.
#[cfg(feature = "redis")]
#[allow(dead_code)]
pub mod redis_server;
