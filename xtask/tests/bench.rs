//! The bench's arithmetic: parsing figures, medians, ratios oriented so that
//! bigger means "Rust is better", and judging targets.

use xtask::bench::{
    Better, Measured, Row, Target, median, parse_figures, python_missing, specs, spread,
};

fn row(better: Better, target: Target) -> Row {
    Row {
        workload: "w",
        rust_key: "r",
        python_key: "p",
        unit: "ns",
        better,
        target,
        floor: None,
    }
}

#[test]
fn figures_are_read_from_key_value_lines_only() {
    let figures = parse_figures("threads=4\nnot a figure\nmutex_ns=12.5\nname=abc\n");
    assert_eq!(figures.get("threads"), Some(&4.0));
    assert_eq!(figures.get("mutex_ns"), Some(&12.5));
    assert_eq!(figures.get("name"), None, "a non-number is not a figure");
    assert_eq!(figures.len(), 2);
}

#[test]
fn median_and_spread() {
    assert_eq!(median(&[]), None);
    assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
    assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    assert_eq!(spread(&[3.0, 1.0, 2.0]), Some((1.0, 3.0)));
}

#[test]
fn ratios_are_taken_pair_by_pair_and_say_how_much_better_rust_is() {
    let times = Measured {
        crate_name: "c",
        row: row(Better::Lower, Target::RatioAtLeast(4.0)),
        rust: vec![10.0, 20.0],
        python: vec![50.0, 60.0],
        python_skipped: None,
    };
    assert_eq!(times.ratios(), [5.0, 3.0]);
    assert_eq!(times.met(), Some(true), "the median ratio is 4");

    let rates = Measured {
        crate_name: "c",
        row: row(Better::Higher, Target::RatioAtLeast(4.0)),
        rust: vec![300.0],
        python: vec![100.0],
        python_skipped: None,
    };
    assert_eq!(rates.ratios(), [3.0]);
    assert_eq!(rates.met(), Some(false));
}

#[test]
fn absolute_targets_judge_rusts_own_figure() {
    let speedup = Measured {
        crate_name: "c",
        row: row(Better::Higher, Target::RustAtLeast(1.85)),
        rust: vec![1.9, 1.8, 1.95],
        python: vec![],
        python_skipped: None,
    };
    assert_eq!(speedup.met(), Some(true));
    let without_python = Measured {
        crate_name: "c",
        row: row(Better::Lower, Target::RatioAtLeast(2.0)),
        rust: vec![1.0],
        python: vec![],
        python_skipped: None,
    };
    assert_eq!(
        without_python.met(),
        None,
        "no Python figures, no ratio to judge"
    );
}

#[test]
fn every_spec_names_a_crate_of_the_workspace() {
    let examples = xtask::workspace::examples(&xtask::workspace::root()).unwrap();
    for spec in specs() {
        assert!(
            examples.iter().any(|example| example.name == spec.name),
            "{} is not under crates/",
            spec.name
        );
        assert!(!spec.rows.is_empty());
    }
}

#[test]
fn a_missing_python_module_is_named() {
    let python = std::path::Path::new("python3");
    assert_eq!(
        python_missing(python, &["json"]),
        None,
        "the standard library imports"
    );
    let reason = python_missing(python, &["no_such_module_for_the_bench"]).expect("a reason");
    assert!(reason.contains("no_such_module_for_the_bench"), "{reason}");
    let reason = python_missing(std::path::Path::new("/no/such/python"), &[]).expect("a reason");
    assert!(reason.contains("is not installed"), "{reason}");
}

#[test]
fn a_ceiling_is_met_at_or_below_it() {
    let spawn = |rust: Vec<f64>| Measured {
        crate_name: "c",
        row: row(Better::Lower, Target::RustAtMost(1.2)),
        rust,
        python: vec![],
        python_skipped: None,
    };
    assert_eq!(spawn(vec![0.6, 1.0, 1.3]).met(), Some(true), "median 1.0");
    assert_eq!(spawn(vec![1.3, 1.4, 0.9]).met(), Some(false), "median 1.3");
}

#[test]
fn a_row_is_read_against_its_floor_in_cost_per_operation() {
    use xtask::bench::Floor;
    use xtask::bench_report::against_floors;
    use xtask::lower_bounds::Bound;
    let bounds = [
        Bound {
            name: "atomic",
            value: 20.0,
            unit: "ns",
        },
        Bound {
            name: "round trip",
            value: 10.0,
            unit: "us",
        },
    ];
    let with_floor = |unit, rust: Vec<f64>, bound, at_most| Measured {
        crate_name: "c",
        row: Row {
            unit,
            floor: Some(Floor { bound, at_most }),
            ..row(Better::Lower, Target::RustAtMost(1.0))
        },
        rust,
        python: Vec::new(),
        python_skipped: None,
    };
    let measured = [
        // 22 ns against a 20 ns floor: 1.1x, within 1.15x.
        with_floor("ns", vec![21.0, 22.0, 23.0], "atomic", Some(1.15)),
        // 50,000 tasks a second is 20 us a task: twice a 10 us round trip.
        with_floor("/s", vec![50_000.0], "round trip", None),
        // A floor that was not measured: no row.
        with_floor("ns", vec![1.0], "missing", Some(2.0)),
    ];
    let rows = against_floors(&measured, &bounds);
    assert_eq!(rows.len(), 2);
    assert!(
        (rows[0].times_floor - 1.1).abs() < 1e-9,
        "{}",
        rows[0].times_floor
    );
    assert_eq!(rows[0].met(), Some(true));
    assert!(
        (rows[1].times_floor - 2.0).abs() < 1e-9,
        "{}",
        rows[1].times_floor
    );
    assert_eq!(rows[1].met(), None);
}
