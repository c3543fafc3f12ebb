//! Figures from one source: the documents' blocks are rendered from the
//! published results, tidy catches a figure edited by hand, `render` puts it
//! back, and only a full bench run may publish.

mod support;

use std::fs;
use support::Scratch;
use xtask::bench::{Options, publish_refusal};
use xtask::figures::{self, CHART, RESULTS, Results};

/// Two rows of one crate, one with a floor, as `cargo xtask bench` writes
/// them.
const RESULTS_JSON: &str = r#"{
  "machine": { "cores": 2, "cpu": "Test CPU", "date": "2026-01-02 03:04 UTC",
               "finished": "2026-01-02 03:24 UTC", "command": "cargo xtask bench --peers",
               "rustc": "rustc 1.95.0", "c_compiler": "cc 12", "python": "Python 3.11.7",
               "peers": { "C": "cc 12, -O2" } },
  "runs": 3,
  "quick": false,
  "rows": [
    { "crate": "demo", "workload": "count to a million", "rust_key": "count_ns",
      "reference_key": "count_ns", "unit": "ns", "lower_is_better": true,
      "rust": [10.0, 12.0, 11.0], "reference_side": "Python",
      "reference": [200.0, 210.0, 190.0], "reference_skipped": null,
      "ratios": [20.0, 17.5, 17.27], "rust_median": 11.0, "reference_median": 200.0,
      "ratio_median": 17.5, "target": { "ratio_at_least": 15.0 }, "met": true,
      "target_cap": null, "target_reachable": null,
      "floor": { "name": "an atomic", "value": 5.5, "unit": "ns", "per_round": [],
                 "times_floor": 2.0, "times_floor_per_round": [], "under_floor_allowance": 0.05,
                 "beats_floor": false, "share_of_floor_speed": 0.5,
                 "target": { "cost_at_most": 1.15 }, "met": false },
      "floor_skipped": null },
    { "crate": "demo", "workload": "the same: digest", "rust_key": "digest",
      "reference_key": "digest", "unit": "id", "lower_is_better": false,
      "rust": [7.0, 7.0, 7.0], "reference_side": "Python",
      "reference": [7.0, 7.0, 7.0], "reference_skipped": null, "ratios": [1.0, 1.0, 1.0],
      "rust_median": 7.0, "reference_median": 7.0, "ratio_median": 1.0,
      "target": "same_as_reference", "met": true, "target_cap": null, "target_reachable": null,
      "floor": null, "floor_skipped": null }
  ],
  "lower_bounds": [ { "name": "an atomic", "value": 5.5, "unit": "ns" } ]
}"#;

const README: &str = "# demo\n\nSome prose that explains.\n\n<!-- figures: rows crate=demo -->\n<!-- /figures -->\n\nMore prose.\n\n<!-- figures: verdicts -->\n<!-- /figures -->\n";

/// A workspace root with one crate, `demo`, and the results above.
fn workspace(test: &str) -> Scratch {
    let scratch = Scratch::new(&format!("figures-{test}"));
    scratch.write("crates/demo/Cargo.toml", "[package]\nname = \"demo\"\n");
    scratch.write(RESULTS, RESULTS_JSON);
    scratch
}

