//! HTML built to make a parser slow, generated here (nothing is stored):
//! every class ends, parsed or refused with a typed error, within a bound
//! that is generous for a debug build and still far below what quadratic
//! parsing takes (200,000 nested `<div>`s took 212 s unbounded, in release).
//! The times are printed, for `--nocapture`; they are not asserted.

use std::time::{Duration, Instant};
use url::Url;
use web_scraper::parse::{self, ParseError};
use web_scraper::server::{ADVERSARIAL, adversarial_page};

/// The most any one page may take, debug build included.
const BOUND: Duration = Duration::from_secs(60);

#[test]
fn every_adversarial_page_ends_in_bounded_time() {
    let base = Url::parse("http://127.0.0.1/adversarial.html").unwrap();
    for class in ADVERSARIAL {
        let page = adversarial_page(class).unwrap();
        assert!(
            (1_000_000..=6_000_000).contains(&page.len()),
            "{class}: {} bytes",
            page.len()
        );
        let started = Instant::now();
        let outcome = parse::parse(&page, &base);
        let took = started.elapsed();
        println!(
            "{class:<22} {:>5.1} MB {:>8.1} ms  {}",
            page.len() as f64 / 1e6,
            took.as_secs_f64() * 1000.0,
            match &outcome {
                Ok(parsed) => format!(
                    "parsed: {} links, {} chars",
                    parsed.links.len(),
                    parsed.chars
                ),
                Err(error) => format!("refused: {error}"),
            }
        );
        assert!(took < BOUND, "{class} took {took:?}");
        // The classes built on nesting or attributes are the ones refused.
        let expected = match class {
            "deep-divs" | "open-formatting" | "nested-tables" | "deep-lists" => {
                Some(ParseError::TooDeep)
            }
            "many-attributes" => Some(ParseError::TooManyAttributes(200_000)),
            "duplicate-attributes" => Some(ParseError::TooManyAttributes(500_000)),
            _ => None,
        };
        if let Some(expected) = &expected {
            assert_eq!(outcome.as_ref().err(), Some(expected), "{class}");
        }
        // The crawl's scan has no tree, so it reads the deep classes too,
        // and refuses only the attribute classes.
        let started = Instant::now();
        let scanned = parse::scan(&page, &base);
        let took = started.elapsed();
        println!(
            "{:<22} {:>14.1} ms  scan: {}",
            "",
            took.as_secs_f64() * 1000.0,
            match &scanned {
                Ok(parsed) => format!("{} links", parsed.links.len()),
                Err(error) => format!("refused: {error}"),
            }
        );
        assert!(took < BOUND, "{class}: the scan took {took:?}");
        match class {
            "many-attributes" | "duplicate-attributes" => {
                assert_eq!(scanned.err(), expected, "{class}");
            }
            _ => assert!(scanned.is_ok(), "{class}: {scanned:?}"),
        }
    }
}
