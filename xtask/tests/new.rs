//! `cargo xtask new`: the refusals write nothing, names are checked as
//! cargo checks them, the rename reaches every spelling, and the library's
//! front-page example becomes a program.

mod support;

use std::fs;
use std::path::PathBuf;
use support::Scratch;
use xtask::new::{
    Options, Refused, Renamer, front_page_example, invalid_name, without_template_table,
};

fn options(template: &str, destination: PathBuf, name: Option<&str>) -> Options {
    Options {
        template: template.to_string(),
        destination,
        name: name.map(String::from),
        lib_only: true,
        check: false,
        target_dir: None,
    }
}

fn refusal(options: &Options) -> String {
    let error = xtask::new::new(options).expect_err("refused");
    assert!(error.is::<Refused>(), "not a refusal (exit 2): {error:#}");
    error.to_string()
}

#[test]
fn refusals_name_the_problem_and_write_nothing() {
    let scratch = Scratch::new("new-refusals");
    let taken = scratch.0.join("taken");
    fs::create_dir_all(&taken).unwrap();
    fs::write(taken.join("notes.txt"), "mine\n").unwrap();
    let cases = [
        (
            options("no-such-crate", scratch.0.join("a"), None),
            "no example crate is called `no-such-crate`; the crates are child-processes,",
        ),
        (
            options("thread-pool", scratch.0.join("b"), Some("1tool")),
            "`1tool` is not a valid package name: it must start with an ASCII letter",
        ),
        (
            options("thread-pool", scratch.0.join("c"), Some("my tool")),
            "`my tool` is not a valid package name: ` ` is not",
        ),
        (
            options("thread-pool", scratch.0.join("d"), Some("self")),
            "`self` is not a valid package name: it is a Rust keyword",
        ),
        (
            options("thread-pool", taken.clone(), Some("my-tool")),
            "is not empty; give a new or empty folder",
        ),
        (
            options(
                "thread-pool",
                xtask::workspace::root().join("crates/my-tool"),
                None,
            ),
            "is inside this workspace; give a folder outside it",
        ),
    ];
    for (options, wanted) in cases {
        let message = refusal(&options);
        assert!(message.contains(wanted), "{message}");
    }
    // Nothing was written: the new folders do not exist, the taken one is as it was.
    for name in ["a", "b", "c", "d"] {
        assert!(!scratch.0.join(name).exists(), "{name} was written");
    }
    assert!(!xtask::workspace::root().join("crates/my-tool").exists());
    let entries: Vec<_> = fs::read_dir(&taken).unwrap().collect();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        fs::read_to_string(taken.join("notes.txt")).unwrap(),
        "mine\n"
    );
}

#[test]
fn package_names_are_checked_as_cargo_does() {
    for good in ["my-tool", "my_tool", "tool2", "Tool"] {
        assert_eq!(invalid_name(good), None, "{good}");
    }
    for bad in ["2tool", "-tool", "my.tool", "my/tool", "fn", "test", "std"] {
        assert!(invalid_name(bad).is_some(), "{bad}");
    }
}

#[test]
fn the_rename_reaches_every_spelling() {
    let renamer = Renamer::new("process-pool", "my-tool");
    let text = "[package]\nname = \"process-pool\"\nuse process_pool::Pool;\nenv!(\"CARGO_BIN_EXE_process-pool\")\n--process-pool-worker\nPROCESS_POOL_FD\n# Process-pool\n";
    let renamed = renamer.apply(text);
    assert_eq!(
        renamed,
        "[package]\nname = \"my-tool\"\nuse my_tool::Pool;\nenv!(\"CARGO_BIN_EXE_my-tool\")\n--my-tool-worker\nMY_TOOL_FD\n# My-tool\n"
    );
    assert!(!renamed.to_lowercase().contains("process"));
}

#[test]
fn the_front_page_example_becomes_main() {
    // A doctest without a `main`: wrapped in one, hidden lines shown.
    let lib = "//! A library.\n//!\n//! ```\n//! use demo::Thing;\n//!\n//! let thing = Thing::new()?;\n//! # Ok::<(), Box<dyn std::error::Error>>(())\n//! ```\n\npub mod thing;\n";
    assert_eq!(
        front_page_example(lib).unwrap(),
        "fn main() -> Result<(), Box<dyn std::error::Error>> {\n    use demo::Thing;\n\n    let thing = Thing::new()?;\n    Ok::<(), Box<dyn std::error::Error>>(())\n}\n"
    );
    // One with no result at its end gets `Ok(())`.
    let lib = "//! ```\n//! assert_eq!(1 + 1, 2);\n//! ```\n";
    assert!(
        front_page_example(lib)
            .unwrap()
            .ends_with("    assert_eq!(1 + 1, 2);\n    Ok(())\n}\n")
    );
    // One with its own `main` (a process crate's worker call comes first) is kept whole.
    let lib = "//! ```standalone_crate\n//! fn main() {\n//!     demo::run_if_worker();\n//! }\n//! ```\n";
    assert_eq!(
        front_page_example(lib).unwrap(),
        "fn main() {\n    demo::run_if_worker();\n}\n"
    );
    assert_eq!(front_page_example("//! No example.\n"), None);
}

#[test]
fn the_template_table_is_left_out_of_the_new_manifest() {
    let manifest = "[package]\nname = \"demo\"\n\n[dependencies]\nanyhow = \"1\"\n\n# Tour tests.\n[package.metadata.template]\ntour = [\"tests/cli.rs\"]\n\n[[test]]\nname = \"pool\"\n";
    assert_eq!(
        without_template_table(manifest),
        "[package]\nname = \"demo\"\n\n[dependencies]\nanyhow = \"1\"\n\n[[test]]\nname = \"pool\"\n"
    );
}
