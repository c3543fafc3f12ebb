//! A concurrent, polite web scraper and crawler: Python's threads +
//! `requests` + BeautifulSoup, rebuilt on tokio, reqwest and scraper, with
//! an embedded server so that it all runs offline.
//!
//! - [`client`]: fetching one URL, with limits, timeouts, retries, a body cap
//!   and charset decoding;
//! - [`parse`]: reading a page into owned data;
//! - [`crawl`]: many URLs at once, and breadth-first crawls;
//! - [`robots`]: robots.txt by RFC 9309;
//! - [`server`]: the bundled site, any folder, and the fault routes;
//! - [`output`]: text, JSON and JSON-lines results.

pub mod client;
pub mod crawl;
pub mod output;
pub mod parse;
pub mod robots;
pub mod server;
pub mod site;
