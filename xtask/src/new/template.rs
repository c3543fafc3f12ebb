//! What a crate's manifest tells `new`, and the renaming of its files.

use crate::workspace::{self, Example};
use anyhow::{Context, Result};
use std::fs;
use std::path::{Path, PathBuf};

/// What a crate's manifest says of it as a template, under
/// `[package.metadata.template]`.
#[derive(Default)]
pub struct TemplateTable {
    /// Files of its tour beyond the usual ones ([`TOUR`](super::TOUR)), such as tests
    /// that run its demos: `tour = [...]`.
    pub tour: Vec<PathBuf>,
    /// Files copied as they are, not renamed, such as a test site whose
    /// character counts the expected output records: `verbatim = [...]`.
    pub verbatim: Vec<PathBuf>,
    /// The `main.rs` of a `--lib-only` copy, when the library's front-page
    /// example is not the crate's tool (web-scraper's command line, say):
    /// `lib-only-main = """..."""`.
    pub lib_only_main: Option<String>,
}

pub fn template_table(root: &Path, example: &Example) -> Result<TemplateTable> {
    let metadata = workspace::metadata(root)?;
    let Some(package) = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|package| package["name"] == example.name.as_str())
    else {
        return Ok(TemplateTable::default());
    };
    let paths = |key: &str| -> Vec<PathBuf> {
        package["metadata"]["template"][key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|path| path.as_str())
            .map(PathBuf::from)
            .collect()
    };
    Ok(TemplateTable {
        tour: paths("tour"),
        verbatim: paths("verbatim"),
        lib_only_main: package["metadata"]["template"]["lib-only-main"]
            .as_str()
            .map(String::from),
    })
}

/// The manifest without the `[package.metadata.template]` table (and the
/// comments just above it), which only the template needs.
pub fn without_template_table(manifest: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    let mut skipping = false;
    for line in manifest.lines() {
        let header = line.trim_start().starts_with('[');
        if line.trim() == "[package.metadata.template]" {
            while kept.last().is_some_and(|above| above.starts_with('#')) {
                kept.pop();
            }
            skipping = true;
            continue;
        }
        if skipping && !header {
            continue;
        }
        skipping = false;
        kept.push(line);
    }
    let text = kept.join("\n");
    format!("{}\n", text.trim_end())
}

/// Replaces the old crate's name by the new one, in both spellings and in
/// the case each occurrence is written in.
pub struct Renamer {
    pairs: Vec<(String, String)>,
}

impl Renamer {
    pub fn new(old: &str, new: &str) -> Self {
        let spellings = |name: &str| [name.replace('_', "-"), name.replace('-', "_")];
        let [old_kebab, old_snake] = spellings(old);
        let [new_kebab, new_snake] = spellings(new);
        let mut pairs = Vec::new();
        for (old, new) in [(old_kebab, new_kebab), (old_snake, new_snake)] {
            pairs.push((old.to_uppercase(), new.to_uppercase()));
            pairs.push((title_case(&old), title_case(&new)));
            pairs.push((old, new));
        }
        pairs.dedup();
        Renamer { pairs }
    }

    pub fn apply(&self, text: &str) -> String {
        self.pairs
            .iter()
            .fold(text.to_string(), |text, (old, new)| text.replace(old, new))
    }
}

fn title_case(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Every file under `dir`, as paths relative to the crate's folder.
pub(super) fn collect(dir: &Path, relative: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir.join(relative))
        .with_context(|| format!("reading {}", dir.join(relative).display()))?
        .collect::<std::io::Result<_>>()?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let path = relative.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            collect(dir, &path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}
