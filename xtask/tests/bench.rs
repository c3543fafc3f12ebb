//! The bench's arithmetic: parsing figures, medians, ratios oriented so that
//! bigger means "Rust is better", and judging targets.

use xtask::bench::{
    Better, Measured, Row, Side, Target, median, parse_figures, python_missing, specs, spread,
};

fn row(better: Better, target: Target) -> Row {
    Row {
        workload: "w".into(),
        rust_key: "r".into(),
        against: Side::Python,
        reference_key: "p".into(),
        unit: "ns".into(),
        better,
        target,
        floor: None,
        scale: false,
        same_work: None,
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
        rust: vec![10.0, 20.0],
        reference: vec![50.0, 60.0],
        ..Measured::new("c", row(Better::Lower, Target::RatioAtLeast(4.0)))
    };
    assert_eq!(times.ratios(), [5.0, 3.0]);
    assert_eq!(times.met(), Some(true), "the median ratio is 4");

    let rates = Measured {
        rust: vec![300.0],
        reference: vec![100.0],
        ..Measured::new("c", row(Better::Higher, Target::RatioAtLeast(4.0)))
    };
    assert_eq!(rates.ratios(), [3.0]);
    assert_eq!(rates.met(), Some(false));
}

#[test]
fn a_count_that_is_zero_on_both_sides_has_no_ratio() {
    let dropped = Measured {
        rust: vec![0.0, 1.0],
        reference: vec![0.0, 2.0],
        ..Measured::new("c", row(Better::Lower, Target::Reported))
    };
    assert_eq!(dropped.ratios(), [2.0]);
}

