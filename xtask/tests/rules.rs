//! The tidy and copy-check rules catch what they promise to, on small fake
//! crates written to a temporary folder.

mod support;

use serde_json::json;
use std::fs;
use std::path::Path;
use support::Scratch;
use xtask::copy_check::template_problems;
use xtask::tidy::{
    README_SECTIONS, example_problems, library_naming_demos, version_mismatches, xtask_problems,
};
use xtask::workspace::Example;

fn example(dir: &Path) -> Example {
    Example {
        name: "demo".to_string(),
        dir: dir.to_path_buf(),
    }
}

fn metadata_for(dir: &Path, dependencies: serde_json::Value) -> serde_json::Value {
    json!({ "packages": [{
        "name": "demo",
        "dependencies": dependencies,
        "targets": [{ "name": "demo", "src_path": dir.join("src/main.rs") }],
    }]})
}

const CHECKER: &str = "// the checker\n";

fn complete_crate(scratch: &Scratch) {
    let readme: String = README_SECTIONS
        .iter()
        .map(|section| format!("{section}\n\ntext\n\n"))
        .collect();
    scratch.write("README.md", &readme);
    scratch.write("reference.py", "print('hi')\n");
    scratch.write("tests/tour.rs", "#[test] fn t() {}\n");
    scratch.write("tests/support/expected.rs", CHECKER);
    scratch.write(
        "expected-output.txt",
        "hello\n[unordered]\na\n[/unordered]\n",
    );
    scratch.write("src/main.rs", "//! A demo.\nfn main() {}\n");
    scratch.write(
        "Cargo.toml",
        "[package]\nname = \"demo\"\nedition = \"2024\"\n",
    );
}

#[test]
fn a_complete_crate_has_no_problems() {
    let scratch = Scratch::new("rules-complete");
    complete_crate(&scratch);
    assert_eq!(
        example_problems(&example(&scratch.0), CHECKER).unwrap(),
        Vec::<String>::new()
    );
    let metadata = metadata_for(&scratch.0, json!([{ "name": "anyhow", "req": "^1" }]));
    assert_eq!(
        template_problems(&example(&scratch.0), &metadata).unwrap(),
        Vec::<String>::new()
    );
}

#[test]
fn tidy_names_each_missing_piece_and_its_fix() {
    let scratch = Scratch::new("rules-missing");
    complete_crate(&scratch);
    scratch.write("README.md", "## What it shows\n");
    fs::remove_file(scratch.0.join("reference.py")).unwrap();
    scratch.write("src/main.rs", "fn main() {}\n");
    scratch.write("tests/support/expected.rs", "// an old copy\n");
    scratch.write("expected-output.txt", "[unordered]\nnever closed\n");
    let problems = example_problems(&example(&scratch.0), CHECKER).unwrap();
    let expect = [
        "demo/README.md: add the section `## Run it`",
        "demo/reference.py is missing",
        "demo/expected-output.txt: line 1",
        "demo/src/main.rs: open it with a `//!` block",
        "demo/tests/support/expected.rs differs from xtask/src/expected.rs; copy that file over it",
    ];
    for wanted in expect {
        assert!(
            problems.iter().any(|problem| problem.starts_with(wanted)),
            "no `{wanted}` in {problems:#?}"
        );
    }
}

#[test]
fn copy_check_refuses_what_breaks_a_copied_crate() {
    let scratch = Scratch::new("rules-template");
    complete_crate(&scratch);
    scratch.write(
        "Cargo.toml",
        "[package]\nname = \"demo\"\nedition.workspace = true\n\n[dependencies]\nhelper = { path = \"../helper\" }\n",
    );
    scratch.write(
        "src/main.rs",
        "//! A demo.\nconst DATA: &str = include_str!(\"../../shared/data.txt\");\n\
         const SITE: &[u8] = include_bytes!(\"../site/index.html\");\nfn main() {}\n",
    );
    let metadata = metadata_for(
        &scratch.0,
        json!([{ "name": "helper", "req": "*", "path": "/somewhere/helper" }]),
    );
    let problems = template_problems(&example(&scratch.0), &metadata).unwrap();
    let expect = [
        "demo/Cargo.toml:3: `edition.workspace = true` takes a value from the workspace",
        "demo/Cargo.toml: `helper` is a path dependency",
        "demo/src/main.rs:2: refers to a file outside the crate",
    ];
    for wanted in expect {
        assert!(
            problems.iter().any(|problem| problem.starts_with(wanted)),
            "no `{wanted}` in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), expect.len(), "{problems:#?}");
}

#[test]
fn differing_version_requirements_are_reported() {
    let metadata = json!({ "packages": [
        { "name": "one", "dependencies": [{ "name": "clap", "req": "^4.5" }, { "name": "anyhow", "req": "^1" }] },
        { "name": "two", "dependencies": [{ "name": "clap", "req": "^4.4" }, { "name": "anyhow", "req": "^1" }] },
        { "name": "three", "dependencies": [{ "name": "local", "req": "*", "path": "/x" }] },
    ]});
    let problems = version_mismatches(&metadata);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].contains("`clap`")
            && problems[0].contains("`^4.4` in two")
            && problems[0].contains("`^4.5` in one")
    );
}

#[test]
fn a_library_module_that_names_the_demos_is_caught() {
    let scratch = Scratch::new("rules-demos");
    scratch.write("src/main.rs", "mod demos;\nuse demos::tour;\n");
    scratch.write("src/demos/mod.rs", "pub mod tour;\n");
    scratch.write(
        "src/lib.rs",
        "//! Used by the demos, and documented so.\npub mod pool; // the demos' pool\n",
    );
    scratch.write("src/pool.rs", "pub fn run() {}\n");
    assert_eq!(
        library_naming_demos("demo", &scratch.0.join("src")).unwrap(),
        Vec::<String>::new()
    );
    scratch.write(
        "src/pool.rs",
        "pub fn run() {\n    crate::demos::jobs::square();\n}\n",
    );
    let problems = library_naming_demos("demo", &scratch.0.join("src")).unwrap();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].starts_with("demo/src/pool.rs:2: a library module names the demos"));
}

/// Copies every file under `from` to `to`.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn the_xtasks_own_modules_have_no_import_loop_and_a_back_edge_is_caught() {
    let src = xtask::workspace::root().join("xtask/src");
    assert_eq!(xtask_problems(&src).unwrap(), Vec::<String>::new());

    // A back-edge in a copy: the statistics, which the figures read,
    // reading the figures.
    let scratch = Scratch::new("xtask-layers");
    copy_tree(&src, &scratch.0);
    let stats = scratch.read("stats.rs");
    scratch.write(
        "stats.rs",
        &format!("{stats}\npub fn shown(results: &crate::figures::Results) -> usize {{\n    results.rows.len()\n}}\n"),
    );
    let problems = xtask_problems(&scratch.0).unwrap();
    assert!(
        problems
            .iter()
            .any(|problem| problem.contains("figures") && problem.contains("stats")),
        "{problems:#?}"
    );
}
