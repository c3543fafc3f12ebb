//! Reading a page: title, text length and links, as owned data.
//!
//! Three readers, for three uses:
//! - [`scan()`] is what the crawl runs on every page: one pass over the
//!   bytes with the HTML tokenizer's states and nothing built, so that the
//!   crawl pays for no tokens; the bench reads it against html5ever's
//!   tokenizer on the same pages in every round.
//! - [`html5ever_scan()`] reads the same three things with html5ever's own
//!   tokenizer and a sink that keeps them. It is the reference `scan` is
//!   held to: `tests/agreement.rs` runs both on every bundled page, every
//!   adversarial page, the std docs and thousands of tricky pages, and
//!   they must not differ anywhere, errors included.
//! - [`parse()`] builds scraper's tree, as the Python seed's BeautifulSoup
//!   does, for a caller who wants the tree's answer.
//!
//! # Where a scan and the tree differ
//!
//! A tokenizer sees the markup as written; the tree builder then repairs
//! it. On ordinary pages the two agree on the title and the links (the
//! bench checks the std docs' 2216 pages), and differ in two ways:
//! - **Whitespace.** The tree builder drops whitespace before `<head>` and
//!   the newline that opens a `<pre>` or `<textarea>`, so a scan counts a
//!   few more characters (2 more on each bundled page); the scan's count is
//!   exactly what Python's `html.parser` counts on the bundled pages.
//! - **Misnested links.** The tree builder clones an `<a>` left open across
//!   block elements (so one link counts twice) and drops an `<a>` inside a
//!   `<select>`. A scan counts each `<a href>` as written, once.
//!
//! The crawl follows the scan: a link is a link the page's author wrote,
//! once, whatever the markup around it, which is also what a crawler needs
//! to find pages; and a scan costs nothing for nesting, so it stays linear
//! on pages built to make a tree builder slow (below). Neither reader
//! follows `<base href>`: links resolve against the page's own URL, as the
//! seed's do.
//!
//! `scraper::Html` is not `Send`: its text lives in non-atomic `tendril`
//! buffers, so it must not be held across an `.await` in a task that may
//! move between threads. Every reader here is a plain function that returns
//! owned data; the async side runs it on tokio's blocking pool.
//!
//! **Bounded.** html5ever's tree builder walks its stack of open elements
//! for many tags, so a page of 200,000 nested `<div>`s takes minutes; its
//! tokenizer checks each attribute against the tag's others, so a tag with
//! 200,000 attributes takes tens of seconds. Browsers cap nesting for the
//! same reason (Blink at 512). So a page is refused, as a typed
//! [`ParseError`], when
//! - a tag has more than [`MAX_ATTRIBUTES`] attributes: a linear scan
//!   ([`most_attributes`]) finds that before any reader starts, and all
//!   three refuse such a page alike;
//! - [`parse()`]'s tree builder holds more than [`MAX_OPEN`] open and
//!   formatting elements: the page is fed to it [`PIECE`] bytes at a time,
//!   and the count is taken after each piece, so at most one piece's worth
//!   of elements past the limit is ever parsed. The scans have no tree, and
//!   read such a page.
//!
//! Real pages stay far below both (the std docs: 40 open elements at most),
//! and they parse exactly as in one piece: html5ever's tokenizer is
//! incremental.

mod html5ever_scan;
mod limits;
mod page;
mod scan;

pub use html5ever_scan::html5ever_scan;
pub use limits::most_attributes;
pub use page::{MAX_ATTRIBUTES, MAX_OPEN, PIECE, ParseError, Parsed, resolve};
pub use scan::scan;

use html5ever::interface::{Tracer, TreeSink};
use html5ever::tendril::{StrTendril, TendrilSink};
use scraper::{Html, HtmlTreeSink, Node, Selector};
use std::cell::Cell;
use std::sync::OnceLock;
use url::Url;

/// Parses `html` as found at `base` (the final URL, after redirects).
/// Malformed HTML is parsed the way browsers parse it; only a page past the
/// limits fails. Time and memory are linear in the page's size.
pub fn parse(html: &str, base: &Url) -> Result<Parsed, ParseError> {
    static LINKS: OnceLock<Selector> = OnceLock::new();
    static TITLE: OnceLock<Selector> = OnceLock::new();
    let links_selector =
        LINKS.get_or_init(|| Selector::parse("a[href]").expect("a valid selector"));
    let title_selector = TITLE.get_or_init(|| Selector::parse("title").expect("a valid selector"));

    let document = parse_bounded(html)?;
    let title = document
        .select(title_selector)
        .next()
        .map(|title| title.text().collect::<String>().trim().to_string())
        .unwrap_or_default();
    let chars = text_chars(&document);
    let links = document
        .select(links_selector)
        .filter_map(|anchor| anchor.value().attr("href"))
        .filter_map(|href| resolve(base, href))
        .collect();
    Ok(Parsed {
        title,
        chars,
        links,
    })
}

