//! robots.txt, by the rules of RFC 9309.
//!
//! Written by hand: the matching rules are short, and the crates that
//! implement them are either unmaintained or pull in far more than this.
//!
//! - A line ends at LF, CRLF or a CR alone (§2.2).
//! - Lines group under the `User-agent` lines before them; the group whose
//!   name matches our product token wins, else the `*` group. Several groups
//!   with the same name are merged. A name is its product token: the
//!   letters, `-` and `_` it starts with (§2.2.1), so `FooBot/1.0
//!   (+https://…)` names `foobot`; case does not matter.
//! - The longest matching `Allow`/`Disallow` pattern decides; on a tie,
//!   `Allow` wins. `*` matches any run of characters; `$` at the end anchors.
//! - Rules and paths are compared in one percent-encoding (RFC 9309
//!   §2.2.2): `%7E` and `~` are the same, a non-ASCII `é` and `%C3%A9` are
//!   the same, and `%2F` stays apart from `/`. See [`normalise`].
//! - `/robots.txt` itself is always allowed.
//! - How the file was fetched matters as much as what it says (§2.3.1): a
//!   4xx, or more redirects than the fetcher follows, means no rules (allow
//!   all); a 5xx or an unreachable server means disallow all. The fetcher
//!   follows at least [`ROBOTS_MIN_REDIRECTS`] redirects for robots.txt,
//!   and reads its first [`ROBOTS_PARSE_LIMIT`] bytes, dropping the rest.
//! - A crawl fetches the file again once its copy is older than
//!   [`MAX_AGE`] (§2.4), keeping the old rules while the server cannot be
//!   reached.

use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;
use url::Url;

/// How long a crawl keeps using one copy of a robots.txt (§2.4).
pub const MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);

use crate::client::{Fetch, FetchError, Fetcher, ROBOTS_AGENT};
#[cfg(doc)]
use crate::client::{ROBOTS_MIN_REDIRECTS, ROBOTS_PARSE_LIMIT};

/// The rules that apply to one crawler on one origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Robots {
    /// No robots.txt (4xx), or one with no rules for us.
    AllowAll,
    /// The server failed (5xx) or could not be reached.
    DisallowAll,
    /// Rules from the file, as `(allow, pattern)`.
    Rules(Vec<(bool, String)>),
}

impl Robots {
    /// The rules a fetch of robots.txt gives `agent`: the file's on
    /// success; none for a 4xx (or a file that cannot be read as text);
    /// disallow-all for a 5xx, a timeout or an unreachable server.
    pub fn from_fetch(fetch: &Fetch, agent: &str) -> Self {
        match &fetch.result {
            Ok(body) => Robots::parse(&body.text, agent),
            Err(FetchError::Status(code)) if (400..500).contains(code) => Robots::AllowAll,
            // Unavailable (§2.3.1.2, §2.3.1.3): treated as a 4xx.
            Err(FetchError::TooManyRedirects(_) | FetchError::Decode(_)) => Robots::AllowAll,
            Err(_) => Robots::DisallowAll,
        }
    }

    /// The rules after fetching robots.txt again, when the copy in use has
    /// grown old: the new file's, unless the server could not be reached,
    /// in which case the old rules stay (§2.4).
    pub fn refreshed(self, fetch: &Fetch, agent: &str) -> Self {
        match Robots::from_fetch(fetch, agent) {
            Robots::DisallowAll => self,
            fresh => fresh,
        }
    }

