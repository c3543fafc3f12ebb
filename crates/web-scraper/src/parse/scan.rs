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
//! other candidates; both still make a token per tag, and neither counts
//! text the way `len(soup.text)` does without a callback per run.
//!
//! It follows the WHATWG tokenizer, state by state, as html5ever 0.40
//! implements it, with the tree builder's switches made by the caller
//! (as [`super::html5ever_scan`]'s sink makes them): `<title>` and
//! `<textarea>` to RCDATA, `<script>` to script data with its escapes,
//! `<style>`, `<xmp>`, `<iframe>`, `<noembed>`, `<noframes>` and
//! `<noscript>` to RAWTEXT, `<plaintext>` to the end, and none of them
//! inside `<svg>` or `<math>`. `tests/scan.rs` holds it to that reference on
//! every bundled page, the adversarial pages, the std docs when they are
//! installed, a corpus of tricky markup and a few thousand generated pages.
//!
//! Every loop moves forward over the page and looks at each byte a bounded
//! number of times (a character reference's name at most 32 more), so time
//! is linear in the page's size whatever it holds.

use super::{MAX_ATTRIBUTES, ParseError, Parsed, most_attributes, resolve};
use html5ever::data::{C1_REPLACEMENTS, NAMED_ENTITIES};
use memchr::{memchr, memchr2, memmem};
use std::borrow::Cow;
use url::Url;

/// Reads a page's title, text length and links in one pass, with no tree
/// and no tokens: what the crawl runs on every page.
///
/// It reads exactly what [`super::html5ever_scan`] reads (html5ever's
/// tokenizer), several times faster. Where a scan and the tree of
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

/// The tags the scan acts on; every other tag is stepped over.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    A,
    /// `<svg>` or `<math>`.
    Foreign,
    Title,
    Textarea,
    Script,
    /// Read as RAWTEXT: no tags and no character references inside.
    RawText,
    Plaintext,
    Other,
}

/// What a tag's name makes it, and its name in lower case.
fn kind(name: &[u8]) -> (Kind, &'static [u8]) {
    const NAMES: [(&[u8], Kind); 13] = [
        (b"a", Kind::A),
        (b"svg", Kind::Foreign),
        (b"math", Kind::Foreign),
        (b"title", Kind::Title),
        (b"textarea", Kind::Textarea),
        (b"script", Kind::Script),
        (b"style", Kind::RawText),
        (b"xmp", Kind::RawText),
        (b"iframe", Kind::RawText),
        (b"noembed", Kind::RawText),
        (b"noframes", Kind::RawText),
        // html5ever parses with scripting on, so `noscript` is raw text.
        (b"noscript", Kind::RawText),
        (b"plaintext", Kind::Plaintext),
    ];
    if name.len() <= 9 {
        for (known, kind) in NAMES {
            if known.len() == name.len() && known.eq_ignore_ascii_case(name) {
                return (kind, known);
            }
        }
    }
    (Kind::Other, b"")
}

/// Whitespace between attributes. A CR is a LF once the input stream is
/// preprocessed, so it counts too.
fn is_space(byte: u8) -> bool {
    matches!(byte, b'\t' | b'\n' | b'\x0c' | b' ' | b'\r')
}

/// Where a tag's name ends.
fn name_end(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && !is_space(bytes[at]) && !matches!(bytes[at], b'/' | b'>') {
        at += 1;
    }
    at
}

/// A tag, read to its `>`.
struct Tag {
    /// Just after the `>`.
    end: usize,
    self_closing: bool,
    /// The first `href` attribute's value, as a range of the page (empty
    /// for an `href` with no value).
    href: Option<(usize, usize)>,
}

