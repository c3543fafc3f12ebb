//! Character references, as the tokenizer decodes them, and attribute
//! values.

use html5ever::data::{C1_REPLACEMENTS, NAMED_ENTITIES};
use std::borrow::Cow;

/// A decoded character reference: one or two characters.
#[derive(Clone, Copy)]
pub(super) struct Reference {
    pub(super) chars: [char; 2],
    pub(super) len: usize,
}

impl Reference {
    pub(super) fn one(c: char) -> Self {
        Self {
            chars: [c, '\0'],
            len: 1,
        }
    }

    pub(super) fn as_chars(&self) -> &[char] {
        &self.chars[..self.len]
    }
}

/// The character reference just after an `&` at `at - 1`, and where it
/// ends; `None` when there is none and the `&` stands for itself. The
/// rules are the tokenizer's, html5ever's table of names included: the
/// longest name that matches, a legacy name without its `;`, and in an
/// attribute (`in_attribute`) no such name before an `=` or a letter or
/// digit.
pub(super) fn reference(html: &str, at: usize, in_attribute: bool) -> Option<(Reference, usize)> {
    let bytes = html.as_bytes();
    match *bytes.get(at)? {
        b'#' => numeric(bytes, at + 1),
        byte if byte.is_ascii_alphanumeric() => named(html, at, in_attribute),
        _ => None,
    }
}

pub(super) fn numeric(bytes: &[u8], mut at: usize) -> Option<(Reference, usize)> {
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

pub(super) fn named(html: &str, at: usize, in_attribute: bool) -> Option<(Reference, usize)> {
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
pub(super) fn attribute_value(value: &str) -> Cow<'_, str> {
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
