//! Reading a page: title, text length and links, as owned data.
//!
//! Three readers, for three uses:
//! - [`scan()`] is what the crawl runs on every page: one pass over the
//!   bytes with the HTML tokenizer's states and nothing built, several
//!   times faster than html5ever's tokenizer.
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
mod scan;

pub use html5ever_scan::html5ever_scan;
pub use scan::scan;

use html5ever::interface::{Tracer, TreeSink};
use html5ever::tendril::{StrTendril, TendrilSink};
use scraper::{Html, HtmlTreeSink, Node, Selector};
use std::cell::Cell;
use std::sync::OnceLock;
use url::Url;

/// The most open elements (with the active formatting elements and the
/// document) a page may make the parser hold at once.
pub const MAX_OPEN: usize = 512;
/// The most attributes one tag may have.
pub const MAX_ATTRIBUTES: usize = 1024;
/// How many bytes are fed to the parser between two depth checks.
pub const PIECE: usize = 8 * 1024;

/// Why a page was not parsed: it is past a limit that keeps parsing linear.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Nesting past [`MAX_OPEN`] elements.
    #[error("nested deeper than {MAX_OPEN} elements")]
    TooDeep,
    /// A tag with more than [`MAX_ATTRIBUTES`] attributes.
    #[error("a tag with {0} attributes, over the {MAX_ATTRIBUTES} limit")]
    TooManyAttributes(usize),
}

/// What a page says, as owned data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The `<title>`, trimmed, or empty.
    pub title: String,
    /// Characters of text in the whole document, as `len(soup.text)` counts
    /// them: every text node, scripts and styles included. [`scan()`] counts
    /// exactly as Python's `html.parser` does on the bundled pages;
    /// html5ever's tree keeps 2 whitespace characters less on each.
    pub chars: usize,
    /// Every `<a href>` that resolves to an http(s) URL, fragment removed,
    /// in document order, repeats included.
    pub links: Vec<Url>,
}

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

/// The most attributes on any one tag of `html`, start or end, counted in
/// one pass the way the HTML tokenizer separates them. Comments and the
/// text of raw-text elements such as `<script>` are skipped, so that a
/// `<` in a script is not read as a tag.
///
/// Written by hand: html5ever's own tokenizer is the quadratic part for
/// such tags, so it cannot be the one to count them.
pub fn most_attributes(html: &str) -> usize {
    const RAW_TEXT: [&str; 10] = [
        "script",
        "style",
        "textarea",
        "title",
        "xmp",
        "iframe",
        "noembed",
        "noframes",
        "noscript",
        "plaintext",
    ];
    let bytes = html.as_bytes();
    let mut most = 0;
    let mut at = 0;
    while let Some(offset) = memchr::memchr(b'<', &bytes[at..]) {
        at += offset + 1;
        if bytes[at..].starts_with(b"!--") {
            at = find(bytes, at + 3, b"-->").map_or(bytes.len(), |end| end + 3);
            continue;
        }
        let end_tag = bytes.get(at) == Some(&b'/');
        let name_start = at + usize::from(end_tag);
        if !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        at = name_start;
        while at < bytes.len() && !is_space(bytes[at]) && !matches!(bytes[at], b'/' | b'>') {
            at += 1;
        }
        let name = &bytes[name_start..at];
        let (count, after) = count_attributes(bytes, at);
        most = most.max(count);
        at = after;
        if end_tag {
            continue;
        }
        if let Some(raw) = RAW_TEXT
            .iter()
            .find(|raw| name.eq_ignore_ascii_case(raw.as_bytes()))
        {
            if *raw == "plaintext" {
                break;
            }
            // The text runs to the matching end tag, whatever case it is in.
            at = find_end_tag(bytes, at, raw.as_bytes()).unwrap_or(bytes.len());
        }
    }
    most
}

/// Counts the attributes of a tag from just after its name; returns the
/// count and where the tag ends.
fn count_attributes(bytes: &[u8], mut at: usize) -> (usize, usize) {
    let mut count = 0;
    loop {
        while at < bytes.len() && (is_space(bytes[at]) || bytes[at] == b'/') {
            at += 1;
        }
        if at >= bytes.len() {
            return (count, at);
        }
        if bytes[at] == b'>' {
            return (count, at + 1);
        }
        // A name: up to a space, `/`, `>` or `=` (a leading `=` is part of it).
        count += 1;
        at += 1;
        while at < bytes.len() && !is_space(bytes[at]) && !matches!(bytes[at], b'/' | b'>' | b'=') {
            at += 1;
        }
        while at < bytes.len() && is_space(bytes[at]) {
            at += 1;
        }
        if bytes.get(at) != Some(&b'=') {
            continue;
        }
        at += 1;
        while at < bytes.len() && is_space(bytes[at]) {
            at += 1;
        }
        match bytes.get(at) {
            Some(&quote @ (b'"' | b'\'')) => {
                at = bytes[at + 1..]
                    .iter()
                    .position(|&byte| byte == quote)
                    .map_or(bytes.len(), |end| at + 1 + end + 1);
            }
            _ => {
                while at < bytes.len() && !is_space(bytes[at]) && bytes[at] != b'>' {
                    at += 1;
                }
            }
        }
    }
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(bytes.get(from..)?, needle).map(|at| from + at)
}

/// Where `</name` starts at or after `from`, `name` in any case.
fn find_end_tag(bytes: &[u8], mut from: usize, name: &[u8]) -> Option<usize> {
    loop {
        let at = find(bytes, from, b"</")?;
        let after = at + 2;
        if bytes
            .get(after..after + name.len())
            .is_some_and(|candidate| candidate.eq_ignore_ascii_case(name))
        {
            return Some(at);
        }
        from = after;
    }
}

/// `href` resolved against `base`, for http and https only, without its
/// fragment: `a.html#part` and `a.html` are one page.
pub fn resolve(base: &Url, href: &str) -> Option<Url> {
    let mut url = base.join(href.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.set_fragment(None);
    Some(url)
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
