//! The table of contents a long document opens with: a list of links to
//! its `##` and `###` headings, between `<!-- contents -->` and
//! `<!-- /contents -->`, before its first `##`. `cargo xtask render` writes
//! it; tidy checks that every document over [`LONG`] lines has one and
//! that it matches the headings.

use crate::markdown::{self, Heading};

/// A document longer than this many lines opens with a table of contents.
pub const LONG: usize = 250;

const OPEN: &str = "<!-- contents -->";
const CLOSE: &str = "<!-- /contents -->";

/// The table for `headings`: one line per `##`, `###` indented under it.
pub fn table(headings: &[Heading]) -> String {
    let mut table = String::new();
    for heading in headings.iter().filter(|h| (2..=3).contains(&h.level)) {
        let indent = "  ".repeat(heading.level - 2);
        table.push_str(&format!(
            "{indent}- [{}](#{})\n",
            heading.title.replace('[', "\\[").replace(']', "\\]"),
            heading.anchor
        ));
    }
    table
}

/// `text` with its table written from its headings; unchanged when it has
/// no table. A document that should have one and has not is
/// [`problems`]'s to report: where the table goes is the writer's choice.
pub fn render(text: &str) -> String {
    let Some((before, _, after)) = split(text) else {
        return text.to_string();
    };
    let table = table(&markdown::headings(text));
    format!("{before}{OPEN}\n{table}{CLOSE}{after}")
}

/// The document's text before its table's body, the body, and after it.
fn split(text: &str) -> Option<(&str, &str, &str)> {
    let start = text.find(OPEN)?;
    let body_start = start + OPEN.len() + 1;
    let end = body_start + text.get(body_start..)?.find(CLOSE)?;
    Some((
        &text[..start],
        &text[body_start..end],
        &text[end + CLOSE.len()..],
    ))
}

/// What is wrong with `name`'s table of contents, if anything.
pub fn problems(name: &str, text: &str) -> Vec<String> {
    let lines = text.lines().count();
    let headings = markdown::headings(text);
    let first_section = headings.iter().find(|h| h.level == 2).map(|h| h.line);
    let Some((before, body, _)) = split(text) else {
        return if lines > LONG {
            vec![format!(
                "{name}: {lines} lines with no table of contents; put `{OPEN}` and `{CLOSE}` on two lines before its first `##` and run `cargo xtask render`"
            )]
        } else {
            Vec::new()
        };
    };
    let at = before.lines().count() + 1;
    let mut problems = Vec::new();
    if first_section.is_some_and(|first| first < at) {
        problems.push(format!(
            "{name}:{at}: the table of contents comes after the first `##`; move it before"
        ));
    }
    if body != table(&headings) {
        problems.push(format!(
            "{name}:{at}: the table of contents does not match the headings; run `cargo xtask render`"
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn long(body: &str) -> String {
        format!("{body}{}", "text\n".repeat(LONG))
    }

    #[test]
    fn a_table_lists_sections_and_their_subsections() {
        let text = "# T\n\n<!-- contents -->\nold\n<!-- /contents -->\n\n## One\n### Sub [x]\n#### Deep\n## Two\n## One\n";
        let rendered = render(text);
        assert_eq!(
            rendered,
            "# T\n\n<!-- contents -->\n- [One](#one)\n  - [Sub \\[x\\]](#sub-x)\n- [Two](#two)\n- [One](#one-1)\n<!-- /contents -->\n\n## One\n### Sub [x]\n#### Deep\n## Two\n## One\n"
        );
        assert_eq!(render(&rendered), rendered);
        assert!(problems("t.md", &rendered).is_empty());
    }

    #[test]
    fn a_long_document_without_a_table_is_a_problem_and_a_short_one_is_not() {
        let problems_of = |text: &str| problems("t.md", text);
        assert!(problems_of("# T\n\n## A\n").is_empty());
        let missing = problems_of(&long("# T\n\n## A\n"));
        assert_eq!(missing.len(), 1);
        assert!(missing[0].contains("no table of contents"), "{missing:?}");
    }

    #[test]
    fn a_stale_or_misplaced_table_is_a_problem() {
        let stale = long("# T\n<!-- contents -->\n- [A](#a)\n<!-- /contents -->\n## A\n## B\n");
        let found = problems("t.md", &stale);
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("t.md:2: "), "{found:?}");
        assert!(found[0].contains("does not match"), "{found:?}");
        assert!(problems("t.md", &render(&stale)).is_empty());

        let late = "# T\n## A\n<!-- contents -->\n- [A](#a)\n<!-- /contents -->\n";
        let found = problems("t.md", late);
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("after the first"), "{found:?}");
    }
}