/// The characters of every text node, as `len(soup.text)` counts them.
fn text_chars(document: &Html) -> usize {
    document
        .tree
        .values()
        .map(|node| match node {
            Node::Text(text) => text.chars().count(),
            _ => 0,
        })
        .sum()
}

/// `Html::parse_document`, fed in pieces, refusing a page past the limits.
fn parse_bounded(html: &str) -> Result<Html, ParseError> {
    let attributes = most_attributes(html);
    if attributes > MAX_ATTRIBUTES {
        return Err(ParseError::TooManyAttributes(attributes));
    }
    let mut parser =
        html5ever::parse_document(HtmlTreeSink::new(Html::new_document()), Default::default());
    let mut rest = html;
    while !rest.is_empty() {
        let mut end = rest.len().min(PIECE);
        while !rest.is_char_boundary(end) {
            end += 1;
        }
        parser.process(StrTendril::from_slice(&rest[..end]));
        rest = &rest[end..];
        let open = CountHandles::default();
        parser.tokenizer.sink.trace_handles(&open);
        if open.0.get() > MAX_OPEN {
            return Err(ParseError::TooDeep);
        }
    }
    Ok(parser.finish())
}

/// Counts the handles the tree builder holds: the document, the open
/// elements, the active formatting elements, and `<head>` and `<form>`.
#[derive(Default)]
struct CountHandles(Cell<usize>);

impl Tracer for CountHandles {
    type Handle = <HtmlTreeSink as TreeSink>::Handle;

    fn trace_handle(&self, _: &Self::Handle) {
        self.0.set(self.0.get() + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("http://127.0.0.1:8000/guide/index.html").unwrap()
    }

    #[test]
    fn reads_the_title_text_and_links() {
        let parsed = parse(
            "<!DOCTYPE html><html><head><title> Locks </title></head>\
             <body><p>Hi <a href=\"threads.html#top\">there</a></p>\
             <a href=\"mailto:x@example.com\">mail</a><a href=\"/x\">x</a></body></html>",
            &base(),
        )
        .unwrap();
        assert_eq!(parsed.title, "Locks");
        // " Locks " + "Hi " + "there" + "mail" + "x"
        assert_eq!(parsed.chars, 7 + 3 + 5 + 4 + 1);
        let links: Vec<&str> = parsed.links.iter().map(Url::as_str).collect();
        assert_eq!(
            links,
            [
                "http://127.0.0.1:8000/guide/threads.html",
                "http://127.0.0.1:8000/x"
            ]
        );
    }

    #[test]
    fn malformed_html_still_yields_its_links() {
        let parsed = parse(
            "<title>Broken</title><p>unclosed <div><a href='a.html'>one</b></i><table><td>\
             <a href=b.html>two",
            &base(),
        )
        .unwrap();
        assert_eq!(parsed.links.len(), 2);
        assert_eq!(parsed.title, "Broken");
    }

    #[test]
    fn counts_characters_not_bytes() {
        let parsed = parse("<p>café</p>", &base()).unwrap();
        assert_eq!(parsed.chars, 4);
    }

    #[test]
    fn attributes_are_counted_as_the_tokenizer_separates_them() {
        assert_eq!(most_attributes("<p>no tags with attributes</p>"), 0);
        assert_eq!(most_attributes("<a href=x class='a b' id=\"c d\">"), 3);
        assert_eq!(most_attributes("<div a/b/c/d>"), 4);
        assert_eq!(most_attributes("<div a='1'b='2' c>"), 3);
        assert_eq!(most_attributes("</div a b>"), 2);
        // Not tags: comments, a `<` in a script, a lone `<`.
        assert_eq!(most_attributes("<!-- <a b c d> --><i x>"), 1);
        assert_eq!(
            most_attributes("<script>if (a<b && c > d) {}</SCRIPT><b y z>"),
            2
        );
        assert_eq!(most_attributes("1 < 2"), 0);
    }

    #[test]
    fn pages_past_the_limits_fail_typed() {
        let deep = "<div>".repeat(MAX_OPEN * 4);
        assert_eq!(parse(&deep, &base()), Err(ParseError::TooDeep));
        let shallow = "<div>".repeat(MAX_OPEN / 2);
        assert!(parse(&shallow, &base()).is_ok());
        let attributes: String = (0..=MAX_ATTRIBUTES).map(|i| format!(" a{i}")).collect();
        assert_eq!(
            parse(&format!("<div{attributes}>"), &base()),
            Err(ParseError::TooManyAttributes(MAX_ATTRIBUTES + 1))
        );
    }

    #[test]
    fn a_page_fed_in_pieces_parses_as_in_one() {
        // Pieces split characters, entities and tags; the result must not
        // change. Text long enough to need many pieces.
        let row = "<li><a href=\"p.html\">caf\u{e9} &amp; th\u{e9}</a> x\r\n";
        let html = format!("<title>T</title><ul>{}</ul>", row.repeat(PIECE / 10));
        let pieces = parse(&html, &base()).unwrap();
        let whole = Html::parse_document(&html);
        assert_eq!(pieces.chars, text_chars(&whole));
        assert_eq!(pieces.links.len(), PIECE / 10);
    }
}
