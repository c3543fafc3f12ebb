//! The reference the crawl's scan is held to: the same three things read by
//! html5ever's own tokenizer, with a sink of our own and no tree.

use super::limits::most_attributes;
use super::page::{MAX_ATTRIBUTES, ParseError, Parsed, resolve};
use html5ever::tendril::StrTendril;
use std::cell::Cell;
use url::Url;

/// Reads the same three things as [`scan`](super::scan()), with
/// html5ever's tokenizer and a sink that keeps them: the reference the
/// crawl's own scan is held to, and the scan the crawl ran before it.
///
/// Like [`scan`](super::scan()), it builds no tree: it is linear in the
/// page's size whatever its nesting. The tree builder's switches of the
/// tokenizer's state (RCDATA for `<title>`, script data for `<script>`,
/// none inside `<svg>` or `<math>`) are made by the sink. See the
/// [module docs](super) for where a scan and the tree of
/// [`parse`](super::parse()) differ.
///
/// Nesting costs a tokenizer nothing, so only [`MAX_ATTRIBUTES`] is
/// checked; a page [`parse`](super::parse()) refuses as too deep is read
/// here.
pub fn html5ever_scan(html: &str, base: &Url) -> Result<Parsed, ParseError> {
    use html5ever::tokenizer::{BufferQueue, Tokenizer, TokenizerOpts};
    let attributes = most_attributes(html);
    if attributes > MAX_ATTRIBUTES {
        return Err(ParseError::TooManyAttributes(attributes));
    }
    let tokenizer = Tokenizer::new(Scan::new(base), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    // The sink never asks to stop for a script, so one feed reads it all.
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let scan = tokenizer.sink;
    Ok(Parsed {
        title: scan.title.into_inner().trim().to_string(),
        chars: scan.chars.get(),
        links: scan.links.into_inner(),
    })
}

/// What [`html5ever_scan`] collects from the tokens. The tokenizer calls it through
/// `&self`, hence the cells.
struct Scan<'a> {
    base: &'a Url,
    title: std::cell::RefCell<String>,
    /// Inside the first `<title>`.
    in_title: Cell<bool>,
    /// The first `<title>` has ended.
    title_done: Cell<bool>,
    chars: Cell<usize>,
    links: std::cell::RefCell<Vec<Url>>,
    /// Open `<svg>` and `<math>` elements: inside them a `<title>` is not
    /// the page's and `<style>` is not raw text.
    foreign: Cell<usize>,
}

impl<'a> Scan<'a> {
    fn new(base: &'a Url) -> Self {
        Self {
            base,
            title: Default::default(),
            in_title: Cell::new(false),
            title_done: Cell::new(false),
            chars: Cell::new(0),
            links: Default::default(),
            foreign: Cell::new(0),
        }
    }
}

impl html5ever::tokenizer::TokenSink for Scan<'_> {
    type Handle = ();

    fn process_token(
        &self,
        token: html5ever::tokenizer::Token,
        _line: u64,
    ) -> html5ever::tokenizer::TokenSinkResult<()> {
        use html5ever::tokenizer::states::RawKind;
        use html5ever::tokenizer::{TagKind, Token, TokenSinkResult};
        match token {
            Token::CharacterTokens(text) => {
                self.chars.set(self.chars.get() + text.chars().count());
                if self.in_title.get() {
                    self.title.borrow_mut().push_str(&text);
                }
            }
            Token::TagToken(tag) if tag.kind == TagKind::StartTag => {
                let name: &str = &tag.name;
                if name == "a" {
                    let href = tag.attrs.iter().find(|attr| &*attr.name.local == "href");
                    if let Some(url) = href.and_then(|attr| resolve(self.base, &attr.value)) {
                        self.links.borrow_mut().push(url);
                    }
                    return TokenSinkResult::Continue;
                }
                if matches!(name, "svg" | "math") {
                    if !tag.self_closing {
                        self.foreign.set(self.foreign.get() + 1);
                    }
                    return TokenSinkResult::Continue;
                }
                if self.foreign.get() > 0 {
                    return TokenSinkResult::Continue;
                }
                // The tree builder switches the tokenizer for these; with
                // no tree builder, the sink must.
                match name {
                    "title" => {
                        if !self.title_done.get() {
                            self.in_title.set(true);
                        }
                        return TokenSinkResult::RawData(RawKind::Rcdata);
                    }
                    "textarea" => return TokenSinkResult::RawData(RawKind::Rcdata),
                    "script" => return TokenSinkResult::RawData(RawKind::ScriptData),
                    // `noscript` too: html5ever parses with scripting on.
                    "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => {
                        return TokenSinkResult::RawData(RawKind::Rawtext);
                    }
                    "plaintext" => return TokenSinkResult::Plaintext,
                    _ => {}
                }
            }
            Token::TagToken(tag) => match &*tag.name {
                "title" if self.in_title.get() => {
                    self.in_title.set(false);
                    self.title_done.set(true);
                }
                "svg" | "math" => self.foreign.set(self.foreign.get().saturating_sub(1)),
                _ => {}
            },
            _ => {}
        }
        TokenSinkResult::Continue
    }
}