/// Reads a tag's attributes from just after its name, through the states
/// "before attribute name" to "self-closing start tag". `None` when the page
/// ends inside the tag: the tokenizer drops such a tag.
fn attributes(bytes: &[u8], mut at: usize, want_href: bool) -> Option<Tag> {
    let mut href = None;
    loop {
        // Before attribute name (also after an attribute, quoted or not).
        let byte = *bytes.get(at)?;
        if is_space(byte) {
            at += 1;
            continue;
        }
        match byte {
            b'>' => {
                return Some(Tag {
                    end: at + 1,
                    self_closing: false,
                    href,
                });
            }
            b'/' => {
                // Self-closing start tag: only `/>` closes; anything else is
                // read again as before an attribute name.
                at += 1;
                if *bytes.get(at)? == b'>' {
                    return Some(Tag {
                        end: at + 1,
                        self_closing: true,
                        href,
                    });
                }
                continue;
            }
            _ => {}
        }
        // Attribute name: its first character may be anything, `=` too.
        let name_start = at;
        at += 1;
        while !matches!(
            *bytes.get(at)?,
            b'\t' | b'\n' | b'\x0c' | b' ' | b'\r' | b'/' | b'>' | b'='
        ) {
            at += 1;
        }
        let name = &bytes[name_start..at];
        // After attribute name.
        while is_space(*bytes.get(at)?) {
            at += 1;
        }
        let mut value = (at, at);
        if bytes[at] == b'=' {
            at += 1;
            // Before attribute value.
            while is_space(*bytes.get(at)?) {
                at += 1;
            }
            match bytes[at] {
                quote @ (b'"' | b'\'') => {
                    let end = at + 1 + memchr(quote, &bytes[at + 1..])?;
                    value = (at + 1, end);
                    at = end + 1;
                }
                // A missing value: the `>` is read next, as the tag's end.
                b'>' => {}
                _ => {
                    let start = at;
                    while !matches!(
                        *bytes.get(at)?,
                        b'\t' | b'\n' | b'\x0c' | b' ' | b'\r' | b'>'
                    ) {
                        at += 1;
                    }
                    value = (start, at);
                }
            }
        }
        // Later duplicates are dropped, so the first `href` is the one.
        if want_href && href.is_none() && name.eq_ignore_ascii_case(b"href") {
            href = Some(value);
        }
    }
}

/// If `at` starts `</name` followed by a space, `/` or `>` (an
/// "appropriate end tag" in RCDATA, RAWTEXT or script data), where the name
/// ends.
fn end_tag_at(bytes: &[u8], at: usize, name: &[u8]) -> Option<usize> {
    let after = at + 2 + name.len();
    let candidate = bytes.get(at..after)?;
    let ends = bytes
        .get(after)
        .is_some_and(|&byte| is_space(byte) || matches!(byte, b'/' | b'>'));
    (ends && candidate[..2] == *b"</" && candidate[2..].eq_ignore_ascii_case(name)).then_some(after)
}

/// The first `<` at or after `from` that starts the end tag `</name`.
fn find_end_tag(bytes: &[u8], mut from: usize, name: &[u8]) -> Option<usize> {
    while let Some(offset) = memmem::find(&bytes[from..], b"</") {
        let at = from + offset;
        if end_tag_at(bytes, at, name).is_some() {
            return Some(at);
        }
        from = at + 2;
    }
    None
}

/// A decoded character reference: one or two characters.
#[derive(Clone, Copy)]
struct Reference {
    chars: [char; 2],
    len: usize,
}

impl Reference {
    fn one(c: char) -> Self {
        Self {
            chars: [c, '\0'],
            len: 1,
        }
    }

    fn as_chars(&self) -> &[char] {
        &self.chars[..self.len]
    }
}

/// The character reference just after an `&` at `at - 1`, and where it
/// ends; `None` when there is none and the `&` stands for itself. The
/// rules are the tokenizer's, html5ever's table of names included: the
/// longest name that matches, a legacy name without its `;`, and in an
/// attribute (`in_attribute`) no such name before an `=` or a letter or
/// digit.
fn reference(html: &str, at: usize, in_attribute: bool) -> Option<(Reference, usize)> {
    let bytes = html.as_bytes();
    match *bytes.get(at)? {
        b'#' => numeric(bytes, at + 1),
        byte if byte.is_ascii_alphanumeric() => named(html, at, in_attribute),
        _ => None,
    }
}

