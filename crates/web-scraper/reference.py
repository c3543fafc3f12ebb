"""The Python side of `cargo xtask bench` for web-scraper.

The seed's scraper grown into a crawler: requests + BeautifulSoup on a
ThreadPoolExecutor of 16 threads, breadth first and level by level, links
resolved with their fragments removed, redirects queued like links rather
than followed, same origin and under a prefix only, robots.txt obeyed. The Rust `bench` subcommand follows
the same rules, so both crawl exactly the same set of pages; the digest
printed at the end proves it.

    python3 reference.py --url http://127.0.0.1:8000/std/index.html \
        --scope http://127.0.0.1:8000/std/ \
        [--slow-url URL --slow-scope PREFIX --slow-pages 113]

The second workload is the seed's list mode against a server with latency:
a crawl (not timed) finds --slow-pages URLs, then those that are pages are
fetched as a list.

Prints key=value lines: crawl_pages, crawl_ok, crawl_pages_per_s,
crawl_digest, peak_rss_mb, and slow_pages, slow_pages_per_s, slow_digest.
"""

import argparse
import resource
import sys
import threading
import time
import urllib.robotparser
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urldefrag, urljoin, urlsplit

import requests
from bs4 import BeautifulSoup

USER_AGENT = "web-scraper-reference/0.1"
local = threading.local()


def session():
    # A Session keeps connections alive; one per thread, as requests'
    # sessions are not documented as thread-safe.
    if not hasattr(local, "session"):
        local.session = requests.Session()
        local.session.headers["User-Agent"] = USER_AGENT
    return local.session


def visit(url, follow_redirects=True):
    """Fetch one URL; return (ok, links). A crawl does not follow redirects:
    it queues the target like a link, so the target is fetched only once."""
    try:
        response = session().get(url, timeout=30, allow_redirects=follow_redirects)
    except requests.RequestException:
        return False, []
    if response.is_redirect:
        return True, [urldefrag(urljoin(url, response.headers["Location"]))[0]]
    content_type = response.headers.get("Content-Type", "text/html")
    mime = content_type.split(";")[0].strip().lower()
    if not response.ok or mime not in ("text/html", "application/xhtml+xml"):
        return False, []
    soup = BeautifulSoup(response.content, "html.parser")
    links = []
    for anchor in soup.find_all("a", href=True):
        link, _fragment = urldefrag(urljoin(response.url, anchor["href"].strip()))
        if urlsplit(link).scheme in ("http", "https"):
            links.append(link)
    return True, links


def crawl_visit(url):
    return visit(url, follow_redirects=False)


def origin(url):
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def crawl(start, scope, max_pages=None, threads=16):
    """Breadth-first crawl; returns (urls fetched, urls read as pages, seconds)."""
    started = time.perf_counter()
    start, _ = urldefrag(start)
    scope = urljoin(start, scope) if scope else "{}://{}/".format(*origin(start))
    robots = urllib.robotparser.RobotFileParser(urljoin(start, "/robots.txt"))
    robots.read()
    seen = set()
    fetched = []

    def admit(url, level):
        if url in seen:
            return
        seen.add(url)
        if origin(url) != origin(start) or not url.startswith(scope):
            return
        if not robots.can_fetch(USER_AGENT, url):
            return
        if max_pages is not None and len(fetched) >= max_pages:
            return
        fetched.append(url)
        level.append(url)

    ok = []
    level = []
    admit(start, level)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        while level:
            results = list(pool.map(crawl_visit, level))
            ok.extend(url for url, (page_ok, _links) in zip(level, results) if page_ok)
            following = []
            for _ok, links in results:
                for link in links:
                    admit(link, following)
            level = following
    return fetched, ok, time.perf_counter() - started


def peak_rss_mb():
    """This process's own peak resident memory in MB.

    On Linux, ru_maxrss (RUSAGE_SELF) starts from the spawner's size: exec
    records the old address space's high water mark as the process's, so a
    bench 400 MB large would read at least 400 MB here. VmHWM is the high
    water mark of this process's own address space, made new by exec, so
    it is read instead where there is one. Elsewhere ru_maxrss is all there
    is (in bytes on macOS).
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def digest(urls):
    """FNV-1a over the sorted URLs, each ending in a newline, cut to 52 bits:
    the same number as the Rust side's for the same set."""
    value = 0xCBF29CE484222325
    for url in sorted(urls):
        for byte in url.encode() + b"\n":
            value ^= byte
            value = (value * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value & ((1 << 52) - 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--scope")
    parser.add_argument("--slow-url")
    parser.add_argument("--slow-scope")
    parser.add_argument("--slow-pages", type=int, default=113)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    urls, ok, seconds = crawl(args.url, args.scope, threads=args.concurrency)
    print(f"crawl_pages={len(urls)}")
    print(f"crawl_ok={len(ok)}")
    print(f"crawl_pages_per_s={len(urls) / seconds:.1f}")
    print(f"crawl_digest={digest(urls)}")
    print(f"peak_rss_mb={peak_rss_mb():.1f}")
    if args.slow_url:
        _fetched, urls, _seconds = crawl(
            args.slow_url, args.slow_scope, args.slow_pages, args.concurrency
        )
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            results = list(pool.map(visit, urls))
        seconds = time.perf_counter() - started
        failed = sum(1 for ok, _links in results if not ok)
        if failed:
            raise SystemExit(f"{failed} of the {len(urls)} slow pages failed")
        print(f"slow_pages={len(urls)}")
        print(f"slow_pages_per_s={len(urls) / seconds:.1f}")
        print(f"slow_digest={digest(urls)}")


if __name__ == "__main__":
    main()