#[test]
fn blocks_render_from_the_results_and_an_edited_figure_is_caught() {
    let scratch = workspace("edited");
    scratch.write("README.md", README);
    scratch.write(
        "BENCHMARKS.md",
        "<!-- figures: floors -->\n<!-- /figures -->\n",
    );
    scratch.write(
        "crates/demo/README.md",
        "<!-- figures: bounds -->\n<!-- /figures -->\n",
    );

    // Empty blocks and no chart: every one is named.
    let problems = figures::problems(&scratch.0).unwrap();
    for wanted in [
        "README.md:6: a rendered block differs",
        "BENCHMARKS.md:2: a rendered block differs",
        "crates/demo/README.md:2: a rendered block differs",
        CHART,
    ] {
        assert!(
            problems.iter().any(|problem| problem.starts_with(wanted)),
            "no `{wanted}` in {problems:#?}"
        );
    }

    let changed = figures::render_all(&scratch.0).unwrap();
    assert_eq!(changed.len(), 4, "{changed:?}");
    assert_eq!(figures::problems(&scratch.0).unwrap(), Vec::<String>::new());
    let readme = scratch.read("README.md");
    assert!(readme.contains("| demo | count to a million | 11.0 ns (10.0 ns–12.0 ns) | Python 200.0 ns (190.0 ns–210.0 ns) | 17.50x (17.27x–20.00x) | ≥ 15x Python | met |"), "{readme}");
    assert!(readme.contains("1 of 2 targets met"), "{readme}");
    assert!(readme.contains("demo, count to a million: 50% of the floor's speed against a target of ≤ 1.15x its cost"), "{readme}");
    // Prose outside the blocks is left as it was.
    assert!(readme.starts_with(
        "# demo\n\nSome prose that explains.\n\n<!-- figures: rows crate=demo -->\n\n| crate |"
    ));
    assert!(readme.contains("<!-- /figures -->\n\nMore prose.\n"));

    // A figure edited by hand inside a block is caught, with its line.
    let edited = readme.replace("17.50x (17.27x", "19.50x (17.27x");
    assert_ne!(edited, readme);
    scratch.write("README.md", &edited);
    let problems = figures::problems(&scratch.0).unwrap();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].starts_with("README.md:9: a rendered block differs from what docs/bench-results.json renders; run `cargo xtask render`"),
        "{problems:#?}"
    );
    // So is a verdict.
    scratch.write(
        "README.md",
        &readme.replace("| ≥ 15x Python | met |", "| ≥ 15x Python | NOT MET |"),
    );
    assert_eq!(figures::problems(&scratch.0).unwrap().len(), 1);

    // Rendering again puts the published figure back, and touches nothing else.
    assert_eq!(figures::render_all(&scratch.0).unwrap(), ["README.md"]);
    assert_eq!(scratch.read("README.md"), readme);
    assert_eq!(figures::problems(&scratch.0).unwrap(), Vec::<String>::new());

    // New results render new figures: the documents follow the file.
    let faster = RESULTS_JSON.replace("[10.0, 12.0, 11.0]", "[9.0, 12.0, 11.0]");
    scratch.write(RESULTS, &faster);
    assert_eq!(figures::problems(&scratch.0).unwrap().len(), 1);
    figures::render_all(&scratch.0).unwrap();
    assert!(
        scratch
            .read("README.md")
            .contains("11.0 ns (9.0 ns–12.0 ns)")
    );
}

#[test]
fn a_block_that_cannot_render_is_named_and_nothing_is_written() {
    let scratch = workspace("broken");
    scratch.write("BENCHMARKS.md", "");
    scratch.write("crates/demo/README.md", "");
    for (text, wanted) in [
        (
            "<!-- figures: table -->\n<!-- /figures -->\n",
            "README.md: line 1: unknown kind `table`",
        ),
        (
            "<!-- figures: rows crate=nobody -->\n<!-- /figures -->\n",
            "README.md: line 1: the results have no rows of crate `nobody`",
        ),
        (
            "<!-- figures: rows speed=high -->\n<!-- /figures -->\n",
            "README.md: line 1: unknown filter `speed=high`",
        ),
        (
            "<!-- figures: rows -->\n",
            "README.md: line 1: the block is never closed",
        ),
        (
            "text\n<!-- /figures -->\n",
            "README.md: line 2: `<!-- /figures -->` closes no block",
        ),
    ] {
        scratch.write("README.md", text);
        let problems = figures::problems(&scratch.0).unwrap();
        assert!(
            problems.iter().any(|problem| problem.starts_with(wanted)),
            "no `{wanted}` in {problems:#?}"
        );
        assert!(figures::render_all(&scratch.0).is_err());
        assert_eq!(scratch.read("README.md"), text);
    }
}

#[test]
fn the_published_results_render_every_document_of_the_workspace() {
    let root = xtask::workspace::root();
    let results = Results::published(&root).unwrap();
    assert!(!results.quick, "quick results were published");
    assert!(results.runs >= xtask::bench::DEFAULT_RUNS);
    let json = fs::read_to_string(root.join(RESULTS)).unwrap();
    // No path of the machine that ran it.
    assert!(!json.contains(&root.display().to_string()));
    assert!(!json.contains("/root/") && !json.contains("/home/"));
    assert_eq!(figures::problems(&root).unwrap(), Vec::<String>::new());
}

fn options(names: &[&str], runs: usize, quick: bool, peers: bool) -> Options {
    Options {
        names: names.iter().map(|name| name.to_string()).collect(),
        runs,
        quick,
        python_setup: true,
        strict: false,
        peers,
        scale: true,
    }
}

