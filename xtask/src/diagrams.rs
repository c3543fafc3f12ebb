//! `cargo xtask diagrams`: every Mermaid block in the repository's
//! Markdown, rendered by mermaid-cli in a real browser (Debian's Chromium),
//! the way a reader's page draws it. A block that does not parse fails, and
//! so does one wider than [`MAX_WIDTH`], whose text a README column would
//! shrink below reading size.
//!
//! mermaid-cli comes from npm, pinned in `.ci/mermaid/package-lock.json`:
//!
//! ```sh
//! PUPPETEER_SKIP_DOWNLOAD=1 npm ci --prefix .ci/mermaid   # no browser download
//! apt-get install chromium                                # or set CHROMIUM
//! cargo xtask diagrams --out target/diagrams              # and look at the PNGs
//! ```

use crate::markdown;
use anyhow::{Context, Result, bail, ensure};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The widest a diagram may draw, in CSS pixels. A README column on
/// GitHub is about 900 px wide; a diagram much wider is scaled down until
/// its 16 px text is too small to read.
pub const MAX_WIDTH: f64 = 1000.0;

/// Where mermaid-cli is installed, under the workspace.
pub const MERMAID_CLI: &str = ".ci/mermaid";

/// One Mermaid block of a document.
#[derive(Debug, Clone)]
pub struct Diagram {
    /// The document, relative to the workspace.
    pub file: String,
    /// The line of its opening fence.
    pub line: usize,
    pub source: String,
}

impl std::fmt::Display for Diagram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Every Mermaid block of the Markdown files git tracks under `root`.
pub fn find(root: &Path) -> Result<Vec<Diagram>> {
    let output = Command::new("git")
        .args(["ls-files", "-z", "--", "*.md"])
        .current_dir(root)
        .output()
        .context("running git ls-files")?;
    ensure!(output.status.success(), "git ls-files failed");
    let mut diagrams = Vec::new();
    for file in String::from_utf8(output.stdout)?.split('\0') {
        if file.is_empty() {
            continue;
        }
        let text =
            fs::read_to_string(root.join(file)).with_context(|| format!("reading {file}"))?;
        for block in markdown::fenced(&text) {
            if block.info == "mermaid" {
                diagrams.push(Diagram {
                    file: file.to_string(),
                    line: block.line,
                    source: block.body,
                });
            }
        }
    }
    Ok(diagrams)
}

/// The renderer: mermaid-cli's `mmdc`, driving a Chromium it did not
/// download.
pub struct Renderer {
    mmdc: PathBuf,
    /// Puppeteer's settings, and the scratch files.
    scratch: PathBuf,
}