    /// The rules in `text` that apply to `agent`, the product token of our
    /// user agent (e.g. `web-scraper`).
    pub fn parse(text: &str, agent: &str) -> Self {
        let agent = product_token(agent);
        let mut specific: Vec<(bool, String)> = Vec::new();
        let mut general: Vec<(bool, String)> = Vec::new();
        let mut found_specific = false;
        let mut found_general = false;
        // The user agents of the group being read, and whether its rules
        // have started (a `User-agent` line after rules starts a new group).
        let mut group_agents: Vec<String> = Vec::new();
        let mut in_rules = false;
        for line in text.split(['\n', '\r']) {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let key = key.trim().to_ascii_lowercase();
            let value = value.trim();
            match key.as_str() {
                "user-agent" => {
                    if in_rules {
                        group_agents.clear();
                        in_rules = false;
                    }
                    let name = match value.starts_with('*') {
                        true => "*".to_string(),
                        false => product_token(value),
                    };
                    if name.is_empty() {
                        continue;
                    }
                    if name == "*" {
                        found_general = true;
                    } else if name == agent {
                        found_specific = true;
                    }
                    group_agents.push(name);
                }
                "allow" | "disallow" => {
                    in_rules = true;
                    // An empty Disallow allows everything: no rule at all.
                    if value.is_empty() {
                        continue;
                    }
                    let rule = (key == "allow", normalise(value));
                    if group_agents.contains(&agent) {
                        specific.push(rule.clone());
                    }
                    if group_agents.iter().any(|name| name == "*") {
                        general.push(rule);
                    }
                }
                _ => {}
            }
        }
        let rules = if found_specific {
            specific
        } else if found_general {
            general
        } else {
            Vec::new()
        };
        if rules.is_empty() {
            Robots::AllowAll
        } else {
            Robots::Rules(rules)
        }
    }

    /// Whether `path` (path and query, e.g. `/a/b.html?x=1`) may be fetched.
    pub fn allows(&self, path: &str) -> bool {
        if path == "/robots.txt" {
            return true;
        }
        let path = normalise(path);
        match self {
            Robots::AllowAll => true,
            Robots::DisallowAll => false,
            Robots::Rules(rules) => {
                let mut best: Option<(usize, bool)> = None;
                for (allow, pattern) in rules {
                    if !matches(pattern, &path) {
                        continue;
                    }
                    let length = pattern.len();
                    best = match best {
                        Some((best_length, best_allow))
                            if best_length > length || (best_length == length && best_allow) =>
                        {
                            Some((best_length, best_allow))
                        }
                        _ => Some((length, *allow)),
                    };
                }
                best.is_none_or(|(_, allow)| allow)
            }
        }
    }
}

/// One origin's rules as a crawl uses them: fetched again in the
/// background once older than their maximum age, while the crawl goes on
/// with the old ones.
pub(crate) struct Cached {
    robots: Robots,
    /// Where the rules come from; `None` when robots.txt is ignored.
    url: Option<Url>,
    fetched: Instant,
    max_age: Duration,
    refresh: Option<JoinHandle<Fetch>>,
}

impl Cached {
    /// `robots`, just fetched from `url` (`None`: ignored, never fetched).
    pub(crate) fn new(robots: Robots, url: Option<Url>, max_age: Option<Duration>) -> Self {
        Self {
            robots,
            url,
            fetched: Instant::now(),
            max_age: max_age.unwrap_or(MAX_AGE),
            refresh: None,
        }
    }

    /// Whether the rules allow `path`.
    pub(crate) fn allows(&self, path: &str) -> bool {
        self.robots.allows(path)
    }

    /// Starts fetching the file again if the rules are older than their
    /// maximum age and no fetch is under way.
    pub(crate) fn refresh_if_old(&mut self, fetcher: &Arc<Fetcher>) {
        if let Some(url) = &self.url
            && self.refresh.is_none()
            && self.fetched.elapsed() >= self.max_age
        {
            let (fetcher, url) = (Arc::clone(fetcher), url.clone());
            self.refresh = Some(tokio::spawn(
                async move { fetcher.fetch_robots(&url).await },
            ));
        }
    }

    /// Whether a fetch of the file is under way.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))] // the Redis crawl's
    pub(crate) fn refreshing(&self) -> bool {
        self.refresh.is_some()
    }

    /// Waits for the fetch under way (forever without one), and takes its
    /// rules as [`Robots::refreshed`] says.
    pub(crate) async fn refreshed(&mut self) {
        let Some(refresh) = self.refresh.as_mut() else {
            return std::future::pending().await;
        };
        let fetched = refresh.await;
        self.refresh = None;
        self.fetched = Instant::now();
        if let Ok(fetch) = fetched {
            let old = std::mem::replace(&mut self.robots, Robots::AllowAll);
            self.robots = old.refreshed(&fetch, ROBOTS_AGENT);
        }
    }
}

impl Drop for Cached {
    fn drop(&mut self) {
        if let Some(refresh) = &self.refresh {
            refresh.abort();
        }
    }
}

