//! The programs in `examples/`, run as a user runs them. `cargo test`
//! builds every example before it runs the tests; they sit beside the test
//! binaries' own folder.

use std::path::PathBuf;
use std::process::Command;

/// `target/<profile>/examples/<name>`, found from this test binary's path
/// (`target/<profile>/deps/examples-<hash>`).
fn example(name: &str) -> PathBuf {
    let test_binary = std::env::current_exe().expect("the test binary's path");
    let profile_dir = test_binary
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test binary lives in target/<profile>/deps");
    let path = profile_dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is not built: `cargo test` builds examples unless a target filter (such as --test) leaves them out",
        path.display()
    );
    path
}

#[test]
fn the_pipeline_counts_every_word_and_ranks_them() {
    let file =
        std::env::temp_dir().join(format!("threads-locks-pipeline-{}.txt", std::process::id()));
    // 200 lines, so that the queues (16 each) fill and back-pressure acts.
    let text = "The cat, the hat.\nAnd THE end!\n".repeat(100);
    std::fs::write(&file, &text).unwrap();
    let output = Command::new(example("pipeline")).arg(&file).output();
    std::fs::remove_file(&file).unwrap();
    let output = output.expect("running the pipeline example");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[..5],
        [
            "   300 the",
            "   100 and",
            "   100 cat",
            "   100 end",
            "   100 hat"
        ],
        "{stdout}"
    );
    assert!(
        lines[5].starts_with("700 words, 5 distinct, through 3 tokenizers; queues peaked at "),
        "{stdout}"
    );
    // The bound held: neither queue ever held more than its capacity.
    let peaks: Vec<u32> = lines[5]
        .split("peaked at ")
        .nth(1)
        .unwrap()
        .split(" of ")
        .next()
        .unwrap()
        .split(" and ")
        .map(|peak| peak.parse().unwrap())
        .collect();
    assert!(
        peaks.iter().all(|&peak| (1..=16).contains(&peak)),
        "{peaks:?}"
    );
}

#[test]
fn the_pipeline_on_a_missing_file_exits_with_code_2() {
    let output = Command::new(example("pipeline"))
        .arg("/no/such/file")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read /no/such/file"));
}