fn numeric(bytes: &[u8], mut at: usize) -> Option<(Reference, usize)> {
    let base = if matches!(bytes.get(at), Some(b'x' | b'X')) {
        at += 1;
        16
    } else {
        10
    };
    let digits = at;
    let (mut number, mut too_big) = (0u32, false);
    while let Some(digit) = bytes
        .get(at)
        .and_then(|&byte| char::from(byte).to_digit(base))
    {
        // As html5ever counts: past U+10FFFF once, invalid for good.
        number = number.wrapping_mul(base);
        too_big |= number > 0x10FFFF;
        number = number.wrapping_add(digit);
        at += 1;
    }
    if at == digits {
        return None;
    }
    if bytes.get(at) == Some(&b';') {
        at += 1;
    }
    let c = match number {
        n if n > 0x10FFFF || too_big => '\u{fffd}',
        0 | 0xD800..=0xDFFF => '\u{fffd}',
        0x80..=0x9F => C1_REPLACEMENTS[(number - 0x80) as usize]
            .unwrap_or_else(|| char::from_u32(number).unwrap_or('\u{fffd}')),
        n => char::from_u32(n).unwrap_or('\u{fffd}'),
    };
    Some((Reference::one(c), at))
}

fn named(html: &str, at: usize, in_attribute: bool) -> Option<(Reference, usize)> {
    let bytes = html.as_bytes();
    // The references ordinary pages hold, without a table lookup per
    // letter. No name in the table goes on past a `;`, so these are the
    // longest matches.
    for (name, c) in [("lt;", '<'), ("gt;", '>'), ("amp;", '&'), ("quot;", '"')] {
        if bytes[at..].starts_with(name.as_bytes()) {
            return Some((Reference::one(c), at + name.len()));
        }
    }
    // The table holds every prefix of every name (mapped to 0), so the
    // match grows a character at a time until no name starts so.
    let mut matched = None;
    for (offset, c) in html[at..].char_indices() {
        let end = at + offset + c.len_utf8();
        match NAMED_ENTITIES.get(&html[at..end]) {
            Some(&(first, second)) if first != 0 => matched = Some((first, second, end)),
            Some(_) => {}
            None => break,
        }
    }
    let (first, second, end) = matched?;
    if in_attribute
        && bytes[end - 1] != b';'
        && bytes
            .get(end)
            .is_some_and(|&next| next == b'=' || next.is_ascii_alphanumeric())
    {
        return None;
    }
    let char_of = |code| char::from_u32(code).unwrap_or('\u{fffd}');
    let reference = Reference {
        chars: [char_of(first), char_of(second)],
        len: if second == 0 { 1 } else { 2 },
    };
    Some((reference, end))
}

/// An attribute's value as the tokenizer hands it on: character references
/// decoded, NUL as U+FFFD and CR LF or a lone CR as LF. Borrowed when none
/// of those is there, as in nearly every `href`.
fn attribute_value(value: &str) -> Cow<'_, str> {
    if !value
        .bytes()
        .any(|byte| matches!(byte, b'&' | b'\0' | b'\r'))
    {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len());
    let mut at = 0;
    while let Some(offset) = value[at..].find(['&', '\0', '\r']) {
        let special = at + offset;
        out.push_str(&value[at..special]);
        at = special + 1;
        match value.as_bytes()[special] {
            b'&' => match reference(value, at, true) {
                Some((reference, end)) => {
                    out.extend(reference.as_chars());
                    at = end;
                }
                None => out.push('&'),
            },
            b'\0' => out.push('\u{fffd}'),
            _ => {
                out.push('\n');
                if value.as_bytes().get(at) == Some(&b'\n') {
                    at += 1;
                }
            }
        }
    }
    out.push_str(&value[at..]);
    Cow::Owned(out)
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

/// A bogus comment, from its first character: it ends at the next `>`.
fn bogus_comment(bytes: &[u8], from: usize) -> usize {
    memchr(b'>', &bytes[from..]).map_or(bytes.len(), |offset| from + offset + 1)
}

