//! The expected-output format: wildcards, `...`, unordered blocks, and the
//! messages that point at the failing line.

use xtask::expected::{check, line_matches, validate};

#[test]
fn wildcards_match_within_one_line() {
    assert!(line_matches("took [..] ms", "took 12 ms"));
    assert!(line_matches("[..]", ""));
    assert!(line_matches("a[..]b[..]c", "a-b-b-c"));
    assert!(!line_matches("took [..] ms", "took 12 s"));
    assert!(!line_matches("exact", "exact and more"));
    assert!(
        !line_matches("ab[..]ba", "aba"),
        "prefix and suffix must not overlap"
    );
}

#[test]
fn trailing_space_and_blank_lines_do_not_count() {
    assert_eq!(check("a\nb\n\n", "a  \nb\n"), Ok(()));
}

#[test]
fn an_unordered_block_takes_its_lines_in_any_order() {
    let expected = "start\n[unordered]\nx 1\nx [..]\ny\n[/unordered]\nend\n";
    assert_eq!(check(expected, "start\ny\nx 7\nx 1\nend\n"), Ok(()));
    // `x [..]` could take `x 1`, but the matching must leave `x 1` for the
    // exact pattern.
    assert_eq!(check(expected, "start\nx 1\nx 9\ny\nend\n"), Ok(()));
    let mismatch = check(expected, "start\ny\nx 7\nz\nend\n").unwrap_err();
    assert_eq!(
        mismatch.expected,
        Some((3, "x 1".to_string())),
        "{mismatch}"
    );
}

#[test]
fn dots_skip_any_number_of_lines() {
    assert_eq!(check("a\n...\nz\n", "a\nb\nc\nz\n"), Ok(()));
    assert_eq!(check("a\n...\nz\n", "a\nz\n"), Ok(()));
    assert!(check("a\n...\nz\n", "a\nb\n").is_err());
}

#[test]
fn a_mismatch_names_both_lines() {
    let mismatch = check("one\ntwo\nthree\n", "one\n2\nthree\n").unwrap_err();
    assert_eq!(mismatch.expected, Some((2, "two".to_string())));
    assert_eq!(mismatch.actual, Some((2, "2".to_string())));
    assert_eq!(
        mismatch.to_string(),
        "line 2: expected: `two`; output line 2 is `2`"
    );
}

#[test]
fn missing_and_extra_output_are_reported() {
    let missing = check("one\ntwo\n", "one\n").unwrap_err();
    assert_eq!(missing.actual, None);
    assert!(missing.to_string().contains("no more lines"), "{missing}");
    let extra = check("one\n", "one\ntwo\n").unwrap_err();
    assert_eq!(extra.actual, Some((2, "two".to_string())));
    assert!(
        extra
            .to_string()
            .contains("goes on after the expected file ends"),
        "{extra}"
    );
}

#[test]
fn malformed_files_are_rejected() {
    assert!(validate("[unordered]\na\n").is_err());
    assert!(validate("a\n[/unordered]\n").is_err());
    assert!(validate("[unordered]\n[unordered]\n[/unordered]\n").is_err());
    assert!(validate("[unordered]\n...\n[/unordered]\n").is_err());
    assert!(validate("a\n[unordered]\nb\n[/unordered]\n...\n").is_ok());
}

#[test]
fn os_lines_apply_only_on_their_os() {
    let here = std::env::consts::OS;
    let expected = format!("start\n[os {here}] only here\n[os elsewhere0] not here\nend\n");
    assert_eq!(check(&expected, "start\nonly here\nend\n"), Ok(()));
    assert!(check(&expected, "start\nend\n").is_err());
    assert!(check(&expected, "start\nonly here\nnot here\nend\n").is_err());
    // Not an OS prefix: an ordinary line.
    assert_eq!(check("[os] x\n", "[os] x\n"), Ok(()));
}
