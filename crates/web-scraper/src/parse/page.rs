//! What every reader of a page returns, and the limits they share.

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
    /// them: every text node, scripts and styles included. [`scan()`](super::scan()) counts
    /// exactly as Python's `html.parser` does on the bundled pages;
    /// html5ever's tree keeps 2 whitespace characters less on each.
    pub chars: usize,
    /// Every `<a href>` that resolves to an http(s) URL, fragment removed,
    /// in document order, repeats included.
    pub links: Vec<Url>,
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