/// The product token a `User-agent` value names, lower-cased: the letters,
/// `-` and `_` it starts with (RFC 9309 §2.2.1), so that
/// `FooBot/1.0 (+https://example.com/bot)` names `foobot`.
pub fn product_token(value: &str) -> String {
    value
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_alphabetic() || *c == '-' || *c == '_')
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The one form in which rules and paths are compared, by RFC 9309 §2.2.2:
/// a `%XX` that encodes an unreserved character (a letter, a digit, `-`,
/// `.`, `_` or `~`) is decoded; any other `%XX` stays encoded, with
/// upper-case hex; a byte outside ASCII is encoded. Everything else, `*`
/// and `$` included, is kept as it is.
pub fn normalise(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        let escaped = (byte == b'%')
            .then(|| bytes.get(at + 1..at + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        if let Some(value) = escaped {
            if value.is_ascii_alphanumeric() || b"-._~".contains(&value) {
                out.push(char::from(value));
            } else {
                out.push('%');
                out.push(char::from(HEX[usize::from(value >> 4)]));
                out.push(char::from(HEX[usize::from(value & 15)]));
            }
            at += 3;
        } else if byte.is_ascii() {
            out.push(char::from(byte));
            at += 1;
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 15)]));
            at += 1;
        }
    }
    out
}

