//! `fetch URL...` and `crawl URL`: the library's `Scraper` at work, with
//! every guard on (limits, timeouts, retries, a body cap, robots.txt).

use super::scraper;
use anyhow::Result;
use std::process::ExitCode;
use url::Url;
use web_scraper::client::FetchConfig;
use web_scraper::crawl::{self, CrawlOptions, Summary};
use web_scraper::output::{Format, Output, print_line};

/// `fetch`: every URL at once, within the limits; the seed's output.
pub async fn fetch(urls: Vec<Url>, config: FetchConfig, format: Format) -> Result<Summary> {
    let mut output = Output::new(format);
    let summary = scraper(config)?
        .fetch_all(urls, crawl::ctrl_c(), |result| output.result(result))
        .await;
    if format == Format::Text && !summary.interrupted {
        print_line("All web pages fetched");
    }
    output.finish(&summary);
    Ok(summary)
}

/// `crawl`: breadth first from `start`.
pub async fn crawl(
    start: Url,
    options: &CrawlOptions,
    config: FetchConfig,
    format: Format,
) -> Result<Summary> {
    let mut output = Output::new(format);
    let summary = scraper(config)?
        .crawl(start, options, crawl::ctrl_c(), |result| {
            output.result(result)
        })
        .await;
    output.finish(&summary);
    Ok(summary)
}

/// The exit code for a finished `fetch` or `crawl`.
pub fn exit_code(summary: &Summary, fail_on_error: bool) -> ExitCode {
    if summary.interrupted {
        ExitCode::from(130)
    } else if fail_on_error && summary.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
