//! The crawl's scan: the HTML tokenizer's states, walked over bytes, for
//! only what the crawl keeps.
//!
//! Written by hand, and why: html5ever's tokenizer builds every token (a
//! tendril per run of text, an owned name and value per attribute, an
//! interned name per tag) and hands each to a sink that keeps three things
//! and drops the rest. Here nothing is built but the title and the links:
//! text is counted where it lies, a tag's attributes are stepped over in
//! place, and only an `<a>`'s `href` is ever copied, and only when it holds
//! a character reference, a NUL or a CR. lol_html and html5gum were the
//! other candidates. lol_html lexes fully only the tags its selectors
//! name, but the text count needs a text handler called on every run of
//! text, the path its own benches call its slowest; html5gum builds a
//! token per tag unless given an emitter of one's own, and an emitter that
//! keeps nothing but these three things is most of what is written here.
//!
//! It follows the WHATWG tokenizer, state by state, as html5ever 0.40
//! implements it, with the tree builder's switches made by the caller
//! (as [`super::html5ever_scan`]'s sink makes them): `<title>` and
//! `<textarea>` to RCDATA, `<script>` to script data with its escapes,
//! `<style>`, `<xmp>`, `<iframe>`, `<noembed>`, `<noframes>` and
//! `<noscript>` to RAWTEXT, `<plaintext>` to the end, and none of them
//! inside `<svg>` or `<math>`. `tests/agreement.rs` holds it to that
//! reference on every bundled page, the adversarial pages, the std docs when they are
//! installed, a corpus of tricky markup and a few thousand generated pages.
//!
//! Every loop moves forward over the page and looks at each byte a bounded
//! number of times (a character reference's name at most 32 more), so time
//! is linear in the page's size whatever it holds.

mod markup;
mod references;

use super::limits::most_attributes;
use super::page::{MAX_ATTRIBUTES, ParseError, Parsed, resolve};
use markup::{
    Kind, attributes, bogus_comment, comment, end_tag_at, find_end_tag, kind, name_end, script_end,
};
use memchr::{memchr2, memmem};
use references::{Reference, attribute_value, reference};
use url::Url;

/// Reads a page's title, text length and links in one pass, with no tree
/// and no tokens: what the crawl runs on every page.
///
/// It reads exactly what [`super::html5ever_scan`] reads (html5ever's
/// tokenizer), with no tokens built. Where a scan and the tree of
/// [`super::parse`] differ (a little whitespace, and links in misnested
/// markup), the crawl follows the scan: see the [module docs](super).
/// A tag with more than [`MAX_ATTRIBUTES`] attributes fails the page, as
/// in every reader here.
///
/// ```
/// use url::Url;
/// use web_scraper::parse;
///
/// let base = Url::parse("http://127.0.0.1:8000/docs/").unwrap();
/// let page = parse::scan(
///     "<title>Locks &amp; keys</title><p>See <a href=next.html>next</a>",
///     &base,
/// )
/// .unwrap();
/// assert_eq!(page.title, "Locks & keys");
/// assert_eq!(page.chars, "Locks & keys".len() + "See next".len());
/// assert_eq!(page.links[0].as_str(), "http://127.0.0.1:8000/docs/next.html");
/// ```
pub fn scan(html: &str, base: &Url) -> Result<Parsed, ParseError> {
    let attributes = most_attributes(html);
    if attributes > MAX_ATTRIBUTES {
        return Err(ParseError::TooManyAttributes(attributes));
    }
    let mut scanner = Scanner {
        html,
        bytes: html.as_bytes(),
        base,
        plain: memchr2(b'\r', b'\0', html.as_bytes()).is_none(),
        chars: 0,
        title: String::new(),
        in_title: false,
        title_done: false,
        foreign: 0,
        links: Vec::new(),
    };
    scanner.data();
    Ok(Parsed {
        title: scanner.title.trim().to_string(),
        chars: scanner.chars,
        links: scanner.links,
    })
}
/// Characters in `bytes` as the tokenizer emits them: CR LF is one, and in
/// the data state (`data`) a NUL is none (html5ever hands it on as a null
/// token, which `len(soup.text)` never sees); elsewhere it is U+FFFD.
fn count(bytes: &[u8], plain: bool, data: bool) -> usize {
    // Every byte but a UTF-8 continuation byte starts a character.
    let mut chars = bytes.iter().filter(|&&byte| (byte as i8) >= -0x40).count();
    if !plain {
        chars -= memmem::find_iter(bytes, b"\r\n").count();
        if data {
            chars -= bytes.iter().filter(|&&byte| byte == 0).count();
        }
    }
    chars
}
/// Where the page is read, and what has been read so far.
struct Scanner<'a> {
    html: &'a str,
    bytes: &'a [u8],
    base: &'a Url,
    /// The page holds no CR and no NUL, so every character counts as it
    /// stands.
    plain: bool,
    chars: usize,
    title: String,
    /// Inside the page's first `<title>`.
    in_title: bool,
    /// The first `<title>` has ended.
    title_done: bool,
    /// Open `<svg>` and `<math>` elements: inside them a `<title>` is not
    /// the page's and no tag switches to raw text.
    foreign: usize,
    links: Vec<Url>,
}

