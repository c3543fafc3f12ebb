//! `cargo xtask tidy`'s rules, as a test, so `cargo test --workspace`
//! enforces them: every example has its README sections, reference.py,
//! tests, expected output, `//!` header and an up-to-date checker copy; no
//! manifest leans on the workspace; shared dependencies agree on versions.

#[test]
fn every_example_keeps_the_rules() {
    let problems =
        xtask::tidy::problems(&xtask::workspace::root()).expect("running the tidy checks");
    assert!(
        problems.is_empty(),
        "tidy found:\n  {}",
        problems.join("\n  ")
    );
}
