//! A site of any size, made on request: page `i` of `N` is
//! `/p/{i}.html`, with a title, about 3 KB of text and ten links to other
//! pages of the site, all decided by `i` and a seed, so that every run
//! serves the same site and nothing is stored.
//!
//! Every page is reachable from `/p/0.html`: page `i` links to `2i + 1` and
//! `2i + 2` (a binary tree over the site, at most 20 levels deep for a
//! million pages) and to `i + 1`, and its other seven links go anywhere,
//! as links on a real site do, so that most links found are repeats.

use std::fmt::Write;

/// A generated site: how many pages, and the seed its pages are made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generated {
    /// How many pages: `/p/0.html` to `/p/{pages - 1}.html`.
    pub pages: u64,
    /// What the links and the words are made from.
    pub seed: u64,
}

/// Words the text is made of.
const WORDS: [&str; 32] = [
    "thread", "lock", "queue", "worker", "process", "channel", "atomic", "counter", "crawl",
    "page", "link", "frontier", "scope", "depth", "fetch", "parse", "title", "text", "memory",
    "shared", "pool", "task", "future", "signal", "socket", "server", "request", "response",
    "robots", "order", "level", "seed",
];

/// splitmix64: a fast, well-mixed hash of `state`, so that each page's
/// links and words follow from its number and the seed alone.
fn mix(mut state: u64) -> u64 {
    state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    state = (state ^ (state >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    state = (state ^ (state >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    state ^ (state >> 31)
}

impl Generated {
    /// The links of page `index`, in the order the page lists them.
    pub fn links(&self, index: u64) -> Vec<u64> {
        let mut links = Vec::with_capacity(10);
        for next in [2 * index + 1, 2 * index + 2, index + 1] {
            if next < self.pages {
                links.push(next);
            }
        }
        for k in 0..7 {
            links.push(mix(self.seed ^ mix(index.wrapping_mul(8) + k)) % self.pages);
        }
        links
    }

    /// Page `index` (which must be below `pages`), as HTML.
    pub fn page(&self, index: u64) -> String {
        let mut html = String::with_capacity(4096);
        let _ = write!(
            html,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>Page {index} of {}</title></head>\n<body><h1>Page {index}</h1>\n",
            self.pages
        );
        let mut state = mix(self.seed ^ index);
        for _ in 0..6 {
            html.push_str("<p>");
            for word in 0..64 {
                state = mix(state);
                if word > 0 {
                    html.push(' ');
                }
                html.push_str(WORDS[(state % WORDS.len() as u64) as usize]);
            }
            html.push_str(".</p>\n");
        }
        html.push_str("<ul>\n");
        for link in self.links(index) {
            let _ = writeln!(html, "<li><a href=\"/p/{link}.html\">Page {link}</a></li>");
        }
        html.push_str("</ul>\n</body></html>\n");
        html
    }

    /// The page a path names, if it names one: `/p/{i}.html` with `i` below
    /// `pages`, written the one way the pages link to it.
    pub fn page_at(&self, path: &str) -> Option<String> {
        let number = path.strip_prefix("/p/")?.strip_suffix(".html")?;
        if number.is_empty() || (number.len() > 1 && number.starts_with('0')) {
            return None;
        }
        let index: u64 = number.parse().ok()?;
        (index < self.pages).then(|| self.page(index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_is_reachable_and_the_site_is_the_same_every_time() {
        let site = Generated {
            pages: 5_000,
            seed: 7,
        };
        let mut seen = vec![false; 5_000];
        let mut queue = std::collections::VecDeque::from([0]);
        seen[0] = true;
        let mut depth_reached = 0;
        let mut depths = vec![0u32; 5_000];
        while let Some(page) = queue.pop_front() {
            for link in site.links(page) {
                if !seen[link as usize] {
                    seen[link as usize] = true;
                    depths[link as usize] = depths[page as usize] + 1;
                    depth_reached = depth_reached.max(depths[link as usize]);
                    queue.push_back(link);
                }
            }
        }
        assert!(seen.iter().all(|&seen| seen));
        assert!(depth_reached <= 13, "{depth_reached} levels");
        assert_eq!(site.page(42), site.page(42));
        assert_ne!(site.page(42), Generated { seed: 8, ..site }.page(42));
        let page = site.page(42);
        assert!((3_000..6_000).contains(&page.len()), "{} bytes", page.len());
        assert_eq!(page.matches("<a href=").count(), 10);
    }

    #[test]
    fn only_the_pages_of_the_site_are_found() {
        let site = Generated {
            pages: 100,
            seed: 1,
        };
        assert!(site.page_at("/p/0.html").is_some());
        assert!(site.page_at("/p/99.html").is_some());
        for missing in [
            "/p/100.html",
            "/p/007.html",
            "/p/.html",
            "/p/-1.html",
            "/p/1.htm",
            "/index.html",
        ] {
            assert!(site.page_at(missing).is_none(), "{missing}");
        }
    }
}
