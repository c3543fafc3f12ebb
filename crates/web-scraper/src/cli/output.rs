//! Printing results: one line or record per URL on stdout, a progress bar
//! on stderr only when stderr is a terminal, and the summary at the end.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use std::io::{IsTerminal, Write};
use web_scraper::crawl::{PageResult, Summary};

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The seed's "Fetched N characters from URL", one line per URL.
    Text,
    /// One JSON document at the end: `{"results": [...], "summary": {...}}`.
    Json,
    /// One JSON record per line as results arrive, then `{"summary": {...}}`.
    Jsonl,
}

/// Where results go while a run is in progress.
pub struct Output {
    format: Format,
    progress: ProgressBar,
    /// Kept for `Format::Json`, which prints everything at the end.
    results: Vec<PageResult>,
}

impl Output {
    /// Output in `format`, with a progress bar on stderr when it is a terminal.
    pub fn new(format: Format) -> Self {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let progress = ProgressBar::with_draw_target(None, target);
        progress.set_style(
            ProgressStyle::with_template("{spinner} {pos} URLs done, {per_sec} [{elapsed}]")
                .expect("a valid template"),
        );
        Self {
            format,
            progress,
            results: Vec::new(),
        }
    }

    /// Records one URL's result, printing it now unless the format waits.
    pub fn result(&mut self, result: &PageResult) {
        self.progress.inc(1);
        let line = match self.format {
            Format::Text => text_line(result),
            Format::Jsonl => serde_json::to_string(result).expect("results serialize"),
            Format::Json => {
                self.results.push(result.clone());
                return;
            }
        };
        self.progress.suspend(|| print_line(&line));
    }

    /// Clears the progress bar and prints the summary.
    pub fn finish(self, summary: &Summary) {
        self.progress.finish_and_clear();
        let text = match self.format {
            Format::Text => summary_line(summary),
            Format::Jsonl => {
                serde_json::to_string(&SummaryRecord { summary }).expect("the summary serializes")
            }
            Format::Json => serde_json::to_string_pretty(&Document {
                results: &self.results,
                summary,
            })
            .expect("results serialize"),
        };
        print_line(&text);
    }
}

#[derive(Serialize)]
struct SummaryRecord<'a> {
    summary: &'a Summary,
}

#[derive(Serialize)]
struct Document<'a> {
    results: &'a [PageResult],
    summary: &'a Summary,
}

/// Writes a line to stdout, without the panic of `println!` when stdout
/// is closed (`| head`).
///
/// A line that cannot be written ends the process with exit code 1, at
/// once: a crawl acknowledges a page once its record is printed, so going
/// on would acknowledge pages whose records are lost. Ended here, a shared
/// crawl's unacknowledged pages go to the other crawlers, as after a kill.
/// (Rust ignores SIGPIPE, so a closed pipe arrives here as an error.)
pub fn print_line(line: &str) {
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = writeln!(stdout, "{line}") {
        eprintln!(
            "cannot write to stdout ({error}); stopping before anything more is acknowledged"
        );
        std::process::exit(1);
    }
}

/// The seed's line for a page, or what went wrong.
pub fn text_line(result: &PageResult) -> String {
    match &result.error {
        // A redirect a crawl queued rather than followed: no page, no title.
        None if result.title.is_none() => format!(
            "Redirected {} to {}",
            result.url,
            result.final_url.as_deref().unwrap_or("?")
        ),
        None => {
            let mut line = format!("Fetched {} characters from {}", result.chars, result.url);
            if let Some(final_url) = result.final_url.as_deref().filter(|u| *u != result.url) {
                line.push_str(&format!(" (redirected to {final_url})"));
            }
            line
        }
        Some(error) => format!("Failed {}: {error}", result.url),
    }
}

/// The summary line that ends every run.
pub fn summary_line(summary: &Summary) -> String {
    let mut line = format!(
        "Summary: {} ok, {} failed, {} retried, {} robots-skipped, {} deduped, {} out of scope; \
         {} fetched in {:.2} s, {:.1} pages/s",
        summary.ok,
        summary.failed,
        summary.retried,
        summary.robots_skipped,
        summary.deduped,
        summary.out_of_scope,
        summary.ok + summary.failed,
        summary.elapsed_s,
        summary.pages_per_s,
    );
    if summary.interrupted {
        line.push_str(" (interrupted)");
    }
    line
}
