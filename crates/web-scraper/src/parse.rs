//! Reading a page: title, text length and links, in one plain function.
//!
//! `scraper::Html` is not `Send`: its text lives in non-atomic `tendril`
//! buffers, so it must not be held across an `.await` in a task that may
//! move between threads. Parsing happens here, synchronously, and only owned data comes
//! out; the async side runs this on tokio's blocking pool.

use scraper::{Html, Node, Selector};
use std::sync::OnceLock;
use url::Url;

/// What a page says, as owned data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The `<title>`, trimmed, or empty.
    pub title: String,
    /// Characters of text in the whole document, as `len(soup.text)` counts
    /// them: every text node, scripts and styles included. html5ever keeps
    /// a little less whitespace than Python's `html.parser` (2 characters
    /// less on the bundled pages).
    pub chars: usize,
    /// Every `<a href>` that resolves to an http(s) URL, fragment removed,
    /// in document order, repeats included.
    pub links: Vec<Url>,
}

/// Parses `html` as found at `base` (the final URL, after redirects).
/// Malformed HTML is parsed the way browsers parse it; this never fails.
pub fn parse(html: &str, base: &Url) -> Parsed {
    static LINKS: OnceLock<Selector> = OnceLock::new();
    static TITLE: OnceLock<Selector> = OnceLock::new();
    let links_selector =
        LINKS.get_or_init(|| Selector::parse("a[href]").expect("a valid selector"));
    let title_selector = TITLE.get_or_init(|| Selector::parse("title").expect("a valid selector"));

    let document = Html::parse_document(html);
    let title = document
        .select(title_selector)
        .next()
        .map(|title| title.text().collect::<String>().trim().to_string())
        .unwrap_or_default();
    let chars = document
        .tree
        .values()
        .map(|node| match node {
            Node::Text(text) => text.chars().count(),
            _ => 0,
        })
        .sum();
    let links = document
        .select(links_selector)
        .filter_map(|anchor| anchor.value().attr("href"))
        .filter_map(|href| resolve(base, href))
        .collect();
    Parsed {
        title,
        chars,
        links,
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
        );
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
        );
        assert_eq!(parsed.links.len(), 2);
        assert_eq!(parsed.title, "Broken");
    }

    #[test]
    fn counts_characters_not_bytes() {
        let parsed = parse("<p>café</p>", &base());
        assert_eq!(parsed.chars, 4);
    }
}