impl Renderer {
    /// Finds `mmdc` (`$MMDC`, or the one under [`MERMAID_CLI`]) and
    /// Chromium (`$CHROMIUM`, or Debian's), each with how to install it
    /// when it is missing.
    pub fn new(root: &Path, scratch: &Path) -> Result<Self> {
        let mmdc = std::env::var_os("MMDC").map_or_else(
            || root.join(MERMAID_CLI).join("node_modules/.bin/mmdc"),
            PathBuf::from,
        );
        ensure!(
            mmdc.is_file(),
            "no mermaid-cli at {}; install it with `PUPPETEER_SKIP_DOWNLOAD=1 npm ci --prefix {MERMAID_CLI}`, or set MMDC",
            mmdc.display()
        );
        let chromium = std::env::var_os("CHROMIUM")
            .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
        ensure!(
            chromium.is_file(),
            "no Chromium at {}; install Debian's (`apt-get install chromium`), or set CHROMIUM",
            chromium.display()
        );
        fs::create_dir_all(scratch)?;
        // Root in a container needs --no-sandbox; the rest keep a browser
        // on a machine with no network from trying to reach one.
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Puppeteer<'a> {
            executable_path: &'a Path,
            headless: &'a str,
            args: [&'a str; 6],
        }
        let puppeteer = serde_json::to_string(&Puppeteer {
            executable_path: &chromium,
            headless: "shell",
            args: [
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        })?;
        fs::write(scratch.join("puppeteer.json"), puppeteer)?;
        Ok(Self {
            mmdc,
            scratch: scratch.to_path_buf(),
        })
    }

    /// Renders `source` to SVG, and to PNG too when `png` says where;
    /// returns the SVG. A block that does not parse is an error carrying
    /// mermaid's message.
    pub fn render(&self, source: &str, png: Option<&Path>) -> Result<String> {
        let input = self.scratch.join("diagram.mmd");
        let svg = self.scratch.join("diagram.svg");
        fs::write(&input, source)?;
        let _ = fs::remove_file(&svg);
        self.mmdc(&input, &svg, &[])?;
        if let Some(png) = png {
            // Twice the pixels, as a screen shows it.
            self.mmdc(&input, png, &["--scale", "2"])?;
        }
        fs::read_to_string(&svg).context("reading mermaid-cli's SVG")
    }

    fn mmdc(&self, input: &Path, output: &Path, extra: &[&str]) -> Result<()> {
        let result = Command::new(&self.mmdc)
            .arg("--puppeteerConfigFile")
            .arg(self.scratch.join("puppeteer.json"))
            .arg("--quiet")
            .arg("--input")
            .arg(input)
            .arg("--output")
            .arg(output)
            .args(extra)
            .output()
            .with_context(|| format!("running {}", self.mmdc.display()))?;
        if !result.status.success() {
            let stderr = String::from_utf8_lossy(&result.stderr);
            // mermaid's own message, without the stack under it.
            let message: Vec<&str> = stderr
                .lines()
                .filter(|line| !line.trim_start().starts_with("at "))
                .take(8)
                .collect();
            bail!("mermaid-cli failed: {}", message.join("\n"));
        }
        Ok(())
    }
}

/// The width an SVG draws at: its `viewBox`'s.
pub fn width(svg: &str) -> Result<f64> {
    let root = svg.find("<svg").context("no <svg> element")?;
    let tag = &svg[root..root + svg[root..].find('>').context("an unclosed <svg>")?];
    let view_box = tag
        .split("viewBox=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .context("the <svg> has no viewBox")?;
    let numbers: Vec<f64> = view_box
        .split([' ', ','])
        .filter(|part| !part.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .with_context(|| format!("a viewBox that is not four numbers: {view_box:?}"))?;
    match numbers[..] {
        [_, _, width, _] => Ok(width),
        _ => bail!("a viewBox that is not four numbers: {view_box:?}"),
    }
}

/// What is wrong with a diagram that drew `svg`, if anything.
pub fn check(svg: &str) -> Result<f64, String> {
    let width = width(svg).map_err(|error| format!("{error:#}"))?;
    if width > MAX_WIDTH {
        return Err(format!(
            "{width:.0} px wide, over {MAX_WIDTH:.0}: at a README's width its text is {:.0} px; draw it top to bottom, shorten its labels, or split it",
            16.0 * 900.0 / width
        ));
    }
    Ok(width)
}

/// Renders every diagram under `root`, writing a PNG of each into `out`
/// when given; prints one line per diagram and returns whether all passed.
pub fn run(root: &Path, out: Option<&Path>) -> Result<bool> {
    let diagrams = find(root)?;
    let scratch = root.join("target/diagrams-scratch");
    let renderer = Renderer::new(root, &scratch)?;
    if let Some(out) = out {
        fs::create_dir_all(out)?;
    }
    let mut failed = 0;
    for diagram in &diagrams {
        let png = out.map(|out| {
            out.join(format!(
                "{}-{}.png",
                diagram.file.replace(['/', '.'], "-"),
                diagram.line
            ))
        });
        let verdict = renderer
            .render(&diagram.source, png.as_deref())
            .map_err(|error| format!("{error:#}"))
            .and_then(|svg| check(&svg));
        match verdict {
            Ok(width) => println!("diagrams: {diagram}: rendered, {width:.0} px wide"),
            Err(problem) => {
                failed += 1;
                println!("diagrams: {diagram}: {problem}");
            }
        }
    }
    let _ = fs::remove_dir_all(&scratch);
    println!(
        "diagrams: {} of {} rendered within {MAX_WIDTH:.0} px",
        diagrams.len() - failed,
        diagrams.len()
    );
    Ok(failed == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_width_is_the_view_boxes() {
        let svg = r#"<?xml?><svg id="x" width="100%" viewBox="4 4 2207.359375 332" style="max-width: 2207px"><g/></svg>"#;
        assert_eq!(width(svg).unwrap(), 2207.359375);
        assert_eq!(
            width(r#"<svg viewBox="-175.5,-10,1037,693">"#).unwrap(),
            1037.0
        );
        assert!(width("<svg>").is_err());
        assert!(width(r#"<svg viewBox="0 0 10">"#).is_err());
    }

    #[test]
    fn a_diagram_too_wide_fails_and_one_that_fits_passes() {
        assert_eq!(check(r#"<svg viewBox="4 4 864 832">"#), Ok(864.0));
        let wide = check(r#"<svg viewBox="4 4 2051.98 475.3">"#).unwrap_err();
        assert!(wide.starts_with("2052 px wide, over 1000"), "{wide}");
        assert!(wide.contains("its text is 7 px"), "{wide}");
    }
}
