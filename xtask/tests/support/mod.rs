//! What the xtask's tests share: a temporary folder of their own.

use std::fs;
use std::path::PathBuf;

/// A temporary folder, named after its test and this process, removed
/// when the test ends.
pub struct Scratch(pub PathBuf);

// Each test file is its own crate, and not every one writes or reads.
#[allow(dead_code)]
impl Scratch {
    pub fn new(test: &str) -> Self {
        let path = std::env::temp_dir().join(format!("xtask-{test}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        Scratch(path)
    }

    /// Writes `text` to `relative`, making its folders.
    pub fn write(&self, relative: &str, text: &str) {
        let path = self.0.join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    pub fn read(&self, relative: &str) -> String {
        fs::read_to_string(self.0.join(relative)).unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}
