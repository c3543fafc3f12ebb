//! What the checks read in a Markdown document: its headings, with the
//! anchors GitHub gives them, and its fenced code blocks.
//!
//! Written by hand rather than with a CommonMark parser because the checks
//! need only these two things of documents this project writes: ATX
//! headings (`## Title`) and fences of backticks or tildes, outside of
//! which nothing else changes what a line is.

/// A heading outside any code block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 1 for `#`, 2 for `##`, and so on.
    pub level: usize,
    /// The title as written, Markdown included.
    pub title: String,
    /// The anchor GitHub links it by, without the `#`.
    pub anchor: String,
    /// Its 1-based line.
    pub line: usize,
}

/// A fenced code block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fenced {
    /// The word after the opening fence (`mermaid`, `rust`), or empty.
    pub info: String,
    /// The 1-based line of the opening fence.
    pub line: usize,
    /// The lines between the fences, each ending in a newline.
    pub body: String,
}

/// One line of a document, as these checks see it.
enum Line<'a> {
    /// Outside any block.
    Text(&'a str),
    /// A fence that opens a block.
    Open { info: &'a str },
    /// Inside a block.
    Code(&'a str),
    /// The fence that closes it.
    Close,
}

/// Each line of `text`, classified.
fn lines(text: &str) -> Vec<Line<'_>> {
    let mut fence: Option<(char, usize)> = None;
    let mut out = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
        let run = marker.map_or(0, |c| trimmed.chars().take_while(|x| *x == c).count());
        match (fence, marker) {
            (None, Some(c)) if run >= 3 => {
                fence = Some((c, run));
                out.push(Line::Open {
                    info: trimmed[run..].split_whitespace().next().unwrap_or(""),
                });
            }
            (None, _) => out.push(Line::Text(line)),
            (Some((c, length)), Some(m))
                if m == c && run >= length && trimmed[run..].trim().is_empty() =>
            {
                fence = None;
                out.push(Line::Close);
            }
            (Some(_), _) => out.push(Line::Code(line)),
        }
    }
    out
}

/// The headings of `text`, in order, with GitHub's anchors: a title used
/// again gets `-1`, `-2`, … after its anchor.
pub fn headings(text: &str) -> Vec<Heading> {
    let mut used: std::collections::HashMap<String, usize> = Default::default();
    let mut headings = Vec::new();
    for (index, line) in lines(text).into_iter().enumerate() {
        let Line::Text(line) = line else { continue };
        let level = line.chars().take_while(|c| *c == '#').count();
        let rest = &line[level..];
        if !(1..=6).contains(&level) || !(rest.is_empty() || rest.starts_with(' ')) {
            continue;
        }
        let title = rest.trim().trim_end_matches('#').trim_end().to_string();
        let base = slug(&title);
        let seen = used.entry(base.clone()).or_insert(0);
        let anchor = match *seen {
            0 => base,
            n => format!("{base}-{n}"),
        };
        *seen += 1;
        headings.push(Heading {
            level,
            title,
            anchor,
            line: index + 1,
        });
    }
    headings
}

/// GitHub's anchor for a heading's title: the text as shown, lower case,
/// with everything but letters, digits, `-`, `_` and spaces dropped and
/// each space made a `-`.
pub fn slug(title: &str) -> String {
    shown(title)
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The text a title shows: links by their text, with no code marks.
fn shown(title: &str) -> String {
    let mut out = String::new();
    let mut rest = title;
    while let Some(start) = rest.find('[') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find("](").and_then(|close| {
            let end = after[close..].find(')')? + close;
            Some((close, end))
        }) {
            Some((close, end)) => {
                out.push_str(&after[..close]);
                rest = &after[end + 1..];
            }
            None => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.replace('`', "")
}

/// The fenced code blocks of `text`, in order. A block left open runs to
/// the end of the document, as GitHub shows it.
pub fn fenced(text: &str) -> Vec<Fenced> {
    let mut blocks = Vec::new();
    let mut open: Option<Fenced> = None;
    for (index, line) in lines(text).into_iter().enumerate() {
        match line {
            Line::Open { info } => {
                open = Some(Fenced {
                    info: info.to_string(),
                    line: index + 1,
                    body: String::new(),
                });
            }
            Line::Code(code) => {
                if let Some(block) = &mut open {
                    block.body.push_str(code);
                    block.body.push('\n');
                }
            }
            Line::Close => blocks.extend(open.take()),
            Line::Text(_) => {}
        }
    }
    blocks.extend(open);
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_githubs() {
        assert_eq!(slug("Python → Rust"), "python--rust");
        assert_eq!(
            slug("The crawler against spider-rs (web-scraper)"),
            "the-crawler-against-spider-rs-web-scraper"
        );
        assert_eq!(slug("`bench.toml`, row by row"), "benchtoml-row-by-row");
        assert_eq!(slug("See [the docs](https://x.y/z)"), "see-the-docs");
        assert_eq!(slug("2026-12-05, 2 cores"), "2026-12-05-2-cores");
    }

    #[test]
    fn headings_skip_code_and_number_repeats() {
        let text =
            "# T\n\n## A\n\n```sh\n# not a heading\n```\n\n## A\n~~~\n## no\n~~~\n### B ##\n#no\n";
        let found: Vec<(usize, String, String, usize)> = headings(text)
            .into_iter()
            .map(|h| (h.level, h.title, h.anchor, h.line))
            .collect();
        assert_eq!(
            found,
            [
                (1, "T".into(), "t".into(), 1),
                (2, "A".into(), "a".into(), 3),
                (2, "A".into(), "a-1".into(), 9),
                (3, "B".into(), "b".into(), 13),
            ]
        );
    }

    #[test]
    fn fenced_blocks_carry_their_info_line_and_body() {
        let text = "x\n```mermaid\nflowchart LR\n  a --> b\n```\n````md\n```\ninner\n````\n";
        let blocks = fenced(text);
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].info, "mermaid");
        assert_eq!(blocks[0].line, 2);
        assert_eq!(blocks[0].body, "flowchart LR\n  a --> b\n");
        assert_eq!(blocks[1].info, "md");
        assert_eq!(blocks[1].body, "```\ninner\n");
    }
}
