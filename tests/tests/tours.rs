//! Every example's default tour, end to end, through the same runner as
//! `cargo xtask run-all`: exit status, stdout against the crate's
//! expected-output file, no process left running, no new `/dev/shm` entry.
//! So `cargo test --workspace` covers what run-all covers.

use std::process::Command;
use std::time::Duration;
use xtask::run_all::{Options, check_tour, print_failure};
use xtask::{procs, workspace};

#[test]
fn every_tour_matches_its_expected_output_and_cleans_up() {
    let root = workspace::root();
    let examples = workspace::examples(&root).expect("listing the examples");
    assert!(
        !examples.is_empty(),
        "no example crates found under crates/"
    );
    let metadata = workspace::metadata(&root).expect("cargo metadata");
    let target_dir = workspace::target_dir(&metadata).expect("the target dir");
    // `cargo test --workspace` has built these binaries already; building
    // again is a no-op then, and makes `cargo test -p workspace-tests` alone
    // test fresh binaries too.
    workspace::build(&root, &examples, false).expect("building the examples");
    procs::become_subreaper().expect("becoming a child subreaper");

    let options = Options {
        only: Vec::new(),
        release: false,
        json: false,
        timeout: Duration::from_secs(60),
    };
    let mut failed = Vec::new();
    for example in &examples {
        let binary = example.binary(&target_dir, workspace::profile_dir(false));
        let outcome =
            check_tour(example, Command::new(binary), &options).expect("starting the tour");
        if !outcome.passed() {
            print_failure(&outcome);
            failed.push(example.name.clone());
        }
    }
    assert!(
        failed.is_empty(),
        "these tours failed (details above): {}",
        failed.join(", ")
    );
}