#[test]
fn only_a_full_run_replaces_the_published_figures() {
    let full = options(&[], 5, false, true);
    assert_eq!(publish_refusal(&full, true, &[], &[]), None);
    assert_eq!(
        publish_refusal(&options(&[], 8, false, true), true, &[], &[]),
        None
    );
    let refused = [
        (options(&[], 5, true, true), true, vec![], "--quick"),
        (
            options(&["web-scraper"], 5, false, true),
            true,
            vec![],
            "only web-scraper ran",
        ),
        (options(&[], 2, false, true), true, vec![], "2 round(s)"),
        (
            options(&[], 5, false, false),
            true,
            vec![],
            "the peers from crates.io were not run",
        ),
        (
            Options {
                scale: false,
                ..options(&[], 5, false, true)
            },
            true,
            vec![],
            "the scale rows were not run",
        ),
        (full, false, vec![], "a row is missing figures"),
        (
            options(&[], 5, false, true),
            true,
            vec!["web-scraper: crawl: no python3".to_string()],
            "a side was skipped (web-scraper: crawl: no python3)",
        ),
    ];
    for (options, complete, skipped, wanted) in refused {
        let why = publish_refusal(&options, complete, &skipped, &[]).expect("refused");
        assert!(why.starts_with(wanted), "{why}");
    }
    let under = ["threads-locks: atomic: 0.50x its cost".to_string()];
    let why = publish_refusal(&options(&[], 5, false, true), true, &[], &under).expect("refused");
    assert_eq!(
        why,
        "a row beats its floor (threads-locks: atomic: 0.50x its cost)"
    );
}

#[test]
fn a_figure_in_prose_is_caught_but_not_in_a_block_history_or_code() {
    let text = "# demo\n\
        \n\
        The atomic costs 20.6 ns, 9.93x Python.\n\
        A 50 ms latency and 4 x workers are settings, not figures; 1.5 MiB is a size.\n\
        \n\
        <!-- figures: rows -->\n\
        | demo | 20.6 ns | 9.93x |\n\
        <!-- /figures -->\n\
        \n\
        ```text\n\
        speedup 1.94x\n\
        ```\n\
        \n\
        ## History\n\
        \n\
        ### 2026-12-02, 2 cores: the run before\n\
        \n\
        The atomic cost 4.2 ns and Python 310 ns, 74.6x.\n\
        \n\
        #### What it meant\n\
        \n\
        Still history: 56.6M/s.\n\
        \n\
        ## What limits it\n\
        \n\
        The crawl peaks at 41.6 MB, 65% of the floor, at 1335 pages/s, in 0.6 ms.\n";
    let problems = figures::stray_figures("README.md", text);
    let found: Vec<&str> = problems
        .iter()
        .map(|problem| problem.split('`').nth(1).unwrap())
        .collect();
    assert_eq!(
        found,
        [
            "20.6 ns",
            "9.93x",
            "41.6 MB",
            "65%",
            "1335 pages/s",
            "0.6 ms"
        ],
        "{problems:#?}"
    );
    assert!(problems[0].starts_with("README.md:3: `20.6 ns` looks measured"));
    assert!(problems[2].starts_with("README.md:26: `41.6 MB`"));
}

/// A row whose two sides did unequal work, by the row it names as the
/// count of that work, is neither met nor missed; with equal work it keeps
/// its verdict.
#[test]
fn a_row_on_unequal_work_is_not_judged() {
    let root = xtask::workspace::root();
    let published = Results::published(&root).unwrap();
    let index = published
        .rows
        .iter()
        .position(|row| row.same_work.is_some())
        .expect("a published row names its count of work");
    let key = published.rows[index].same_work.clone().unwrap();
    let side = published.rows[index].reference_side.clone();
    let with_work = |rust: f64, reference: f64| {
        let mut results = published.clone();
        for row in &mut results.rows {
            if row.rust_key == key && row.reference_side == side {
                row.rust_median = Some(rust);
                row.reference_median = Some(reference);
            }
        }
        let row = &mut results.rows[index];
        row.met = Some(true);
        row.unequal_work = None;
        results.judge_work();
        results.rows[index].clone()
    };
    let equal = with_work(100.0, 100.0);
    assert_eq!(equal.met, Some(true));
    assert!(equal.unequal_work.is_none());
    let unequal = with_work(100.0, 7.0);
    assert_eq!(unequal.met, None);
    let work = unequal.unequal_work.clone().unwrap();
    assert_eq!((work.rust, work.reference), (100.0, 7.0));
    assert!(unequal.cells()[6].starts_with("not judged: unequal work"));
}

/// A count of one thing reads in the singular; any other count, plural.
#[test]
fn one_run_one_kill_one_fetch() {
    use xtask::figures::format_value;
    assert_eq!(format_value(1.0, "runs"), "1 run");
    assert_eq!(format_value(1.0, "kills"), "1 kill");
    assert_eq!(format_value(1.0, "fetches"), "1 fetch");
    assert_eq!(format_value(0.0, "runs"), "0 runs");
    assert_eq!(format_value(110.0, "kills"), "110 kills");
}