/// A comment, from just after `<!--`: `<!-->` and `<!--->` end at once;
/// otherwise it ends at the first `-->` or `--!>`, however many dashes lead
/// up to it.
fn comment(bytes: &[u8], start: usize) -> usize {
    let rest = &bytes[start..];
    if rest.starts_with(b">") {
        return start + 1;
    }
    if rest.starts_with(b"->") {
        return start + 2;
    }
    let mut from = start;
    while let Some(offset) = memmem::find(&bytes[from..], b"--") {
        let mut at = from + offset + 2;
        while bytes.get(at) == Some(&b'-') {
            at += 1;
        }
        match bytes.get(at) {
            Some(b'>') => return at + 1,
            Some(b'!') if bytes.get(at + 1) == Some(&b'>') => return at + 2,
            None => break,
            _ => from = at,
        }
    }
    bytes.len()
}

/// Where the script that starts at `start` ends, walking the script data
/// states: the `<` of its end tag, or `None` at the page's end.
fn script_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum State {
        Data,
        EscapeStart,
        EscapeStartDash,
        Escaped,
        EscapedDash,
        EscapedDashDash,
        Double,
        DoubleDash,
        DoubleDashDash,
    }
    use State::*;
    let mut state = Data;
    // The letters after `<` or `</` in the escaped states, and where they
    // stop.
    let letters = |from: usize| {
        let mut end = from;
        while bytes.get(end).is_some_and(u8::is_ascii_alphabetic) {
            end += 1;
        }
        end
    };
    let is_script = |from: usize, end: usize| {
        bytes[from..end].eq_ignore_ascii_case(b"script")
            && bytes
                .get(end)
                .is_some_and(|&byte| is_space(byte) || matches!(byte, b'/' | b'>'))
    };
    loop {
        let byte = *bytes.get(at)?;
        match state {
            Data => {
                let offset = memchr(b'<', &bytes[at..])?;
                at += offset;
                if end_tag_at(bytes, at, b"script").is_some() {
                    return Some(at);
                }
                if bytes.get(at + 1) == Some(&b'!') {
                    state = EscapeStart;
                    at += 2;
                } else {
                    at += 1;
                }
            }
            EscapeStart | EscapeStartDash => {
                if byte == b'-' {
                    state = if state == EscapeStart {
                        EscapeStartDash
                    } else {
                        EscapedDashDash
                    };
                    at += 1;
                } else {
                    state = Data;
                }
            }
            Escaped | EscapedDash | EscapedDashDash => match byte {
                b'-' => {
                    state = match state {
                        Escaped => EscapedDash,
                        _ => EscapedDashDash,
                    };
                    at += 1;
                }
                b'<' => {
                    if end_tag_at(bytes, at, b"script").is_some() {
                        return Some(at);
                    }
                    state = Escaped;
                    if bytes.get(at + 1).is_some_and(u8::is_ascii_alphabetic) {
                        // Script data double escape start.
                        let end = letters(at + 1);
                        if is_script(at + 1, end) {
                            state = Double;
                            at = end + 1;
                        } else {
                            at = end;
                        }
                    } else {
                        at += 1;
                    }
                }
                b'>' if state == EscapedDashDash => {
                    state = Data;
                    at += 1;
                }
                _ => {
                    state = Escaped;
                    at += 1;
                }
            },
            Double | DoubleDash | DoubleDashDash => match byte {
                b'-' => {
                    state = match state {
                        Double => DoubleDash,
                        _ => DoubleDashDash,
                    };
                    at += 1;
                }
                b'<' => {
                    state = Double;
                    if bytes.get(at + 1) == Some(&b'/') {
                        // Script data double escape end.
                        let end = letters(at + 2);
                        if is_script(at + 2, end) {
                            state = Escaped;
                            at = end + 1;
                        } else {
                            at = end;
                        }
                    } else {
                        at += 1;
                    }
                }
                b'>' if state == DoubleDashDash => {
                    state = Data;
                    at += 1;
                }
                _ => {
                    state = Double;
                    at += 1;
                }
            },
        }
    }
}
