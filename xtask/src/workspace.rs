//! Where things are: the workspace root, the example crates, cargo itself.

use anyhow::{Context, Result, ensure};
use serde_json::Value;
use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The name of the file each example keeps its expected tour output in.
pub const EXPECTED_OUTPUT: &str = "expected-output.txt";

/// One example crate under `crates/`. Its folder, package and binary share
/// one name.
#[derive(Debug, Clone)]
pub struct Example {
    pub name: String,
    pub dir: PathBuf,
}

impl Example {
    pub fn expected_output(&self) -> PathBuf {
        self.dir.join(EXPECTED_OUTPUT)
    }

    /// The built binary, for a profile directory such as `debug`.
    pub fn binary(&self, target_dir: &Path, profile: &str) -> PathBuf {
        target_dir.join(profile).join(&self.name)
    }
}

/// The workspace root: the xtask package sits one level below it.
pub fn root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// Every example crate, sorted by name.
pub fn examples(root: &Path) -> Result<Vec<Example>> {
    let crates_dir = root.join("crates");
    let mut examples = Vec::new();
    let entries = std::fs::read_dir(&crates_dir)
        .with_context(|| format!("reading {}", crates_dir.display()))?;
    for entry in entries {
        let dir = entry?.path();
        if dir.join("Cargo.toml").is_file() {
            let name = dir
                .file_name()
                .and_then(|name| name.to_str())
                .context("example folder names must be UTF-8")?
                .to_string();
            examples.push(Example { name, dir });
        }
    }
    examples.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(examples)
}

/// A name on the command line that is not an example: bad input, exit 2.
#[derive(Debug)]
pub struct UnknownExample {
    pub name: String,
    pub known: Vec<String>,
}

impl std::fmt::Display for UnknownExample {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "no example crate is called `{}`; the examples are: {}",
            self.name,
            self.known.join(", ")
        )
    }
}

impl std::error::Error for UnknownExample {}

/// Keeps the examples named in `only` (all of them when it is empty), and
/// fails on a name that is not an example.
pub fn select(all: Vec<Example>, only: &[String]) -> Result<Vec<Example>, UnknownExample> {
    if let Some(name) = only
        .iter()
        .find(|name| !all.iter().any(|example| &example.name == *name))
    {
        let known = all.into_iter().map(|example| example.name).collect();
        return Err(UnknownExample {
            name: name.clone(),
            known,
        });
    }
    Ok(all
        .into_iter()
        .filter(|example| only.is_empty() || only.contains(&example.name))
        .collect())
}

/// Cargo, as the one that started us (`$CARGO`), or from `PATH`.
pub fn cargo() -> Command {
    Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// `cargo metadata` for the workspace's own packages.
pub fn metadata(root: &Path) -> Result<Value> {
    let output = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .stderr(Stdio::inherit())
        .output()
        .context("running cargo metadata")?;
    ensure!(
        output.status.success(),
        "cargo metadata failed: {}",
        output.status
    );
    serde_json::from_slice(&output.stdout).context("parsing cargo metadata output")
}

/// The target directory cargo uses for this workspace.
pub fn target_dir(metadata: &Value) -> Result<PathBuf> {
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .context("cargo metadata has no target_directory")
}

/// Builds the binaries of the given examples once, in one cargo call.
pub fn build(root: &Path, examples: &[Example], release: bool) -> Result<()> {
    let mut command = cargo();
    command.arg("build").arg("--bins").current_dir(root);
    for example in examples {
        command.args(["--package", &example.name]);
    }
    if release {
        command.arg("--release");
    }
    let status = command.status().context("running cargo build")?;
    ensure!(status.success(), "cargo build failed: {status}");
    Ok(())
}

/// The profile directory name under the target dir.
pub fn profile_dir(release: bool) -> &'static str {
    if release { "release" } else { "debug" }
}
