//! The README shows the seed's translation in full; this keeps the copy
//! there identical to `src/demos/seed.rs`.

#[test]
fn the_readme_shows_the_seed_demo_in_full() {
    let root = env!("CARGO_MANIFEST_DIR");
    let seed = std::fs::read_to_string(format!("{root}/src/demos/seed.rs")).unwrap();
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    assert!(
        readme.contains(&format!("```rust\n{seed}```\n")),
        "README.md's copy of src/demos/seed.rs is out of date: paste the file in again"
    );
}
