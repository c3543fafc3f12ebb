//! The bench's report, byte for byte: the table `cargo xtask bench` prints
//! and the `results.md` it writes, rendered from a stored results file and
//! compared with what they were when it was stored; and the results file
//! itself, rebuilt from that run's figures and the crates' `bench.toml`
//! files. A change to the report, or to a row's target, floor or wording in
//! a `bench.toml`, shows here as a diff; when it is meant, regenerate the
//! golden files with `UPDATE_GOLDEN=1 cargo test -p xtask --test report`
//! and commit them with the change.

use std::path::Path;
use xtask::figures::{Results, markdown_report, text_report};

fn golden(name: &str, rendered: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, rendered).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    if rendered != expected {
        let line = rendered
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(rendered.lines().count().min(expected.lines().count()));
        panic!(
            "{name} differs from the golden file at line {}:\n  now:    {:?}\n  golden: {:?}",
            line + 1,
            rendered.lines().nth(line),
            expected.lines().nth(line)
        );
    }
}

fn results() -> Results {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/results.json");
    Results::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_printed_table_is_what_it_was() {
    golden("report.txt", &text_report(&results()));
}

#[test]
fn results_md_is_what_it_was() {
    golden("report.md", &markdown_report(&results()));
}

/// The results file itself, as `bench::report::results` makes it,
/// from the stored run's figures and the rows of today's `bench.toml`
/// files: every row's workload, keys, unit, target and floor, now read
/// from data, write what the run recorded when they were Rust literals.
#[test]
fn the_results_file_is_what_it_was_from_the_bench_toml_files() {
    use xtask::bench::Options;
    use xtask::bench::floors::Bound;
    use xtask::bench::report::results;
    use xtask::bench::{Measured, specs};
    use xtask::model::{Machine, Skip};
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/results.json");
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let floats = |value: &serde_json::Value| -> Vec<f64> {
        value
            .as_array()
            .map(|values| values.iter().map(|v| v.as_f64().unwrap()).collect())
            .unwrap_or_default()
    };
    let skip =
        |value: &serde_json::Value| value.as_str().map(|reason| Skip::from(reason.to_string()));
    let specs = specs().unwrap();
    let measured: Vec<Measured> = stored["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let spec = specs.iter().find(|spec| spec.name == row["crate"]).unwrap();
            let found = spec
                .rows
                .iter()
                .find(|spec_row| spec_row.workload == row["workload"]);
            Measured {
                rust: floats(&row["rust"]),
                reference: floats(&row["reference"]),
                reference_skipped: skip(&row["reference_skipped"]),
                floor: floats(&row["floor"]["per_round"]),
                floor_skipped: skip(&row["floor_skipped"]),
                ..Measured::new(&spec.name, found.unwrap_or_else(|| panic!("{row}")).clone())
            }
        })
        .collect();
    let leak = |value: &serde_json::Value| -> &'static str {
        Box::leak(value.as_str().unwrap().to_string().into_boxed_str())
    };
    let bounds: Vec<Bound> = stored["lower_bounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|bound| Bound {
            name: leak(&bound["name"]),
            value: bound["value"].as_f64().unwrap(),
            unit: leak(&bound["unit"]),
        })
        .collect();
    let options = Options {
        names: Vec::new(),
        runs: stored["runs"].as_u64().unwrap() as usize,
        quick: stored["quick"].as_bool().unwrap(),
        python_setup: false,
        strict: false,
        peers: true,
        scale: false,
    };
    let machine: Machine = serde_json::from_value(stored["machine"].clone()).unwrap();
    let written = serde_json::to_value(results(
        &measured,
        &bounds,
        machine,
        options.runs,
        options.quick,
    ))
    .unwrap();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/results.json");
        std::fs::write(path, serde_json::to_string_pretty(&written).unwrap() + "\n").unwrap();
        return;
    }
    assert_same(&written, &stored, "");
}

/// `now` and `then` alike, numbers within a relative 1e-12: a ratio
/// recomputed may differ from the stored one in its last bit.
fn assert_same(now: &serde_json::Value, then: &serde_json::Value, at: &str) {
    use serde_json::Value;
    match (now, then) {
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
            assert!(
                (a - b).abs() <= 1e-12 * a.abs().max(b.abs()),
                "{at}: {a} vs {b}"
            );
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{at}");
            for (index, (a, b)) in a.iter().zip(b).enumerate() {
                assert_same(a, b, &format!("{at}[{index}]"));
            }
        }
        (Value::Object(a), Value::Object(b)) => {
            let keys =
                |map: &serde_json::Map<String, Value>| map.keys().cloned().collect::<Vec<_>>();
            assert_eq!(keys(a), keys(b), "{at}");
            for (key, value) in a {
                assert_same(value, &b[key], &format!("{at}.{key}"));
            }
        }
        _ => assert_eq!(now, then, "{at}"),
    }
}
