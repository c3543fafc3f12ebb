//! The default tour, run as a user runs it, checked against
//! `expected-output.txt`: the same check `cargo xtask run-all` makes, so it
//! still runs when this crate is copied out of the workspace.

// The binary, and so this tour test, needs the test site; the manifest
// does not name the tour's tests, which `cargo xtask new --lib-only` drops.
#![cfg(feature = "site")]

mod support;

use std::process::Command;

#[test]
fn the_tour_matches_the_expected_output() {
    let output = Command::new(env!("CARGO_BIN_EXE_web-scraper"))
        .output()
        .expect("running the tour");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the tour failed with {}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let expected_path = concat!(env!("CARGO_MANIFEST_DIR"), "/expected-output.txt");
    let expected = std::fs::read_to_string(expected_path).expect("reading expected-output.txt");
    if let Err(mismatch) = support::expected::check(&expected, &stdout) {
        panic!(
            "the tour's stdout does not match expected-output.txt {mismatch}\n--- stdout ---\n{stdout}"
        );
    }
}
