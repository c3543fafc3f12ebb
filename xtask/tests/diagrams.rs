//! The diagram check with the real renderer: mermaid-cli in Chromium fails
//! a diagram too wide for a README, and one that does not parse. Without
//! mermaid-cli or Chromium the tests say so and pass; under CI they fail,
//! since `.ci/run` installs both.

mod support;

use support::Scratch;
use xtask::diagrams::{self, Renderer};

/// The renderer, or `None` (said loudly) where it is not installed.
fn renderer(scratch: &Scratch) -> Option<Renderer> {
    match Renderer::new(&xtask::workspace::root(), &scratch.0) {
        Ok(renderer) => Some(renderer),
        Err(error) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED: the diagram check needs its renderer: {error:#}");
            None
        }
        Err(error) => panic!("CI must install the diagram renderer: {error:#}"),
    }
}

#[test]
fn a_diagram_wider_than_a_readme_fails_and_a_narrow_one_passes() {
    let scratch = Scratch::new("diagrams-wide");
    let Some(renderer) = renderer(&scratch) else {
        return;
    };
    // Twelve boxes in a row.
    let row: Vec<String> = (1..=12).map(|n| format!("step{n}[\"step {n}\"]")).collect();
    let wide = format!("flowchart LR\n    {}\n", row.join(" --> "));
    let svg = renderer.render(&wide, None).unwrap();
    let problem = diagrams::check(&svg).unwrap_err();
    assert!(problem.contains("px wide, over 1000"), "{problem}");

    // The same boxes top to bottom fit.
    let tall = wide.replace("flowchart LR", "flowchart TB");
    let svg = renderer.render(&tall, None).unwrap();
    let width = diagrams::check(&svg).unwrap();
    assert!(width > 10.0 && width < 300.0, "{width}");
}

#[test]
fn a_diagram_that_does_not_parse_fails_with_mermaids_message() {
    let scratch = Scratch::new("diagrams-broken");
    let Some(renderer) = renderer(&scratch) else {
        return;
    };
    // In a sequence diagram a semicolon ends the statement, so the text
    // after it is read as a new one and does not parse.
    let broken = "sequenceDiagram\n    A->>B: one; two, three\n";
    let error = format!("{:#}", renderer.render(broken, None).unwrap_err());
    assert!(error.contains("Parse error"), "{error}");
}