#[test]
fn a_peer_built_from_crates_io_is_given_its_binary_and_run_inside_rusts_run() {
    use xtask::bench::PeerProgram;
    for spec in specs().unwrap() {
        for peer in &spec.peers {
            if let PeerProgram::Crate { .. } = peer.program {
                // Its path reaches the Rust side's run through `{bin}`.
                assert!(peer.args.iter().any(|arg| arg == "{bin}"), "{}", peer.name);
                assert!(
                    peer.quick_args.iter().any(|arg| arg == "{bin}"),
                    "{}",
                    peer.name
                );
                // Each `{N}` names a server the crate starts.
                for (args, serve) in [
                    (&peer.args, &spec.serve),
                    (&peer.quick_args, &spec.quick_serve),
                ] {
                    for arg in args {
                        for (index, _) in arg.match_indices('{') {
                            let end = arg[index..].find('}').unwrap() + index;
                            let name = &arg[index + 1..end];
                            assert!(
                                name == "bin" || name.parse::<usize>().unwrap() < serve.len(),
                                "{}: {arg}",
                                peer.name
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn absolute_targets_judge_rusts_own_figure() {
    let speedup = Measured {
        rust: vec![1.9, 1.8, 1.95],
        reference: vec![],
        ..Measured::new("c", row(Better::Higher, Target::RustAtLeast(1.85)))
    };
    assert_eq!(speedup.met(), Some(true));
    let without_python = Measured {
        rust: vec![1.0],
        reference: vec![],
        ..Measured::new("c", row(Better::Lower, Target::RatioAtLeast(2.0)))
    };
    assert_eq!(
        without_python.met(),
        None,
        "no Python figures, no ratio to judge"
    );
}

#[test]
fn every_crate_has_a_bench_toml_with_rows() {
    let examples = xtask::workspace::examples(&xtask::workspace::root()).unwrap();
    let specs = specs().unwrap();
    for example in &examples {
        let spec = specs.iter().find(|spec| spec.name == example.name);
        let spec = spec.unwrap_or_else(|| panic!("{} has no bench.toml", example.name));
        assert!(!spec.rows.is_empty(), "{}", spec.name);
    }
}

#[test]
fn a_bench_toml_is_read_strictly() {
    use xtask::bench::spec::parse;
    let minimal = "rust_args = [\"bench\"]\npython_args = []\nquick_rust_args = []\n\
                   quick_python_args = []\n\n[[row]]\nworkload = \"w\"\nrust_key = \"a\"\n\
                   against = \"C\"\nreference_key = \"b\"\nunit = \"ns\"\n\
                   better = \"lower\"\ntarget = { ratio_at_least = 2.0 }\n";
    let spec = parse(minimal, "demo").unwrap();
    assert_eq!(spec.rows[0].against, Side::Peer("C".into()));
    assert_eq!(spec.rows[0].target, Target::RatioAtLeast(2.0));
    // A misspelt key or an unknown target is an error, not a default.
    let misspelt = minimal.replace("rust_key", "rust_kye");
    assert!(parse(&misspelt, "demo").is_err());
    let unknown = minimal.replace("ratio_at_least", "ratio_at_most");
    assert!(parse(&unknown, "demo").is_err());
}

#[test]
fn a_missing_python_module_is_named() {
    let python = std::path::Path::new("python3");
    assert_eq!(
        python_missing(python, &["json".to_string()]),
        None,
        "the standard library imports"
    );
    let reason =
        python_missing(python, &["no_such_module_for_the_bench".to_string()]).expect("a reason");
    assert!(reason.contains("no_such_module_for_the_bench"), "{reason}");
    let reason = python_missing(std::path::Path::new("/no/such/python"), &[]).expect("a reason");
    assert!(reason.contains("is not installed"), "{reason}");
}

#[test]
fn a_ceiling_is_met_at_or_below_it() {
    let spawn = |rust: Vec<f64>| Measured {
        rust,
        ..Measured::new("c", row(Better::Lower, Target::RustAtMost(1.2)))
    };
    assert_eq!(spawn(vec![0.6, 1.0, 1.3]).met(), Some(true), "median 1.0");
    assert_eq!(spawn(vec![1.3, 1.4, 0.9]).met(), Some(false), "median 1.3");
}

#[test]
fn a_reported_row_has_no_verdict_and_a_digest_must_match_in_every_round() {
    let reported = Measured {
        rust: vec![1.0],
        reference: vec![50.0],
        ..Measured::new("c", row(Better::Lower, Target::Reported))
    };
    assert_eq!(reported.ratios(), [50.0]);
    assert_eq!(reported.met(), None);
    let digest = |rust: Vec<f64>, reference: Vec<f64>| Measured {
        rust,
        reference,
        ..Measured::new("c", row(Better::Higher, Target::SameAsReference))
    };
    assert_eq!(digest(vec![7.0, 7.0], vec![7.0, 7.0]).met(), Some(true));
    assert_eq!(digest(vec![7.0, 7.0], vec![7.0, 8.0]).met(), Some(false));
    assert_eq!(digest(vec![7.0], vec![]).met(), None, "reference not run");
}

#[test]
fn a_row_is_read_against_a_machine_bound_in_cost_per_operation() {
    use xtask::bench::floors::Bound;
    use xtask::bench::floors::against_floors;
    use xtask::bench::{Floor, FloorOf, FloorTarget};
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
    let with_floor = |unit: &str, rust: Vec<f64>, bound: &str, at_most: Option<f64>| Measured {
        rust,
        ..Measured::new(
            "c",
            Row {
                unit: String::from(unit),
                floor: Some(Floor {
                    of: FloorOf::Bound(String::from(bound)),
                    target: at_most.map(FloorTarget::CostAtMost),
                }),
                ..row(Better::Lower, Target::RustAtMost(1.0))
            },
        )
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
    assert!((rows[1].fraction() - 0.5).abs() < 1e-9);
    assert_eq!(rows[1].met(), None);
}

#[test]
fn a_row_is_read_against_a_figure_of_the_same_rounds_round_by_round() {
    use xtask::bench::floors::against_floors;
    use xtask::bench::{Floor, FloorOf, FloorTarget};
    // Seconds for the same loop: Rust 1.0 and 1.2 s, C 1.0 and 1.0 s, so
    // 1.0x and 1.2x C's cost; the median 1.1x is 91% of C's speed.
    let primes = |fraction| Measured {
        rust: vec![1.0, 1.2],
        floor: vec![1.0, 1.0],
        ..Measured::new(
            "c",
            Row {
                unit: "s".into(),
                floor: Some(Floor {
                    of: FloorOf::Figure {
                        side: Side::Peer("C".into()),
                        key: "c_s".into(),
                        name: "C".into(),
                    },
                    target: Some(FloorTarget::SpeedAtLeast(fraction)),
                }),
                ..row(Better::Lower, Target::Reported)
            },
        )
    };
    let measured = [primes(0.95), primes(0.9)];
    let rows = against_floors(&measured, &[]);
    assert_eq!(rows.len(), 2);
    assert!((rows[0].times_floor - 1.1).abs() < 1e-9);
    assert_eq!(rows[0].met(), Some(false), "91% is under 95%");
    assert_eq!(rows[1].met(), Some(true), "91% is over 90%");
    // Pages per second: a crawl of 700/s against a parse-only 1000/s.
    let crawl = Measured {
        rust: vec![700.0],
        floor: vec![1000.0],
        ..Measured::new(
            "c",
            Row {
                unit: "/s".into(),
                better: Better::Higher,
                floor: Some(Floor {
                    of: FloorOf::Figure {
                        side: Side::Rust,
                        key: "parse_per_s".into(),
                        name: "parse only".into(),
                    },
                    target: Some(FloorTarget::SpeedAtLeast(0.7)),
                }),
                ..row(Better::Higher, Target::Reported)
            },
        )
    };
    let rows = against_floors(std::slice::from_ref(&crawl), &[]);
    assert!((rows[0].fraction() - 0.7).abs() < 1e-9);
    assert_eq!(rows[0].met(), Some(true));
}

#[test]
fn every_floor_and_reference_names_a_side_the_crate_runs() {
    use xtask::bench::FloorOf;
    for spec in specs().unwrap() {
        let runs = |side: &Side| match side {
            Side::Rust | Side::Python => true,
            Side::Peer(name) => spec.peers.iter().any(|peer| &peer.name == name),
        };
        for row in &spec.rows {
            assert!(runs(&row.against), "{}: {}", spec.name, row.workload);
            // A row against Rust itself (a Redis crawl against the
            // in-memory one) must compare two different figures.
            if row.against == Side::Rust {
                assert_ne!(row.rust_key, row.reference_key, "{}", row.workload);
            }
            if let Some(floor) = &row.floor
                && let FloorOf::Figure { side, .. } = &floor.of
            {
                assert!(runs(side), "{}: {}'s floor", spec.name, row.workload);
            }
        }
    }
}

#[test]
fn a_c_peer_that_does_not_compile_is_skipped_with_the_compilers_words() {
    let dir = std::env::temp_dir().join(format!("xtask-bench-c-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("broken.c");
    std::fs::write(&source, "int main(void) { return nope; }\n").unwrap();
    let reason = xtask::bench::build_c(&source, &dir, "broken").expect_err("it cannot build");
    assert!(reason.contains("nope"), "{reason}");
    std::fs::write(
        &source,
        "#include <stdio.h>\nint main(void) { puts(\"c_x=1\"); return 0; }\n",
    )
    .unwrap();
    let binaries = xtask::bench::build_c(&source, &dir, "fine").expect("it builds");
    // One build per optimisation level, each a program that runs.
    assert_eq!(binaries.len(), xtask::bench::C_LEVELS.len());
    for binary in binaries {
        let output = std::process::Command::new(&binary).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&output.stdout), "c_x=1\n");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_best_of_two_builds_is_kept_figure_by_figure() {
    let figures = |pairs: &[(&str, f64)]| -> std::collections::BTreeMap<String, f64> {
        pairs
            .iter()
            .map(|&(key, value)| (key.to_string(), value))
            .collect()
    };
    let mut best = figures(&[
        ("c_primes_sequential_s", 0.30),
        ("c_primes_parallel_s", 0.14),
        ("rate_per_s", 100.0),
        ("c_threads", 2.0),
    ]);
    xtask::bench::keep_best(
        &mut best,
        figures(&[
            ("c_primes_sequential_s", 0.28),
            ("c_primes_parallel_s", 0.15),
            ("rate_per_s", 120.0),
            ("c_threads", 3.0),
            ("only_here_s", 1.0),
        ]),
    );
    assert_eq!(
        best,
        figures(&[
            ("c_primes_sequential_s", 0.28),
            ("c_primes_parallel_s", 0.14),
            ("rate_per_s", 120.0),
            ("c_threads", 2.0),
        ])
    );
}

/// A row of costs in ns against a floor printed in the same rounds, with
/// `target` against Python's `reference`.
fn against_a_floor(
    rust: Vec<f64>,
    floor: Vec<f64>,
    reference: Vec<f64>,
    target: Target,
) -> Measured {
    use xtask::bench::{Floor, FloorOf};
    Measured {
        rust,
        floor,
        reference,
        ..Measured::new(
            "c",
            Row {
                floor: Some(Floor {
                    of: FloorOf::Figure {
                        side: Side::Rust,
                        key: "floor_ns".into(),
                        name: "fetch_add".into(),
                    },
                    target: None,
                }),
                ..row(Better::Lower, target)
            },
        )
    }
}

#[test]
fn a_row_under_its_floor_by_more_than_its_spread_beats_it() {
    use xtask::bench::floors::{UNDER_FLOOR_AT_LEAST, against_floors};
    let measured = [
        // Steady rounds at 0.8x the floor: beyond the 5% allowance.
        against_a_floor(vec![8.0; 3], vec![10.0; 3], vec![], Target::Reported),
        // Noisy rounds whose median is 0.9x: 0.6x to 1.4x spreads 0.4 of
        // 0.9 either way, so 0.9x is within the noise.
        against_a_floor(
            vec![6.0, 9.0, 14.0],
            vec![10.0; 3],
            vec![],
            Target::Reported,
        ),
        // At the floor, less 3%: within the least allowance.
        against_a_floor(vec![9.7; 3], vec![10.0; 3], vec![], Target::Reported),
    ];
    let rows = against_floors(&measured, &[]);
    assert_eq!(rows[0].allowance(), UNDER_FLOOR_AT_LEAST);
    assert!(rows[0].beats_floor());
    assert!((rows[1].allowance() - 0.4 / 0.9).abs() < 1e-9);
    assert!(!rows[1].beats_floor());
    assert!(!rows[2].beats_floor());
}

#[test]
fn a_target_beyond_what_the_floor_allows_is_unreachable() {
    use xtask::bench::floors::against_floors;
    // Python at 160 ns, the floor at 17 and 16 ns: at the floor, Rust would
    // be 9.4x and 10x Python, so the cap is their median, 9.7x.
    let python = vec![160.0, 160.0];
    let floor = vec![17.0, 16.0];
    let measured = [
        against_a_floor(
            vec![18.0; 2],
            floor.clone(),
            python.clone(),
            Target::RatioAtLeast(15.0),
        ),
        against_a_floor(
            vec![18.0; 2],
            floor.clone(),
            python.clone(),
            Target::RatioAtLeast(8.0),
        ),
        // An absolute target: Rust at most 10 ns, with a floor of 16.5 ns.
        against_a_floor(
            vec![18.0; 2],
            floor.clone(),
            python.clone(),
            Target::RustAtMost(10.0),
        ),
        against_a_floor(vec![18.0; 2], floor, python, Target::Reported),
    ];
    let rows = against_floors(&measured, &[]);
    let cap = rows[0].cap.unwrap();
    assert!((cap - (160.0 / 17.0 + 10.0) / 2.0).abs() < 1e-9, "{cap}");
    assert_eq!(rows[0].target_reachable(), Some(false));
    assert_eq!(rows[1].target_reachable(), Some(true));
    assert!((rows[2].cap.unwrap() - 16.5).abs() < 1e-9);
    assert_eq!(rows[2].target_reachable(), Some(false));
    assert_eq!(rows[3].target_reachable(), None);
}
