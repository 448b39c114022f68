//! The shapes of bench-data/tune-matrix.toml.

use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::gendata::parse_size;

/// One simfs model and the tree it serves.
#[derive(Debug, Clone, Deserialize)]
pub struct Shape {
    /// Short name, used in file names and tables.
    pub name: String,
    /// `preload-simfs` flags.
    pub flags: Vec<String>,
    /// Files in the tree.
    pub files: usize,
    /// Size of each file (`256MiB`).
    pub size: String,
    /// What the shape is meant to show.
    pub note: String,
}

#[derive(Debug, Deserialize)]
struct MatrixFile {
    shape: Vec<Shape>,
}

/// Reads the matrix.
pub fn load(path: &Path) -> Result<Vec<Shape>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let m: MatrixFile = toml::from_str(&text).with_context(|| format!("{}", path.display()))?;
    Ok(m.shape)
}

impl Shape {
    /// Sparse backing files: simfs emulates the timing, the bytes do not
    /// matter, and sparse files cost neither disk nor tmpfs memory.
    pub fn create_backing(&self, dir: &Path) -> Result<()> {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let size = parse_size(&self.size)?;
        for i in 0..self.files {
            let f = std::fs::File::create(dir.join(format!("part-{i:05}.bin")))?;
            f.set_len(size)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_matrix_parses_and_has_at_least_15_shapes() {
        let shapes =
            load(&crate::gendata::workspace_root().join("bench-data/tune-matrix.toml")).unwrap();
        assert!(shapes.len() >= 15, "{}", shapes.len());
        for s in &shapes {
            parse_size(&s.size).unwrap();
            assert!(s.files > 0 && !s.flags.is_empty(), "{}", s.name);
        }
    }
}