impl Scanner<'_> {
    /// The data state, from the start of the page to its end.
    fn data(&mut self) {
        let mut at = 0;
        while at < self.bytes.len() {
            let Some(offset) = memchr2(b'<', b'&', &self.bytes[at..]) else {
                self.chars += count(&self.bytes[at..], self.plain, true);
                return;
            };
            let special = at + offset;
            self.chars += count(&self.bytes[at..special], self.plain, true);
            at = if self.bytes[special] == b'&' {
                match reference(self.html, special + 1, false) {
                    Some((reference, end)) => {
                        self.chars += reference.len;
                        end
                    }
                    None => {
                        self.chars += 1;
                        special + 1
                    }
                }
            } else {
                self.markup(special + 1)
            };
        }
    }

    /// After a `<` in the data state: the tag open state and what follows.
    /// Returns where the data state goes on.
    fn markup(&mut self, at: usize) -> usize {
        let bytes = self.bytes;
        match bytes.get(at) {
            Some(b'!') => self.declaration(at + 1),
            Some(b'/') => match bytes.get(at + 1) {
                Some(byte) if byte.is_ascii_alphabetic() => self.end_tag(at + 1),
                Some(b'>') => at + 2,
                Some(_) => bogus_comment(bytes, at + 1),
                None => {
                    self.chars += 2;
                    bytes.len()
                }
            },
            Some(byte) if byte.is_ascii_alphabetic() => self.start_tag(at),
            Some(b'?') => bogus_comment(bytes, at),
            // Not markup: the `<` is text, and what follows is read again.
            _ => {
                self.chars += 1;
                at
            }
        }
    }

    /// After `<!`: a comment, a DOCTYPE, or a bogus comment (CDATA
    /// sections among them: the tokenizer reads one only in foreign
    /// content, which it learns from a tree builder this scan does not
    /// have, as html5ever's sink does not either).
    fn declaration(&self, at: usize) -> usize {
        let bytes = self.bytes;
        if bytes[at..].starts_with(b"--") {
            return comment(bytes, at + 2);
        }
        if bytes
            .get(at..at + 7)
            .is_some_and(|word| word.eq_ignore_ascii_case(b"doctype"))
        {
            // Every DOCTYPE state ends at the first `>`, quoted or not.
            return bogus_comment(bytes, at + 7);
        }
        bogus_comment(bytes, at)
    }

    fn start_tag(&mut self, name_start: usize) -> usize {
        let bytes = self.bytes;
        let name_end = name_end(bytes, name_start);
        let (kind, name) = kind(&bytes[name_start..name_end]);
        let Some(tag) = attributes(bytes, name_end, kind == Kind::A) else {
            return bytes.len();
        };
        match kind {
            Kind::A => {
                if let Some((start, end)) = tag.href {
                    let href = attribute_value(&self.html[start..end]);
                    if let Some(url) = resolve(self.base, &href) {
                        self.links.push(url);
                    }
                }
                tag.end
            }
            Kind::Foreign => {
                if !tag.self_closing {
                    self.foreign += 1;
                }
                tag.end
            }
            _ if self.foreign > 0 => tag.end,
            Kind::Title => {
                if !self.title_done {
                    self.in_title = true;
                }
                self.rcdata(tag.end, name)
            }
            Kind::Textarea => self.rcdata(tag.end, name),
            Kind::Script => self.script(tag.end),
            Kind::RawText => self.raw_text(tag.end, name),
            Kind::Plaintext => {
                self.chars += count(&bytes[tag.end..], self.plain, false);
                bytes.len()
            }
            Kind::Other => tag.end,
        }
    }

    fn end_tag(&mut self, name_start: usize) -> usize {
        let bytes = self.bytes;
        let name_end = name_end(bytes, name_start);
        let Some(tag) = attributes(bytes, name_end, false) else {
            return bytes.len();
        };
        // A `</title>` in the data state never ends the page's title: that
        // one ends in `rcdata`.
        if kind(&bytes[name_start..name_end]).0 == Kind::Foreign {
            self.foreign = self.foreign.saturating_sub(1);
        }
        tag.end
    }

    /// The end tag that ends a raw-text element, from its `<`, read to just
    /// after its `>`; `None` when the page ends inside it, which drops it.
    fn close(&self, at: usize, name: &[u8]) -> Option<usize> {
        attributes(self.bytes, at + 2 + name.len(), false).map(|tag| tag.end)
    }

    /// RCDATA (`<title>`, `<textarea>`): text with character references, up
    /// to the element's own end tag.
    fn rcdata(&mut self, mut at: usize, name: &[u8]) -> usize {
        let bytes = self.bytes;
        let title = self.in_title && name == b"title";
        loop {
            let Some(offset) = memchr2(b'<', b'&', &bytes[at..]) else {
                self.rcdata_text(at, bytes.len(), title);
                return bytes.len();
            };
            let special = at + offset;
            self.rcdata_text(at, special, title);
            if bytes[special] == b'&' {
                at = special + 1;
                let (chars, end) = match reference(self.html, at, false) {
                    Some((reference, end)) => (reference, end),
                    None => (Reference::one('&'), at),
                };
                self.chars += chars.len;
                if title {
                    self.title.extend(chars.as_chars());
                }
                at = end;
            } else if end_tag_at(bytes, special, name).is_some() {
                let Some(end) = self.close(special, name) else {
                    return bytes.len();
                };
                if title {
                    self.in_title = false;
                    self.title_done = true;
                }
                return end;
            } else {
                self.chars += 1;
                if title {
                    self.title.push('<');
                }
                at = special + 1;
            }
        }
    }

    fn rcdata_text(&mut self, start: usize, end: usize, title: bool) {
        let text = &self.bytes[start..end];
        self.chars += count(text, self.plain, false);
        if title {
            let text = &self.html[start..end];
            if self.plain {
                self.title.push_str(text);
            } else {
                let text = text.replace("\r\n", "\n").replace(['\r'], "\n");
                self.title.push_str(&text.replace('\0', "\u{fffd}"));
            }
        }
    }

    /// RAWTEXT: text with no references, up to the element's own end tag.
    fn raw_text(&mut self, start: usize, name: &[u8]) -> usize {
        match find_end_tag(self.bytes, start, name) {
            Some(at) => {
                self.chars += count(&self.bytes[start..at], self.plain, false);
                self.close(at, name).unwrap_or(self.bytes.len())
            }
            None => {
                self.chars += count(&self.bytes[start..], self.plain, false);
                self.bytes.len()
            }
        }
    }

    /// Script data: RAWTEXT, except that inside `<!--` a `<script` hides
    /// the next `</script>` (the "escaped" and "double escaped" states).
    /// Every character up to the end tag is text either way; only where the
    /// script ends depends on the states, so they are walked only when a
    /// `<!--` comes before the first `</script`.
    fn script(&mut self, start: usize) -> usize {
        let bytes = self.bytes;
        let first = find_end_tag(bytes, start, b"script");
        let upto = first.unwrap_or(bytes.len());
        let end_tag = if memmem::find(&bytes[start..upto], b"<!--").is_none() {
            first
        } else {
            script_end(bytes, start)
        };
        match end_tag {
            Some(at) => {
                self.chars += count(&bytes[start..at], self.plain, false);
                self.close(at, b"script").unwrap_or(bytes.len())
            }
            None => {
                self.chars += count(&bytes[start..], self.plain, false);
                bytes.len()
            }
        }
    }
}