/// Whether a robots.txt pattern matches the start of `path`.
fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(pattern) => (pattern, true),
        None => (pattern, false),
    };
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = path.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (index, part) in parts.iter().enumerate() {
        let last = index == parts.len() - 1;
        if last && anchored {
            // The final piece must sit at the very end.
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    !anchored || rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
# comments are ignored
User-agent: *
Disallow: /private/
Allow: /private/public.html

User-agent: other-bot
Disallow: /

user-agent: web-scraper
user-agent: friend
disallow: /drafts/
allow: /drafts/ok$
disallow: /*.pdf$
";

    #[test]
    fn the_group_for_our_name_wins_over_star() {
        let robots = Robots::parse(FILE, "web-scraper");
        assert!(robots.allows("/private/secret.html"));
        assert!(!robots.allows("/drafts/x.html"));
        assert!(robots.allows("/drafts/ok"));
        assert!(!robots.allows("/drafts/ok/more"));
        assert!(!robots.allows("/files/a.pdf"));
        assert!(robots.allows("/files/a.pdf?download=1"));
    }

    #[test]
    fn star_applies_to_everyone_else_with_the_longest_match() {
        let robots = Robots::parse(FILE, "someone");
        assert!(!robots.allows("/private/secret.html"));
        assert!(robots.allows("/private/public.html"));
        assert!(robots.allows("/guide/index.html"));
        assert!(robots.allows("/robots.txt"));
    }

    #[test]
    fn allow_wins_a_tie_and_empty_files_allow_all() {
        let robots = Robots::parse("User-agent: *\nDisallow: /a\nAllow: /a\n", "x");
        assert!(robots.allows("/a"));
        assert_eq!(Robots::parse("", "x"), Robots::AllowAll);
        assert_eq!(
            Robots::parse("User-agent: *\nDisallow:\n", "x"),
            Robots::AllowAll
        );
        assert!(!Robots::DisallowAll.allows("/index.html"));
        assert!(Robots::DisallowAll.allows("/robots.txt"));
    }

    #[test]
    fn rules_and_paths_meet_in_one_percent_encoding() {
        let robots = Robots::parse(
            "User-agent: *\nDisallow: /%7Ejoe/\nDisallow: /café\nDisallow: /a%2fb\n\
             Disallow: /*%7e*.PDF$\nAllow: /%E3%83%84/ok\nDisallow: /ツ/\n",
            "x",
        );
        // An encoded unreserved character is the character.
        assert!(!robots.allows("/~joe/index.html"));
        assert!(!robots.allows("/%7ejoe/index.html"));
        assert!(!robots.allows("/%7Ejoe/index.html"));
        // A non-ASCII rule matches the path the `url` crate makes of it.
        let url = url::Url::parse("http://example.com/café/menu.html").unwrap();
        assert_eq!(url.path(), "/caf%C3%A9/menu.html");
        assert!(!robots.allows(url.path()));
        assert!(robots.allows("/cafe/menu.html"));
        // %2F is not `/`: it stays encoded on both sides.
        assert!(!robots.allows("/a%2Fb/c"));
        assert!(robots.allows("/a/b/c"));
        // `*` and `$` still work around encoded characters.
        assert!(!robots.allows("/x/~y/z.PDF"));
        assert!(!robots.allows("/x/%7Ey/z.PDF"));
        assert!(robots.allows("/x/~y/z.PDF?page=2"));
        // The longest match, counted in the common form, decides.
        assert!(!robots.allows("/%E3%83%84/other"));
        assert!(robots.allows("/%E3%83%84/ok"));
        assert_eq!(normalise("/%62%61%7A"), "/baz");
        assert_eq!(normalise("/?q=https%3a%2f%2fx"), "/?q=https%3A%2F%2Fx");
        assert_eq!(normalise("/100%"), "/100%");
    }

    /// RFC 9309 §2.2.1: a `User-agent` line names the product token it
    /// starts with; what follows the token (a version, a comment) is not
    /// part of the name.
    #[test]
    fn a_user_agent_line_names_its_product_token() {
        let file = "User-agent: FooBot/1.0 (+https://example.com/bot)\nDisallow: /foo/\n\
                    User-agent: *\nDisallow: /star/\n";
        let foobot = Robots::parse(file, "foobot");
        assert!(!foobot.allows("/foo/x") && foobot.allows("/star/x"));
        let same = Robots::parse(file, "FooBot");
        assert_eq!(same, foobot);
        // Another product whose name starts the same is not FooBot.
        let other = Robots::parse(file, "foobotter");
        assert!(other.allows("/foo/x") && !other.allows("/star/x"));
        assert_eq!(product_token(" Foo_Bar-baz/2 x"), "foo_bar-baz");
        assert_eq!(product_token("/1.0"), "");
    }

    /// RFC 9309 §2.2: a line ends at LF, at CRLF, or at a CR alone.
    #[test]
    fn a_carriage_return_alone_ends_a_line() {
        for eol in ["\n", "\r\n", "\r"] {
            let file = ["User-agent: *", "Disallow: /a/", "Allow: /a/b", ""].join(eol);
            let robots = Robots::parse(&file, "x");
            assert!(!robots.allows("/a/x"), "{eol:?}");
            assert!(robots.allows("/a/b"), "{eol:?}");
        }
    }

    /// RFC 9309 §2.3.1 and §2.4: how the file was fetched decides, and a
    /// fresh fetch replaces old rules unless the server cannot be reached.
    #[test]
    fn the_fetch_decides_and_an_unreachable_server_keeps_old_rules() {
        let fetch = |result: Result<crate::client::Body, FetchError>| Fetch {
            url: url::Url::parse("http://example.com/robots.txt").unwrap(),
            final_url: None,
            status: None,
            attempts: 1,
            elapsed: Duration::ZERO,
            result,
        };
        let rules = Robots::parse("User-agent: *\nDisallow: /a\n", "x");
        let cases = [
            (fetch(Err(FetchError::Status(404))), Robots::AllowAll),
            (fetch(Err(FetchError::Status(503))), Robots::DisallowAll),
            (
                fetch(Err(FetchError::Connect("refused".into()))),
                Robots::DisallowAll,
            ),
            (
                fetch(Err(FetchError::TooManyRedirects(5))),
                Robots::AllowAll,
            ),
        ];
        for (fetched, expected) in &cases {
            assert_eq!(Robots::from_fetch(fetched, "x"), *expected);
        }
        // Refreshing: a 4xx now allows all; a 5xx or no connection keeps
        // the rules in use.
        assert_eq!(rules.clone().refreshed(&cases[0].0, "x"), Robots::AllowAll);
        assert_eq!(rules.clone().refreshed(&cases[1].0, "x"), rules);
        assert_eq!(rules.clone().refreshed(&cases[2].0, "x"), rules);
    }

    #[test]
    fn wildcards_match_inside_paths() {
        assert!(matches("/*/index.html", "/guide/index.html"));
        assert!(matches("/a*c$", "/abc"));
        assert!(!matches("/a*c$", "/abcd"));
        assert!(matches("/", "/anything"));
        assert!(!matches("/b", "/a"));
    }
}
