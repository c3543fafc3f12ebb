"""The peer of `cargo xtask bench` for web-scraper: the same crawl in Scrapy.

Scrapy is what a Python user would pick to crawl a site, so the bench sets
the crate against it as well as against reference.py. The crawl keeps the
same rules: the same start and scope (same origin, under a prefix), 16
requests at a time overall and per domain, robots.txt obeyed, links
resolved with their fragments removed, redirects queued like links rather
than followed, and from each HTML page its title, its text length and its
links. Breadth first, as Scrapy's documentation sets it up (DEPTH_PRIORITY
and FIFO queues).

    python3 reference_scrapy.py --url http://127.0.0.1:8000/std/index.html \\
        --scope http://127.0.0.1:8000/std/

Each URL is fetched once: this spider keeps its own set of the URLs it has
seen, compared as written, as the other two crawlers do, so Scrapy's
fingerprint filter (which canonicalises URLs) does not change the set.

Prints key=value lines: crawl_pages, crawl_ok, crawl_pages_per_s,
crawl_digest (the same digest as reference.py's) and peak_rss_mb (its own,
read as reference.py reads it).
"""

import argparse
import time
from urllib.parse import urldefrag, urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess

from reference import USER_AGENT, digest, origin, peak_rss_mb

PAGE_TYPES = (b"text/html", b"application/xhtml+xml")


class SameCrawl(scrapy.Spider):
    name = "same-crawl"

    def __init__(self, start, scope, **kwargs):
        super().__init__(**kwargs)
        self.start_url, _ = urldefrag(start)
        self.scope = urljoin(self.start_url, scope) if scope else "{}://{}/".format(*origin(start))
        self.seen = set()
        self.fetched = []
        self.ok = 0
        self.pages = []

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.opened, signal=signals.spider_opened)
        crawler.signals.connect(spider.closed_at, signal=signals.spider_closed)
        return spider

    def opened(self, spider):
        self.started = time.perf_counter()

    def closed_at(self, spider):
        self.seconds = time.perf_counter() - self.started

    def admit(self, url):
        """A request for `url` when it is new and in scope; robots.txt is
        Scrapy's own RobotsTxtMiddleware's to check."""
        if url in self.seen:
            return None
        self.seen.add(url)
        if origin(url) != origin(self.start_url) or not url.startswith(self.scope):
            return None
        return scrapy.Request(url, callback=self.read, errback=self.failed, dont_filter=True)

    async def start(self):
        yield self.admit(self.start_url)

    def failed(self, failure):
        # A request robots.txt forbids was never fetched: not counted, as
        # the other crawlers leave robots-skipped URLs out of the set.
        if failure.check(scrapy.exceptions.IgnoreRequest):
            return
        self.fetched.append(failure.request.url)

    def read(self, response):
        self.fetched.append(response.request.url)
        if 300 <= response.status < 400 and b"Location" in response.headers:
            self.ok += 1
            links = [response.headers[b"Location"].decode("latin-1")]
        else:
            content_type = response.headers.get(b"Content-Type", b"text/html")
            mime = content_type.split(b";")[0].strip().lower()
            if response.status >= 400 or mime not in PAGE_TYPES:
                return
            self.ok += 1
            links = response.xpath("//a/@href").getall()
            # The record the crawl keeps of a page: title, text, links. The
            # text is XPath's string value of the document, every text node
            # joined by lxml in one call: `//text()` would make a Selector
            # per text node, and took a third of Scrapy's time in a profile.
            self.pages.append(
                (
                    response.xpath("//title/text()").get("").strip(),
                    len(response.xpath("string()").get()),
                    len(links),
                )
            )
        for href in links:
            link, _fragment = urldefrag(urljoin(response.url, href.strip()))
            if urlsplit(link).scheme in ("http", "https"):
                request = self.admit(link)
                if request is not None:
                    yield request


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--scope")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    process = CrawlerProcess(
        settings={
            "USER_AGENT": USER_AGENT,
            "ROBOTSTXT_OBEY": True,
            "CONCURRENT_REQUESTS": args.concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": args.concurrency,
            "DOWNLOAD_DELAY": 0,
            "DOWNLOAD_TIMEOUT": 30,
            "AUTOTHROTTLE_ENABLED": False,
            # Every status reaches the spider, and redirects are queued
            # like links (the crawl's RedirectMode::Queue).
            "HTTPERROR_ALLOW_ALL": True,
            "REDIRECT_ENABLED": False,
            "COOKIES_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": "ERROR",
            # Breadth first, as Scrapy's FAQ sets it up.
            "DEPTH_PRIORITY": 1,
            "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
            "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
        }
    )
    crawler = process.create_crawler(SameCrawl)
    process.crawl(crawler, start=args.url, scope=args.scope)
    process.start()
    spider = crawler.spider
    print(f"crawl_pages={len(spider.fetched)}")
    print(f"crawl_ok={spider.ok}")
    print(f"crawl_pages_per_s={len(spider.fetched) / spider.seconds:.1f}")
    print(f"crawl_digest={digest(spider.fetched)}")
    print(f"peak_rss_mb={peak_rss_mb():.1f}")


if __name__ == "__main__":
    main()
