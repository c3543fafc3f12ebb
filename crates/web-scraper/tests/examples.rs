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
fn broken_links_finds_the_bundled_sites_three_with_the_pages_they_are_on() {
    let output = Command::new(example("broken_links"))
        .output()
        .expect("running the broken_links example");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    // The port varies; the rest is the same on every run.
    let origin = stdout
        .split("checked on ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .expect("the summary names the site");
    let report = stdout.replace(origin, "SITE");
    assert_eq!(
        report,
        "broken: SITE/glossary/livelock.html (status 404 Not Found)\n\
         \x20 found on SITE/glossary/deadlock.html\n\
         broken: SITE/guide/missing.html (status 404 Not Found)\n\
         \x20 found on SITE/index.html\n\
         broken: SITE/rust/crossbeam.html (status 404 Not Found)\n\
         \x20 found on SITE/guide/async.html\n\
         3 broken links; 42 URLs checked on SITE, 1 links to other sites not followed\n"
    );
}

#[test]
fn broken_links_refuses_a_url_that_is_not_http_with_code_2() {
    let output = Command::new(example("broken_links"))
        .arg("ftp://example.com/")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
