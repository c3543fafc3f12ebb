//! The attribute count every reader checks before it starts.

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
