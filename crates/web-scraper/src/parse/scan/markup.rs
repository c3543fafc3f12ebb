//! The scan's markup states: tag names and attributes, end tags of raw
//! text, comments, and the script data states.

use memchr::{memchr, memmem};

/// The tags the scan acts on; every other tag is stepped over.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
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
pub(super) fn kind(name: &[u8]) -> (Kind, &'static [u8]) {
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
pub(super) fn is_space(byte: u8) -> bool {
    matches!(byte, b'\t' | b'\n' | b'\x0c' | b' ' | b'\r')
}

/// Where a tag's name ends.
pub(super) fn name_end(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && !is_space(bytes[at]) && !matches!(bytes[at], b'/' | b'>') {
        at += 1;
    }
    at
}

/// A tag, read to its `>`.
pub(super) struct Tag {
    /// Just after the `>`.
    pub(super) end: usize,
    pub(super) self_closing: bool,
    /// The first `href` attribute's value, as a range of the page (empty
    /// for an `href` with no value).
    pub(super) href: Option<(usize, usize)>,
}

/// Reads a tag's attributes from just after its name, through the states
/// "before attribute name" to "self-closing start tag". `None` when the page
/// ends inside the tag: the tokenizer drops such a tag.
pub(super) fn attributes(bytes: &[u8], mut at: usize, want_href: bool) -> Option<Tag> {
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
pub(super) fn end_tag_at(bytes: &[u8], at: usize, name: &[u8]) -> Option<usize> {
    let after = at + 2 + name.len();
    let candidate = bytes.get(at..after)?;
    let ends = bytes
        .get(after)
        .is_some_and(|&byte| is_space(byte) || matches!(byte, b'/' | b'>'));
    (ends && candidate[..2] == *b"</" && candidate[2..].eq_ignore_ascii_case(name)).then_some(after)
}

/// The first `<` at or after `from` that starts the end tag `</name`.
pub(super) fn find_end_tag(bytes: &[u8], mut from: usize, name: &[u8]) -> Option<usize> {
    while let Some(offset) = memmem::find(&bytes[from..], b"</") {
        let at = from + offset;
        if end_tag_at(bytes, at, name).is_some() {
            return Some(at);
        }
        from = at + 2;
    }
    None
}
/// A bogus comment, from its first character: it ends at the next `>`.
pub(super) fn bogus_comment(bytes: &[u8], from: usize) -> usize {
    memchr(b'>', &bytes[from..]).map_or(bytes.len(), |offset| from + offset + 1)
}

/// A comment, from just after `<!--`: `<!-->` and `<!--->` end at once;
/// otherwise it ends at the first `-->` or `--!>`, however many dashes lead
/// up to it.
pub(super) fn comment(bytes: &[u8], start: usize) -> usize {
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
pub(super) fn script_end(bytes: &[u8], mut at: usize) -> Option<usize> {
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
