//! Where a crawl may go: its scope, and the thinning of a page's links
//! that every frontier does before admitting them.

use crate::scrape::CrawlOptions;
use std::collections::HashSet;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};
use url::Url;

/// The prefix a crawl from `start` stays under: `--scope`, resolved
/// against the start, or the start's origin.
pub(crate) fn scope_of(start: &Url, options: &CrawlOptions) -> String {
    match &options.scope {
        Some(prefix) => start.join(prefix).map_or(prefix.clone(), String::from),
        None => start.origin().ascii_serialization() + "/",
    }
}

/// The URLs a crawl has met, as 128-bit fingerprints: two SipHashes of
/// the URL's text under two keys drawn at random for each crawl.
///
/// Why not the text: a set of texts answers "met before?" by reading the
/// text, a second cache miss per link once the set outgrows the cache (a
/// tenth of a crawl's time at half a million pages), and holds a heap
/// block per URL. A fingerprint is 16 bytes in the table and nothing
/// else. Two URLs share one with a chance of about 2^-128 per pair (less
/// than 10^-20 for a billion URLs), and the keys are secret, so a page
/// cannot pick URLs that collide; a crawl that met one would skip a page.
/// Scrapy's duplicate filter keeps SHA-1 fingerprints for the same reason.
/// The crawl module's docs count the bytes.
#[derive(Default)]
pub(crate) struct Seen {
    keys: (RandomState, RandomState),
    set: HashSet<u128, BuildHasherDefault<Fingerprinted>>,
}

impl Seen {
    fn fingerprint(&self, url: &str) -> u128 {
        (u128::from(self.keys.0.hash_one(url)) << 64) | u128::from(self.keys.1.hash_one(url))
    }

    /// Whether `url` was met before.
    pub(crate) fn contains(&self, url: &str) -> bool {
        self.set.contains(&self.fingerprint(url))
    }

    /// Records `url` as met; whether it is new.
    pub(crate) fn insert(&mut self, url: &str) -> bool {
        let fingerprint = self.fingerprint(url);
        self.set.insert(fingerprint)
    }
}

/// The table's hash of a fingerprint: its low 64 bits, as random as a hash
/// already, so hashing it again would only cost time.
#[derive(Default)]
pub(crate) struct Fingerprinted(u64);

impl Hasher for Fingerprinted {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u128` is ever called; any other input still hashes.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u128(&mut self, fingerprint: u128) {
        self.0 = fingerprint as u64;
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seen_set_tells_urls_apart_by_their_whole_text() {
        let mut seen = Seen::default();
        let urls: Vec<String> = (0..100_000)
            .map(|i| format!("http://127.0.0.1:8000/p/{i}.html"))
            .collect();
        for url in &urls {
            assert!(!seen.contains(url));
            assert!(seen.insert(url));
        }
        for url in &urls {
            assert!(seen.contains(url));
            assert!(!seen.insert(url));
        }
        assert!(!seen.contains("http://127.0.0.1:8000/p/100000.html"));
        assert!(!seen.contains("http://127.0.0.1:8000/p/1.html?"));
        assert!(!seen.contains(""));
        // Each crawl draws its own keys.
        let other = Seen::default();
        assert_ne!(other.fingerprint(&urls[0]), seen.fingerprint(&urls[0]));
        assert_eq!(std::mem::size_of::<u128>(), 16);
    }
}
