//! The tour's subcommands, one file each: the seed's program (`seed`), the
//! tour, `compare`, `chaos` and `bench`. The tool's own commands (`fetch`, `crawl`,
//! `crawl-status`, `serve`) are in `src/cli/`. Each demo checks its
//! own result and fails if the check fails. They use only the library's
//! public API, so each doubles as an example of it; `seed` uses reqwest and
//! scraper directly, since it is the lesson the library grows from.

pub mod bench;
pub mod chaos;
pub mod compare;
pub mod floors;
pub mod probe;
pub mod seed;
pub mod tour;
pub mod versus;

pub use crate::cli::commands::scraper;
use url::Url;
use web_scraper::site;

/// The bundled site's public pages: every HTML file outside `/private/`.
pub fn bundled_pages(base: &Url) -> Vec<Url> {
    site::FILES
        .iter()
        .map(|(path, _)| *path)
        .filter(|path| path.ends_with(".html") && !path.starts_with("/private/"))
        .map(|path| base.join(path).expect("site paths are valid URLs"))
        .collect()
}

/// A demo's settings as its command line gives them with no flags, so each
/// default is written once, in its `#[arg]` attribute.
pub fn defaults<A: clap::Args>() -> A {
    let matches = A::augment_args(clap::Command::new("defaults")).get_matches_from(["defaults"]);
    A::from_arg_matches(&matches).expect("every flag of a demo has a default")
}
