//! Where a crawl may go: its scope, and the thinning of a page's links
//! that every frontier does before admitting them.

use crate::scrape::CrawlOptions;
use std::collections::HashSet;
use url::Url;

/// The prefix a crawl from `start` stays under: `--scope`, resolved
/// against the start, or the start's origin.
pub(crate) fn scope_of(start: &Url, options: &CrawlOptions) -> String {
    match &options.scope {
        Some(prefix) => start.join(prefix).map_or(prefix.clone(), String::from),
        None => start.origin().ascii_serialization() + "/",
    }
}

/// The URLs a crawl has met, as their text alone: 16 bytes beside the
/// text, where a `Url` is 88 (its text's `String` and the offsets of its
/// parts, which a set that only answers "met before?" never reads). The
/// crawl module's docs count the bytes.
pub(crate) type Seen = HashSet<Box<str>>;

/// Drops the links of one page that are repeats within it, in `seen`, or
/// out of scope, keeping the order of the rest; returns how many went as
/// repeats and how many as out of scope. The in-memory crawl and the Redis
/// frontier both thin a page's links this way.
pub(crate) fn thin(
    links: &mut Vec<Url>,
    seen: &Seen,
    origin: &url::Origin,
    scope: &str,
) -> (usize, usize) {
    let (mut deduped, mut out_of_scope) = (0, 0);
    let keep: Vec<bool> = {
        let mut on_page = HashSet::with_capacity(links.len());
        links
            .iter()
            .map(|link| {
                if !on_page.insert(link.as_str()) || seen.contains(link.as_str()) {
                    deduped += 1;
                    false
                } else if !in_scope(origin, scope, link) {
                    out_of_scope += 1;
                    false
                } else {
                    true
                }
            })
            .collect()
    };
    let mut keep = keep.into_iter();
    links.retain(|_| keep.next().unwrap_or(false));
    (deduped, out_of_scope)
}

/// Whether `url` is on `origin` and under `scope`. Compared part by part:
/// `Url::origin` would copy the host for every link.
pub(crate) fn in_scope(origin: &url::Origin, scope: &str, url: &Url) -> bool {
    use url::{Host, Origin};
    let Origin::Tuple(scheme, host, port) = origin else {
        return false;
    };
    let same_host = match (host, url.host()) {
        (Host::Domain(ours), Some(Host::Domain(theirs))) => ours == theirs,
        (Host::Ipv4(ours), Some(Host::Ipv4(theirs))) => *ours == theirs,
        (Host::Ipv6(ours), Some(Host::Ipv6(theirs))) => *ours == theirs,
        _ => false,
    };
    same_host
        && url.scheme() == scheme
        && url.port_or_known_default() == Some(*port)
        && url.as_str().starts_with(scope)
}

pub(crate) fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    }
}
